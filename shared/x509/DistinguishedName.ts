// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * X.501 Names: decoding, RFC 4514 text, and comparison for path building.
 *
 * Design rationale: Chinese CAs encode names in every string type X.520 allows and in some it does
 * not: UTF8String (the rule since RFC 5280), BMPString (UTF-16BE, older Windows CAs), and
 * PrintableString or TeletexString holding UTF-8 or GBK bytes (non-conforming, but common in older
 * certificates). So we decode from the original bytes ourselves instead of trusting a generic decoder:
 * UTF8String and the 8-bit types are tried as strict UTF-8, then GB18030 (a superset of GBK), then
 * Latin-1; BMPString as UTF-16BE; UniversalString as UCS-4. Values of other types print as `#hex`
 * (RFC 4514 §2.4). The text form lists RDNs most-specific first, as RFC 4514 does:
 * `CN=张三,O=某某市财政局,C=CN`.
 *
 * Names are compared for path building by their DER bytes first (what issuers copy verbatim), then by
 * a normalised form (type, case-folded and whitespace-collapsed value) as RFC 5280 §7.1 allows, so a
 * CA that re-encodes its name (PrintableString ↔ UTF8String) still matches.
 */

import { SealError } from '../errors/index.js';
import { readOid, type Asn1Element, Tag, TAG_CLASS_UNIVERSAL } from '../asn1/index.js';
import { bytesToHex } from '../crypto/bytes.js';
import { ATTRIBUTE_SHORT_NAMES } from './oids.js';

export interface NameAttribute {
  /** Attribute type OID, e.g. `2.5.4.3`. */
  readonly type: string;
  /** Short name (`CN`, `O`, …) or the dotted OID when unknown. */
  readonly shortName: string;
  /** Decoded value. */
  readonly value: string;
  /** ASN.1 string type the value was stored as, e.g. `UTF8String`, or `other`. */
  readonly encoding: string;
}

/** An X.501 Name (RDNSequence) as stored in a certificate or CRL. */
export interface DistinguishedName {
  /** The original DER bytes of the Name. */
  readonly der: Uint8Array;
  /** RDNs in stored order (most general first, as in DER); each RDN is a set of attributes. */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** RFC 4514 string, most specific RDN first. */
  readonly text: string;
}

const STRING_TYPE_NAMES: Readonly<Record<number, string>> = {
  12: 'UTF8String',
  18: 'NumericString',
  19: 'PrintableString',
  20: 'TeletexString',
  22: 'IA5String',
  26: 'VisibleString',
  27: 'GeneralString',
  28: 'UniversalString',
  30: 'BMPString',
};

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const gb18030Fatal: TextDecoder | undefined = (() => {
  try {
    return new TextDecoder('gb18030', { fatal: true });
  } catch {
    return undefined; // runtime without the legacy encodings (small-ICU builds)
  }
})();

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** 8-bit string types and UTF8String: ASCII, else UTF-8, else GB18030, else Latin-1. */
function decodeEightBit(bytes: Uint8Array): string {
  if (bytes.every((b) => b < 0x80)) return latin1(bytes);
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    /* not UTF-8 */
  }
  if (gb18030Fatal !== undefined) {
    try {
      return gb18030Fatal.decode(bytes);
    } catch {
      /* not GBK either */
    }
  }
  return latin1(bytes);
}

function decodeBmp(bytes: Uint8Array): string {
  if (bytes.length % 2 !== 0) throw new SealError('ERR_X509_MALFORMED', { reason: 'BMPString of odd length in a name' });
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) units.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}

function decodeUniversal(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new SealError('ERR_X509_MALFORMED', { reason: 'UniversalString of bad length in a name' });
  let s = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = (((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)) >>> 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new SealError('ERR_X509_MALFORMED', { reason: 'invalid code point in UniversalString' });
    s += String.fromCodePoint(cp);
  }
  return s;
}


/** Decodes one attribute value (any directory string type; other types → `#hex` of the DER). */
export function decodeAttributeValue(el: Asn1Element): { value: string; encoding: string } {
  if (el.tagClass === TAG_CLASS_UNIVERSAL && !el.constructed) {
    const encoding = STRING_TYPE_NAMES[el.tagNumber];
    if (encoding !== undefined) {
      if (el.tagNumber === Tag.BMPString) return { value: decodeBmp(el.content), encoding };
      if (el.tagNumber === 28) return { value: decodeUniversal(el.content), encoding };
      return { value: decodeEightBit(el.content), encoding };
    }
  }
  return { value: `#${bytesToHex(el.bytes)}`, encoding: 'other' };
}

/** RFC 4514 §2.4 escaping of an attribute value. */
export function escapeRfc4514(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  let escaped = '';
  for (const ch of out) {
    const code = ch.charCodeAt(0);
    escaped += code < 0x20 || code === 0x7f ? `\\${code.toString(16).padStart(2, '0')}` : ch;
  }
  out = escaped;
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function malformedName(reason: string): SealError {
  return new SealError('ERR_X509_MALFORMED', { reason });
}

/** Parses a Name element (SEQUENCE OF SET OF AttributeTypeAndValue) read by `parseDer`. */
export function parseName(el: Asn1Element | undefined, what: string): DistinguishedName {
  if (el === undefined || el.tagClass !== TAG_CLASS_UNIVERSAL || el.tagNumber !== Tag.SEQUENCE || !el.constructed) {
    throw malformedName(`${what} is not a Name (SEQUENCE)`);
  }
  const rdns: NameAttribute[][] = [];
  for (const set of el.children) {
    if (set.tagClass !== TAG_CLASS_UNIVERSAL || set.tagNumber !== Tag.SET || !set.constructed || set.children.length === 0) {
      throw malformedName(`${what}: RDN is not a non-empty SET`);
    }
    const rdn: NameAttribute[] = [];
    for (const atv of set.children) {
      if (atv.tagClass !== TAG_CLASS_UNIVERSAL || atv.tagNumber !== Tag.SEQUENCE || atv.children.length !== 2) {
        throw malformedName(`${what}: AttributeTypeAndValue is not a SEQUENCE of 2`);
      }
      let type: string;
      try {
        type = readOid(atv.children[0], `${what}.type`);
      } catch (e) {
        throw malformedName(`${what}: ${e instanceof SealError ? e.message : 'bad attribute type'}`);
      }
      const { value, encoding } = decodeAttributeValue(atv.children[1] as Asn1Element);
      rdn.push({ type, shortName: ATTRIBUTE_SHORT_NAMES[type] ?? type, value, encoding });
    }
    rdns.push(rdn);
  }
  const text = [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.shortName}=${a.encoding === 'other' ? a.value : escapeRfc4514(a.value)}`).join('+'))
    .join(',');
  return { der: el.bytes, rdns, text };
}

/** First value of an attribute (by short name such as `CN`, or OID), in stored order. */
export function nameAttribute(name: DistinguishedName, typeOrShortName: string): string | undefined {
  for (const rdn of name.rdns) {
    for (const a of rdn) {
      if (a.type === typeOrShortName || a.shortName === typeOrShortName) return a.value;
    }
  }
  return undefined;
}

/** Most specific (last stored) value of an attribute, e.g. the CN that names the subject. */
export function lastNameAttribute(name: DistinguishedName, typeOrShortName: string): string | undefined {
  let found: string | undefined;
  for (const rdn of name.rdns) {
    for (const a of rdn) {
      if (a.type === typeOrShortName || a.shortName === typeOrShortName) found = a.value;
    }
  }
  return found;
}

function normalisedKey(name: DistinguishedName): string {
  return name.rdns
    .map((rdn) =>
      rdn
        .map((a) => `${a.type}=${a.value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .sort()
        .join('+'),
    )
    .join('\u0000');
}

/** RFC 5280 §7.1 name matching: identical DER, or equal after normalisation. */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.der.length === b.der.length && a.der.every((x, i) => x === b.der[i])) return true;
  return normalisedKey(a) === normalisedKey(b);
}
