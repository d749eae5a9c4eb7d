// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Galois/Counter Mode (NIST SP 800-38D) over any 128-bit block cipher. Internal: `sm4.ts` exposes
 * SM4-GCM (RFC 8998); the tests drive this same code with AES to compare it with
 * Node's `aes-128-gcm`, because neither OpenSSL 3.0 nor Node offers SM4-GCM to compare against.
 *
 * Design rationale: GHASH is the plain bit-serial multiplication over four 32-bit words. It is slow
 * (about 128 shift/xor steps per block) but small, table-free (no key-dependent memory lookups) and
 * easy to audit; GCM here protects small files (the software token's key file), not bulk data.
 * Only 96-bit IVs and 128-bit tags are supported (SP 800-38D's recommended profile); the tag is
 * checked before any plaintext is released.
 */
import { SealError } from '../errors/index.js';

/** Encrypts one 16-byte block `src[so..so+16)` into `dst[do..do+16)`. */
export type BlockEncrypt = (src: Uint8Array, so: number, dst: Uint8Array, dOff: number) => void;

function readU32(b: Uint8Array, o: number): number {
  return (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
}

/** GHASH state: Y ← (Y ⊕ X)·H, all as big-endian 32-bit words. */
class Ghash {
  private readonly h: Uint32Array;
  private readonly y = new Uint32Array(4);
  private readonly v = new Uint32Array(4);
  private readonly z = new Uint32Array(4);

  constructor(hBlock: Uint8Array) {
    this.h = Uint32Array.of(readU32(hBlock, 0), readU32(hBlock, 4), readU32(hBlock, 8), readU32(hBlock, 12));
  }

  /** Absorbs `data`, zero-padding the final partial block. */
  absorb(data: Uint8Array): void {
    const block = new Uint8Array(16);
    for (let o = 0; o < data.length; o += 16) {
      if (o + 16 <= data.length) {
        this.block(data, o);
      } else {
        block.fill(0);
        block.set(data.subarray(o));
        this.block(block, 0);
      }
    }
  }

  block(b: Uint8Array, o: number): void {
    const y = this.y;
    y[0] = (y[0] as number) ^ readU32(b, o);
    y[1] = (y[1] as number) ^ readU32(b, o + 4);
    y[2] = (y[2] as number) ^ readU32(b, o + 8);
    y[3] = (y[3] as number) ^ readU32(b, o + 12);
    const v = this.v;
    const z = this.z;
    v.set(this.h);
    z.fill(0);
    for (let i = 0; i < 128; i++) {
      if (((y[i >>> 5] as number) >>> (31 - (i & 31))) & 1) {
        z[0] = (z[0] as number) ^ (v[0] as number);
        z[1] = (z[1] as number) ^ (v[1] as number);
        z[2] = (z[2] as number) ^ (v[2] as number);
        z[3] = (z[3] as number) ^ (v[3] as number);
      }
      const lsb = (v[3] as number) & 1;
      v[3] = ((v[3] as number) >>> 1) | ((v[2] as number) << 31);
      v[2] = ((v[2] as number) >>> 1) | ((v[1] as number) << 31);
      v[1] = ((v[1] as number) >>> 1) | ((v[0] as number) << 31);
      v[0] = ((v[0] as number) >>> 1) ^ (lsb ? 0xe1000000 : 0);
    }
    y.set(z);
  }

  digest(): Uint8Array {
    const out = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const w = this.y[i] as number;
      out[4 * i] = w >>> 24;
      out[4 * i + 1] = w >>> 16;
      out[4 * i + 2] = w >>> 8;
      out[4 * i + 3] = w;
    }
    return out;
  }
}

function inc32(counter: Uint8Array): void {
  for (let i = 15; i >= 12; i--) {
    counter[i] = ((counter[i] as number) + 1) & 0xff;
    if (counter[i] !== 0) break;
  }
}

function ctr32(enc: BlockEncrypt, j0: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const counter = j0.slice();
  const ks = new Uint8Array(16);
  for (let o = 0; o < data.length; o += 16) {
    inc32(counter);
    enc(counter, 0, ks, 0);
    const end = Math.min(16, data.length - o);
    for (let i = 0; i < end; i++) out[o + i] = (data[o + i] as number) ^ (ks[i] as number);
  }
  return out;
}

function tag(enc: BlockEncrypt, h: Uint8Array, j0: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const g = new Ghash(h);
  g.absorb(aad);
  g.absorb(ct);
  const lens = new Uint8Array(16);
  const view = new DataView(lens.buffer);
  // bit lengths as 64-bit big-endian; inputs are far below 2^53 bits
  view.setUint32(0, Math.floor((aad.length * 8) / 2 ** 32));
  view.setUint32(4, (aad.length * 8) >>> 0);
  view.setUint32(8, Math.floor((ct.length * 8) / 2 ** 32));
  view.setUint32(12, (ct.length * 8) >>> 0);
  g.block(lens, 0);
  const s = g.digest();
  const ej0 = new Uint8Array(16);
  enc(j0, 0, ej0, 0);
  for (let i = 0; i < 16; i++) s[i] = (s[i] as number) ^ (ej0[i] as number);
  return s;
}

function setup(enc: BlockEncrypt, iv: Uint8Array): { h: Uint8Array; j0: Uint8Array } {
  const h = new Uint8Array(16);
  enc(new Uint8Array(16), 0, h, 0);
  const j0 = new Uint8Array(16);
  j0.set(iv);
  j0[15] = 1;
  return { h, j0 };
}

/** GCM encryption with a 12-byte IV: returns ciphertext ‖ 16-byte tag. Arguments are pre-checked. */
export function gcmEncrypt(enc: BlockEncrypt, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const { h, j0 } = setup(enc, iv);
  const ct = ctr32(enc, j0, plaintext);
  const out = new Uint8Array(ct.length + 16);
  out.set(ct);
  out.set(tag(enc, h, j0, aad, ct), ct.length);
  return out;
}

/** GCM decryption; a wrong tag throws `ERR_CRYPTO_DECRYPT_FAILED` and releases no plaintext. */
export function gcmDecrypt(enc: BlockEncrypt, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < 16) throw new SealError('ERR_CRYPTO_DECRYPT_FAILED');
  const { h, j0 } = setup(enc, iv);
  const ct = sealed.subarray(0, sealed.length - 16);
  const expected = tag(enc, h, j0, aad, ct);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= (expected[i] as number) ^ (sealed[ct.length + i] as number);
  if (diff !== 0) throw new SealError('ERR_CRYPTO_DECRYPT_FAILED');
  return ctr32(enc, j0, ct);
}
