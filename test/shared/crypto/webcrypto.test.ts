// SPDX-License-Identifier: Apache-2.0
/**
 * WebCrypto wrappers against signatures made by Node's OpenSSL (`crypto.sign`), for both signature
 * encodings and both key forms, plus the malformed-input policy.
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { digest, sha256, verifyEcdsa, verifyRsa } from '../../../shared/crypto/webcrypto.js';
import { bytesToHex, concatBytes } from '../../../shared/crypto/bytes.js';
import { codeOfAsync, seededBytes } from './helpers.js';

function spki(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

describe('digest', () => {
  it('matches Node for SHA-1/256/384/512', async () => {
    const d = seededBytes(1, 1000);
    for (const [alg, node] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512']] as const) {
      expect(bytesToHex(await digest(alg, d))).toBe(createHash(node).update(d).digest('hex'));
    }
    expect(bytesToHex(await sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await codeOfAsync(() => digest('MD5' as 'SHA-1', d))).toBe('ERR_INPUT_INVALID');
    expect(await codeOfAsync(() => digest('SHA-256', 'x' as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
  });

  it('throws ERR_CRYPTO_UNAVAILABLE without crypto.subtle', async () => {
    vi.stubGlobal('crypto', undefined);
    try {
      expect(await codeOfAsync(() => sha256(new Uint8Array(1)))).toBe('ERR_CRYPTO_UNAVAILABLE');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('verifyEcdsa', () => {
  for (const [curve, hash, nodeHash, size] of [['P-256', 'SHA-256', 'sha256', 32], ['P-384', 'SHA-384', 'sha384', 48]] as const) {
    it(`${curve}: DER and raw signatures, point and SPKI keys`, async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const keySpki = spki(publicKey);
      const point = keySpki.subarray(keySpki.length - (1 + 2 * size));
      expect(point[0]).toBe(4);
      const data = seededBytes(size, 500);
      const der = new Uint8Array(sign(nodeHash, data, { key: privateKey, dsaEncoding: 'der' }));
      const raw = new Uint8Array(sign(nodeHash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
      for (const key of [point, keySpki]) {
        for (const signature of [der, raw]) {
          expect(await verifyEcdsa({ curve, publicKey: key, hash, data, signature })).toBe(true);
          expect(await verifyEcdsa({ curve, publicKey: key, hash, data: concatBytes(data, Uint8Array.of(1)), signature })).toBe(false);
        }
      }
      // r = s = 0 is well-formed but invalid → false
      expect(await verifyEcdsa({ curve, publicKey: point, hash, data, signature: new Uint8Array(2 * size) })).toBe(false);
      // malformed encodings throw
      for (const bad of [concatBytes(der, Uint8Array.of(0)), der.subarray(0, der.length - 1), new Uint8Array(2 * size - 1), new Uint8Array(0)]) {
        expect(await codeOfAsync(() => verifyEcdsa({ curve, publicKey: point, hash, data, signature: bad }))).toBe('ERR_CRYPTO_SIGNATURE_MALFORMED');
      }
      const off = point.slice();
      off[off.length - 1] = (off[off.length - 1] as number) ^ 1;
      expect(await codeOfAsync(() => verifyEcdsa({ curve, publicKey: off, hash, data, signature: raw }))).toBe('ERR_CRYPTO_POINT_INVALID');
      expect(await codeOfAsync(() => verifyEcdsa({ curve, publicKey: point.subarray(1), hash, data, signature: raw }))).toBe('ERR_CRYPTO_POINT_INVALID');
      expect(await codeOfAsync(() => verifyEcdsa({ curve, publicKey: keySpki.subarray(0, 20), hash, data, signature: raw }))).toBe('ERR_CRYPTO_KEY_INVALID');
    });
  }

  it('rejects bad parameters with ERR_INPUT_INVALID', async () => {
    const args = { curve: 'P-256', publicKey: new Uint8Array(65), hash: 'SHA-256', data: new Uint8Array(1), signature: new Uint8Array(64) } as const;
    expect(await codeOfAsync(() => verifyEcdsa({ ...args, curve: 'P-521' as 'P-256' }))).toBe('ERR_INPUT_INVALID');
    expect(await codeOfAsync(() => verifyEcdsa({ ...args, hash: 'SM3' as 'SHA-256' }))).toBe('ERR_INPUT_INVALID');
    expect(await codeOfAsync(() => verifyEcdsa({ ...args, data: 'x' as unknown as Uint8Array }))).toBe('ERR_INPUT_INVALID');
    expect(await codeOfAsync(() => verifyEcdsa(null as never))).toBe('ERR_INPUT_INVALID');
  });
});

describe('verifyRsa', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = spki(publicKey);
  const data = seededBytes(7, 300);

  it('PKCS#1 v1.5 and PSS with several hashes', async () => {
    for (const [hash, nodeHash, len] of [['SHA-1', 'sha1', 20], ['SHA-256', 'sha256', 32], ['SHA-512', 'sha512', 64]] as const) {
      const p1 = new Uint8Array(sign(nodeHash, data, privateKey));
      expect(await verifyRsa({ spki: key, hash, data, signature: p1 })).toBe(true);
      expect(await verifyRsa({ spki: key, hash, data: data.subarray(1), signature: p1 })).toBe(false);
      const pss = new Uint8Array(sign(nodeHash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: len }));
      expect(await verifyRsa({ spki: key, hash, data, signature: pss, scheme: 'pss' })).toBe(true);
      expect(await verifyRsa({ spki: key, hash, data, signature: pss })).toBe(false);
      const pss0 = new Uint8Array(sign(nodeHash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 }));
      expect(await verifyRsa({ spki: key, hash, data, signature: pss0, scheme: 'pss', saltLength: 0 })).toBe(true);
    }
  });

  it('pads short signatures, rejects long ones and bad keys', async () => {
    // a signature whose big-endian value has a leading zero byte, sent stripped (as sloppy encoders do)
    let msg = data;
    let zeroLed = new Uint8Array(sign('sha256', msg, privateKey));
    for (let i = 0; zeroLed[0] !== 0 && i < 3000; i++) {
      msg = seededBytes(10_000 + i, 40);
      zeroLed = new Uint8Array(sign('sha256', msg, privateKey));
    }
    expect(zeroLed[0]).toBe(0);
    expect(await verifyRsa({ spki: key, hash: 'SHA-256', data: msg, signature: zeroLed.subarray(1) })).toBe(true);
    const sig = new Uint8Array(sign('sha256', data, privateKey));
    expect(await verifyRsa({ spki: key, hash: 'SHA-256', data, signature: sig })).toBe(true);
    expect(await codeOfAsync(() => verifyRsa({ spki: key, hash: 'SHA-256', data, signature: concatBytes(Uint8Array.of(0), sig) }))).toBe(
      'ERR_CRYPTO_SIGNATURE_MALFORMED',
    );
    expect(await codeOfAsync(() => verifyRsa({ spki: key.subarray(0, 40), hash: 'SHA-256', data, signature: sig }))).toBe('ERR_CRYPTO_KEY_INVALID');
    expect(await codeOfAsync(() => verifyRsa({ spki: key, hash: 'SHA-256', data, signature: sig, scheme: 'oaep' as 'pss' }))).toBe('ERR_INPUT_INVALID');
    expect(await codeOfAsync(() => verifyRsa({ spki: key, hash: 'SHA-256', data, signature: sig, saltLength: -1 }))).toBe('ERR_INPUT_INVALID');
  });
});
