// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Typed, path-aware accessors over {@link Asn1Element}s. Every mismatch throws
 * `SealError('ERR_ASN1_UNEXPECTED', { path, expected })` where `path` names the field the standard's
 * way, e.g. `SESeal.eSealInfo.property.certList[0]`, so a user (and a test) sees *where* a seal
 * deviates. Content errors inside a correctly tagged element (e.g. a non-minimal INTEGER too large
 * for a number) throw `ERR_ASN1_MALFORMED` with the path in the reason.
 */

import { SealError } from '../errors/index.js';
import { Tag, TAG_CLASS_CONTEXT, TAG_CLASS_UNIVERSAL, tagName, type Asn1Element } from './der.js';

export function unexpected(path: string, expected: string): SealError {
  return new SealError('ERR_ASN1_UNEXPECTED', { path, expected });
}

function malformedAt(path: string, reason: string): SealError {
  return new SealError('ERR_ASN1_MALFORMED', { reason: `${path}: ${reason}` });
}

function expectUniversal(el: Asn1Element | undefined, tag: number, path: string, expected: string, constructed: boolean): Asn1Element {
  if (el === undefined || el.tagClass !== TAG_CLASS_UNIVERSAL || el.tagNumber !== tag || el.constructed !== constructed) {
    throw unexpected(path, expected);
  }
  return el;
}

/** A SEQUENCE with between `min` and `max` children; returns the children. */
export function readSequence(el: Asn1Element | undefined, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): readonly Asn1Element[] {
  const seq = expectUniversal(el, Tag.SEQUENCE, path, 'SEQUENCE', true);
  if (seq.children.length < min || seq.children.length > max) {
    const expected = min === max ? `SEQUENCE of ${min} elements` : max === Number.MAX_SAFE_INTEGER ? `SEQUENCE of at least ${min} elements` : `SEQUENCE of ${min}..${max} elements`;
    throw unexpected(path, expected);
  }
  return seq.children;
}

/** An INTEGER as a JavaScript number; rejects values outside the safe-integer range. */
export function readSmallInteger(el: Asn1Element | undefined, path: string): number {
  const v = readBigInteger(el, path);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw malformedAt(path, 'INTEGER too large');
  return Number(v);
}

/** An INTEGER as a bigint (two's complement). */
export function readBigInteger(el: Asn1Element | undefined, path: string): bigint {
  const e = expectUniversal(el, Tag.INTEGER, path, 'INTEGER', false);
  const c = e.content;
  if (c.length === 0) throw malformedAt(path, 'empty INTEGER');
  if (c.length > 64) throw malformedAt(path, 'INTEGER longer than 64 bytes');
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  if (((c[0] as number) & 0x80) !== 0) v -= 1n << BigInt(c.length * 8);
  return v;
}

/** INTEGER content bytes (unsigned magnitude with any leading zero removed). */
export function readIntegerBytes(el: Asn1Element | undefined, path: string): Uint8Array {
  const e = expectUniversal(el, Tag.INTEGER, path, 'INTEGER', false);
  let c = e.content;
  if (c.length === 0) throw malformedAt(path, 'empty INTEGER');
  while (c.length > 1 && c[0] === 0) c = c.subarray(1);
  return c;
}

export function readBoolean(el: Asn1Element | undefined, path: string): boolean {
  const e = expectUniversal(el, Tag.BOOLEAN, path, 'BOOLEAN', false);
  if (e.content.length !== 1) throw malformedAt(path, 'BOOLEAN must be one byte');
  return e.content[0] !== 0;
}

export function readOctetString(el: Asn1Element | undefined, path: string): Uint8Array {
  return expectUniversal(el, Tag.OCTET_STRING, path, 'OCTET STRING', false).content;
}

/** A BIT STRING holding whole bytes (unused-bits byte 0); returns the payload. */
export function readBitString(el: Asn1Element | undefined, path: string): Uint8Array {
  const e = expectUniversal(el, Tag.BIT_STRING, path, 'BIT STRING', false);
  if (e.content.length === 0) throw malformedAt(path, 'BIT STRING without unused-bits byte');
  if (e.content[0] !== 0) throw malformedAt(path, `BIT STRING with ${e.content[0]} unused bits; whole bytes expected`);
  return e.content.subarray(1);
}

/** BIT STRING or OCTET STRING payload (v1 fields that producers encode either way). */
export function readBitOrOctetString(el: Asn1Element | undefined, path: string): { bytes: Uint8Array; encoding: 'BIT STRING' | 'OCTET STRING' } {
  if (el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === Tag.OCTET_STRING) {
    return { bytes: readOctetString(el, path), encoding: 'OCTET STRING' };
  }
  if (el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === Tag.BIT_STRING) {
    return { bytes: readBitString(el, path), encoding: 'BIT STRING' };
  }
  throw unexpected(path, 'BIT STRING or OCTET STRING');
}

function asciiString(bytes: Uint8Array, path: string, what: string): string {
  let s = '';
  for (const b of bytes) {
    if (b > 0x7f) throw malformedAt(path, `non-ASCII byte in ${what}`);
    s += String.fromCharCode(b);
  }
  return s;
}

export function readIA5String(el: Asn1Element | undefined, path: string): string {
  return asciiString(expectUniversal(el, Tag.IA5String, path, 'IA5String', false).content, path, 'IA5String');
}

export function readPrintableString(el: Asn1Element | undefined, path: string): string {
  const e = expectUniversal(el, Tag.PrintableString, path, 'PrintableString', false);
  // Lenient on the character set (producers put free text here, ofdrw "自定义类型"): decode as UTF-8.
  return decodeUtf8(e.content, path);
}

export function readUtf8String(el: Asn1Element | undefined, path: string): string {
  return decodeUtf8(expectUniversal(el, Tag.UTF8String, path, 'UTF8String', false).content, path);
}

/** Any of the common string types, decoded leniently (UTF-8; BMPString as UTF-16BE). */
export function readAnyString(el: Asn1Element | undefined, path: string): string {
  if (el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && !el.constructed) {
    switch (el.tagNumber) {
      case Tag.UTF8String:
      case Tag.PrintableString:
      case Tag.IA5String:
      case Tag.VisibleString:
      case Tag.T61String:
        return decodeUtf8(el.content, path);
      case Tag.BMPString: {
        if (el.content.length % 2 !== 0) throw malformedAt(path, 'odd BMPString length');
        let s = '';
        for (let i = 0; i < el.content.length; i += 2) s += String.fromCharCode(((el.content[i] as number) << 8) | (el.content[i + 1] as number));
        return s;
      }
      default:
        break;
    }
  }
  throw unexpected(path, 'a character string');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformedAt(path, 'invalid UTF-8');
  }
}

export function readOid(el: Asn1Element | undefined, path: string): string {
  const e = expectUniversal(el, Tag.OBJECT_IDENTIFIER, path, 'OBJECT IDENTIFIER', false);
  const c = e.content;
  if (c.length === 0 || c.length > 128) throw malformedAt(path, 'bad OBJECT IDENTIFIER length');
  const arcs: string[] = [];
  let v = 0n;
  let first = true;
  let inArc = false;
  for (const b of c) {
    if (!inArc && b === 0x80) throw malformedAt(path, 'non-minimal OBJECT IDENTIFIER arc');
    v = (v << 7n) | BigInt(b & 0x7f);
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      if (first) {
        if (v < 40n) arcs.push('0', v.toString());
        else if (v < 80n) arcs.push('1', (v - 40n).toString());
        else arcs.push('2', (v - 80n).toString());
        first = false;
      } else {
        arcs.push(v.toString());
      }
      v = 0n;
    }
  }
  if (inArc) throw malformedAt(path, 'truncated OBJECT IDENTIFIER');
  return arcs.join('.');
}

export type TimeEncoding = 'UTCTime' | 'GeneralizedTime';

export interface Asn1Time {
  readonly date: Date;
  /** The stored text, e.g. `20201004072855Z`. */
  readonly text: string;
  readonly encoding: TimeEncoding;
}

/** UTCTime or GeneralizedTime (either accepted; `allowed` narrows). */
export function readTime(el: Asn1Element | undefined, path: string, allowed: readonly TimeEncoding[] = ['UTCTime', 'GeneralizedTime']): Asn1Time {
  const expected = allowed.join(' or ');
  if (el === undefined || el.tagClass !== TAG_CLASS_UNIVERSAL || el.constructed) throw unexpected(path, expected);
  let encoding: TimeEncoding;
  if (el.tagNumber === Tag.UTCTime && allowed.includes('UTCTime')) encoding = 'UTCTime';
  else if (el.tagNumber === Tag.GeneralizedTime && allowed.includes('GeneralizedTime')) encoding = 'GeneralizedTime';
  else throw unexpected(path, expected);
  let text: string;
  try {
    text = asciiString(el.content, path, encoding);
  } catch {
    throw malformedAt(path, `non-ASCII ${encoding}`);
  }
  const date = encoding === 'UTCTime' ? parseUtcTime(text) : parseGeneralizedTime(text);
  if (date === undefined) throw malformedAt(path, `unreadable ${encoding} "${text.slice(0, 40)}"`);
  return { date, text, encoding };
}

function tzOffsetMinutes(tz: string): number | undefined {
  if (tz === '' || tz === 'Z') return 0;
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 60 + Number(m[3]));
}

function buildDate(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `YYMMDDHHMM[SS](Z|±hhmm)`; years 50..99 → 19xx (RFC 5280). */
export function parseUtcTime(text: string): Date | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(Z|[+-]\d{4})$/.exec(text);
  if (!m) return undefined;
  const yy = Number(m[1]);
  const off = tzOffsetMinutes(m[7] ?? 'Z');
  if (off === undefined) return undefined;
  return buildDate(yy >= 50 ? 1900 + yy : 2000 + yy, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0'), 0, off);
}

/** `YYYYMMDDHH[MM[SS[.fff]]][Z|±hhmm]`; no zone is read as UTC. */
export function parseGeneralizedTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:[.,](\d{1,9}))?(Z|[+-]\d{4})?$/.exec(text);
  if (!m) return undefined;
  const off = tzOffsetMinutes(m[8] ?? '');
  if (off === undefined) return undefined;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return buildDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? '0'), Number(m[6] ?? '0'), ms, off);
}

/**
 * Textual times found in v1 `timeInfo` payloads and OFD `SignatureDateTime`:
 * ISO 8601 (`2020-01-25T07:31:56.377Z`), `yyyy-MM-dd HH:mm:ss` (read as Beijing time, UTC+8, as ofdrw
 * writes local time for the Suwell reader), GeneralizedTime and UTCTime text.
 */
export function parseTextualTime(text: string): Date | undefined {
  const t = text.trim();
  const iso = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?(Z|[+-]\d\d:?\d\d)?$/.exec(t);
  if (iso) {
    let off: number | undefined;
    const tz = iso[8];
    if (tz === undefined) off = 8 * 60; // no zone: China Standard Time
    else off = tzOffsetMinutes(tz.replace(':', ''));
    if (off === undefined) return undefined;
    const ms = iso[7] ? Math.floor(Number(`0.${iso[7]}`) * 1000) : 0;
    return buildDate(Number(iso[1]), Number(iso[2]), Number(iso[3]), Number(iso[4]), Number(iso[5]), Number(iso[6] ?? '0'), ms, off);
  }
  return parseGeneralizedTime(t) ?? parseUtcTime(t);
}

/** The explicit inner element of `[n] EXPLICIT`. */
export function readExplicit(el: Asn1Element | undefined, tagNumber: number, path: string): Asn1Element {
  if (el === undefined || el.tagClass !== TAG_CLASS_CONTEXT || el.tagNumber !== tagNumber || !el.constructed || el.children.length !== 1) {
    throw unexpected(path, `[${tagNumber}] EXPLICIT`);
  }
  return el.children[0] as Asn1Element;
}

/** Describes an element for diagnostics: `SEQUENCE(4)`, `OCTET STRING(123 bytes)`. */
export function describe(el: Asn1Element | undefined): string {
  if (el === undefined) return 'nothing';
  return el.constructed ? `${tagName(el)}(${el.children.length})` : `${tagName(el)}(${el.content.length} bytes)`;
}
