// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * GM/T 0010-2012 SM2 SignedData (the SM2 dress of PKCS#7/CMS), detached or attached, signed on a
 * token. Signed attributes: contentType (GM/T 0010 data), signingTime, messageDigest = SM3(content).
 * The signature is SM2 with Z (GM/T 0009 default ID) over DER(SET OF signed attributes), the
 * `[0] IMPLICIT` tag replaced by SET as RFC 5652 §5.4 requires.
 *
 * ```asn
 * ContentInfo ::= SEQUENCE { contentType OID (1.2.156.10197.6.1.4.2.2), content [0] EXPLICIT SignedData }
 * SignedData ::= SEQUENCE { version INTEGER (1), digestAlgorithms SET OF AlgorithmIdentifier (SM3),
 *   contentInfo SEQUENCE { contentType OID (1.2.156.10197.6.1.4.2.1), content [0] EXPLICIT OCTET STRING OPTIONAL },
 *   certificates [0] IMPLICIT SET OF Certificate, signerInfos SET OF SignerInfo }
 * SignerInfo ::= SEQUENCE { version INTEGER (1), issuerAndSerialNumber, digestAlgorithm (SM3),
 *   authenticatedAttributes [0] IMPLICIT SET OF Attribute, digestEncryptionAlgorithm (SM2-1),
 *   encryptedDigest OCTET STRING (DER SEQUENCE{r,s}) }
 * ```
 */
import { id_contentType, id_gmt0010_data, id_gmt0010_signedData, id_messageDigest, id_signingTime, id_sm2_1, id_sm3 } from '../../shared/asn1/oids.js';
import { derExplicit, derImplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet, derUnsignedInteger, derUtcTime } from '../../shared/asn1/derWriter.js';
import { hexToBytes, sm2Digest, sm3 } from '../../shared/crypto/index.js';
import type { Certificate } from '../../shared/x509/index.js';

export interface BuildSm2CmsOptions {
  readonly content: Uint8Array;
  readonly detached: boolean;
  readonly cert: Certificate;
  readonly time: Date;
  /** Signs the SM2 digest e = SM3(Z ‖ M) on the token; returns DER SEQUENCE{r,s}. */
  readonly signDigest: (e: Uint8Array) => Promise<Uint8Array>;
}

function algorithm(oid: string, nullParams: boolean): Uint8Array {
  return nullParams ? derSequence(derOid(oid), derNull()) : derSequence(derOid(oid));
}

function attribute(oid: string, value: Uint8Array): Uint8Array {
  return derSequence(derOid(oid), derSet(value));
}

export async function buildSm2Cms(o: BuildSm2CmsOptions): Promise<Uint8Array> {
  const point = o.cert.publicKey.point;
  if (point === undefined) throw new Error('SM2 certificate without a public point');
  const attrs = [attribute(id_contentType, derOid(id_gmt0010_data)), attribute(id_signingTime, derUtcTime(o.time)), attribute(id_messageDigest, derOctetString(sm3(o.content)))];
  const attrSet = derSet(...attrs);
  const signature = await o.signDigest(sm2Digest(point, attrSet));
  const serial = hexToBytes(o.cert.serialNumberHex.length % 2 === 0 ? o.cert.serialNumberHex : `0${o.cert.serialNumberHex}`);
  const signerInfo = derSequence(
    derInteger(1),
    derSequence(o.cert.issuer.der, derUnsignedInteger(serial)),
    algorithm(id_sm3, false),
    derImplicit(0, attrSet),
    algorithm(id_sm2_1, false),
    derOctetString(signature),
  );
  const signedData = derSequence(
    derInteger(1),
    derSet(algorithm(id_sm3, false)),
    derSequence(derOid(id_gmt0010_data), ...(o.detached ? [] : [derExplicit(0, derOctetString(o.content))])),
    derImplicit(0, derSet(o.cert.der)),
    derSet(signerInfo),
  );
  return derSequence(derOid(id_gmt0010_signedData), derExplicit(0, signedData));
}
