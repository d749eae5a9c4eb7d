// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A small, bounded BER/DER reader that keeps the original bytes and offsets of every element.
 *
 * Design rationale: seal verification must hash and verify the bytes *as stored* (seal-formats.md
 * §0.6), so every element exposes `bytes` (its full TLV, a view into the input) and `content`.
 * We use our own reader instead of asn1js here because we need (a) exact offsets of every element,
 * (b) hard caps on nesting depth and element count that hostile input cannot exceed, and (c) one
 * coded error type (`ERR_ASN1_MALFORMED`) for every failure; asn1js reports errors through
 * `offset === -1` plus a free-text `error` field, has no depth cap and decodes string contents
 * eagerly. The reader is iterative over siblings and recursive only in depth (capped), never reads
 * past a declared length and rejects lengths longer than the remaining input before allocating.
 *
 * Accepted: definite lengths (short and long form, DER-minimal or not), BER indefinite lengths for
 * constructed elements (ended by `00 00`), high tag numbers. Primitive contents are never parsed
 * here; constructed ones (any class) are parsed into `children`.
 */

import { SealError } from '../errors/index.js';

export const TAG_CLASS_UNIVERSAL = 0;
export const TAG_CLASS_APPLICATION = 1;
export const TAG_CLASS_CONTEXT = 2;
export const TAG_CLASS_PRIVATE = 3;

export type TagClass = 0 | 1 | 2 | 3;

/** Universal tag numbers we use. */
export const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  UTF8String: 12,
  SEQUENCE: 16,
  SET: 17,
  PrintableString: 19,
  T61String: 20,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
  VisibleString: 26,
  BMPString: 30,
} as const;

export interface Asn1Element {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the first identifier byte within the buffer given to {@link parseDer}. */
  readonly offset: number;
  readonly headerLength: number;
  /** Whether the length was BER indefinite (`0x80`); `bytes` then includes the `00 00` end marker. */
  readonly indefinite: boolean;
  /** The complete original TLV bytes (a view into the input, not a copy). */
  readonly bytes: Uint8Array;
  /** The original content octets (for indefinite lengths: without the end marker). */
  readonly content: Uint8Array;
  /** Parsed children of a constructed element; empty for primitives. */
  readonly children: readonly Asn1Element[];
}

export interface ParseOptions {
  /** Maximum nesting depth (default 64). */
  readonly maxDepth?: number;
  /** Maximum total number of elements (default 200 000). */
  readonly maxElements?: number;
  /** Accept bytes after the first top-level element (default false → ERR_ASN1_MALFORMED). */
  readonly allowTrailing?: boolean;
}

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_ELEMENTS = 200_000;

function malformed(reason: string): SealError {
  return new SealError('ERR_ASN1_MALFORMED', { reason });
}

interface ParseState {
  readonly buf: Uint8Array;
  readonly maxDepth: number;
  readonly maxElements: number;
  count: number;
}

/** Parses one element starting at `pos` and ending no later than `end`. */
function parseElement(st: ParseState, pos: number, end: number, depth: number): Asn1Element {
  if (depth > st.maxDepth) throw malformed(`nesting deeper than ${st.maxDepth}`);
  if (++st.count > st.maxElements) throw malformed(`more than ${st.maxElements} elements`);
  const buf = st.buf;
  const start = pos;
  if (pos >= end) throw malformed(`truncated: no identifier at offset ${pos}`);
  const id = buf[pos++] as number;
  const tagClass = (id >> 6) as TagClass;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    let n = 0;
    for (;;) {
      if (pos >= end) throw malformed(`truncated tag at offset ${start}`);
      const b = buf[pos++] as number;
      if (n === 0 && b === 0x80) throw malformed(`non-minimal tag number at offset ${start}`);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if (++n > 4) throw malformed(`tag number too large at offset ${start}`);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= end) throw malformed(`truncated: no length at offset ${start}`);
  const first = buf[pos++] as number;
  let length: number;
  let indefinite = false;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    if (!constructed) throw malformed(`indefinite length on a primitive element at offset ${start}`);
    indefinite = true;
    length = -1;
  } else {
    const n = first & 0x7f;
    if (n === 0x7f) throw malformed(`reserved length byte at offset ${start}`);
    if (n > 4) throw malformed(`length of ${n} bytes at offset ${start} exceeds the 4-byte limit`);
    if (pos + n > end) throw malformed(`truncated length at offset ${start}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[pos++] as number);
  }
  const headerLength = pos - start;
  if (!indefinite) {
    if (length > end - pos) {
      throw malformed(`element at offset ${start} declares ${length} content bytes but only ${end - pos} remain`);
    }
    const contentEnd = pos + length;
    const children: Asn1Element[] = [];
    if (constructed) {
      let p = pos;
      while (p < contentEnd) {
        const child = parseElement(st, p, contentEnd, depth + 1);
        children.push(child);
        p = child.offset + child.bytes.length;
      }
    }
    return {
      tagClass,
      constructed,
      tagNumber,
      offset: start,
      headerLength,
      indefinite,
      bytes: buf.subarray(start, contentEnd),
      content: buf.subarray(pos, contentEnd),
      children,
    };
  }
  // BER indefinite length: children until the end-of-contents marker 00 00.
  const children: Asn1Element[] = [];
  let p = pos;
  for (;;) {
    if (p + 2 > end) throw malformed(`indefinite-length element at offset ${start} has no end marker`);
    if (buf[p] === 0 && buf[p + 1] === 0) break;
    const child = parseElement(st, p, end, depth + 1);
    children.push(child);
    p = child.offset + child.bytes.length;
  }
  return {
    tagClass,
    constructed,
    tagNumber,
    offset: start,
    headerLength,
    indefinite,
    bytes: buf.subarray(start, p + 2),
    content: buf.subarray(pos, p),
    children,
  };
}

/**
 * Parses one BER/DER element (with all nested constructed elements).
 * @throws SealError ERR_ASN1_MALFORMED on truncation, hostile lengths, excess depth/elements, trailing data.
 */
export function parseDer(input: Uint8Array, options: ParseOptions = {}): Asn1Element {
  if (!(input instanceof Uint8Array)) throw malformed('input is not a byte array');
  if (input.length === 0) throw malformed('empty input');
  const st: ParseState = {
    buf: input,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxElements: options.maxElements ?? DEFAULT_MAX_ELEMENTS,
    count: 0,
  };
  const el = parseElement(st, 0, input.length, 0);
  if (!options.allowTrailing && el.bytes.length !== input.length) {
    throw malformed(`${input.length - el.bytes.length} bytes of trailing data after the top-level element`);
  }
  return el;
}

/** Human name of an element's tag for messages, e.g. `SEQUENCE`, `[0]`, `OCTET STRING`. */
export function tagName(el: Pick<Asn1Element, 'tagClass' | 'tagNumber' | 'constructed'>): string {
  if (el.tagClass === TAG_CLASS_CONTEXT) return `[${el.tagNumber}]`;
  if (el.tagClass === TAG_CLASS_APPLICATION) return `[APPLICATION ${el.tagNumber}]`;
  if (el.tagClass === TAG_CLASS_PRIVATE) return `[PRIVATE ${el.tagNumber}]`;
  const names: Record<number, string> = {
    1: 'BOOLEAN',
    2: 'INTEGER',
    3: 'BIT STRING',
    4: 'OCTET STRING',
    5: 'NULL',
    6: 'OBJECT IDENTIFIER',
    12: 'UTF8String',
    16: 'SEQUENCE',
    17: 'SET',
    19: 'PrintableString',
    20: 'T61String',
    22: 'IA5String',
    23: 'UTCTime',
    24: 'GeneralizedTime',
    26: 'VisibleString',
    30: 'BMPString',
  };
  return names[el.tagNumber] ?? `UNIVERSAL ${el.tagNumber}`;
}

/** True for a universal element with the given tag number. */
export function isUniversal(el: Asn1Element | undefined, tagNumber: number): boolean {
  return el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === tagNumber;
}

/** True for a context-specific element `[n]`. */
export function isContext(el: Asn1Element | undefined, tagNumber: number): boolean {
  return el !== undefined && el.tagClass === TAG_CLASS_CONTEXT && el.tagNumber === tagNumber;
}
