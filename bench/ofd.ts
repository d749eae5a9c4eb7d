// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Benchmark: full verification of a typical one-seal OFD (ZIP, XML, reference digests, SM3 dataHash,
 * SES_Signature with signer and maker SM2 signatures, certificate summaries). Target: median < 50 ms.
 * Imported by bench/index.ts; can also be run alone.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { verifyDocument } from '../shared/verify/verifyDocument.js';

const SAMPLES = ['gomain-jiangsu-tax-v4.ofd', 'ofdrw-v4-seal.ofd'];
const WARMUP = 3;
const RUNS = 15;
const TARGET_MS = 50;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Times verifyDocument on each sample: warm-up, then the median of RUNS runs (milliseconds). */
export async function benchOfd(options: { dir?: string; runs?: number } = {}): Promise<Record<string, unknown>> {
  const dir = options.dir ?? 'test/fixtures/samples/ofd';
  const runs = options.runs ?? RUNS;
  const results: Record<string, unknown> = { targetMs: TARGET_MS, warmup: WARMUP, runs };
  let worst = 0;
  for (const name of SAMPLES) {
    const bytes = new Uint8Array(readFileSync(`${dir}/${name}`));
    for (let i = 0; i < WARMUP; i++) await verifyDocument(bytes, { includePictures: false });
    const times: number[] = [];
    let indication = '';
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await verifyDocument(bytes, { includePictures: false });
      times.push(performance.now() - t0);
      indication = r.indication;
    }
    const m = median(times);
    worst = Math.max(worst, m);
    results[name] = { medianMs: Number(m.toFixed(2)), minMs: Number(Math.min(...times).toFixed(2)), maxMs: Number(Math.max(...times).toFixed(2)), bytes: bytes.length, indication };
  }
  results.worstMedianMs = Number(worst.toFixed(2));
  results.withinTarget = worst < TARGET_MS;
  return results;
}
