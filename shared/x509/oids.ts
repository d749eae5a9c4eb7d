// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Object identifiers used only by `shared/x509` (certificate and CRL extensions, name attributes,
 * extended key usages). The algorithm OIDs shared with the rest of ESeal live in `shared/asn1/oids.ts`.
 * Names follow RFC 5280 / RFC 4519 with `-` → `_`, each with its arc in a comment.
 */

/** id-ce-subjectKeyIdentifier { id-ce 14 } (RFC 5280 §4.2.1.2). */
export const id_ce_subjectKeyIdentifier = '2.5.29.14';
/** id-ce-keyUsage { id-ce 15 } (RFC 5280 §4.2.1.3). */
export const id_ce_keyUsage = '2.5.29.15';
/** id-ce-subjectAltName { id-ce 17 }. */
export const id_ce_subjectAltName = '2.5.29.17';
/** id-ce-basicConstraints { id-ce 19 } (RFC 5280 §4.2.1.9). */
export const id_ce_basicConstraints = '2.5.29.19';
/** id-ce-cRLNumber { id-ce 20 } (RFC 5280 §5.2.3). */
export const id_ce_cRLNumber = '2.5.29.20';
/** id-ce-cRLReasons { id-ce 21 } (RFC 5280 §5.3.1). */
export const id_ce_cRLReasons = '2.5.29.21';
/** id-ce-authorityKeyIdentifier { id-ce 35 } (RFC 5280 §4.2.1.1). */
export const id_ce_authorityKeyIdentifier = '2.5.29.35';
/** id-ce-extKeyUsage { id-ce 37 } (RFC 5280 §4.2.1.12). */
export const id_ce_extKeyUsage = '2.5.29.37';
/** anyExtendedKeyUsage { id-ce-extKeyUsage 0 }. */
export const anyExtendedKeyUsage = '2.5.29.37.0';

/** RSASSA-PSS parameters' mask generation function MGF1 (RFC 8017), 1.2.840.113549.1.1.8. */
export const id_mgf1 = '1.2.840.113549.1.1.8';
/** ecdsa-with-SHA512 (RFC 5758), 1.2.840.10045.4.3.4. */
export const ecdsa_with_SHA512 = '1.2.840.10045.4.3.4';

/**
 * Short names of DN attribute types for RFC 4514 strings (RFC 4514 §3 plus the common extras that
 * OpenSSL also prints by short name). Unknown types print as dotted OIDs.
 */
export const ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** KeyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** CRLReason values (RFC 5280 §5.3.1); 7 is unused. */
export const CRL_REASON_NAMES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};
