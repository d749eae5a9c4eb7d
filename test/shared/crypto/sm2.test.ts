// SPDX-License-Identifier: Apache-2.0
/**
 * SM2 with Z: the GB/T 32918.5 Annex A vector, round trips, encodings, and hostile inputs. The
 * error policy under test (documented in shared/crypto/sm2.ts): malformed encodings throw coded
 * errors, well-formed-but-wrong signatures (including r, s outside [1, n−1]) return false.
 */
import { describe, expect, it } from 'vitest';
import {
  SM2_CURVE,
  SM2_DEFAULT_USER_ID,
  sm2CompressPublicKey,
  sm2ComputeZ,
  sm2DecompressPublicKey,
  sm2Digest,
  sm2GenerateKeyPair,
  sm2GetPublicKey,
  sm2ParseSignature,
  sm2Sign,
  sm2SignatureToDer,
  sm2SignatureToRaw,
  sm2SignDigest,
  sm2ValidatePublicKey,
  sm2Verify,
  sm2VerifyDigest,
} from '../../../shared/crypto/sm2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8Encode } from '../../../shared/crypto/bytes.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { codeOf, loadVectors, seededBytes } from './helpers.js';

interface Sm2Vectors {
  curve: Record<'p' | 'a' | 'b' | 'n' | 'Gx' | 'Gy', string>;
  signature: Record<'userIdUtf8' | 'messageUtf8' | 'd' | 'Px' | 'Py' | 'k' | 'Z' | 'e' | 'r' | 's', string>;
}

const V = loadVectors<Sm2Vectors>('sm2/vectors.json');
const SIG = V.signature;
const N = SM2_CURVE.n;
const hex32 = (v: bigint): string => v.toString(16).padStart(64, '0');
const raw = (r: bigint, s: bigint): Uint8Array => hexToBytes(hex32(r) + hex32(s));

describe('SM2 curve parameters', () => {
  it('match GB/T 32918.5 (vector file)', () => {
    for (const [name, value] of Object.entries(V.curve)) {
      expect(SM2_CURVE[name as keyof typeof V.curve].toString(16)).toBe(value.toLowerCase().replace(/^0+/, ''));
    }
  });
});

describe('GB/T 32918.5 Annex A signature vector (recommended curve)', () => {
  const d = hexToBytes(SIG.d);
  const pub = hexToBytes(`04${SIG.Px}${SIG.Py}`);
  const msg = utf8Encode(SIG.messageUtf8);
  const id = utf8Encode(SIG.userIdUtf8);

  it('derives P from d', () => {
    expect(bytesToHex(sm2GetPublicKey(d))).toBe(bytesToHex(pub));
  });
  it('computes Z and e exactly', () => {
    expect(bytesToHex(sm2ComputeZ(pub, id))).toBe(SIG.Z.toLowerCase());
    expect(bytesToHex(sm2ComputeZ(pub))).toBe(SIG.Z.toLowerCase()); // the vector uses the default ID
    expect(bytesToHex(sm2Digest(pub, msg, id))).toBe(SIG.e.toLowerCase());
  });
  it('signs to exactly r, s with the fixed k (raw and DER) and verifies', () => {
    const k = BigInt(`0x${SIG.k}`);
    const sigRaw = sm2Sign(d, msg, { userId: id, k, format: 'raw' });
    expect(bytesToHex(sigRaw)).toBe((SIG.r + SIG.s).toLowerCase());
    const sigDer = sm2Sign(d, msg, { k });
    expect(bytesToHex(sm2SignatureToRaw(sigDer))).toBe((SIG.r + SIG.s).toLowerCase());
    expect(sm2ParseSignature(sigDer)).toEqual({ r: BigInt(`0x${SIG.r}`), s: BigInt(`0x${SIG.s}`) });
    expect(sm2Verify(pub, msg, sigRaw)).toBe(true);
    expect(sm2Verify(pub, msg, sigDer, { userId: id })).toBe(true);
    expect(bytesToHex(sm2SignDigest(d, hexToBytes(SIG.e), { k, format: 'raw' }))).toBe((SIG.r + SIG.s).toLowerCase());
    expect(sm2VerifyDigest(pub, hexToBytes(SIG.e), sigRaw)).toBe(true);
  });
  it('fails if Z is left out or the ID differs', () => {
    const sigRaw = hexToBytes(SIG.r + SIG.s);
    // e = SM3(M) without Z: what a non-GM/T signer (e.g. plain ECDSA-style hashing) would sign
    expect(sm2VerifyDigest(pub, sm3(msg), sigRaw)).toBe(false);
    expect(sm2Verify(pub, msg, sigRaw, { userId: new Uint8Array(0) })).toBe(false);
    expect(sm2Verify(pub, msg, sigRaw, { userId: utf8Encode('1234567812345679') })).toBe(false);
    expect(sm2Verify(pub, utf8Encode('message digesT'), sigRaw)).toBe(false);
  });
});

describe('SM2 round trips', () => {
  it('signs and verifies random messages in both encodings, with any key form', () => {
    for (let i = 0; i < 12; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      expect(privateKey.length).toBe(32);
      expect(publicKey.length).toBe(65);
      const msg = seededBytes(i + 1, i * 37);
      const der = sm2Sign(privateKey, msg);
      expect(der[0]).toBe(0x30);
      const r = sm2Sign(privateKey, msg, { format: 'raw', publicKey });
      expect(r.length).toBe(64);
      const compressed = sm2CompressPublicKey(publicKey);
      expect(compressed.length).toBe(33);
      expect(bytesToHex(sm2DecompressPublicKey(compressed))).toBe(bytesToHex(publicKey));
      expect(bytesToHex(sm2GetPublicKey(privateKey, true))).toBe(bytesToHex(compressed));
      for (const key of [publicKey, compressed, publicKey.subarray(1)]) {
        expect(sm2Verify(key, msg, der)).toBe(true);
        expect(sm2Verify(key, msg, r)).toBe(true);
      }
      const other = sm2GenerateKeyPair().publicKey;
      expect(sm2Verify(other, msg, der)).toBe(false);
      const tampered = concatBytes(msg, Uint8Array.of(0));
      expect(sm2Verify(publicKey, tampered, der)).toBe(false);
      const id = utf8Encode(`user-${i}@example.cn`);
      const sigId = sm2Sign(privateKey, msg, { userId: id });
      expect(sm2Verify(publicKey, msg, sigId, { userId: id })).toBe(true);
      expect(sm2Verify(publicKey, msg, sigId)).toBe(false);
      expect(sm2VerifyDigest(publicKey, sm2Digest(publicKey, msg, id), sigId)).toBe(true);
    }
  });
  it('produces a different signature each time (randomised nonce)', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const msg = utf8Encode('same message');
    const a = sm2Sign(privateKey, msg, { format: 'raw' });
    const b = sm2Sign(privateKey, msg, { format: 'raw' });
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(sm2Verify(publicKey, msg, a) && sm2Verify(publicKey, msg, b)).toBe(true);
  });
  it('still signs correctly after the caller mutates a cached key array', () => {
    const a = sm2GenerateKeyPair();
    const b = sm2GenerateKeyPair();
    const key = a.privateKey.slice();
    const msg = utf8Encode('x');
    expect(sm2Verify(a.publicKey, msg, sm2Sign(key, msg))).toBe(true);
    key.set(b.privateKey);
    expect(sm2Verify(b.publicKey, msg, sm2Sign(key, msg))).toBe(true);
  });
  it('converts between DER and raw', () => {
    const r = 0x80n;
    const s = N - 1n;
    const der = sm2SignatureToDer(raw(r, s));
    expect(bytesToHex(der)).toBe(`302702020080022100${hex32(s)}`);
    expect(bytesToHex(sm2SignatureToRaw(der))).toBe(hex32(r) + hex32(s));
    expect(bytesToHex(sm2SignatureToRaw(raw(r, s)))).toBe(hex32(r) + hex32(s));
    const big = sm2SignatureToDer(raw(N - 1n, 1n));
    expect(bytesToHex(big)).toBe(`3026022100${hex32(N - 1n)}020101`);
  });
  it('validates good public keys', () => {
    const { publicKey } = sm2GenerateKeyPair();
    expect(() => sm2ValidatePublicKey(publicKey)).not.toThrow();
    expect(() => sm2ValidatePublicKey(sm2CompressPublicKey(publicKey))).not.toThrow();
    expect(SM2_DEFAULT_USER_ID).toEqual(utf8Encode('1234567812345678'));
  });
});

describe('SM2 hostile inputs', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair();
  const msg = utf8Encode('hostile');
  const good = sm2Sign(privateKey, msg, { format: 'raw' });
  const x = publicKey.slice(1, 33);
  const y = publicKey.slice(33);
  const pHex = hex32(SM2_CURVE.p);

  it('rejects invalid public keys with ERR_CRYPTO_POINT_INVALID', () => {
    const offCurve = publicKey.slice();
    offCurve[64] = (offCurve[64] as number) ^ 1;
    const cases: [string, Uint8Array][] = [
      ['off curve', offCurve],
      ['(0,0) as infinity', concatBytes(Uint8Array.of(4), new Uint8Array(64))],
      ['SEC 1 infinity (single 00 byte)', Uint8Array.of(0)],
      ['64 zero bytes as infinity', new Uint8Array(64)],
      ['x = p', hexToBytes(`04${pHex}${bytesToHex(y)}`)],
      ['x = 2^256 - 1', hexToBytes(`04${'ff'.repeat(32)}${bytesToHex(y)}`)],
      ['y = p', hexToBytes(`04${bytesToHex(x)}${pHex}`)],
      ['y = 2^256 - 1', hexToBytes(`04${bytesToHex(x)}${'ff'.repeat(32)}`)],
      // y' = y + p would satisfy the equation mod p; it is only representable when y < 2^256 - p
      ['y + p (when representable)', hexToBytes(`04${bytesToHex(x)}${BigInt(`0x${bytesToHex(y)}`) + SM2_CURVE.p < 2n ** 256n ? hex32(BigInt(`0x${bytesToHex(y)}`) + SM2_CURVE.p) : pHex}`)],
      ['bad prefix 05', concatBytes(Uint8Array.of(5), publicKey.subarray(1))],
      ['hybrid prefix 06', concatBytes(Uint8Array.of(6), publicKey.subarray(1))],
      ['compressed prefix 04', concatBytes(Uint8Array.of(4), x)],
      ['compressed x = p', hexToBytes(`02${pHex}`)],
      ['64-byte off curve', offCurve.subarray(1)],
    ];
    // an x with no square root: find one deterministically
    for (let i = 1n; ; i++) {
      const cand = hexToBytes(`02${hex32(i)}`);
      if (codeOf(() => sm2DecompressPublicKey(cand)) !== 'no error') {
        cases.push(['compressed non-abscissa', cand]);
        break;
      }
    }
    for (const [name, key] of cases) {
      expect([name, codeOf(() => sm2Verify(key, msg, good))]).toEqual([name, 'ERR_CRYPTO_POINT_INVALID']);
      expect([name, codeOf(() => sm2ValidatePublicKey(key))]).toEqual([name, 'ERR_CRYPTO_POINT_INVALID']);
      expect([name, codeOf(() => sm2ComputeZ(key))]).toEqual([name, 'ERR_CRYPTO_POINT_INVALID']);
    }
  });

  it('rejects wrong lengths and non-bytes with ERR_INPUT_INVALID', () => {
    const notBytes: unknown[] = [undefined, null, 'hex', 42, [4, 1, 2], new ArrayBuffer(65), new Uint16Array(65), {}];
    for (const v of notBytes) {
      expect(codeOf(() => sm2Verify(v as Uint8Array, msg, good))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm2Verify(publicKey, v as Uint8Array, good))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm2Verify(publicKey, msg, v as Uint8Array))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm2Sign(v as Uint8Array, msg))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm2Sign(privateKey, v as Uint8Array))).toBe('ERR_INPUT_INVALID');
    }
    for (const len of [0, 2, 32, 63, 66, 97]) {
      expect(codeOf(() => sm2Verify(new Uint8Array(len), msg, good))).toBe('ERR_INPUT_INVALID');
    }
    expect(codeOf(() => sm2Verify(Uint8Array.of(1), msg, good))).toBe('ERR_INPUT_INVALID');
    for (const len of [0, 31, 33, 64]) expect(codeOf(() => sm2Sign(new Uint8Array(len), msg))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2SignDigest(privateKey, new Uint8Array(31)))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2VerifyDigest(publicKey, new Uint8Array(33), good))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Verify(publicKey, msg, good, { userId: 'abc' as unknown as Uint8Array }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Verify(publicKey, msg, good, { userId: new Uint8Array(8192) }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Verify(publicKey, msg, good, 'opts' as never))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Sign(privateKey, msg, { format: 'pem' as 'der' }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Sign(privateKey, msg, { k: 0n }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Sign(privateKey, msg, { k: N }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2Sign(privateKey, msg, { k: 5 as unknown as bigint }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2GetPublicKey(privateKey, 'yes' as unknown as boolean))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm2SignatureToDer(new Uint8Array(65)))).toBe('ERR_INPUT_INVALID');
  });

  it('rejects out-of-range private keys with ERR_CRYPTO_KEY_INVALID', () => {
    for (const d of [0n, N - 1n, N, 2n ** 256n - 1n]) {
      expect(codeOf(() => sm2Sign(hexToBytes(hex32(d)), msg))).toBe('ERR_CRYPTO_KEY_INVALID');
      expect(codeOf(() => sm2GetPublicKey(hexToBytes(hex32(d))))).toBe('ERR_CRYPTO_KEY_INVALID');
    }
    expect(() => sm2GetPublicKey(hexToBytes(hex32(N - 2n)))).not.toThrow();
    expect(() => sm2GetPublicKey(hexToBytes(hex32(1n)))).not.toThrow();
    const otherPub = sm2GenerateKeyPair().publicKey;
    expect(codeOf(() => sm2Sign(privateKey, msg, { publicKey: otherPub }))).toBe('ERR_CRYPTO_KEY_INVALID');
  });

  it('returns false for well-formed signatures with r or s outside [1, n-1] or r + s = n', () => {
    const { r, s } = sm2ParseSignature(good);
    const cases: [string, bigint, bigint][] = [
      ['r = 0', 0n, s],
      ['s = 0', r, 0n],
      ['r = n', N, s],
      ['s = n', r, N],
      ['r = n + r', N + r < 2n ** 256n ? N + r : N, s],
      ['s = 2^256 - 1', r, 2n ** 256n - 1n],
      ['r + s = n', r, N - r],
      ['r = s = 0', 0n, 0n],
    ];
    for (const [name, rr, ss] of cases) {
      expect([name, sm2Verify(publicKey, msg, raw(rr, ss))]).toEqual([name, false]);
      expect([name, sm2Verify(publicKey, msg, sm2SignatureToDer(raw(rr, ss)))]).toEqual([name, false]);
    }
    expect(sm2Verify(publicKey, msg, raw(r, s))).toBe(true);
    expect(sm2Verify(publicKey, msg, raw(r, N - s))).toBe(false);
  });

  it('rejects malformed DER with ERR_CRYPTO_SIGNATURE_MALFORMED', () => {
    const der = sm2SignatureToDer(good);
    const h = bytesToHex(der);
    const { r, s } = sm2ParseSignature(good);
    const int = (v: bigint): string => {
      let x = v.toString(16);
      if (x.length % 2) x = `0${x}`;
      if (parseInt(x.slice(0, 2), 16) & 0x80) x = `00${x}`;
      return `02${(x.length / 2).toString(16).padStart(2, '0')}${x}`;
    };
    const seq = (body: string): string => `30${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
    const cases: [string, string][] = [
      ['trailing byte after SEQUENCE', `${h}00`],
      ['trailing bytes inside SEQUENCE', seq(`${int(r)}${int(s)}0500`)],
      ['negative r', seq(`0201ff${int(s)}`)],
      ['negative s (high bit, no leading zero)', seq(`${int(r)}0220${hex32(N - 1n)}`)],
      ['superfluous leading zero', seq(`${int(r)}022200${hex32(s).replace(/^00/, '01')}`)],
      ['overlong SEQUENCE length (0x81 < 128)', `3081${h.slice(2)}`],
      ['overlong INTEGER length', seq(`028120${hex32(r | (1n << 254n)).replace(/^[89a-f]/, '4')}${int(s)}`)],
      ['indefinite length', `3080${h.slice(4)}0000`],
      ['truncated', h.slice(0, -2)],
      ['wrong inner tag', seq(`${int(r).replace(/^02/, '04')}${int(s)}`)],
      ['empty INTEGER', seq(`0200${int(s)}`)],
      ['integer too large (33 bytes magnitude)', seq(`022101${hex32(r)}${int(s)}`)],
      ['only one INTEGER', seq(int(r))],
      ['empty', ''],
      ['SEQUENCE only', '3000'],
      ['63 raw bytes', '00'.repeat(63)],
      ['65 raw bytes', '00'.repeat(65)],
    ];
    for (const [name, hex] of cases) {
      expect([name, codeOf(() => sm2Verify(publicKey, msg, hexToBytes(hex)))]).toEqual([name, 'ERR_CRYPTO_SIGNATURE_MALFORMED']);
      expect([name, codeOf(() => sm2ParseSignature(hexToBytes(hex)))]).toEqual([name, 'ERR_CRYPTO_SIGNATURE_MALFORMED']);
    }
    // a well-formed DER with a single-byte zero INTEGER is not malformed, just invalid
    expect(sm2Verify(publicKey, msg, hexToBytes(seq(`020100${int(s)}`)))).toBe(false);
  });
});
