// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../errors/index.js';
import {
  type Asn1Element,
  derGeneralizedTime,
  derInteger,
  derOctetString,
  derPrintableString,
  derSequence,
  derUtcTime,
  derUtf8String,
  isUniversal,
  readAnyString,
  readIA5String,
  readOctetString,
  readSequence,
  readSmallInteger,
  readTime,
  Tag,
  type TimeEncoding,
  unexpected,
} from '../asn1/index.js';

/**
 * Certificate digest entry of a `certListType 2` seal (GB/T 38540).
 *
 * ```asn
 * CertDigestObj ::= SEQUENCE {
 *   type   PrintableString,   -- digest algorithm label (free text in practice)
 *   value  OCTET STRING }     -- digest of the signer certificate
 * ```
 */
export interface CertDigestObj {
  readonly type: string;
  readonly value: Uint8Array;
}

/**
 * The signer certificate list.
 *
 * ```asn
 * SES_CertList ::= CHOICE {          -- GB/T 38540; untagged, certListType decides
 *   certs           CertInfoList,
 *   certDigestList  CertDigestList }
 * CertInfoList   ::= SEQUENCE OF OCTET STRING
 * CertDigestList ::= SEQUENCE OF CertDigestObj
 * -- GM/T 0031-2014: certList SEQUENCE OF cert, with OCTET STRING (DER certificate) or IA5String (certID)
 * ```
 */
export type SES_CertList =
  | { readonly kind: 'certs'; readonly certs: readonly Uint8Array[] }
  | { readonly kind: 'digests'; readonly digests: readonly CertDigestObj[] }
  | { readonly kind: 'ids'; readonly ids: readonly string[] };

/**
 * Seal properties, GM/T 0031-2014 (v1) and GB/T 38540-2020 (v4) layouts.
 *
 * ```asn
 * -- v1
 * SES_ESPropertyInfo ::= SEQUENCE {
 *   type        INTEGER,          -- 1 organisation, 2 personal
 *   name        UTF8String,
 *   certList    SEQUENCE OF cert,
 *   createDate  UTCTime,
 *   validStart  UTCTime,
 *   validEnd    UTCTime }
 * -- v4
 * SES_ESPropertyInfo ::= SEQUENCE {
 *   type          INTEGER,        -- business defined
 *   name          UTF8String,
 *   certListType  INTEGER,        -- 1 certificates, 2 certificate digests
 *   certList      SES_CertList,
 *   createDate    GeneralizedTime,
 *   validStart    GeneralizedTime,
 *   validEnd      GeneralizedTime }
 * ```
 * The layout is chosen by shape (6 elements with a SEQUENCE third → v1; 7 with an INTEGER third →
 * v4); both time types are accepted in both layouts (ofdrw "兼容非标签章").
 */
export interface SES_ESPropertyInfo {
  readonly type: number;
  readonly name: string;
  /** v4 only (v1 has no such field). */
  readonly certListType?: number;
  readonly certList: SES_CertList;
  readonly createDate: Date;
  readonly validStart: Date;
  readonly validEnd: Date;
  /** How the three dates were encoded (the encoding of `createDate`). */
  readonly timeEncoding: TimeEncoding;
}

function decodeV1CertList(el: Asn1Element | undefined, path: string): SES_CertList {
  const items = readSequence(el, path);
  if (items.length > 0 && items.every((x) => isUniversal(x, Tag.IA5String))) {
    return { kind: 'ids', ids: items.map((x, i) => readIA5String(x, `${path}[${i}]`)) };
  }
  return { kind: 'certs', certs: items.map((x, i) => readOctetString(x, `${path}[${i}]`)) };
}

function decodeV4CertList(el: Asn1Element | undefined, certListType: number, path: string): SES_CertList {
  const items = readSequence(el, path);
  if (certListType === 1) return { kind: 'certs', certs: items.map((x, i) => readOctetString(x, `${path}[${i}]`)) };
  if (certListType === 2) {
    return {
      kind: 'digests',
      digests: items.map((x, i) => {
        const [t, v] = readSequence(x, `${path}[${i}]`, 2, 2);
        return { type: readAnyString(t, `${path}[${i}].type`), value: readOctetString(v, `${path}[${i}].value`) };
      }),
    };
  }
  throw new SealError('ERR_SEAL_MALFORMED', { reason: `certListType ${certListType} is neither 1 (certificates) nor 2 (digests)` });
}

export function decodeSES_ESPropertyInfo(el: Asn1Element | undefined, path: string): SES_ESPropertyInfo {
  const c = readSequence(el, path, 6, 7);
  const type = readSmallInteger(c[0], `${path}.type`);
  const name = readAnyString(c[1], `${path}.name`);
  let certListType: number | undefined;
  let certList: SES_CertList;
  let t: number;
  if (c.length === 7) {
    certListType = readSmallInteger(c[2], `${path}.certListType`);
    certList = decodeV4CertList(c[3], certListType, `${path}.certList`);
    t = 4;
  } else {
    if (!isUniversal(c[2], Tag.SEQUENCE)) throw unexpected(`${path}.certList`, 'SEQUENCE');
    certList = decodeV1CertList(c[2], `${path}.certList`);
    t = 3;
  }
  const createDate = readTime(c[t], `${path}.createDate`);
  const validStart = readTime(c[t + 1], `${path}.validStart`);
  const validEnd = readTime(c[t + 2], `${path}.validEnd`);
  const base = { type, name, certList, createDate: createDate.date, validStart: validStart.date, validEnd: validEnd.date, timeEncoding: createDate.encoding };
  return certListType === undefined ? base : { ...base, certListType };
}

/** Strict DER, v4 layout (GeneralizedTime). `certListType` follows `certList.kind`. */
export function encodeSES_ESPropertyInfoV4(p: SES_ESPropertyInfo): Uint8Array {
  let certListType: number;
  let list: Uint8Array;
  if (p.certList.kind === 'certs') {
    certListType = 1;
    list = derSequence(...p.certList.certs.map((c) => derOctetString(c)));
  } else if (p.certList.kind === 'digests') {
    certListType = 2;
    list = derSequence(...p.certList.digests.map((d) => derSequence(derPrintableString(d.type), derOctetString(d.value))));
  } else {
    throw new SealError('ERR_INPUT_INVALID', { name: 'certList', reason: 'v4 seals carry certificates or digests, not certificate ids' });
  }
  const time = p.timeEncoding === 'UTCTime' ? derUtcTime : derGeneralizedTime;
  return derSequence(
    derInteger(p.type),
    derUtf8String(p.name),
    derInteger(certListType),
    list,
    time(p.createDate),
    time(p.validStart),
    time(p.validEnd),
  );
}
