// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * X.509 for ESeal: certificates, CRLs, signature verification by algorithm OID, path validation and
 * report summaries. See each module for its design rationale.
 */
export {
  Certificate,
  parseCertificate,
  parseCertificates,
  type BasicConstraintsInfo,
  type CertificateFields,
  type CertificatePublicKey,
  type PublicKeyAlgorithm,
} from './Certificate.js';
export { Crl, parseCrl, parseCrlDer, parseCrls, type CrlFields, type RevokedEntry } from './Crl.js';
export {
  decodeAttributeValue,
  escapeRfc4514,
  lastNameAttribute,
  nameAttribute,
  namesEqual,
  parseName,
  type DistinguishedName,
  type NameAttribute,
} from './DistinguishedName.js';
export { decodePem, decodeBase64Strict, looksLikePem, MAX_PEM_CHARS, type PemBlock } from './pem.js';
export { MAX_X509_BYTES } from './parseHelpers.js';
export {
  SM2_DEFAULT_USER_ID,
  SM2_OPENSSL_EMPTY_USER_ID,
  parsePssParams,
  verifyCertificateSignature,
  verifySignatureByOid,
  type VerifySignatureOptions,
} from './verifySignature.js';
export {
  MAX_BUILD_STEPS,
  MAX_CANDIDATE_PATHS,
  MAX_PATH_CERTIFICATES,
  STATUS_PRECEDENCE,
  validateCertificatePath,
  type PathProblem,
  type PathProblemCode,
  type PathValidationOptions,
  type PathValidationResult,
} from './validateCertificatePath.js';
export { summarizeCertificate } from './summarizeCertificate.js';
export * as x509Oids from './oids.js';
