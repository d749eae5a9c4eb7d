// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Byte helpers shared by every crypto module: hex, base64, UTF-8, concatenation, comparison and
 * randomness, all on plain `Uint8Array`.
 *
 * Design rationale: `shared/` runs in the extension and in the agent, so nothing here touches
 * `Buffer` or `node:*`. Decoders are strict (odd-length hex, non-alphabet base64 characters and
 * bad padding are rejected with `ERR_INPUT_INVALID`) because these functions sit on trust
 * boundaries: lenient decoding lets two different strings mean the same bytes.
 */
import { SealError } from '../errors/index.js';
import { assertBytes, assertInteger, assertString, invalidInput } from './assert.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  assertBytes('bytes', bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number] as string;
  return out;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Bytes of a hex string (either case, even length, no prefix or separators). */
export function hexToBytes(hex: string): Uint8Array {
  assertString('hex', hex);
  if (hex.length % 2 !== 0) throw invalidInput('hex', 'odd number of hex digits');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i));
    const lo = hexNibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw invalidInput('hex', `non-hex character at ${hi < 0 ? 2 * i : 2 * i + 1}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** One new array holding all the inputs in order. */
export function concatBytes(...arrays: Uint8Array[]): Uint8Array {
  let total = 0;
  arrays.forEach((a, i) => {
    assertBytes(`arrays[${i}]`, a);
    total += a.length;
  });
  const out = new Uint8Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/**
 * Equality without an early exit on the first differing byte, so the time taken does not reveal
 * where a MAC or tag first differs ("constant-time-ish": JS gives no hard guarantee). Lengths are
 * public and compared first.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes('a', a);
  assertBytes('b', b);
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of `str`. */
export function utf8Encode(str: string): Uint8Array {
  assertString('str', str);
  return encoder.encode(str);
}

/** Decodes UTF-8 strictly: invalid sequences throw `ERR_INPUT_INVALID` instead of becoming U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  assertBytes('bytes', bytes);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'bytes', reason: 'invalid UTF-8' }, { cause });
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648 §4) with padding. */
export function base64Encode(bytes: Uint8Array): string {
  assertBytes('bytes', bytes);
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64[n >>> 18] as string;
    out += B64[(n >>> 12) & 63] as string;
    out += B64[(n >>> 6) & 63] as string;
    out += B64[n & 63] as string;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${B64[n >>> 18] as string}${B64[(n >>> 12) & 63] as string}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${B64[n >>> 18] as string}${B64[(n >>> 12) & 63] as string}${B64[(n >>> 6) & 63] as string}=`;
  }
  return out;
}

/**
 * Strict standard base64 decoding: the length must be a multiple of 4, only the RFC 4648 §4
 * alphabet, padding only at the end, and the unused bits of the last symbol must be zero (so each
 * byte string has exactly one accepted encoding). Whitespace is not skipped: PEM bodies are the
 * caller's job.
 */
export function base64Decode(str: string): Uint8Array {
  assertString('base64', str);
  if (str.length % 4 !== 0) throw invalidInput('base64', 'length is not a multiple of 4');
  let pad = 0;
  if (str.endsWith('==')) pad = 2;
  else if (str.endsWith('=')) pad = 1;
  const outLen = (str.length / 4) * 3 - pad;
  const out = new Uint8Array(outLen);
  const symbols = str.length - pad;
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < symbols; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? (B64_INDEX[c] as number) : -1;
    if (v < 0) throw invalidInput('base64', `invalid character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw invalidInput('base64', 'non-zero padding bits');
  return out;
}

/** `n` cryptographically secure random bytes from `globalThis.crypto.getRandomValues`. */
export function randomBytes(n: number): Uint8Array {
  assertInteger('n', n, 0, 1 << 20);
  const c = (globalThis as { crypto?: { getRandomValues?: <T extends ArrayBufferView>(a: T) => T } }).crypto;
  if (c?.getRandomValues === undefined) throw new SealError('ERR_CRYPTO_UNAVAILABLE', { feature: 'crypto.getRandomValues' });
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) c.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
