// SPDX-License-Identifier: Apache-2.0
/**
 * SM3: GB/T 32905 Annex A vectors, incremental hashing at every split, random lengths against
 * OpenSSL (`openssl dgst -sm3`) and Node's createHash('sm3'), HMAC-SM3 against Node's createHmac, and
 * the back-end hook.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSm3, createSm3Pure, hasSm3Backend, hmacSm3, registerSm3Backend, sm3, sm3Pure, NATIVE_MIN_BYTES } from '../../../shared/crypto/sm3.js';
import { bytesToHex, utf8Encode } from '../../../shared/crypto/bytes.js';
import { codeOf, loadVectors, openssl, seededBytes } from './helpers.js';

const V = loadVectors<{ vectors: { name: string; messageUtf8: string; digest: string }[] }>('sm3/vectors.json');
const node = (d: Uint8Array): string => createHash('sm3').update(d).digest('hex');

afterEach(() => registerSm3Backend(null));

describe('SM3', () => {
  it.each(V.vectors)('GB/T 32905 $name', ({ messageUtf8, digest }) => {
    const m = utf8Encode(messageUtf8);
    expect(bytesToHex(sm3(m))).toBe(digest);
    expect(bytesToHex(sm3Pure(m))).toBe(digest);
    expect(bytesToHex(createSm3().update(m).digest())).toBe(digest);
  });

  it('matches Node for every length 0..300 and block-boundary lengths', () => {
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 447, 448, 511, 512, 513, 4095, 4096, 65537];
    for (const len of lengths) {
      const d = seededBytes(len + 7, len);
      expect([len, bytesToHex(sm3(d))]).toEqual([len, node(d)]);
    }
  });

  it('incremental hashing gives the same digest for any split', () => {
    const d = seededBytes(99, 300);
    const want = node(d);
    for (let a = 0; a <= d.length; a += 7) {
      for (const b of [a, Math.min(d.length, a + 1), Math.min(d.length, a + 64), Math.min(d.length, a + 130)]) {
        const h = createSm3Pure();
        h.update(d.subarray(0, a)).update(d.subarray(a, b)).update(d.subarray(b));
        expect(bytesToHex(h.digest())).toBe(want);
      }
    }
    // many one-byte updates
    const h = createSm3();
    for (const byte of d) h.update(Uint8Array.of(byte));
    expect(bytesToHex(h.digest())).toBe(want);
  });

  it('matches `openssl dgst -sm3` on random lengths', () => {
    for (const len of [0, 1, 55, 56, 63, 64, 65, 1000, 100_003]) {
      const d = seededBytes(len + 3, len);
      const out = new TextDecoder().decode(openssl(['dgst', '-sm3', '-r'], d));
      expect([len, bytesToHex(sm3(d))]).toEqual([len, out.split(' ')[0]]);
    }
  });

  it('HMAC-SM3 matches Node createHmac for short, block-size and long keys', () => {
    for (const klen of [0, 1, 32, 63, 64, 65, 200]) {
      for (const dlen of [0, 3, 64, 1000]) {
        const key = seededBytes(klen + 1000, klen);
        const data = seededBytes(dlen + 2000, dlen);
        expect(bytesToHex(hmacSm3(key, data))).toBe(createHmac('sm3', key).update(data).digest('hex'));
      }
    }
  });

  it('rejects bad input and reuse after digest with ERR_INPUT_INVALID', () => {
    for (const v of [undefined, null, 'abc', [1, 2], new ArrayBuffer(3), 5] as unknown[]) {
      expect(codeOf(() => sm3(v as Uint8Array))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => createSm3().update(v as Uint8Array))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => hmacSm3(v as Uint8Array, new Uint8Array(1)))).toBe('ERR_INPUT_INVALID');
    }
    const h = createSm3();
    h.digest();
    expect(codeOf(() => h.digest())).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => h.update(new Uint8Array(1)))).toBe('ERR_INPUT_INVALID');
  });

  it('uses a registered back end for long inputs only, and refuses a broken one', () => {
    let calls = 0;
    registerSm3Backend({
      create() {
        calls++;
        const h = createHash('sm3');
        return { update: (d: Uint8Array) => h.update(d), digest: () => new Uint8Array(h.digest()) };
      },
    });
    expect(hasSm3Backend()).toBe(true);
    calls = 0;
    const small = seededBytes(1, NATIVE_MIN_BYTES - 1);
    const big = seededBytes(2, NATIVE_MIN_BYTES);
    expect(bytesToHex(sm3(small))).toBe(node(small));
    expect(calls).toBe(0);
    expect(bytesToHex(sm3(big))).toBe(node(big));
    expect(calls).toBe(1);
    expect(bytesToHex(createSm3().update(small).digest())).toBe(node(small));
    expect(calls).toBe(2);
    registerSm3Backend(null);
    expect(hasSm3Backend()).toBe(false);

    const broken = { create: () => ({ update: () => undefined, digest: () => new Uint8Array(32) }) };
    expect(codeOf(() => registerSm3Backend(broken))).toBe('ERR_CRYPTO_UNAVAILABLE');
    expect(hasSm3Backend()).toBe(false);
    expect(codeOf(() => registerSm3Backend({} as never))).toBe('ERR_INPUT_INVALID');
  });
});
