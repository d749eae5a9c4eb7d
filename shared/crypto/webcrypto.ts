// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * International algorithms through WebCrypto (`globalThis.crypto.subtle`): SHA digests, ECDSA
 * P-256/P-384 and RSA (PKCS#1 v1.5, PSS) verification. Used by certificate-chain, CMS and PDF
 * verification for non-SM documents, in the extension and in the agent alike.
 *
 * Design rationale:
 * - WebCrypto is native in both runtimes (browsers and Node ≥ 20), constant-time where it matters
 *   and fast, so nothing here reimplements NIST algorithms. All functions are async because
 *   `subtle` is.
 * - Inputs are normalised to what WebCrypto wants: ECDSA signatures arrive as DER (CMS, X.509) or
 *   raw `r ‖ s` (IEEE P1363, e.g. from PKCS#11 tokens) and are converted to raw; keys arrive as an
 *   uncompressed point or an SPKI DER. RSA signatures shorter than the modulus (a leading zero
 *   dropped by a sloppy encoder) are left-padded, as OpenSSL accepts them.
 * - Same error policy as `sm2.ts`: malformed signature encodings throw
 *   `ERR_CRYPTO_SIGNATURE_MALFORMED`, keys WebCrypto cannot import throw `ERR_CRYPTO_KEY_INVALID`,
 *   a well-formed signature that does not verify resolves `false`. A runtime without `subtle`
 *   (an insecure browser context) throws `ERR_CRYPTO_UNAVAILABLE`.
 */
import { SealError } from '../errors/index.js';
import { assertBytes, assertInteger, assertOneOf, invalidInput } from './assert.js';
import { bigintToBytes, parseDerSignature } from './signatureDer.js';

export type ShaAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
export type EcdsaCurve = 'P-256' | 'P-384';

const SHA_ALGORITHMS: readonly ShaAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const SHA_LENGTH: Record<ShaAlgorithm, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const CURVE_BYTES: Record<EcdsaCurve, number> = { 'P-256': 32, 'P-384': 48 };

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) throw new SealError('ERR_CRYPTO_UNAVAILABLE', { feature: 'crypto.subtle' });
  return s;
}

/** WebCrypto's typings want an ArrayBuffer-backed view; copy only when the input is not one. */
function buf(u8: Uint8Array): Uint8Array<ArrayBuffer> {
  return u8.buffer instanceof ArrayBuffer ? (u8 as Uint8Array<ArrayBuffer>) : new Uint8Array(u8);
}

/** SHA-1/SHA-2 digest of `data`. */
export async function digest(alg: ShaAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  assertOneOf('alg', alg, SHA_ALGORITHMS);
  assertBytes('data', data);
  return new Uint8Array(await subtle().digest(alg, buf(data)));
}

/** SHA-256 of `data`. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return digest('SHA-256', data);
}

export interface VerifyEcdsaParams {
  curve: EcdsaCurve;
  /** Uncompressed point `04 ‖ X ‖ Y`, or a SubjectPublicKeyInfo DER. */
  publicKey: Uint8Array;
  hash: ShaAlgorithm;
  /** The signed data (hashed here with `hash`). */
  data: Uint8Array;
  /** DER `Ecdsa-Sig-Value` or raw `r ‖ s`. */
  signature: Uint8Array;
}

function ecdsaRawSignature(signature: Uint8Array, size: number): Uint8Array {
  if (signature[0] === 0x30) {
    try {
      const { r, s } = parseDerSignature(signature, size);
      const out = new Uint8Array(2 * size);
      out.set(bigintToBytes(r, size), 0);
      out.set(bigintToBytes(s, size), size);
      return out;
    } catch (e) {
      if (signature.length !== 2 * size) throw e;
    }
  }
  if (signature.length === 2 * size) return signature;
  throw new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason: `expected DER or ${2 * size} raw bytes, got ${signature.length} bytes` });
}

async function importKey(format: 'raw' | 'spki', keyData: Uint8Array, algorithm: EcKeyImportParams | RsaHashedImportParams): Promise<CryptoKey> {
  try {
    return await subtle().importKey(format, buf(keyData), algorithm, false, ['verify']);
  } catch (cause) {
    if (cause instanceof SealError) throw cause;
    const reason = cause instanceof Error ? cause.message.slice(0, 200) : 'import failed';
    throw new SealError(format === 'raw' ? 'ERR_CRYPTO_POINT_INVALID' : 'ERR_CRYPTO_KEY_INVALID', { reason }, { cause });
  }
}

/** Verifies an ECDSA signature with WebCrypto; `false` for a well-formed signature that does not match. */
export async function verifyEcdsa(params: VerifyEcdsaParams): Promise<boolean> {
  if (params === null || typeof params !== 'object') throw invalidInput('params', 'expected an object');
  const { curve, publicKey, hash, data, signature } = params;
  assertOneOf('curve', curve, ['P-256', 'P-384'] as const);
  assertOneOf('hash', hash, SHA_ALGORITHMS);
  assertBytes('publicKey', publicKey);
  assertBytes('data', data);
  assertBytes('signature', signature);
  const size = CURVE_BYTES[curve];
  const raw = ecdsaRawSignature(signature, size);
  let format: 'raw' | 'spki';
  if (publicKey[0] === 0x04 && publicKey.length === 1 + 2 * size) format = 'raw';
  else if (publicKey[0] === 0x30) format = 'spki';
  else throw new SealError('ERR_CRYPTO_POINT_INVALID', { reason: `expected an uncompressed ${curve} point or an SPKI` });
  const key = await importKey(format, publicKey, { name: 'ECDSA', namedCurve: curve });
  return subtle().verify({ name: 'ECDSA', hash }, key, buf(raw), buf(data));
}

export interface VerifyRsaParams {
  /** SubjectPublicKeyInfo DER with an rsaEncryption key. */
  spki: Uint8Array;
  hash: ShaAlgorithm;
  data: Uint8Array;
  signature: Uint8Array;
  /** Default 'pkcs1' (RSASSA-PKCS1-v1_5). */
  scheme?: 'pkcs1' | 'pss';
  /** PSS salt length in bytes; default the hash length (RFC 4055 / CMS usual choice). */
  saltLength?: number;
}

/** Verifies an RSA signature with WebCrypto; `false` for a well-formed signature that does not match. */
export async function verifyRsa(params: VerifyRsaParams): Promise<boolean> {
  if (params === null || typeof params !== 'object') throw invalidInput('params', 'expected an object');
  const { spki, hash, data, signature } = params;
  const scheme = params.scheme ?? 'pkcs1';
  assertBytes('spki', spki);
  assertOneOf('hash', hash, SHA_ALGORITHMS);
  assertBytes('data', data);
  assertBytes('signature', signature);
  assertOneOf('scheme', scheme, ['pkcs1', 'pss'] as const);
  const saltLength = params.saltLength ?? SHA_LENGTH[hash];
  assertInteger('saltLength', saltLength, 0, 1024);
  const name = scheme === 'pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
  const key = await importKey('spki', spki, { name, hash });
  const modulusBytes = Math.ceil((key.algorithm as RsaHashedKeyAlgorithm).modulusLength / 8);
  if (signature.length > modulusBytes) {
    throw new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason: `RSA signature longer than the ${modulusBytes}-byte modulus` });
  }
  let sig = signature;
  if (sig.length < modulusBytes) {
    sig = new Uint8Array(modulusBytes);
    sig.set(signature, modulusBytes - signature.length);
  }
  const algorithm: AlgorithmIdentifier | RsaPssParams = scheme === 'pss' ? { name, saltLength } : { name };
  return subtle().verify(algorithm, key, buf(sig), buf(data));
}
