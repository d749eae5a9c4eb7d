// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * SM4 block cipher (GB/T 32907-2016, GM/T 0002-2012) with ECB, CBC (PKCS#7), CTR and GCM modes.
 *
 * Design rationale:
 * - Rounds use four 256-entry T-tables that fold the S-box and the linear transform L together
 *   (one lookup per byte instead of an S-box lookup plus four rotations). Table lookups indexed by
 *   key-dependent bytes are a cache-timing channel in principle; in a browser extension and a
 *   local agent the attacker would need code running on the same machine, which already defeats
 *   the software token. The T-tables are derived at load time from the S-box; the S-box itself is
 *   the standard's table (checked by the GB/T 32907 vectors and against OpenSSL in the tests).
 * - Round keys are expanded once per call. Callers here encrypt small things (key files, session
 *   blobs), so there is no key-schedule cache to invalidate or leak.
 * - ECB is exposed only as the raw building block (no padding, length must be a multiple of 16).
 *   CBC uses PKCS#7 padding; a bad pad after decryption is `ERR_CRYPTO_DECRYPT_FAILED`, the same
 *   code as a GCM tag mismatch, so a caller cannot accidentally build a padding oracle with
 *   distinguishable errors. New formats should use GCM (the software token's key file does).
 * - CTR increments the whole 128-bit counter block big-endian, as OpenSSL's `sm4-ctr` does.
 */
import { SealError } from '../errors/index.js';
import { assertBytes, assertBytesMultiple } from './assert.js';
import { gcmDecrypt, gcmEncrypt } from './gcm.js';

// GB/T 32907-2016 S-box.
const SBOX = Uint8Array.from([
  0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
  0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
  0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
  0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
  0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
  0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
  0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
  0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
  0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
  0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
  0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
  0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
  0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
  0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
  0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
  0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
]);

const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc];

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

// T-tables: T0[b] = L(S(b) << 24), T1..T3 the same rotated by 8, 16, 24.
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const b = (SBOX[i] as number) << 24;
  const l = b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24);
  T0[i] = l;
  T1[i] = rotl(l, 24);
  T2[i] = rotl(l, 16);
  T3[i] = rotl(l, 8);
}

function tauPrime(a: number): number {
  const b =
    ((SBOX[a >>> 24] as number) << 24) | ((SBOX[(a >>> 16) & 0xff] as number) << 16) | ((SBOX[(a >>> 8) & 0xff] as number) << 8) | (SBOX[a & 0xff] as number);
  return b ^ rotl(b, 13) ^ rotl(b, 23);
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number);
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** The 32 round keys; reversed for decryption. */
function expandKey(key: Uint8Array, decrypt: boolean): Int32Array {
  const rk = new Int32Array(32);
  let k0 = readU32(key, 0) ^ (FK[0] as number);
  let k1 = readU32(key, 4) ^ (FK[1] as number);
  let k2 = readU32(key, 8) ^ (FK[2] as number);
  let k3 = readU32(key, 12) ^ (FK[3] as number);
  for (let i = 0; i < 32; i++) {
    // CK[i] bytes are (4i + j)·7 mod 256 (GB/T 32907 key expansion).
    const ck = ((((28 * i) & 0xff) << 24) | (((28 * i + 7) & 0xff) << 16) | (((28 * i + 14) & 0xff) << 8) | ((28 * i + 21) & 0xff)) | 0;
    const next = k0 ^ tauPrime(k1 ^ k2 ^ k3 ^ ck);
    rk[decrypt ? 31 - i : i] = next;
    k0 = k1;
    k1 = k2;
    k2 = k3;
    k3 = next;
  }
  return rk;
}

function cryptBlock(rk: Int32Array, src: Uint8Array, so: number, dst: Uint8Array, dOff: number): void {
  let x0 = readU32(src, so);
  let x1 = readU32(src, so + 4);
  let x2 = readU32(src, so + 8);
  let x3 = readU32(src, so + 12);
  for (let i = 0; i < 32; i += 4) {
    let t = x1 ^ x2 ^ x3 ^ (rk[i] as number);
    x0 ^= (T0[t >>> 24] as number) ^ (T1[(t >>> 16) & 0xff] as number) ^ (T2[(t >>> 8) & 0xff] as number) ^ (T3[t & 0xff] as number);
    t = x2 ^ x3 ^ x0 ^ (rk[i + 1] as number);
    x1 ^= (T0[t >>> 24] as number) ^ (T1[(t >>> 16) & 0xff] as number) ^ (T2[(t >>> 8) & 0xff] as number) ^ (T3[t & 0xff] as number);
    t = x3 ^ x0 ^ x1 ^ (rk[i + 2] as number);
    x2 ^= (T0[t >>> 24] as number) ^ (T1[(t >>> 16) & 0xff] as number) ^ (T2[(t >>> 8) & 0xff] as number) ^ (T3[t & 0xff] as number);
    t = x0 ^ x1 ^ x2 ^ (rk[i + 3] as number);
    x3 ^= (T0[t >>> 24] as number) ^ (T1[(t >>> 16) & 0xff] as number) ^ (T2[(t >>> 8) & 0xff] as number) ^ (T3[t & 0xff] as number);
  }
  // output is the reverse order (X35, X34, X33, X32)
  writeU32(dst, dOff, x3);
  writeU32(dst, dOff + 4, x2);
  writeU32(dst, dOff + 8, x1);
  writeU32(dst, dOff + 12, x0);
}

function checkKey(key: unknown): asserts key is Uint8Array {
  assertBytes('key', key, 16);
}

/** Encrypts one 16-byte block. */
export function sm4EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes('block', block, 16);
  const out = new Uint8Array(16);
  cryptBlock(expandKey(key, false), block, 0, out, 0);
  return out;
}

/** Decrypts one 16-byte block. */
export function sm4DecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes('block', block, 16);
  const out = new Uint8Array(16);
  cryptBlock(expandKey(key, true), block, 0, out, 0);
  return out;
}

function ecb(key: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  checkKey(key);
  assertBytesMultiple('data', data, 16);
  const rk = expandKey(key, decrypt);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 16) cryptBlock(rk, data, o, out, o);
  return out;
}

/** ECB encryption without padding; `data` must be a multiple of 16 bytes. */
export function sm4EcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return ecb(key, data, false);
}

/** ECB decryption without padding; `data` must be a multiple of 16 bytes. */
export function sm4EcbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return ecb(key, data, true);
}

/** CBC encryption with PKCS#7 padding (output is 1–16 bytes longer than the input). */
export function sm4CbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes('iv', iv, 16);
  assertBytes('data', data);
  const pad = 16 - (data.length % 16);
  const out = new Uint8Array(data.length + pad);
  out.set(data);
  out.fill(pad, data.length);
  const rk = expandKey(key, false);
  const chain = iv.slice();
  for (let o = 0; o < out.length; o += 16) {
    for (let i = 0; i < 16; i++) out[o + i] = (out[o + i] as number) ^ (chain[i] as number);
    cryptBlock(rk, out, o, out, o);
    chain.set(out.subarray(o, o + 16));
  }
  return out;
}

/** CBC decryption with PKCS#7 unpadding; a bad length or pad is `ERR_CRYPTO_DECRYPT_FAILED`. */
export function sm4CbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes('iv', iv, 16);
  assertBytes('data', data);
  if (data.length === 0 || data.length % 16 !== 0) throw new SealError('ERR_CRYPTO_DECRYPT_FAILED');
  const rk = expandKey(key, true);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 16) {
    cryptBlock(rk, data, o, out, o);
    const prev = o === 0 ? iv : data.subarray(o - 16, o);
    for (let i = 0; i < 16; i++) out[o + i] = (out[o + i] as number) ^ (prev[i] as number);
  }
  const pad = out[out.length - 1] as number;
  // Check every pad byte without an early exit.
  let bad = pad === 0 || pad > 16 ? 1 : 0;
  for (let i = 1; i <= 16; i++) {
    const inPad = i <= pad ? 1 : 0;
    bad |= inPad & ((out[out.length - i] as number) !== pad ? 1 : 0);
  }
  if (bad) throw new SealError('ERR_CRYPTO_DECRYPT_FAILED');
  return out.slice(0, out.length - pad);
}

/** CTR mode keystream XOR (encryption and decryption are the same); 128-bit big-endian counter. */
export function sm4CtrXor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes('iv', iv, 16);
  assertBytes('data', data);
  const rk = expandKey(key, false);
  const counter = iv.slice();
  const ks = new Uint8Array(16);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 16) {
    cryptBlock(rk, counter, 0, ks, 0);
    const end = Math.min(16, data.length - o);
    for (let i = 0; i < end; i++) out[o + i] = (data[o + i] as number) ^ (ks[i] as number);
    for (let i = 15; i >= 0; i--) {
      counter[i] = ((counter[i] as number) + 1) & 0xff;
      if (counter[i] !== 0) break;
    }
  }
  return out;
}

function gcmCipher(key: Uint8Array): (src: Uint8Array, so: number, dst: Uint8Array, dOff: number) => void {
  const rk = expandKey(key, false);
  return (src, so, dst, dOff) => cryptBlock(rk, src, so, dst, dOff);
}

const EMPTY = new Uint8Array(0);

/** SM4-GCM (RFC 8998): 12-byte IV, returns ciphertext ‖ 16-byte tag. Never reuse an IV with a key. */
export function sm4GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key);
  assertBytes('iv', iv, 12);
  assertBytes('plaintext', plaintext);
  assertBytes('aad', aad);
  return gcmEncrypt(gcmCipher(key), iv, plaintext, aad);
}

/** SM4-GCM decryption of ciphertext ‖ tag; a wrong key, IV, AAD or tag is `ERR_CRYPTO_DECRYPT_FAILED`. */
export function sm4GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key);
  assertBytes('iv', iv, 12);
  assertBytes('ciphertext', sealed);
  assertBytes('aad', aad);
  return gcmDecrypt(gcmCipher(key), iv, sealed, aad);
}
