// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../errors/index.js';
import {
  type Asn1Element,
  derBitString,
  derExplicit,
  derGeneralizedTime,
  derIA5String,
  derInteger,
  derSequence,
  isContext,
  isUniversal,
  parseDer,
  parseTextualTime,
  readAnyString,
  readBitOrOctetString,
  readBitString,
  readIA5String,
  readOctetString,
  readOid,
  readSequence,
  readSmallInteger,
  readTime,
  Tag,
} from '../asn1/index.js';
import { decodeExtensionDatas, encodeExtensionDatas, type ExtData } from './ExtensionDatas.js';
import { decodeSESealElement, type DecodedSESeal } from './SESeal.js';

/** The claimed signing time as stored. */
export interface SigningTimeInfo {
  /** Parsed time; absent when the stored value is not a readable time. */
  readonly date?: Date;
  /** The stored text (ASCII), e.g. `20201004072855Z` or `2020-01-25T07:31:56.377Z`. */
  readonly text: string;
  /** How it was stored: a time type (v4) or a BIT/OCTET STRING holding text or a DER time (v1). */
  readonly encoding: 'GeneralizedTime' | 'UTCTime' | 'BIT STRING' | 'OCTET STRING';
}

/**
 * What the signer (签章人) signs.
 *
 * ```asn
 * -- GB/T 38540-2020 (v4, v5)
 * TBS_Sign ::= SEQUENCE {
 *   version       INTEGER,            -- 4
 *   eseal         SESeal,
 *   timeInfo      GeneralizedTime,
 *   dataHash      BIT STRING,
 *   propertyInfo  IA5String,
 *   extDatas      [0] EXPLICIT ExtensionDatas OPTIONAL }
 *
 * -- GM/T 0031-2014 (v1)
 * TBS_Sign ::= SEQUENCE {
 *   version             INTEGER,
 *   eseal               SESeal,
 *   timeInfo            BIT STRING,   -- in practice ASCII text; OCTET STRING and time types also accepted
 *   dataHash            BIT STRING,
 *   propertyInfo        IA5String,
 *   cert                OCTET STRING, -- signer certificate
 *   signatureAlgorithm  OBJECT IDENTIFIER }
 * ```
 */
export interface TBS_Sign {
  readonly version: number;
  readonly eseal: DecodedSESeal;
  readonly timeInfo: SigningTimeInfo;
  readonly dataHash: Uint8Array;
  readonly propertyInfo: string;
  readonly extDatas?: readonly ExtData[];
  /** v1: signer certificate DER. */
  readonly cert?: Uint8Array;
  /** v1: signature algorithm. */
  readonly signatureAlgorithm?: string;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes.subarray(0, 200)) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

function decodeTextualTimeInfo(el: Asn1Element, path: string): SigningTimeInfo {
  const { bytes, encoding } = readBitOrOctetString(el, path);
  // A DER UTCTime/GeneralizedTime inside the string (the standard's "UTCTIME" reading).
  if ((bytes[0] === Tag.UTCTime || bytes[0] === Tag.GeneralizedTime) && bytes.length < 64) {
    try {
      const t = readTime(parseDer(bytes), path);
      return { date: t.date, text: t.text, encoding };
    } catch {
      // fall through to text
    }
  }
  const text = latin1(bytes);
  const date = parseTextualTime(text);
  return date === undefined ? { text, encoding } : { date, text, encoding };
}

/** timeInfo in any layout: GeneralizedTime/UTCTime, or a BIT/OCTET STRING holding text or a DER time. */
function decodeTimeInfo(el: Asn1Element | undefined, path: string): SigningTimeInfo {
  if (el !== undefined && (isUniversal(el, Tag.BIT_STRING) || isUniversal(el, Tag.OCTET_STRING))) return decodeTextualTimeInfo(el, path);
  const t = readTime(el, path);
  return { date: t.date, text: t.text, encoding: t.encoding };
}

/** Decodes a TBS_Sign element of either layout (chosen by element count: 7 → v1, 5..6 → v4). */
export function decodeTBS_Sign(el: Asn1Element | undefined, path: string): TBS_Sign {
  const c = readSequence(el, path, 5, 7);
  const version = readSmallInteger(c[0], `${path}.version`);
  const eseal = decodeSESealElement(c[1] as Asn1Element, `${path}.eseal`);
  if (c.length === 7) {
    const timeInfo = decodeTimeInfo(c[2], `${path}.timeInfo`);
    const dataHash = readBitOrOctetString(c[3], `${path}.dataHash`).bytes;
    const propertyInfo = readAnyString(c[4], `${path}.propertyInfo`);
    const cert = readOctetString(c[5], `${path}.cert`);
    const signatureAlgorithm = readOid(c[6], `${path}.signatureAlgorithm`);
    return { version, eseal, timeInfo, dataHash, propertyInfo, cert, signatureAlgorithm };
  }
  const timeInfo = decodeTimeInfo(c[2], `${path}.timeInfo`);
  const dataHash = readBitString(c[3], `${path}.dataHash`);
  const propertyInfo = readIA5StringLenient(c[4], `${path}.propertyInfo`);
  const base = { version, eseal, timeInfo, dataHash, propertyInfo };
  const extEl = c[5];
  if (extEl === undefined) return base;
  if (!isContext(extEl, 0) && !isUniversal(extEl, Tag.SEQUENCE)) {
    throw new SealError('ERR_ASN1_UNEXPECTED', { path: `${path}.extDatas`, expected: '[0] ExtensionDatas' });
  }
  const ext = decodeExtensionDatas(extEl, `${path}.extDatas`);
  if (ext === undefined) throw new SealError('ERR_ASN1_UNEXPECTED', { path: `${path}.extDatas`, expected: '[0] ExtensionDatas' });
  return { ...base, extDatas: ext.items };
}

function readIA5StringLenient(el: Asn1Element | undefined, path: string): string {
  try {
    return readIA5String(el, path);
  } catch (e) {
    try {
      return readAnyString(el, path);
    } catch {
      throw e;
    }
  }
}

/** Input of {@link encodeTBS_SignV4}. */
export interface TBS_SignV4Fields {
  readonly version: number;
  /** The seal's bytes, embedded verbatim. */
  readonly esealDer: Uint8Array;
  readonly timeInfo: Date;
  readonly dataHash: Uint8Array;
  readonly propertyInfo: string;
  readonly extDatas?: readonly ExtData[];
}

/** Strict DER of a v4 TBS_Sign; `extDatas` as `[0] EXPLICIT` (ofdrw, Shandong sample). */
export function encodeTBS_SignV4(tbs: TBS_SignV4Fields): Uint8Array {
  const parts = [derInteger(tbs.version), tbs.esealDer, derGeneralizedTime(tbs.timeInfo), derBitString(tbs.dataHash), derIA5String(tbs.propertyInfo)];
  if (tbs.extDatas !== undefined) parts.push(derExplicit(0, encodeExtensionDatas(tbs.extDatas)));
  return derSequence(...parts);
}
