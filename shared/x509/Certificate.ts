// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * X.509 v1–v3 certificates (RFC 5280) as ESeal needs them: the original signed bytes, readable
 * Chinese names, the public key in the form our SM2/ECDSA/RSA verifiers take, and the handful of
 * extensions path validation uses.
 *
 * Design rationale: a `Certificate` is an immutable value built once by {@link parseCertificate}.
 * It keeps `der` and `tbsDer` exactly as received (a signature is checked over the bytes as stored,
 * never over a re-encoding), and its fields are plain data so a report can be made from it without
 * further parsing. The ASN.1 schema comes from `@peculiar/asn1-x509`; the raw byte ranges and the
 * names come from ESeal's bounded DER reader (see `parseHelpers.ts`, `DistinguishedName.ts`).
 * Parsing is strict about structure (everything malformed is `ERR_X509_MALFORMED`) but does not
 * judge validity: expiry, CA flags and signatures are for `validateCertificatePath`.
 *
 * ```asn
 * Certificate  ::=  SEQUENCE  {
 *      tbsCertificate       TBSCertificate,
 *      signatureAlgorithm   AlgorithmIdentifier,
 *      signatureValue       BIT STRING  }
 * ```
 */

import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate as AsnCertificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
  type Extension,
} from '@peculiar/asn1-x509';
import { SealError } from '../errors/index.js';
import { parseDer, readOid, type Asn1Element, Tag, TAG_CLASS_CONTEXT, TAG_CLASS_UNIVERSAL } from '../asn1/index.js';
import { id_ecPublicKey, id_RSASSA_PSS, id_sm2, rsaEncryption, secp256r1, secp384r1 } from '../asn1/oids.js';
import { sm3 } from '../crypto/sm3.js';
import { digest } from '../crypto/webcrypto.js';
import { lastNameAttribute, namesEqual, parseName, type DistinguishedName } from './DistinguishedName.js';
import {
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KEY_USAGE_NAMES,
} from './oids.js';
import { decodePem, looksLikePem } from './pem.js';
import { equalBytes, guard, hexOf, isSeq, parseSchema, preParse, serialHex, toBytes, x509Error } from './parseHelpers.js';

export type PublicKeyAlgorithm = 'SM2' | 'ECDSA-P256' | 'ECDSA-P384' | 'RSA';

export interface CertificatePublicKey {
  readonly algorithm: PublicKeyAlgorithm;
  /** Uncompressed EC point `04‖X‖Y` (65 bytes for SM2/P-256, 97 for P-384); absent for RSA. */
  readonly point?: Uint8Array;
  /** The original SubjectPublicKeyInfo DER. */
  readonly spkiDer: Uint8Array;
  /** RSA modulus length in bits. */
  readonly rsaModulusBits?: number;
}

export interface BasicConstraintsInfo {
  readonly ca: boolean;
  readonly pathLength?: number;
}

/** Extensions this module interprets; a critical extension outside this list is reported in `unhandledCriticalExtensions`. */
const HANDLED_EXTENSIONS = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
]);

/** Fields of a parsed certificate (the constructor's input). */
export interface CertificateFields {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly version: number;
  readonly serialNumberHex: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: CertificatePublicKey;
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithmParams?: Uint8Array;
  readonly tbsSignatureAlgorithmDer: Uint8Array;
  readonly signatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly basicConstraints?: BasicConstraintsInfo;
  readonly keyUsage?: string[];
  readonly extendedKeyUsage?: string[];
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly extensionOids: readonly string[];
  readonly unhandledCriticalExtensions: readonly string[];
}

/** A parsed X.509 certificate. Build with {@link parseCertificate}. */
export class Certificate {
  /** The whole certificate as received (DER). */
  readonly der: Uint8Array;
  /** The original TBSCertificate bytes (what the issuer signed). */
  readonly tbsDer: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Lower-case hex, leading 00 padding removed (as `openssl x509 -serial`, in lower case). */
  readonly serialNumberHex: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: CertificatePublicKey;
  /** The outer signatureAlgorithm OID. */
  readonly signatureAlgorithmOid: string;
  /** DER of the outer signatureAlgorithm parameters, when present and not NULL (RSASSA-PSS). */
  readonly signatureAlgorithmParams?: Uint8Array;
  /** Signature value bytes (DER ECDSA-Sig-Value for SM2/ECDSA, raw for RSA). */
  readonly signatureValue: Uint8Array;
  readonly basicConstraints?: BasicConstraintsInfo;
  /** Key usage names in bit order, e.g. `['digitalSignature', 'nonRepudiation']`. */
  readonly keyUsage?: string[];
  /** Extended key usage OIDs. */
  readonly extendedKeyUsage?: string[];
  readonly subjectKeyIdentifier?: Uint8Array;
  /** The keyIdentifier of the AuthorityKeyIdentifier extension. */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** OIDs of all extensions, in stored order. */
  readonly extensionOids: readonly string[];
  /** Critical extensions this module does not interpret (RFC 5280 §4.2 says reject; we report). */
  readonly unhandledCriticalExtensions: readonly string[];
  /** Whether the inner (TBS) and outer signature AlgorithmIdentifiers are byte-identical (RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;

  constructor(fields: CertificateFields) {
    this.der = fields.der;
    this.tbsDer = fields.tbsDer;
    this.version = fields.version;
    this.serialNumberHex = fields.serialNumberHex;
    this.subject = fields.subject;
    this.issuer = fields.issuer;
    this.notBefore = fields.notBefore;
    this.notAfter = fields.notAfter;
    this.publicKey = fields.publicKey;
    this.signatureAlgorithmOid = fields.signatureAlgorithmOid;
    if (fields.signatureAlgorithmParams !== undefined) this.signatureAlgorithmParams = fields.signatureAlgorithmParams;
    this.signatureValue = fields.signatureValue;
    if (fields.basicConstraints !== undefined) this.basicConstraints = fields.basicConstraints;
    if (fields.keyUsage !== undefined) this.keyUsage = fields.keyUsage;
    if (fields.extendedKeyUsage !== undefined) this.extendedKeyUsage = fields.extendedKeyUsage;
    if (fields.subjectKeyIdentifier !== undefined) this.subjectKeyIdentifier = fields.subjectKeyIdentifier;
    if (fields.authorityKeyIdentifier !== undefined) this.authorityKeyIdentifier = fields.authorityKeyIdentifier;
    this.extensionOids = fields.extensionOids;
    this.unhandledCriticalExtensions = fields.unhandledCriticalExtensions;
    this.signatureAlgorithmsMatch = equalBytes(fields.tbsSignatureAlgorithmDer, fields.signatureAlgorithmDer);
  }

  /** RFC 4514 subject, most specific first, e.g. `CN=张三,O=某某市财政局,C=CN`. */
  get subjectText(): string {
    return this.subject.text;
  }

  get issuerText(): string {
    return this.issuer.text;
  }

  /** The subject's (most specific) commonName. */
  get commonName(): string | undefined {
    return lastNameAttribute(this.subject, 'CN');
  }

  /** Subject and issuer names match (self-issued, RFC 5280 §6.1); not necessarily self-signed. */
  get isSelfIssued(): boolean {
    return namesEqual(this.subject, this.issuer);
  }

  /** `SM2`, `ECDSA-P256`, `ECDSA-P384`, `RSA-2048`, … */
  get publicKeyAlgorithmLabel(): string {
    return this.publicKey.algorithm === 'RSA' ? `RSA-${this.publicKey.rsaModulusBits ?? 0}` : this.publicKey.algorithm;
  }

  /** Whether `time` lies within [notBefore, notAfter] (inclusive, RFC 5280 §4.1.2.5). */
  isValidAt(time: Date): boolean {
    const t = time.getTime();
    return t >= this.notBefore.getTime() && t <= this.notAfter.getTime();
  }

  /** Lower-case hex SM3 of the DER certificate. */
  fingerprintSm3(): string {
    return hexOf(sm3(this.der));
  }

  /** Lower-case hex SHA-256 of the DER certificate (WebCrypto, hence async). */
  async fingerprintSha256(): Promise<string> {
    return hexOf(await digest('SHA-256', this.der));
  }

  /** Same DER bytes. */
  equals(other: Certificate): boolean {
    return equalBytes(this.der, other.der);
  }
}

function malformed(reason: string): SealError {
  return x509Error('ERR_X509_MALFORMED', reason);
}

function oidFromParams(params: ArrayBuffer | null | undefined, what: string): string | undefined {
  if (params === undefined || params === null) return undefined;
  const bytes = toBytes(params);
  return guard('ERR_X509_MALFORMED', what, () => {
    const el = parseDer(bytes, { maxDepth: 4 });
    return el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === Tag.OBJECT_IDENTIFIER ? readOid(el, what) : undefined;
  });
}

function rsaModulusBits(spkiKey: Uint8Array): number {
  return guard('ERR_X509_MALFORMED', 'RSAPublicKey', () => {
    const seq = parseDer(spkiKey, { maxDepth: 4 });
    const n = seq.children[0];
    if (!isSeq(seq) || n === undefined || n.tagClass !== TAG_CLASS_UNIVERSAL || n.tagNumber !== Tag.INTEGER || n.content.length === 0) {
      throw malformed('RSAPublicKey is not SEQUENCE { INTEGER, INTEGER }');
    }
    let i = 0;
    while (i < n.content.length - 1 && n.content[i] === 0) i++;
    const first = n.content[i] as number;
    return (n.content.length - i - 1) * 8 + (first === 0 ? 0 : Math.floor(Math.log2(first)) + 1);
  });
}

function parsePublicKey(spkiEl: Asn1Element, algorithmOid: string, params: ArrayBuffer | null | undefined, key: Uint8Array): CertificatePublicKey {
  const spkiDer = spkiEl.bytes.slice();
  if (algorithmOid === rsaEncryption || algorithmOid === id_RSASSA_PSS) {
    return { algorithm: 'RSA', spkiDer, rsaModulusBits: rsaModulusBits(key) };
  }
  let algorithm: PublicKeyAlgorithm;
  if (algorithmOid === id_sm2) {
    algorithm = 'SM2';
  } else if (algorithmOid === id_ecPublicKey) {
    const curve = oidFromParams(params, 'ECParameters');
    if (curve === id_sm2) algorithm = 'SM2';
    else if (curve === secp256r1) algorithm = 'ECDSA-P256';
    else if (curve === secp384r1) algorithm = 'ECDSA-P384';
    else throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `EC curve ${curve ?? '(explicit or missing parameters)'}` });
  } else {
    throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `public key ${algorithmOid}` });
  }
  const size = algorithm === 'ECDSA-P384' ? 97 : 65;
  if (key.length === size && key[0] === 0x04) return { algorithm, spkiDer, point: key.slice() };
  if (key.length === (size - 1) / 2 + 1 && (key[0] === 0x02 || key[0] === 0x03)) {
    // Compressed points are legal but rare; we keep the SPKI and leave `point` absent (verifiers reject).
    return { algorithm, spkiDer };
  }
  throw malformed(`${algorithm} public key is not an EC point of the expected size`);
}

function extensionValue(ext: Extension): Uint8Array {
  return toBytes(ext.extnValue.buffer);
}

function keyUsageNames(ku: KeyUsage): string[] {
  const bytes = toBytes(ku.value);
  const names: string[] = [];
  KEY_USAGE_NAMES.forEach((name, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && ((byte >> (7 - (bit & 7))) & 1) === 1) names.push(name);
  });
  return names;
}

/** Parses one DER certificate. Throws `ERR_X509_MALFORMED` (or `ERR_CRYPTO_ALGORITHM_UNSUPPORTED` for an unknown key type). */
export function parseCertificate(der: Uint8Array): Certificate {
  const { bytes, top } = preParse('ERR_X509_MALFORMED', der, 'certificate');
  const [tbsEl, sigAlgEl, sigEl] = top.children;
  if (!isSeq(top) || top.children.length !== 3 || !isSeq(tbsEl) || !isSeq(sigAlgEl) || sigEl === undefined || sigEl.tagNumber !== Tag.BIT_STRING || sigEl.tagClass !== TAG_CLASS_UNIVERSAL) {
    throw malformed('not a Certificate SEQUENCE { TBSCertificate, AlgorithmIdentifier, BIT STRING }');
  }
  if (sigEl.constructed || sigEl.content[0] !== 0) throw malformed('signature BIT STRING must be primitive with no unused bits');
  const asn = parseSchema('ERR_X509_MALFORMED', bytes, AsnCertificate, 'certificate');
  const tbs = asn.tbsCertificate;

  // Raw elements of the TBS (version [0] is optional).
  const tbsChildren = tbsEl.children;
  const hasVersion = tbsChildren[0] !== undefined && tbsChildren[0].tagClass === TAG_CLASS_CONTEXT && tbsChildren[0].tagNumber === 0;
  const base = hasVersion ? 1 : 0;
  const serialEl = tbsChildren[base];
  const tbsSigAlgEl = tbsChildren[base + 1];
  const issuerEl = tbsChildren[base + 2];
  const subjectEl = tbsChildren[base + 4];
  const spkiEl = tbsChildren[base + 5];
  if (serialEl === undefined || serialEl.tagNumber !== Tag.INTEGER || serialEl.content.length === 0 || !isSeq(tbsSigAlgEl) || !isSeq(spkiEl)) {
    throw malformed('TBSCertificate fields out of order');
  }
  if (serialEl.content.length > 64) throw malformed('serial number longer than 64 bytes');

  const issuer = parseName(issuerEl, 'issuer');
  const subject = parseName(subjectEl, 'subject');
  const notBefore = guard('ERR_X509_MALFORMED', 'notBefore', () => tbs.validity.notBefore.getTime());
  const notAfter = guard('ERR_X509_MALFORMED', 'notAfter', () => tbs.validity.notAfter.getTime());
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw malformed('invalid validity time');

  const spki = tbs.subjectPublicKeyInfo;
  const publicKey = parsePublicKey(spkiEl, spki.algorithm.algorithm, spki.algorithm.parameters, toBytes(spki.subjectPublicKey));

  // Extensions.
  let basicConstraints: BasicConstraintsInfo | undefined;
  let keyUsage: string[] | undefined;
  let extendedKeyUsage: string[] | undefined;
  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  const extensionOids: string[] = [];
  const unhandledCriticalExtensions: string[] = [];
  for (const ext of tbs.extensions ?? []) {
    if (extensionOids.includes(ext.extnID)) throw malformed(`duplicate extension ${ext.extnID}`);
    extensionOids.push(ext.extnID);
    const value = extensionValue(ext);
    switch (ext.extnID) {
      case id_ce_basicConstraints: {
        const bc = parseSchema('ERR_X509_MALFORMED', value, BasicConstraints, 'basicConstraints');
        basicConstraints = bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLength: bc.pathLenConstraint };
        break;
      }
      case id_ce_keyUsage:
        keyUsage = keyUsageNames(parseSchema('ERR_X509_MALFORMED', value, KeyUsage, 'keyUsage'));
        break;
      case id_ce_extKeyUsage:
        extendedKeyUsage = [...parseSchema('ERR_X509_MALFORMED', value, ExtendedKeyUsage, 'extKeyUsage')];
        break;
      case id_ce_subjectKeyIdentifier:
        subjectKeyIdentifier = toBytes(parseSchema('ERR_X509_MALFORMED', value, SubjectKeyIdentifier, 'subjectKeyIdentifier').buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        const aki = parseSchema('ERR_X509_MALFORMED', value, AuthorityKeyIdentifier, 'authorityKeyIdentifier');
        if (aki.keyIdentifier !== undefined) authorityKeyIdentifier = toBytes(aki.keyIdentifier.buffer);
        break;
      }
      default:
        if (ext.critical && !HANDLED_EXTENSIONS.has(ext.extnID)) unhandledCriticalExtensions.push(ext.extnID);
    }
  }

  const sigParams = asn.signatureAlgorithm.parameters;
  const signatureAlgorithmParams = sigParams === undefined || sigParams === null ? undefined : toBytes(sigParams);
  const fields: CertificateFields = {
    der: bytes,
    tbsDer: tbsEl.bytes,
    version: (tbs.version ?? 0) + 1,
    serialNumberHex: serialHex(serialEl.content),
    subject,
    issuer,
    notBefore,
    notAfter,
    publicKey,
    signatureAlgorithmOid: asn.signatureAlgorithm.algorithm,
    ...(signatureAlgorithmParams !== undefined && !(signatureAlgorithmParams.length === 2 && signatureAlgorithmParams[0] === 0x05) ? { signatureAlgorithmParams } : {}),
    tbsSignatureAlgorithmDer: tbsSigAlgEl.bytes,
    signatureAlgorithmDer: sigAlgEl.bytes,
    signatureValue: toBytes(asn.signatureValue),
    ...(basicConstraints !== undefined ? { basicConstraints } : {}),
    ...(keyUsage !== undefined ? { keyUsage } : {}),
    ...(extendedKeyUsage !== undefined ? { extendedKeyUsage } : {}),
    ...(subjectKeyIdentifier !== undefined ? { subjectKeyIdentifier } : {}),
    ...(authorityKeyIdentifier !== undefined ? { authorityKeyIdentifier } : {}),
    extensionOids,
    unhandledCriticalExtensions,
  };
  return new Certificate(fields);
}

/** Labels accepted as certificate PEM blocks. */
const CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE'];

/**
 * Parses PEM text with one or many `CERTIFICATE` blocks (other blocks, e.g. keys, are skipped), or a
 * single DER certificate. Strings are always read as PEM.
 */
export function parseCertificates(input: Uint8Array | string): Certificate[] {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'input', reason: 'expected PEM text or DER bytes' });
  }
  if (typeof input === 'string' || looksLikePem(input)) {
    return decodePem(input, CERT_LABELS).map((b) => parseCertificate(b.der));
  }
  return [parseCertificate(input)];
}
