// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Loads a seal maker's (or a test signer's) SM2 private key and certificate on Node, for
 * `eseal seal make`. Sources: PKCS#12 (`.p12`/`.pfx` + password; PBES2/AES as OpenSSL 3 writes, and
 * the legacy SHA-1/3DES + RC2-40 schemes of BouncyCastle/Windows files) or PEM (PKCS#8 `PRIVATE
 * KEY`, encrypted PKCS#8 `ENCRYPTED PRIVATE KEY`, SEC1 `EC PRIVATE KEY`) with a PEM/DER certificate.
 *
 * Design rationale: everything is decoded here with node:crypto primitives (hash, HMAC, PBKDF2,
 * AES/3DES) and our own ASN.1 reader; the openssl binary is never run. The key is returned as the
 * 32-byte SM2 scalar for `shared/crypto` sm2Sign — Node's own `crypto.sign` is not used for SM2
 * because it does not apply the GM/T 0009 Z value by default. Only SM2 keys are accepted (seal making
 * is SM2-only); the key must match the certificate.
 */
import { readFileSync } from 'node:fs';
import { SealError } from '../../shared/errors/index.js';
import { type Asn1Element, isContext, parseDer, readBitString, readOctetString, readOid, readSequence, readSmallInteger } from '../../shared/asn1/index.js';
import { id_ecPublicKey, id_sm2 } from '../../shared/asn1/oids.js';
import { sm2GetPublicKey } from '../../shared/crypto/sm2.js';
import { decodePem, looksLikePem, parseCertificate, type Certificate } from '../../shared/x509/index.js';
import { pbeDecrypt } from './pbe.js';
import { readPkcs12 } from './pkcs12.js';

export interface SigningKey {
  readonly algorithm: 'SM2';
  /** 32-byte SM2 private scalar. */
  readonly privateKey: Uint8Array;
  /** 65-byte uncompressed public point. */
  readonly publicKey: Uint8Array;
  /** The certificate matching the key (DER). */
  readonly certificateDer: Uint8Array;
  /** Other certificates found (intermediates, roots), DER, in file order. */
  readonly chainDers: readonly Uint8Array[];
}

export type SigningKeySource =
  | { readonly kind: 'pkcs12'; readonly data: Uint8Array; readonly password: string }
  | {
      readonly kind: 'pem';
      /** PEM text or bytes of the private key. */
      readonly key: Uint8Array | string;
      /** PEM (one or more blocks) or DER certificate(s); the first matching the key is used. */
      readonly certificates: Uint8Array | string;
      /** Password of an `ENCRYPTED PRIVATE KEY`. */
      readonly password?: string;
    };

function keyInvalid(reason: string): SealError {
  return new SealError('ERR_CRYPTO_KEY_INVALID', { reason });
}

function notSm2(what: string): SealError {
  return new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${what} (seal making needs an SM2 key)` });
}

/** ECPrivateKey (SEC1, RFC 5915) → 32-byte scalar; checks the curve when named. */
function fromEcPrivateKey(el: Asn1Element, curveFromAlg?: string): Uint8Array {
  const c = readSequence(el, 'ECPrivateKey', 2, 4);
  if (readSmallInteger(c[0], 'ECPrivateKey.version') !== 1) throw keyInvalid('ECPrivateKey version is not 1');
  const d = readOctetString(c[1], 'ECPrivateKey.privateKey');
  let curve = curveFromAlg;
  for (const extra of c.slice(2)) {
    if (isContext(extra, 0)) curve = readOid(extra.children[0], 'ECPrivateKey.parameters');
    else if (isContext(extra, 1)) readBitString(extra.children[0], 'ECPrivateKey.publicKey');
  }
  if (curve !== undefined && curve !== id_sm2) throw notSm2(`EC curve ${curve}`);
  if (d.length > 32) {
    const lead = d.subarray(0, d.length - 32);
    if (lead.some((b) => b !== 0)) throw keyInvalid('SM2 private key longer than 32 bytes');
  }
  const out = new Uint8Array(32);
  const s = d.length > 32 ? d.subarray(d.length - 32) : d;
  out.set(s, 32 - s.length);
  return out;
}

/** PrivateKeyInfo (PKCS#8) → 32-byte SM2 scalar. */
export function sm2KeyFromPkcs8(der: Uint8Array): Uint8Array {
  const c = readSequence(parseDer(der), 'PrivateKeyInfo', 3, 5);
  const [algOid, params] = readSequence(c[1], 'PrivateKeyInfo.privateKeyAlgorithm', 1, 2);
  const alg = readOid(algOid, 'PrivateKeyInfo.privateKeyAlgorithm.algorithm');
  let curve: string | undefined;
  if (alg === id_ecPublicKey) {
    if (params === undefined || params.tagNumber !== 6) throw keyInvalid('EC key without a named curve');
    curve = readOid(params, 'PrivateKeyInfo.privateKeyAlgorithm.parameters');
  } else if (alg === id_sm2) {
    curve = id_sm2;
  } else {
    throw notSm2(`key algorithm ${alg}`);
  }
  return fromEcPrivateKey(parseDer(readOctetString(c[2], 'PrivateKeyInfo.privateKey')), curve);
}

function equal(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

function certsFrom(input: Uint8Array | string): Certificate[] {
  if (typeof input === 'string' || looksLikePem(input)) {
    const blocks = decodePem(input, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
    if (blocks.length === 0) throw new SealError('ERR_X509_PEM_INVALID', { reason: 'no CERTIFICATE block' });
    return blocks.map((b) => parseCertificate(b.der));
  }
  return [parseCertificate(input)];
}

function assemble(privateKey: Uint8Array, certs: readonly Certificate[]): SigningKey {
  if (privateKey.every((b) => b === 0)) throw keyInvalid('zero private key');
  let publicKey: Uint8Array;
  try {
    publicKey = sm2GetPublicKey(privateKey);
  } catch (e) {
    throw keyInvalid(e instanceof Error ? e.message : 'not a valid SM2 private key');
  }
  const idx = certs.findIndex((c) => c.publicKey.algorithm === 'SM2' && equal(publicKey, c.publicKey.point));
  if (idx < 0) throw keyInvalid(certs.length === 0 ? 'no certificate found' : 'no certificate matches the private key');
  const cert = certs[idx] as Certificate;
  return {
    algorithm: 'SM2',
    privateKey,
    publicKey,
    certificateDer: cert.der,
    chainDers: certs.filter((_, i) => i !== idx).map((c) => c.der),
  };
}

function pemKey(key: Uint8Array | string, password: string | undefined): Uint8Array {
  const blocks = decodePem(key, ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY']);
  const block = blocks[0];
  if (block === undefined) throw new SealError('ERR_X509_PEM_INVALID', { reason: 'no PRIVATE KEY, ENCRYPTED PRIVATE KEY or EC PRIVATE KEY block' });
  const text = typeof key === 'string' ? key : new TextDecoder().decode(key);
  if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) throw new SealError('ERR_NOT_IMPLEMENTED', { feature: 'legacy OpenSSL-encrypted PEM keys (convert with: openssl pkcs8 -topk8)' });
  if (block.label === 'EC PRIVATE KEY') return fromEcPrivateKey(parseDer(block.der));
  if (block.label === 'PRIVATE KEY') return sm2KeyFromPkcs8(block.der);
  if (password === undefined) throw new SealError('ERR_INPUT_INVALID', { name: 'password', reason: 'the private key is encrypted; a password is required' });
  const [alg, data] = readSequence(parseDer(block.der), 'EncryptedPrivateKeyInfo', 2, 2);
  return sm2KeyFromPkcs8(pbeDecrypt(alg as Asn1Element, password, readOctetString(data, 'EncryptedPrivateKeyInfo.encryptedData'), 'EncryptedPrivateKeyInfo.encryptionAlgorithm'));
}

/**
 * Loads an SM2 signing key with its certificate.
 * @throws SealError ERR_CRYPTO_DECRYPT_FAILED (wrong password), ERR_CRYPTO_ALGORITHM_UNSUPPORTED
 *   (not SM2 / unsupported encryption), ERR_CRYPTO_KEY_INVALID (no matching certificate),
 *   ERR_X509_*, ERR_ASN1_*.
 */
export function loadSigningKey(source: SigningKeySource): SigningKey {
  if (source.kind === 'pkcs12') {
    const p12 = readPkcs12(source.data, source.password);
    if (p12.keys.length === 0) throw keyInvalid('the PKCS#12 file contains no private key');
    const certs = p12.certificates.map((c) => parseCertificate(c.der));
    let last: unknown;
    for (const k of p12.keys) {
      try {
        return assemble(sm2KeyFromPkcs8(k.pkcs8), certs);
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof SealError ? last : keyInvalid('no usable SM2 key in the PKCS#12 file');
  }
  return assemble(pemKey(source.key, source.password), certsFrom(source.certificates));
}

/** Reads a file for {@link loadSigningKey}, mapping ENOENT to ERR_FILE_NOT_FOUND. */
export function readInputFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') throw new SealError('ERR_FILE_NOT_FOUND', { path });
    throw new SealError('ERR_FILE_NOT_FOUND', { path }, { cause: e });
  }
}

/** Convenience: PKCS#12 file + password, or PEM key file + certificate file. */
export function loadSigningKeyFromFiles(o: { p12?: string; password?: string; keyFile?: string; certFile?: string }): SigningKey {
  if (o.p12 !== undefined) return loadSigningKey({ kind: 'pkcs12', data: readInputFile(o.p12), password: o.password ?? '' });
  if (o.keyFile !== undefined && o.certFile !== undefined) {
    return loadSigningKey({ kind: 'pem', key: readInputFile(o.keyFile), certificates: readInputFile(o.certFile), ...(o.password === undefined ? {} : { password: o.password }) });
  }
  throw new SealError('ERR_CLI_USAGE', { reason: 'give a PKCS#12 file and password, or a PEM key and a certificate' });
}
