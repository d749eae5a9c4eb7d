// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * X.509 v1/v2 certificate revocation lists (RFC 5280 §5).
 *
 * Design rationale: like `Certificate`, a `Crl` is an immutable value keeping the bytes as signed.
 * Revoked serials are indexed in a `Map` keyed by the same lower-case, unpadded hex as
 * `Certificate.serialNumberHex`, so a lookup is one `get`. `verify(issuer)` checks only what the CRL
 * itself can prove (issuer name and signature); whether the CRL is fresh and whether the issuer may
 * sign CRLs is decided by path validation, which reports stale or unusable CRLs as warnings.
 *
 * ```asn
 * CertificateList  ::=  SEQUENCE  {
 *      tbsCertList          TBSCertList,
 *      signatureAlgorithm   AlgorithmIdentifier,
 *      signatureValue       BIT STRING  }
 * ```
 */

import { AuthorityKeyIdentifier, CertificateList, CRLReason, type Extension } from '@peculiar/asn1-x509';
import { SealError } from '../errors/index.js';
import { Tag, TAG_CLASS_UNIVERSAL } from '../asn1/index.js';
import type { Certificate } from './Certificate.js';
import { namesEqual, parseName, type DistinguishedName } from './DistinguishedName.js';
import { CRL_REASON_NAMES, id_ce_authorityKeyIdentifier, id_ce_cRLNumber, id_ce_cRLReasons } from './oids.js';
import { decodePem, looksLikePem } from './pem.js';
import { equalBytes, guard, isSeq, parseSchema, preParse, serialHex, toBytes, x509Error } from './parseHelpers.js';
import { verifySignatureByOid } from './verifySignature.js';

export interface RevokedEntry {
  /** Revocation date. */
  readonly date: Date;
  /** CRLReason name (`keyCompromise`, …) when the entry carries one. */
  readonly reason?: string;
}

export interface CrlFields {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revoked: Map<string, RevokedEntry>;
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithmParams?: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly signatureAlgorithmsMatch: boolean;
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly crlNumberHex?: string;
  readonly unhandledCriticalExtensions: readonly string[];
}

/** A parsed CRL. Build with {@link parseCrl}. */
export class Crl {
  readonly der: Uint8Array;
  /** The original TBSCertList bytes. */
  readonly tbsDer: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Revoked serial numbers (lower-case hex, no 00 padding) → date and reason. */
  readonly revoked: Map<string, RevokedEntry>;
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithmParams?: Uint8Array;
  readonly signatureValue: Uint8Array;
  /** Inner and outer signature AlgorithmIdentifiers are identical (RFC 5280 §5.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;
  readonly authorityKeyIdentifier?: Uint8Array;
  /** cRLNumber extension as lower-case hex. */
  readonly crlNumberHex?: string;
  /**
   * Critical CRL or entry extensions we do not interpret (delta CRL indicator, issuing distribution
   * point, certificate issuer of indirect CRLs …). RFC 5280 §5.2 forbids relying on such a CRL for
   * status; path validation therefore never counts it as current revocation information.
   */
  readonly unhandledCriticalExtensions: readonly string[];

  constructor(f: CrlFields) {
    this.der = f.der;
    this.tbsDer = f.tbsDer;
    this.issuer = f.issuer;
    this.thisUpdate = f.thisUpdate;
    if (f.nextUpdate !== undefined) this.nextUpdate = f.nextUpdate;
    this.revoked = f.revoked;
    this.signatureAlgorithmOid = f.signatureAlgorithmOid;
    if (f.signatureAlgorithmParams !== undefined) this.signatureAlgorithmParams = f.signatureAlgorithmParams;
    this.signatureValue = f.signatureValue;
    this.signatureAlgorithmsMatch = f.signatureAlgorithmsMatch;
    if (f.authorityKeyIdentifier !== undefined) this.authorityKeyIdentifier = f.authorityKeyIdentifier;
    if (f.crlNumberHex !== undefined) this.crlNumberHex = f.crlNumberHex;
    this.unhandledCriticalExtensions = f.unhandledCriticalExtensions;
  }

  get issuerText(): string {
    return this.issuer.text;
  }

  /** Whether `time` lies within [thisUpdate, nextUpdate] (no nextUpdate: from thisUpdate on). */
  isCurrentAt(time: Date): boolean {
    const t = time.getTime();
    if (t < this.thisUpdate.getTime()) return false;
    return this.nextUpdate === undefined || t <= this.nextUpdate.getTime();
  }

  /** Whether `issuer` could have issued this CRL: names match and, when both are present, AKI = SKI. */
  isIssuedBy(issuer: Certificate): boolean {
    if (!namesEqual(this.issuer, issuer.subject)) return false;
    if (this.authorityKeyIdentifier !== undefined && issuer.subjectKeyIdentifier !== undefined) {
      return equalBytes(this.authorityKeyIdentifier, issuer.subjectKeyIdentifier);
    }
    return true;
  }

  /** The entry for a serial (hex as in `Certificate.serialNumberHex`), if revoked. */
  entryFor(serialNumberHex: string): RevokedEntry | undefined {
    return this.revoked.get(serialNumberHex.toLowerCase());
  }

  /**
   * True when `issuerCert`'s name matches this CRL's issuer and its key verifies the CRL signature.
   * Unknown signature algorithms reject with `ERR_CRYPTO_ALGORITHM_UNSUPPORTED`.
   */
  async verify(issuerCert: Certificate): Promise<boolean> {
    if (!namesEqual(this.issuer, issuerCert.subject) || !this.signatureAlgorithmsMatch) return false;
    return verifySignatureByOid(issuerCert.publicKey, this.signatureAlgorithmOid, this.tbsDer, this.signatureValue, {
      ...(this.signatureAlgorithmParams !== undefined ? { signatureAlgorithmParams: this.signatureAlgorithmParams } : {}),
    });
  }
}

function malformed(reason: string): SealError {
  return x509Error('ERR_X509_CRL_MALFORMED', reason);
}

function reasonOf(extensions: readonly Extension[] | undefined): string | undefined {
  for (const ext of extensions ?? []) {
    if (ext.extnID === id_ce_cRLReasons) {
      const r = parseSchema('ERR_X509_CRL_MALFORMED', toBytes(ext.extnValue.buffer), CRLReason, 'CRLReason');
      return CRL_REASON_NAMES[r.reason] ?? `reason-${String(r.reason)}`;
    }
  }
  return undefined;
}

/** Parses one DER CRL. Throws `ERR_X509_CRL_MALFORMED`. */
export function parseCrlDer(der: Uint8Array): Crl {
  const { bytes, top } = preParse('ERR_X509_CRL_MALFORMED', der, 'CRL');
  const [tbsEl, sigAlgEl, sigEl] = top.children;
  if (!isSeq(top) || top.children.length !== 3 || !isSeq(tbsEl) || !isSeq(sigAlgEl) || sigEl === undefined || sigEl.tagClass !== TAG_CLASS_UNIVERSAL || sigEl.tagNumber !== Tag.BIT_STRING) {
    throw malformed('not a CertificateList SEQUENCE { TBSCertList, AlgorithmIdentifier, BIT STRING }');
  }
  if (sigEl.constructed || sigEl.content[0] !== 0) throw malformed('signature BIT STRING must be primitive with no unused bits');
  const asn = parseSchema('ERR_X509_CRL_MALFORMED', bytes, CertificateList, 'CRL');
  const tbs = asn.tbsCertList;
  const first = tbsEl.children[0];
  const base = first !== undefined && first.tagClass === TAG_CLASS_UNIVERSAL && first.tagNumber === Tag.INTEGER ? 1 : 0;
  const tbsSigAlgEl = tbsEl.children[base];
  if (!isSeq(tbsSigAlgEl)) throw malformed('TBSCertList fields out of order');
  const issuer = guard('ERR_X509_CRL_MALFORMED', 'issuer', () => parseName(tbsEl.children[base + 1], 'CRL issuer'));

  const thisUpdate = guard('ERR_X509_CRL_MALFORMED', 'thisUpdate', () => tbs.thisUpdate.getTime());
  const nextUpdate = tbs.nextUpdate === undefined ? undefined : guard('ERR_X509_CRL_MALFORMED', 'nextUpdate', () => tbs.nextUpdate?.getTime());
  if (Number.isNaN(thisUpdate.getTime()) || (nextUpdate !== undefined && Number.isNaN(nextUpdate.getTime()))) throw malformed('invalid update time');

  const unhandledCriticalExtensions: string[] = [];
  const revoked = new Map<string, RevokedEntry>();
  for (const entry of tbs.revokedCertificates ?? []) {
    for (const ext of entry.crlEntryExtensions ?? []) {
      if (ext.critical && ext.extnID !== id_ce_cRLReasons && !unhandledCriticalExtensions.includes(ext.extnID)) unhandledCriticalExtensions.push(ext.extnID);
    }
    const serialBytes = toBytes(entry.userCertificate);
    if (serialBytes.length === 0 || serialBytes.length > 64) throw malformed('bad revoked serial number');
    const date = guard('ERR_X509_CRL_MALFORMED', 'revocationDate', () => entry.revocationDate.getTime());
    const reason = reasonOf(entry.crlEntryExtensions);
    revoked.set(serialHex(serialBytes), reason === undefined ? { date } : { date, reason });
  }

  let authorityKeyIdentifier: Uint8Array | undefined;
  let crlNumberHex: string | undefined;
  for (const ext of tbs.crlExtensions ?? []) {
    const value = toBytes(ext.extnValue.buffer);
    if (ext.extnID === id_ce_authorityKeyIdentifier) {
      const aki = parseSchema('ERR_X509_CRL_MALFORMED', value, AuthorityKeyIdentifier, 'authorityKeyIdentifier');
      if (aki.keyIdentifier !== undefined) authorityKeyIdentifier = toBytes(aki.keyIdentifier.buffer);
    } else if (ext.extnID === id_ce_cRLNumber) {
      // CRLNumber ::= INTEGER: content octets after the 2-byte header (short form; CRL numbers are ≤ 20 bytes).
      if (value.length >= 3 && value[0] === Tag.INTEGER && value[1] === value.length - 2) crlNumberHex = serialHex(value.subarray(2));
      else throw malformed('bad cRLNumber');
    } else if (ext.critical && !unhandledCriticalExtensions.includes(ext.extnID)) {
      unhandledCriticalExtensions.push(ext.extnID);
    }
  }

  const sigParams = asn.signatureAlgorithm.parameters;
  const params = sigParams === undefined || sigParams === null ? undefined : toBytes(sigParams);
  return new Crl({
    der: bytes,
    tbsDer: tbsEl.bytes,
    issuer,
    thisUpdate,
    ...(nextUpdate !== undefined ? { nextUpdate } : {}),
    revoked,
    signatureAlgorithmOid: asn.signatureAlgorithm.algorithm,
    ...(params !== undefined && !(params.length === 2 && params[0] === 0x05) ? { signatureAlgorithmParams: params } : {}),
    signatureValue: toBytes(asn.signature),
    signatureAlgorithmsMatch: equalBytes(tbsSigAlgEl.bytes, sigAlgEl.bytes),
    ...(authorityKeyIdentifier !== undefined ? { authorityKeyIdentifier } : {}),
    ...(crlNumberHex !== undefined ? { crlNumberHex } : {}),
    unhandledCriticalExtensions,
  });
}

/** Parses a CRL from DER bytes or PEM (`X509 CRL` block; the first one). */
export function parseCrl(input: Uint8Array | string): Crl {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'input', reason: 'expected PEM text or DER bytes' });
  }
  if (typeof input === 'string' || looksLikePem(input)) {
    const [block] = decodePem(input, ['X509 CRL']);
    return parseCrlDer((block as { der: Uint8Array }).der);
  }
  return parseCrlDer(input);
}

/** Parses every `X509 CRL` block of PEM text (or one DER CRL). */
export function parseCrls(input: Uint8Array | string): Crl[] {
  if (typeof input === 'string' || (input instanceof Uint8Array && looksLikePem(input))) {
    return decodePem(input, ['X509 CRL']).map((b) => parseCrlDer(b.der));
  }
  return [parseCrl(input)];
}

