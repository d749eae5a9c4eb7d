// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Hashing the signed part of a PDF: the two `/ByteRange` ranges `[a, a+b)` and `[c, c+d)`.
 *
 * Design rationale (documents.md §1.1, §6.2): the ranges are hashed as views into the input, in
 * 1 MiB steps, never concatenated, so a 100 MB file costs no extra copy. SHA-256 uses
 * `@noble/hashes` because WebCrypto's `digest` has no incremental form; SM3 uses `createSm3`
 * (native when the agent registered OpenSSL). The function is async so a faster back end can be
 * slotted in later without changing callers.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { createSm3 } from '../crypto/sm3.js';
import { SealError } from '../errors/index.js';

export type PdfDigestAlgorithm = 'SM3' | 'SHA-256';

/** An incremental hash a caller can supply (e.g. the agent's `node:crypto` SHA-256, ~20× noble's speed). */
export interface IncrementalHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}
export type ByteRange = readonly [number, number, number, number];

const CHUNK = 1024 * 1024;

/** Throws ERR_PDF_MALFORMED unless `br` is four non-negative integers with both ranges inside the file. */
export function checkByteRangeBounds(br: readonly number[], fileLength: number): asserts br is ByteRange {
  const bad = (reason: string) => new SealError('ERR_PDF_MALFORMED', { reason: `/ByteRange ${reason}` });
  if (br.length !== 4 || !br.every((x) => Number.isSafeInteger(x) && x >= 0)) throw bad('is not four non-negative integers');
  const [a, b, c, d] = br as unknown as ByteRange;
  if (a + b > fileLength || c + d > fileLength) throw bad('extends beyond the end of the file');
  if (c < a + b) throw bad('ranges overlap or are out of order');
}

/**
 * Digest of the bytes covered by `byteRange`. `options.hasher`, when given, replaces the built-in
 * implementation of `alg` (the caller vouches that it computes `alg`).
 */
export function pdfByteRangeDigest(bytes: Uint8Array, byteRange: readonly number[], alg: PdfDigestAlgorithm, options: { hasher?: IncrementalHash } = {}): Promise<Uint8Array> {
  try {
    return Promise.resolve(digestSync(bytes, byteRange, alg, options.hasher));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

function digestSync(bytes: Uint8Array, byteRange: readonly number[], alg: PdfDigestAlgorithm, hasher?: IncrementalHash): Uint8Array {
  checkByteRangeBounds(byteRange, bytes.length);
  const [a, b, c, d] = byteRange;
  const h: IncrementalHash | undefined = alg === 'SM3' ? (hasher ?? createSm3()) : alg === 'SHA-256' ? (hasher ?? sha256.create()) : undefined;
  if (h === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: String(alg) });
  for (const [start, len] of [
    [a, b],
    [c, d],
  ] as const) {
    for (let p = start; p < start + len; p += CHUNK) h.update(bytes.subarray(p, Math.min(start + len, p + CHUNK)));
  }
  return Uint8Array.from(h.digest());
}
