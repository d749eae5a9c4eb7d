// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64Encode,
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  randomBytes,
  utf8Decode,
  utf8Encode,
} from '../../../shared/crypto/bytes.js';
import { assertBytes } from '../../../shared/crypto/assert.js';
import { SealError } from '../../../shared/errors/index.js';
import { codeOf, seededBytes } from './helpers.js';

describe('bytes helpers', () => {
  it('hex round-trips, lower case out, either case in', () => {
    const b = seededBytes(1, 256);
    expect(bytesToHex(b)).toBe(Buffer.from(b).toString('hex'));
    expect(hexToBytes('00FFaB')).toEqual(Uint8Array.of(0, 255, 0xab));
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
    for (const bad of ['0', 'abc', 'zz', '0x00', '0 ', 'g0']) expect(codeOf(() => hexToBytes(bad))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => hexToBytes(12 as unknown as string))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bytesToHex([1, 2] as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
  });

  it('base64 matches Buffer for all tail lengths and rejects non-canonical input', () => {
    for (let len = 0; len < 40; len++) {
      const b = seededBytes(len + 10, len);
      const s = Buffer.from(b).toString('base64');
      expect(base64Encode(b)).toBe(s);
      expect(base64Decode(s)).toEqual(b);
    }
    const bad = ['A', 'AB', 'ABC', 'AB=A', 'A===', '====', 'AB==AB==', 'AB\nCD==', 'ab-_', 'QUI=QUI=', 'QR==', 'QUJ=', 'Q\u00e9==', ' QUI='];
    for (const s of bad) expect([s, codeOf(() => base64Decode(s))]).toEqual([s, 'ERR_INPUT_INVALID']);
    expect(base64Decode('')).toEqual(new Uint8Array(0));
  });

  it('utf8 is strict on decode', () => {
    expect(utf8Decode(utf8Encode('电子印章 ✓'))).toBe('电子印章 ✓');
    expect(codeOf(() => utf8Decode(Uint8Array.of(0xff, 0xfe)))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => utf8Decode(Uint8Array.of(0xe4, 0xb8)))).toBe('ERR_INPUT_INVALID');
  });

  it('concat, equal and random', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
    expect(codeOf(() => concatBytes(Uint8Array.of(1), 'x' as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
    const r = randomBytes(100_000);
    expect(r.length).toBe(100_000);
    expect(new Set(r).size).toBeGreaterThan(200);
    expect(codeOf(() => randomBytes(-1))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => randomBytes(1.5))).toBe('ERR_INPUT_INVALID');
  });

  it('titled assertions name the argument', () => {
    try {
      assertBytes('publicKey', new Uint8Array(3), 65);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SealError);
      expect((e as SealError).details).toEqual({ name: 'publicKey', reason: 'expected 65 bytes, got 3' });
    }
    expect(() => assertBytes('x', Buffer.from('ab'))).not.toThrow();
  });
});
