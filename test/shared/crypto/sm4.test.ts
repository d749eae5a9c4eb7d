// SPDX-License-Identifier: Apache-2.0
/**
 * SM4: GB/T 32907 Annex A vectors (including the 1,000,000-iteration one), RFC 8998 SM4-GCM, modes
 * against `openssl enc -sm4-*` and Node's createCipheriv('sm4-*'), the GCM code driven by AES
 * against Node's aes-128-gcm (no SM4-GCM exists in OpenSSL 3.0 / Node 20 to compare with), and
 * failure behaviour (bad padding, wrong tag).
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  sm4CbcDecrypt,
  sm4CbcEncrypt,
  sm4CtrXor,
  sm4DecryptBlock,
  sm4EcbDecrypt,
  sm4EcbEncrypt,
  sm4EncryptBlock,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
} from '../../../shared/crypto/sm4.js';
import { gcmDecrypt, gcmEncrypt, type BlockEncrypt } from '../../../shared/crypto/gcm.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../../shared/crypto/bytes.js';
import { codeOf, loadVectors, openssl, seededBytes } from './helpers.js';

interface Sm4Vectors {
  block: { name: string; key: string; plaintext: string; iterations: number; ciphertext: string }[];
  gcm: { name: string; key: string; iv: string; aad: string; plaintext: string; ciphertext: string; tag: string }[];
}
const V = loadVectors<Sm4Vectors>('sm4/vectors.json');

function nodeCipher(alg: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, padding = true): string {
  const c = createCipheriv(alg, key, iv);
  c.setAutoPadding(padding);
  return Buffer.concat([c.update(data), c.final()]).toString('hex');
}

describe('SM4 block cipher', () => {
  it.each(V.block)('GB/T 32907 $name', ({ key, plaintext, iterations, ciphertext }) => {
    const k = hexToBytes(key);
    let b = hexToBytes(plaintext);
    if (iterations === 1) {
      b = sm4EncryptBlock(k, b);
    } else {
      // the long vector goes through ECB over one block to avoid re-expanding the key a million times
      for (let i = 0; i < iterations; i++) b = sm4EcbEncrypt(k, b);
    }
    expect(bytesToHex(b)).toBe(ciphertext);
    if (iterations === 1) expect(bytesToHex(sm4DecryptBlock(k, b))).toBe(plaintext);
  });
});

describe('SM4 modes vs OpenSSL and Node', () => {
  it('ECB, CBC (PKCS#7) and CTR match Node createCipheriv on random inputs', () => {
    for (const len of [0, 1, 15, 16, 17, 31, 32, 100, 4096]) {
      const key = seededBytes(len + 1, 16);
      const iv = seededBytes(len + 2, 16);
      const data = seededBytes(len + 3, len);
      const cbc = sm4CbcEncrypt(key, iv, data);
      expect([len, bytesToHex(cbc)]).toEqual([len, nodeCipher('sm4-cbc', key, iv, data)]);
      expect(bytesToHex(sm4CbcDecrypt(key, iv, cbc))).toBe(bytesToHex(data));
      const ctr = sm4CtrXor(key, iv, data);
      expect(bytesToHex(ctr)).toBe(nodeCipher('sm4-ctr', key, iv, data));
      expect(bytesToHex(sm4CtrXor(key, iv, ctr))).toBe(bytesToHex(data));
      if (len % 16 === 0) {
        const ecb = sm4EcbEncrypt(key, data);
        expect(bytesToHex(ecb)).toBe(nodeCipher('sm4-ecb', key, null, data, false));
        expect(bytesToHex(sm4EcbDecrypt(key, ecb))).toBe(bytesToHex(data));
      }
    }
  });

  it('CTR carries across the whole 128-bit counter like OpenSSL', () => {
    const key = seededBytes(5, 16);
    const iv = hexToBytes('00000000000000ffffffffffffffffff');
    const data = seededBytes(6, 80);
    expect(bytesToHex(sm4CtrXor(key, iv, data))).toBe(nodeCipher('sm4-ctr', key, iv, data));
  });

  it('CBC, CTR and ECB match the `openssl enc` command line', () => {
    const key = seededBytes(11, 16);
    const iv = seededBytes(12, 16);
    const data = seededBytes(13, 1000);
    const K = bytesToHex(key);
    const IV = bytesToHex(iv);
    expect(bytesToHex(openssl(['enc', '-sm4-cbc', '-K', K, '-iv', IV], data))).toBe(bytesToHex(sm4CbcEncrypt(key, iv, data)));
    expect(bytesToHex(openssl(['enc', '-sm4-ctr', '-K', K, '-iv', IV], data))).toBe(bytesToHex(sm4CtrXor(key, iv, data)));
    const blocks = data.subarray(0, 992);
    expect(bytesToHex(openssl(['enc', '-sm4-ecb', '-nopad', '-K', K], blocks))).toBe(bytesToHex(sm4EcbEncrypt(key, blocks)));
    // and OpenSSL decrypts ours
    expect(bytesToHex(openssl(['enc', '-d', '-sm4-cbc', '-K', K, '-iv', IV], sm4CbcEncrypt(key, iv, data)))).toBe(bytesToHex(data));
  });
});

describe('SM4-GCM', () => {
  it.each(V.gcm)('$name', ({ key, iv, aad, plaintext, ciphertext, tag }) => {
    const sealed = sm4GcmEncrypt(hexToBytes(key), hexToBytes(iv), hexToBytes(plaintext), hexToBytes(aad));
    expect(bytesToHex(sealed)).toBe(ciphertext + tag);
    expect(bytesToHex(sm4GcmDecrypt(hexToBytes(key), hexToBytes(iv), sealed, hexToBytes(aad)))).toBe(plaintext);
  });

  it('the GCM construction matches Node aes-128-gcm when driven by AES', () => {
    for (const [plen, alen] of [[0, 0], [1, 0], [16, 16], [17, 20], [64, 1], [1000, 77]] as const) {
      const key = seededBytes(plen + 50, 16);
      const iv = seededBytes(plen + 51, 12);
      const pt = seededBytes(plen + 52, plen);
      const aad = seededBytes(alen + 53, alen);
      const ecb = createCipheriv('aes-128-ecb', key, null);
      ecb.setAutoPadding(false);
      const aes: BlockEncrypt = (src, so, dst, dOff) => dst.set(ecb.update(src.subarray(so, so + 16)), dOff);
      const g = createCipheriv('aes-128-gcm', key, iv);
      g.setAAD(aad);
      const want = Buffer.concat([g.update(pt), g.final(), g.getAuthTag()]).toString('hex');
      const sealed = gcmEncrypt(aes, iv, pt, aad);
      expect([plen, alen, bytesToHex(sealed)]).toEqual([plen, alen, want]);
      expect(bytesToHex(gcmDecrypt(aes, iv, sealed, aad))).toBe(bytesToHex(pt));
    }
  });

  it('any change to key, IV, AAD, ciphertext or tag is ERR_CRYPTO_DECRYPT_FAILED', () => {
    const key = seededBytes(1, 16);
    const iv = seededBytes(2, 12);
    const aad = seededBytes(3, 10);
    const sealed = sm4GcmEncrypt(key, iv, seededBytes(4, 40), aad);
    const flip = (b: Uint8Array, i: number): Uint8Array => b.map((v, j) => (j === i ? v ^ 1 : v));
    expect(codeOf(() => sm4GcmDecrypt(flip(key, 0), iv, sealed, aad))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4GcmDecrypt(key, flip(iv, 11), sealed, aad))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4GcmDecrypt(key, iv, sealed, flip(aad, 9)))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4GcmDecrypt(key, iv, sealed))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    for (const i of [0, 39, 40, 55]) expect(codeOf(() => sm4GcmDecrypt(key, iv, flip(sealed, i), aad))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4GcmDecrypt(key, iv, sealed.subarray(0, 15), aad))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4GcmDecrypt(key, iv, sealed.subarray(0, sealed.length - 1), aad))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });
});

describe('SM4 failures', () => {
  const key = seededBytes(21, 16);
  const iv = seededBytes(22, 16);

  it('bad CBC padding or length is ERR_CRYPTO_DECRYPT_FAILED', () => {
    // craft final blocks whose decryption ends in chosen bytes: CBC-decrypt(E(x)) with IV = x ⊕ target
    const badTails = ['00', '11', '0203', '010303'];
    for (const tail of badTails) {
      const target = hexToBytes(tail.padStart(32, 'aa'));
      const c = sm4EcbEncrypt(key, new Uint8Array(16));
      expect([tail, codeOf(() => sm4CbcDecrypt(key, target, c))]).toEqual([tail, 'ERR_CRYPTO_DECRYPT_FAILED']);
    }
    const good = hexToBytes('aa'.repeat(14) + '0202');
    expect(bytesToHex(sm4CbcDecrypt(key, good, sm4EcbEncrypt(key, new Uint8Array(16))))).toBe('aa'.repeat(14));
    const full = hexToBytes('10'.repeat(16));
    expect(sm4CbcDecrypt(key, full, sm4EcbEncrypt(key, new Uint8Array(16))).length).toBe(0);
    expect(codeOf(() => sm4CbcDecrypt(key, iv, new Uint8Array(0)))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => sm4CbcDecrypt(key, iv, new Uint8Array(17)))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
  });

  it('wrong key, IV or block sizes and non-bytes are ERR_INPUT_INVALID', () => {
    for (const bad of [new Uint8Array(15), new Uint8Array(17), new Uint8Array(32), 'k', null, [1]]) {
      expect(codeOf(() => sm4EncryptBlock(bad as Uint8Array, new Uint8Array(16)))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm4CbcEncrypt(key, bad as Uint8Array, new Uint8Array(1)))).toBe('ERR_INPUT_INVALID');
      expect(codeOf(() => sm4CtrXor(key, bad as Uint8Array, new Uint8Array(1)))).toBe('ERR_INPUT_INVALID');
    }
    expect(codeOf(() => sm4EncryptBlock(key, new Uint8Array(15)))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm4EcbEncrypt(key, new Uint8Array(17)))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm4GcmEncrypt(key, new Uint8Array(16), new Uint8Array(1)))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => sm4GcmEncrypt(key, new Uint8Array(12), new Uint8Array(1), 'aad' as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
    expect(bytesToHex(sm4EcbEncrypt(key, new Uint8Array(0)))).toBe('');
    expect(concatBytes().length).toBe(0);
  });
});
