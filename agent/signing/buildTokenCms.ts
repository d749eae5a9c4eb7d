// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * RFC 5652 SignedData with an ECDSA P-256 or RSA key on a token (`data.sign` format `cms`), built by
 * `shared/cms/buildSignedData` (signed attributes contentType, messageDigest = SHA-256(content),
 * signingCertificateV2) and signed through `TokenSession.signDigest`:
 * - ECDSA: the token signs SHA-256(DER SET OF signed attributes) with CKM_ECDSA → DER ECDSA-Sig-Value;
 * - RSA: the token signs the DER DigestInfo{sha256, SHA-256(signed attributes)} with CKM_RSA_PKCS.
 * `buildSignedData` makes a detached SignedData; for an attached one the content is put into
 * `encapContentInfo` afterwards (eContent is not covered by the signature: messageDigest is).
 */
import { createHash } from 'node:crypto';
import { derExplicit, derNull, derOctetString, derOid, derSequence } from '../../shared/asn1/derWriter.js';
import { id_sha256 } from '../../shared/asn1/oids.js';
import { buildSignedData } from '../../shared/cms/buildSignedData.js';
import { parseDer } from '../../shared/cms/der.js';
import { SealError } from '../../shared/errors/index.js';
import type { Certificate } from '../../shared/x509/index.js';

export interface BuildTokenCmsOptions {
  readonly cert: Certificate;
  /** SHA-256 of the content (what messageDigest carries). */
  readonly contentDigest: Uint8Array;
  /** The content to embed (attached SignedData); undefined = detached. */
  readonly attachedContent?: Uint8Array;
  /** TokenSession.signDigest bound to the certificate's key. */
  readonly signDigest: (digest: Uint8Array) => Promise<Uint8Array>;
}

export const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

/** DER DigestInfo ::= SEQUENCE { AlgorithmIdentifier (sha256, NULL), OCTET STRING hash } (RFC 8017 §9.2). */
export function sha256DigestInfo(hash: Uint8Array): Uint8Array {
  return derSequence(derSequence(derOid(id_sha256), derNull()), derOctetString(hash));
}

export async function buildTokenCms(o: BuildTokenCmsOptions): Promise<Uint8Array> {
  const alg = o.cert.publicKey.algorithm;
  if (alg !== 'ECDSA-P256' && alg !== 'RSA') throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${alg} (format cms takes ECDSA P-256 or RSA keys; SM2: sm2-cms)` });
  const detached = await buildSignedData({
    signerCertificate: o.cert,
    contentDigest: o.contentDigest,
    digestAlgorithm: 'SHA-256',
    sign: (signedAttributes) => {
      const hash = sha256(signedAttributes);
      return o.signDigest(alg === 'RSA' ? sha256DigestInfo(hash) : hash);
    },
  });
  return o.attachedContent === undefined ? detached : attach(detached, o.attachedContent);
}

/** Puts `content` into the encapContentInfo of a detached ContentInfo(SignedData). */
export function attach(contentInfo: Uint8Array, content: Uint8Array): Uint8Array {
  const ci = parseDer(contentInfo);
  const [oid, explicit] = ci.children;
  const sd = explicit?.children[0];
  const encap = sd?.children[2];
  const eType = encap?.children[0];
  if (oid === undefined || sd === undefined || encap === undefined || eType === undefined || encap.children.length !== 1) {
    throw new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason: 'unexpected SignedData layout' });
  }
  const fields = sd.children.map((c, i) => (i === 2 ? derSequence(eType.raw, derExplicit(0, derOctetString(content))) : c.raw));
  return derSequence(oid.raw, derExplicit(0, derSequence(...fields)));
}
