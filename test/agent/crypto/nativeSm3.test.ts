// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSm3Backend, useNativeSm3 } from '../../../agent/crypto/nativeSm3.js';
import { createSm3, hasSm3Backend, registerSm3Backend, sm3 } from '../../../shared/crypto/sm3.js';
import { bytesToHex, utf8Encode } from '../../../shared/crypto/bytes.js';

afterEach(() => registerSm3Backend(null));

describe('agent native SM3 back end', () => {
  it('registers Node OpenSSL SM3 and produces the same digests', () => {
    expect(nodeSm3Backend()).toBeDefined();
    expect(useNativeSm3()).toBe(true);
    expect(hasSm3Backend()).toBe(true);
    expect(bytesToHex(sm3(utf8Encode('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    expect(bytesToHex(sm3(big))).toBe(createHash('sm3').update(big).digest('hex'));
    const d = createSm3().update(big.subarray(0, 1000)).update(big.subarray(1000)).digest();
    // plain Uint8Array, not a pooled Buffer
    expect(Object.getPrototypeOf(d)).toBe(Uint8Array.prototype);
    expect(bytesToHex(d)).toBe(createHash('sm3').update(big).digest('hex'));
  });
});
