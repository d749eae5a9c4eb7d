// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Password-based decryption for private keys and PKCS#12 bags with node:crypto primitives only (no
 * openssl binary): PBES2 (PBKDF2 + AES-CBC / 3DES-CBC / SM4-CBC, RFC 8018) and the PKCS#12 PBE
 * schemes (RFC 7292 App. B/C: SHA-1 + 3DES or RC2), plus the PKCS#12 MAC key derivation.
 */
import { createDecipheriv, createHash, getCiphers, pbkdf2Sync } from 'node:crypto';
import { SealError } from '../../shared/errors/index.js';
import { type Asn1Element, readOctetString, readOid, readSequence, readSmallInteger } from '../../shared/asn1/index.js';
import { rc2CbcDecrypt } from './rc2.js';

export const id_PBES2 = '1.2.840.113549.1.5.13';
export const id_PBKDF2 = '1.2.840.113549.1.5.12';
export const pbeWithSHAAnd3_KeyTripleDES_CBC = '1.2.840.113549.1.12.1.3';
export const pbeWithSHAAnd2_KeyTripleDES_CBC = '1.2.840.113549.1.12.1.4';
export const pbeWithSHAAnd128BitRC2_CBC = '1.2.840.113549.1.12.1.5';
export const pbeWithSHAAnd40BitRC2_CBC = '1.2.840.113549.1.12.1.6';

const PRF: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.156.10197.1.401.2': 'sm3',
};

const CIPHERS: Readonly<Record<string, { name: string; keyLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
  '1.2.156.10197.1.104.2': { name: 'sm4-cbc', keyLength: 16 },
};

/** Hash names by digest OID (PKCS#12 MAC). */
export const DIGESTS: Readonly<Record<string, { name: string; u: number; v: number }>> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

/** Refuse absurd iteration counts from hostile files (CPU exhaustion). */
const MAX_ITERATIONS = 2_000_000;

export function decryptFailed(): SealError {
  return new SealError('ERR_CRYPTO_DECRYPT_FAILED');
}

function unsupported(algorithm: string): SealError {
  return new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm });
}

function iterations(el: Asn1Element | undefined, path: string): number {
  const n = readSmallInteger(el, path);
  if (n < 1 || n > MAX_ITERATIONS) throw new SealError('ERR_INPUT_INVALID', { name: path, reason: `iteration count ${n} out of range` });
  return n;
}

/** PKCS#12 password: BMPString (UTF-16BE) with a two-byte NUL terminator. */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/** RFC 7292 Appendix B.2 key derivation (`id` 1 = key, 2 = IV, 3 = MAC key). */
export function pkcs12Kdf(hash: string, u: number, v: number, password: Uint8Array, salt: Uint8Array, id: number, iter: number, n: number): Uint8Array {
  const fill = (src: Uint8Array): Uint8Array => {
    if (src.length === 0) return new Uint8Array(0);
    const len = v * Math.ceil(src.length / v);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length] as number;
    return out;
  };
  const D = new Uint8Array(v).fill(id);
  const S = fill(salt);
  const P = fill(password);
  const I = new Uint8Array(S.length + P.length);
  I.set(S);
  I.set(P, S.length);
  const out = new Uint8Array(n);
  const c = Math.ceil(n / u);
  for (let i = 0; i < c; i++) {
    let A: Uint8Array = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iter; r++) A = createHash(hash).update(A).digest();
    out.set(A.subarray(0, Math.min(u, n - i * u)), i * u);
    if (i === c - 1) break;
    const B = new Uint8Array(v);
    for (let j = 0; j < v; j++) B[j] = A[j % u] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const x = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
  return out;
}

function nodeDecrypt(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (!getCiphers().includes(cipher)) throw unsupported(cipher);
  try {
    const d = createDecipheriv(cipher, key, iv);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  } catch {
    throw decryptFailed();
  }
}

/**
 * Decrypts data protected by the given AlgorithmIdentifier (PBES2 or a PKCS#12 PBE scheme).
 * @throws SealError ERR_CRYPTO_DECRYPT_FAILED (wrong password), ERR_CRYPTO_ALGORITHM_UNSUPPORTED.
 */
export function pbeDecrypt(algId: Asn1Element, password: string, data: Uint8Array, path: string): Uint8Array {
  const [oidEl, params] = readSequence(algId, path, 1, 2);
  const oid = readOid(oidEl, `${path}.algorithm`);
  if (oid === id_PBES2) {
    const [kdf, enc] = readSequence(params, `${path}.parameters`, 2, 2);
    const [kdfOid, kdfParams] = readSequence(kdf, `${path}.keyDerivationFunc`, 2, 2);
    if (readOid(kdfOid, `${path}.keyDerivationFunc.algorithm`) !== id_PBKDF2) throw unsupported('PBES2 key derivation other than PBKDF2');
    const kp = readSequence(kdfParams, `${path}.PBKDF2-params`, 2, 4);
    const salt = readOctetString(kp[0], `${path}.PBKDF2-params.salt`);
    const iter = iterations(kp[1], `${path}.PBKDF2-params.iterationCount`);
    let prf = 'sha1';
    let keyLength: number | undefined;
    for (const extra of kp.slice(2)) {
      if (extra.tagNumber === 2) keyLength = readSmallInteger(extra, `${path}.PBKDF2-params.keyLength`);
      else {
        const prfOid = readOid(readSequence(extra, `${path}.PBKDF2-params.prf`, 1, 2)[0], `${path}.PBKDF2-params.prf`);
        const name = PRF[prfOid];
        if (name === undefined) throw unsupported(`PBKDF2 PRF ${prfOid}`);
        prf = name;
      }
    }
    const [encOid, ivEl] = readSequence(enc, `${path}.encryptionScheme`, 2, 2);
    const encName = readOid(encOid, `${path}.encryptionScheme.algorithm`);
    const cipher = CIPHERS[encName];
    if (cipher === undefined) throw unsupported(`PBES2 cipher ${encName}`);
    const iv = readOctetString(ivEl, `${path}.encryptionScheme.iv`);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iter, keyLength ?? cipher.keyLength, prf);
    return nodeDecrypt(cipher.name, key, iv, data);
  }
  if (oid === pbeWithSHAAnd3_KeyTripleDES_CBC || oid === pbeWithSHAAnd2_KeyTripleDES_CBC || oid === pbeWithSHAAnd40BitRC2_CBC || oid === pbeWithSHAAnd128BitRC2_CBC) {
    const [saltEl, iterEl] = readSequence(params, `${path}.parameters`, 2, 2);
    const salt = readOctetString(saltEl, `${path}.parameters.salt`);
    const iter = iterations(iterEl, `${path}.parameters.iterations`);
    const pw = bmpPassword(password);
    if (oid === pbeWithSHAAnd40BitRC2_CBC || oid === pbeWithSHAAnd128BitRC2_CBC) {
      const bits = oid === pbeWithSHAAnd40BitRC2_CBC ? 40 : 128;
      const key = pkcs12Kdf('sha1', 20, 64, pw, salt, 1, iter, bits / 8);
      const iv = pkcs12Kdf('sha1', 20, 64, pw, salt, 2, iter, 8);
      const out = rc2CbcDecrypt(key, bits, iv, data);
      if (out === undefined) throw decryptFailed();
      return out;
    }
    let key = pkcs12Kdf('sha1', 20, 64, pw, salt, 1, iter, oid === pbeWithSHAAnd3_KeyTripleDES_CBC ? 24 : 16);
    if (key.length === 16) {
      const k3 = new Uint8Array(24);
      k3.set(key);
      k3.set(key.subarray(0, 8), 16);
      key = k3;
    }
    const iv = pkcs12Kdf('sha1', 20, 64, pw, salt, 2, iter, 8);
    return nodeDecrypt('des-ede3-cbc', key, iv, data);
  }
  throw unsupported(`password-based encryption ${oid}`);
}
