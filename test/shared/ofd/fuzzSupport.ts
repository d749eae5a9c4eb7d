// SPDX-License-Identifier: Apache-2.0
/** Deterministic mutation helpers for the OFD fuzz tests (seeded PRNG, no wall clock). */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { registerSm3Backend } from '../../../shared/crypto/sm3.js';
import { isErrorCode } from '../../../shared/errors/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';

/**
 * Uses Node's OpenSSL SM3 as the shared/crypto back end, as the agent and `eseal` do at startup
 * (the pure-TS SM3 stays the reference; the back end is self-tested on registration).
 */
export function useNativeSm3(): void {
  registerSm3Backend({ create: () => createHash('sm3') });
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/** One random byte-level mutation: flip, overwrite run, delete run, insert run, truncate. */
export function mutateBytes(rand: () => number, input: Uint8Array): Uint8Array {
  const b = new Uint8Array(input);
  const kind = int(rand, 5);
  const at = int(rand, Math.max(1, b.length));
  const len = 1 + int(rand, 16);
  switch (kind) {
    case 0:
      b[at] = (b[at] ?? 0) ^ (1 << int(rand, 8));
      return b;
    case 1:
      for (let i = 0; i < len && at + i < b.length; i++) b[at + i] = int(rand, 256);
      return b;
    case 2: {
      const end = Math.min(b.length, at + len);
      const out = new Uint8Array(b.length - (end - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(end), at);
      return out;
    }
    case 3: {
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, at));
      for (let i = 0; i < len; i++) out[at + i] = int(rand, 256);
      out.set(b.subarray(at), at + len);
      return out;
    }
    default:
      return b.subarray(0, at);
  }
}

const XML_SNIPPETS = ['<', '>', '&', '"', "'", '</a>', '<!--', ']]>', '<![CDATA[', '&amp;', '&#0;', '&#x110000;', '/../../x', '\u0000', 'BaseLoc="/x"', 'Type="Sign"', '<ofd:Reference FileRef="/nope"><ofd:CheckValue>AA==</ofd:CheckValue></ofd:Reference>', '\uFFFF', 'xmlns:ofd="x"'];

/** One random text mutation of an XML document. */
export function mutateXml(rand: () => number, text: string): string {
  const at = int(rand, Math.max(1, text.length));
  const kind = int(rand, 4);
  if (kind === 0) return text.slice(0, at) + (XML_SNIPPETS[int(rand, XML_SNIPPETS.length)] ?? '') + text.slice(at);
  if (kind === 1) return text.slice(0, at) + text.slice(at + 1 + int(rand, 40));
  if (kind === 2) return text.slice(0, at);
  // Swap two attribute values.
  const values = [...text.matchAll(/="([^"]*)"/g)];
  if (values.length < 2) return text + '<';
  const a = values[int(rand, values.length)];
  const c = values[int(rand, values.length)];
  if (a === undefined || c === undefined || a.index === undefined) return text;
  return text.slice(0, a.index) + `="${c[1] ?? ''}"` + text.slice(a.index + a[0].length);
}

/** Runs verifyDocument and asserts the contract: no throw; any error is a coded, non-internal code. */
export async function assertContract(bytes: Uint8Array, label: string): Promise<void> {
  let report;
  try {
    report = await verifyDocument(bytes, { now: new Date('2026-11-22T00:00:00Z'), includePictures: false });
  } catch (err) {
    throw new Error(`${label}: verifyDocument threw ${String(err)}`, { cause: err });
  }
  if (report.error !== undefined) {
    expect(isErrorCode(report.error.code), `${label}: ${report.error.code}`).toBe(true);
    expect(report.error.code, `${label}: ${report.error.message}`).not.toBe('ERR_INTERNAL');
    expect(report.indication).toBe('TOTAL_FAILED');
  }
  for (const s of report.signatures) {
    expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(s.indication);
    for (const c of s.checks) if (c.id.startsWith('ofd.') || c.id.startsWith('signature.structure')) {
      if (c.details?.code !== undefined) expect(isErrorCode(c.details.code), `${label}: ${String(c.details.code)}`).toBe(true);
    }
  }
}
