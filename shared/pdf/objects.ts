// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The PDF object model (ISO 32000-1 §7.3) used by the structure reader and the incremental writer,
 * plus the serializer that writes objects back.
 *
 * Design rationale: only what an incremental signature needs. Numbers are JS numbers (integers and
 * reals alike); names are kept decoded as Latin-1 strings (one char per byte, `#xx` resolved);
 * strings keep their bytes and, when they were parsed from the file itself, their byte span (the
 * signature check needs the exact place of `/Contents`). Serialization is canonical rather than a
 * copy of the input: strings are written as hex, names re-escaped. Objects we re-emit (a page, the
 * AcroForm, the catalog) thus keep their meaning, not their spelling.
 */

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    readonly hex: boolean,
    /** Offset of the opening delimiter in the file (undefined when parsed from an object stream). */
    readonly start?: number,
    /** Offset just after the closing delimiter. */
    readonly end?: number,
  ) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  readonly map: Map<string, PdfObject>;
  constructor(entries?: Iterable<readonly [string, PdfObject]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: PdfObject): this {
    this.map.set(key, value);
    return this;
  }
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
}

export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** The raw (still encoded) stream data. */
    readonly data: Uint8Array,
  ) {}
}

export type PdfObject = null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfStream | PdfObject[];

export const isDict = (o: PdfObject | undefined): o is PdfDict => o instanceof PdfDict;
export const isName = (o: PdfObject | undefined, name?: string): o is PdfName => o instanceof PdfName && (name === undefined || o.name === name);
export const isRef = (o: PdfObject | undefined): o is PdfRef => o instanceof PdfRef;
export const isInt = (o: PdfObject | undefined): o is number => typeof o === 'number' && Number.isSafeInteger(o);

export function name(n: string): PdfName {
  return new PdfName(n);
}

/** A text string for the document: ASCII stays PDFDocEncoding, anything else is UTF-16BE with BOM. */
export function textString(s: string): PdfString {
  if (/^[\x20-\x7e]*$/.test(s)) return new PdfString(Uint8Array.from(s, (c) => c.charCodeAt(0)), false);
  const out = [0xfe, 0xff];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.push(c >> 8, c & 0xff);
  }
  return new PdfString(Uint8Array.from(out), true);
}

/** Decodes a text string (UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding approximated as Latin-1). */
export function decodeTextString(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    let s = '';
    for (let i = 2; i + 1 < bytes.length; i += 2) s += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
    return s;
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder().decode(bytes.subarray(3));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Formats a PDF date `D:YYYYMMDDHHmmSSZ` (UTC). */
export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

// ── serialization ─────────────────────────────────────────────────────────────────────────

const HEXCHARS = '0123456789ABCDEF';

function isRegularNameByte(b: number): boolean {
  // Delimiters ()<>[]{}/% , whitespace and '#' are escaped, as are bytes outside 0x21..0x7e.
  return b > 0x20 && b < 0x7f && !'()<>[]{}/%#'.includes(String.fromCharCode(b));
}

export function formatName(n: string): string {
  let out = '/';
  for (let i = 0; i < n.length; i++) {
    const b = n.charCodeAt(i) & 0xff;
    out += isRegularNameByte(b) ? String.fromCharCode(b) : `#${HEXCHARS[b >> 4]}${HEXCHARS[b & 15]}`;
  }
  return out;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? n.toFixed(0) : '0';
  let s = n.toFixed(6);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

export function hexString(bytes: Uint8Array): string {
  let s = '<';
  for (const b of bytes) s += HEXCHARS[b >> 4] + (HEXCHARS[b & 15] as string);
  return s + '>';
}

/** Serializes a direct object (streams are written by {@link serializeIndirect}). */
export function serialize(o: PdfObject, depth = 0): string {
  if (depth > 64) throw new RangeError('object nesting too deep to serialize');
  if (o === null) return 'null';
  if (typeof o === 'boolean') return o ? 'true' : 'false';
  if (typeof o === 'number') return formatNumber(o);
  if (o instanceof PdfName) return formatName(o.name);
  if (o instanceof PdfString) return hexString(o.bytes);
  if (o instanceof PdfRef) return `${o.num} ${o.gen} R`;
  if (Array.isArray(o)) return `[${o.map((x) => serialize(x, depth + 1)).join(' ')}]`;
  if (o instanceof PdfDict) {
    const parts: string[] = [];
    for (const [k, v] of o.map) parts.push(`${formatName(k)} ${serialize(v, depth + 1)}`);
    return `<<${parts.join(' ')}>>`;
  }
  // A stream nested inside another object is illegal; write its dictionary only.
  return serialize(o.dict, depth + 1);
}

const latin1 = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
};
export { latin1 as latin1Bytes };

/** `num gen obj … endobj\n` as bytes; streams get their /Length set to the data length. */
export function serializeIndirect(ref: PdfRef, o: PdfObject): Uint8Array {
  if (o instanceof PdfStream) {
    const dict = o.dict.clone().set('Length', o.data.length);
    const head = latin1(`${ref.num} ${ref.gen} obj\n${serialize(dict)}\nstream\n`);
    const tail = latin1('\nendstream\nendobj\n');
    const out = new Uint8Array(head.length + o.data.length + tail.length);
    out.set(head, 0);
    out.set(o.data, head.length);
    out.set(tail, head.length + o.data.length);
    return out;
  }
  return latin1(`${ref.num} ${ref.gen} obj\n${serialize(o)}\nendobj\n`);
}
