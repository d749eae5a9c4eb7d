// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Signature verification dispatched by the signature AlgorithmIdentifier OID, for certificates, CRLs
 * and anything else signed by a certificate's key.
 *
 * Design rationale: one table from OID to verifier, so every caller (path validation, CRLs, CMS, seals)
 * accepts the same algorithms and rejects the rest with `ERR_CRYPTO_ALGORITHM_UNSUPPORTED`, never by
 * silently returning false. A key that cannot do the named algorithm (an RSA key with an SM2 OID)
 * returns false: that is a bad signature, not an unsupported algorithm.
 *
 * SM2-with-SM3 follows GM/T 0009: the signed digest is SM3(Z ‖ data) with Z computed from the signer's
 * distinguishing ID, by default `1234567812345678` (GM/T 0009 / GM/T 0015). We try that ID first.
 * OpenSSL 3.0, however, signs and verifies SM2 with the EMPTY ID whenever none is configured
 * (checked on 3.0.19: `openssl req/x509/ca` without `-sigopt distid:…`, and every CRL it issues), so
 * certificates and CRLs produced by a stock OpenSSL CA only verify with the empty ID. When the caller
 * does not name an ID (`sm2UserId` absent), we therefore accept the empty ID as a second try; a caller
 * that names an ID (e.g. a seal format fixing it) gets exactly that one. Accepting a second fixed ID
 * does not help a forger: both are public constants, and the signature must still verify under the key.
 * The ESeal test PKI (`scripts/make-test-pki.sh`) signs with the GM/T default ID.
 */

import { SealError } from '../errors/index.js';
import { parseDer, readOid, readSmallInteger, type Asn1Element, Tag, TAG_CLASS_CONTEXT, TAG_CLASS_UNIVERSAL } from '../asn1/index.js';
import {
  ecdsa_with_SHA256,
  ecdsa_with_SHA384,
  id_RSASSA_PSS,
  id_sha1,
  id_sha256,
  id_sha384,
  id_sha512,
  id_sm2_with_sm3,
  sha1WithRSAEncryption,
  sha256WithRSAEncryption,
  sha384WithRSAEncryption,
  sha512WithRSAEncryption,
} from '../asn1/oids.js';
import { sm2Verify } from '../crypto/sm2.js';
import { verifyEcdsa, verifyRsa } from '../crypto/webcrypto.js';
import type { Certificate, CertificatePublicKey } from './Certificate.js';
import { id_mgf1 } from './oids.js';

export interface VerifySignatureOptions {
  /** SM2 distinguishing ID. Absent: GM/T default `1234567812345678`, then OpenSSL's empty ID. */
  readonly sm2UserId?: Uint8Array;
  /** DER of the AlgorithmIdentifier parameters (required to interpret RSASSA-PSS). */
  readonly signatureAlgorithmParams?: Uint8Array;
}

/** GM/T 0009 default SM2 distinguishing ID. */
export const SM2_DEFAULT_USER_ID: Uint8Array = new TextEncoder().encode('1234567812345678');
/** The empty ID OpenSSL 3.0 uses when none is configured. */
export const SM2_OPENSSL_EMPTY_USER_ID: Uint8Array = new Uint8Array(0);

type RsaHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const RSA_PKCS1: Readonly<Record<string, RsaHash>> = {
  [sha1WithRSAEncryption]: 'SHA-1',
  [sha256WithRSAEncryption]: 'SHA-256',
  [sha384WithRSAEncryption]: 'SHA-384',
  [sha512WithRSAEncryption]: 'SHA-512',
};

const HASH_BY_OID: Readonly<Record<string, RsaHash>> = {
  [id_sha1]: 'SHA-1',
  [id_sha256]: 'SHA-256',
  [id_sha384]: 'SHA-384',
  [id_sha512]: 'SHA-512',
};

function unsupported(algorithm: string): SealError {
  return new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm });
}

function algorithmIdOid(el: Asn1Element | undefined, what: string): string {
  if (el === undefined || el.tagClass !== TAG_CLASS_UNIVERSAL || el.tagNumber !== Tag.SEQUENCE || el.children.length === 0) {
    throw unsupported(`RSASSA-PSS with malformed ${what}`);
  }
  return readOid(el.children[0], what);
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1); only what WebCrypto can verify is accepted: MGF1 with the same
 * hash as the message hash, trailer field 1, any salt length up to 1024 bytes.
 *
 * ```asn
 * RSASSA-PSS-params  ::=  SEQUENCE  {
 *     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
 *     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
 *     saltLength         [2] INTEGER DEFAULT 20,
 *     trailerField       [3] INTEGER DEFAULT 1  }
 * ```
 */
export function parsePssParams(params: Uint8Array | undefined): { hash: RsaHash; saltLength: number } {
  let hash: RsaHash = 'SHA-1';
  let mgfHash: RsaHash = 'SHA-1';
  let saltLength = 20;
  let trailer = 1;
  if (params !== undefined) {
    let seq: Asn1Element;
    try {
      seq = parseDer(params, { maxDepth: 8 });
    } catch {
      throw unsupported('RSASSA-PSS with malformed parameters');
    }
    if (seq.tagClass !== TAG_CLASS_UNIVERSAL || seq.tagNumber !== Tag.SEQUENCE) throw unsupported('RSASSA-PSS with malformed parameters');
    try {
      for (const f of seq.children) {
        if (f.tagClass !== TAG_CLASS_CONTEXT) throw unsupported('RSASSA-PSS with malformed parameters');
        const inner = f.children[0];
        switch (f.tagNumber) {
          case 0: {
            const h = HASH_BY_OID[algorithmIdOid(inner, 'hashAlgorithm')];
            if (h === undefined) throw unsupported('RSASSA-PSS hash');
            hash = h;
            break;
          }
          case 1: {
            if (algorithmIdOid(inner, 'maskGenAlgorithm') !== id_mgf1) throw unsupported('RSASSA-PSS mask generation function');
            const h = HASH_BY_OID[algorithmIdOid(inner?.children[1], 'MGF1 hash')];
            if (h === undefined) throw unsupported('RSASSA-PSS MGF1 hash');
            mgfHash = h;
            break;
          }
          case 2:
            saltLength = readSmallInteger(inner, 'saltLength');
            break;
          case 3:
            trailer = readSmallInteger(inner, 'trailerField');
            break;
          default:
            throw unsupported('RSASSA-PSS with malformed parameters');
        }
      }
    } catch (e) {
      if (e instanceof SealError && e.code === 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED') throw e;
      throw unsupported('RSASSA-PSS with malformed parameters');
    }
  }
  if (mgfHash !== hash || saltLength < 0 || saltLength > 1024 || trailer !== 1) {
    throw unsupported(`RSASSA-PSS (${hash}, MGF1-${mgfHash}, salt ${saltLength}, trailer ${trailer})`);
  }
  return { hash, saltLength };
}

function sm2VerifyQuiet(point: Uint8Array, data: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean {
  try {
    return sm2Verify(point, data, signature, { userId });
  } catch (e) {
    // A malformed signature value is simply not a valid signature.
    if (e instanceof SealError) return false;
    throw e;
  }
}

async function quiet(p: Promise<boolean>): Promise<boolean> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof SealError && e.code !== 'ERR_CRYPTO_UNAVAILABLE') return false;
    throw e;
  }
}

/**
 * Verifies `signature` over `data` with `key`, using the algorithm named by `signatureAlgorithmOid`.
 * Resolves false for a wrong signature or a key that does not fit the algorithm; throws
 * `ERR_CRYPTO_ALGORITHM_UNSUPPORTED` for an OID we do not implement.
 */
export async function verifySignatureByOid(
  key: CertificatePublicKey,
  signatureAlgorithmOid: string,
  data: Uint8Array,
  signature: Uint8Array,
  opts: VerifySignatureOptions = {},
): Promise<boolean> {
  if (signatureAlgorithmOid === id_sm2_with_sm3) {
    if (key.algorithm !== 'SM2' || key.point === undefined) return false;
    if (opts.sm2UserId !== undefined) return sm2VerifyQuiet(key.point, data, signature, opts.sm2UserId);
    return (
      sm2VerifyQuiet(key.point, data, signature, SM2_DEFAULT_USER_ID) ||
      sm2VerifyQuiet(key.point, data, signature, SM2_OPENSSL_EMPTY_USER_ID)
    );
  }
  if (signatureAlgorithmOid === ecdsa_with_SHA256 || signatureAlgorithmOid === ecdsa_with_SHA384) {
    if ((key.algorithm !== 'ECDSA-P256' && key.algorithm !== 'ECDSA-P384') || key.point === undefined) return false;
    return quiet(
      verifyEcdsa({
        curve: key.algorithm === 'ECDSA-P256' ? 'P-256' : 'P-384',
        publicKey: key.point,
        hash: signatureAlgorithmOid === ecdsa_with_SHA256 ? 'SHA-256' : 'SHA-384',
        data,
        signature,
      }),
    );
  }
  const pkcs1Hash = RSA_PKCS1[signatureAlgorithmOid];
  if (pkcs1Hash !== undefined) {
    if (key.algorithm !== 'RSA') return false;
    return quiet(verifyRsa({ spki: key.spkiDer, hash: pkcs1Hash, data, signature, scheme: 'pkcs1' }));
  }
  if (signatureAlgorithmOid === id_RSASSA_PSS) {
    const { hash, saltLength } = parsePssParams(opts.signatureAlgorithmParams);
    if (key.algorithm !== 'RSA') return false;
    return quiet(verifyRsa({ spki: key.spkiDer, hash, data, signature, scheme: 'pss', saltLength }));
  }
  throw unsupported(signatureAlgorithmOid);
}

/**
 * Verifies `cert`'s signature with `issuer`'s key over the original TBS bytes. False also when the
 * inner and outer signature AlgorithmIdentifiers differ (RFC 5280 §4.1.1.2).
 */
export async function verifyCertificateSignature(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (!cert.signatureAlgorithmsMatch) return false;
  return verifySignatureByOid(issuer.publicKey, cert.signatureAlgorithmOid, cert.tbsDer, cert.signatureValue, {
    ...(cert.signatureAlgorithmParams !== undefined ? { signatureAlgorithmParams: cert.signatureAlgorithmParams } : {}),
  });
}
