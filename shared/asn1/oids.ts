// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Object identifiers used across ESeal, named after the standards' own names (`-` → `_`), each with
 * its arc and source. GM/T 0006 / GB/T 33560 for the national ones.
 */

/** SM2 elliptic curve (namedCurve in SubjectPublicKeyInfo). GM/T 0006. */
export const id_sm2 = '1.2.156.10197.1.301';
/** SM2-1 digital signature (CMS digestEncryptionAlgorithm in GM/T 0010). */
export const id_sm2_1 = '1.2.156.10197.1.301.1';
/** SM2-3 public key encryption. */
export const id_sm2_3 = '1.2.156.10197.1.301.3';
/** SM3 hash algorithm. */
export const id_sm3 = '1.2.156.10197.1.401';
/** SM3 without key (GB/T 33560); seen as OFD CheckMethod. */
export const id_sm3_nokey = '1.2.156.10197.1.401.1';
/** SM3 with key (GB/T 33560); also seen as OFD CheckMethod (dms360). */
export const id_sm3_withkey = '1.2.156.10197.1.401.2';
/** SM2 signature with SM3 (seal signAlgID, certificate signatureAlgorithm, OFD SignatureMethod). */
export const id_sm2_with_sm3 = '1.2.156.10197.1.501';
/** SM4 block cipher. */
export const id_sm4 = '1.2.156.10197.1.104';

/** GM/T 0010 data. */
export const id_gmt0010_data = '1.2.156.10197.6.1.4.2.1';
/** GM/T 0010 signedData. */
export const id_gmt0010_signedData = '1.2.156.10197.6.1.4.2.2';

/** PKCS#7 / CMS (RFC 5652). */
export const id_data = '1.2.840.113549.1.7.1';
export const id_signedData = '1.2.840.113549.1.7.2';
export const id_contentType = '1.2.840.113549.1.9.3';
export const id_messageDigest = '1.2.840.113549.1.9.4';
export const id_signingTime = '1.2.840.113549.1.9.5';
/** RFC 5035 signing-certificate-v2. */
export const id_aa_signingCertificateV2 = '1.2.840.113549.1.9.16.2.47';

/** EC public key (SPKI algorithm for SM2 and ECDSA keys). RFC 5480. */
export const id_ecPublicKey = '1.2.840.10045.2.1';
export const secp256r1 = '1.2.840.10045.3.1.7';
export const secp384r1 = '1.3.132.0.34';
export const ecdsa_with_SHA256 = '1.2.840.10045.4.3.2';
export const ecdsa_with_SHA384 = '1.2.840.10045.4.3.3';

/** RSA. RFC 8017. */
export const rsaEncryption = '1.2.840.113549.1.1.1';
export const sha1WithRSAEncryption = '1.2.840.113549.1.1.5';
export const sha256WithRSAEncryption = '1.2.840.113549.1.1.11';
export const sha384WithRSAEncryption = '1.2.840.113549.1.1.12';
export const sha512WithRSAEncryption = '1.2.840.113549.1.1.13';
export const id_RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Hashes. */
export const id_sha1 = '1.3.14.3.2.26';
export const id_sha256 = '2.16.840.1.101.3.4.2.1';
export const id_sha384 = '2.16.840.1.101.3.4.2.2';
export const id_sha512 = '2.16.840.1.101.3.4.2.3';
