// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * What the PDF benchmark's parent (bench/pdf.ts) and children (bench/pdfChild.ts, bench/pdfVerify.ts)
 * share: constants, argument and result shapes, the peak-RSS probe. No heavy imports.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const SIGNPDF_VERSION = '3.3.0';
export const P12_PASSWORD = 'test1234';
export const SIGNING_TIME = new Date('2026-11-01T08:00:00Z');

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Peak resident set size of this process so far (bytes), from /proc/self/status. */
/** Named phase times (`lap('read')` closes the phase since the previous lap) and the total since creation. */
export function phaseTimer(): { phases: Record<string, number>; lap: (name: string) => void; totalMs: () => number } {
  const phases: Record<string, number> = {};
  const t0 = performance.now();
  let t = t0;
  return {
    phases,
    lap: (name) => {
      const now = performance.now();
      phases[name] = round(now - t, 2);
      t = now;
    },
    totalMs: () => round(performance.now() - t0, 2),
  };
}

export function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export interface StampArgs {
  readonly input: string;
  readonly output: string;
  readonly keyPem: string;
  readonly certPem: string;
  readonly p12: string;
}

/** Child mode `stamp-sealpdf` (bench/pdfChildSealPdf.ts). */
export interface SealPdfArgs {
  readonly input: string;
  readonly output: string;
  readonly softhsmConf: string;
  readonly pkcs11Module: string;
  readonly pin: string;
  readonly sealId: string;
  readonly stateDir: string;
}

export interface ChildResult {
  readonly ms: number;
  readonly peakRssBytes: number;
  readonly phases?: Record<string, number>;
  readonly [k: string]: unknown;
}

export interface TrustFiles {
  readonly root: string;
  readonly inter: string;
}

export interface VerifySummary {
  readonly path: string;
  readonly signatures: number;
  readonly valid: number;
}
