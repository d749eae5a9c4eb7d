// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Builds a detached CMS SignedData (RFC 5652; PKCS#7 OIDs, or GM/T 0010 OIDs for SM2) over a content
 * digest, with signed attributes contentType, messageDigest, signingCertificateV2 (RFC 5035) and,
 * optionally, signingTime. The signature itself is produced by a callback, so the same code serves
 * a key in memory (tests), a PKCS#11 token in the agent, or a remote signer.
 *
 * ```asn
 * SignerInfo ::= SEQUENCE { version INTEGER (1), sid IssuerAndSerialNumber, digestAlgorithm,
 *   signedAttrs [0] IMPLICIT SET OF Attribute, signatureAlgorithm, signature OCTET STRING }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial IssuerSerial }
 * ```
 *
 * Design rationale: the callback receives the DER `SET OF Attribute` (tag 0x31) — the exact bytes a
 * verifier hashes — and returns the signature value in the form CMS carries it: DER `ECDSA-Sig-Value`
 * / DER SM2 signature, or the raw RSA PKCS#1 v1.5 block. Algorithms follow the signer certificate's
 * key; mismatching choices are refused rather than producing an unverifiable blob.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { derExplicit, derImplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet, derUtcTime } from '../asn1/derWriter.js';
import {
  ecdsa_with_SHA256,
  id_aa_signingCertificateV2,
  id_contentType,
  id_data,
  id_gmt0010_data,
  id_gmt0010_signedData,
  id_messageDigest,
  id_sha256,
  id_signedData,
  id_signingTime,
  id_sm2_1,
  id_sm3,
  sha256WithRSAEncryption,
} from '../asn1/oids.js';
import { SealError } from '../errors/index.js';
import type { Certificate } from '../x509/index.js';
import { parseDer } from './der.js';

export interface BuildSignedDataOptions {
  readonly signerCertificate: Certificate;
  /** Further certificates to embed (intermediates); the signer's is always embedded first. */
  readonly certificates?: readonly Certificate[];
  /** Digest of the content (e.g. the PDF /ByteRange), computed with `digestAlgorithm`. */
  readonly contentDigest: Uint8Array;
  /** SHA-256 for ECDSA/RSA keys, SM3 for SM2 keys. */
  readonly digestAlgorithm: 'SHA-256' | 'SM3';
  /** Adds a signingTime attribute (PAdES prefers none; adbe.pkcs7.detached accepts it). */
  readonly signingTime?: Date;
  /** Produces the signature over the DER SET of signed attributes (see the module note). */
  readonly sign: (signedAttributes: Uint8Array) => Promise<Uint8Array>;
}

function issuerAndSerial(cert: Certificate): { issuer: Uint8Array; serial: Uint8Array } {
  const tbs = parseDer(cert.der, true).children[0];
  const first = tbs?.children[0]?.tag === 0xa0 ? 1 : 0;
  const serial = tbs?.children[first];
  const issuer = tbs?.children[first + 2];
  if (serial === undefined || issuer === undefined) throw new SealError('ERR_X509_MALFORMED', { reason: 'no issuer or serial number' });
  return { issuer: issuer.raw, serial: serial.raw };
}

const attribute = (oid: string, value: Uint8Array): Uint8Array => derSequence(derOid(oid), derSet(value));

/** The DER SET of signed attributes (what the signature covers). */
export function buildSignedAttributes(o: Pick<BuildSignedDataOptions, 'signerCertificate' | 'contentDigest' | 'signingTime'> & { contentType?: string }): Uint8Array {
  const { issuer, serial } = issuerAndSerial(o.signerCertificate);
  const essCertIdV2 = derSequence(derOctetString(sha256(o.signerCertificate.der)), derSequence(derSequence(derExplicit(4, issuer)), serial));
  const attrs = [
    attribute(id_contentType, derOid(o.contentType ?? id_data)),
    attribute(id_messageDigest, derOctetString(o.contentDigest)),
    attribute(id_aa_signingCertificateV2, derSequence(derSequence(essCertIdV2))),
  ];
  if (o.signingTime !== undefined) attrs.push(attribute(id_signingTime, derUtcTime(o.signingTime)));
  return derSet(...attrs);
}

/** Builds the ContentInfo-wrapped detached SignedData (DER). */
export async function buildSignedData(o: BuildSignedDataOptions): Promise<Uint8Array> {
  const alg = o.signerCertificate.publicKey.algorithm;
  const sm = alg === 'SM2';
  if (sm !== (o.digestAlgorithm === 'SM3')) {
    throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${o.digestAlgorithm} with a ${alg} key` });
  }
  if (!(o.contentDigest instanceof Uint8Array) || o.contentDigest.length !== 32) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'contentDigest', reason: 'must be 32 bytes' });
  }
  const digestAlgId = sm ? derSequence(derOid(id_sm3), derNull()) : derSequence(derOid(id_sha256));
  const sigAlgId = sm ? derSequence(derOid(id_sm2_1)) : alg === 'RSA' ? derSequence(derOid(sha256WithRSAEncryption), derNull()) : derSequence(derOid(ecdsa_with_SHA256));
  if (alg === 'ECDSA-P384') throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'ECDSA P-384 with SHA-256' });
  const signedAttrs = buildSignedAttributes({ ...o, contentType: sm ? id_gmt0010_data : id_data });
  const signature = await o.sign(signedAttrs);
  if (!(signature instanceof Uint8Array) || signature.length === 0) throw new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason: 'the signer returned no signature' });
  const { issuer, serial } = issuerAndSerial(o.signerCertificate);
  const signerInfo = derSequence(derInteger(1), derSequence(issuer, serial), digestAlgId, derImplicit(0, signedAttrs), sigAlgId, derOctetString(signature));
  const certs = [o.signerCertificate, ...(o.certificates ?? []).filter((c) => c !== o.signerCertificate)].map((c) => c.der);
  const signedData = derSequence(
    derInteger(1),
    derSet(digestAlgId),
    derSequence(derOid(sm ? id_gmt0010_data : id_data)),
    derImplicit(0, derSequence(...certs)),
    derSet(signerInfo),
  );
  return derSequence(derOid(sm ? id_gmt0010_signedData : id_signedData), derExplicit(0, signedData));
}
