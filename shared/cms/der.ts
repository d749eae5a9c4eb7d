// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A small DER/BER tree reader that keeps the original bytes of every element.
 *
 * Design rationale: signatures are verified over the bytes as received (seal-formats.md §0.6), so each
 * node exposes `raw` (the whole TLV) and `content`. BER indefinite lengths are accepted for constructed
 * elements because some PKCS#7 producers stream them; depth and element count are capped so hostile
 * input cannot exhaust the stack or memory.
 */
import { SealError } from '../errors/index.js';

export interface DerNode {
  /** First identifier octet (class, constructed bit, low tag number). */
  readonly tag: number;
  /** 0 universal, 1 application, 2 context, 3 private. */
  readonly tagClass: number;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The whole element including header (original bytes). */
  readonly raw: Uint8Array;
  /** Content octets (for indefinite lengths: without the end-of-contents marker). */
  readonly content: Uint8Array;
  /** Children of a constructed element. */
  readonly children: readonly DerNode[];
}

const MAX_DEPTH = 40;
const MAX_NODES = 200_000;

interface Budget {
  nodes: number;
}

function fail(reason: string): never {
  throw new SealError('ERR_CMS_MALFORMED', { reason });
}

function parseAt(buf: Uint8Array, pos: number, limit: number, depth: number, budget: Budget): { node: DerNode; next: number } {
  if (depth > MAX_DEPTH) fail('nesting too deep');
  if (++budget.nodes > MAX_NODES) fail('too many elements');
  const start = pos;
  if (pos >= limit) fail('unexpected end of data');
  const tag = buf[pos++] ?? 0;
  const tagClass = tag >> 6;
  const constructed = (tag & 0x20) !== 0;
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i > 4) fail('bad tag');
      const b = buf[pos++] ?? 0;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) fail('missing length');
  const first = buf[pos++] ?? 0;
  let length = -1;
  if (first < 0x80) length = first;
  else if (first === 0x80) {
    if (!constructed) fail('indefinite length on a primitive element');
  } else {
    const n = first & 0x7f;
    if (n > 4) fail('length too large');
    length = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= limit) fail('truncated length');
      length = length * 256 + (buf[pos++] ?? 0);
    }
  }
  const contentStart = pos;
  const children: DerNode[] = [];
  if (length < 0) {
    // Indefinite: children until 00 00.
    for (;;) {
      if (pos + 2 > limit) fail('unterminated indefinite length');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      const r = parseAt(buf, pos, limit, depth + 1, budget);
      children.push(r.node);
      pos = r.next;
    }
    const node: DerNode = { tag, tagClass, tagNumber, constructed, raw: buf.subarray(start, pos + 2), content: buf.subarray(contentStart, pos), children };
    return { node, next: pos + 2 };
  }
  const end = contentStart + length;
  if (end > limit) fail('element longer than its container');
  if (constructed) {
    let p = contentStart;
    while (p < end) {
      const r = parseAt(buf, p, end, depth + 1, budget);
      children.push(r.node);
      p = r.next;
    }
  }
  const node: DerNode = { tag, tagClass, tagNumber, constructed, raw: buf.subarray(start, end), content: buf.subarray(contentStart, end), children };
  return { node, next: end };
}

/** Parses one element at the start of `bytes`; trailing bytes are allowed and reported via `next`. */
export function parseDerPrefix(bytes: Uint8Array): { node: DerNode; next: number } {
  return parseAt(bytes, 0, bytes.length, 0, { nodes: 0 });
}

/** Parses exactly one element; trailing bytes are an error unless `allowTrailing`. */
export function parseDer(bytes: Uint8Array, allowTrailing = false): DerNode {
  const { node, next } = parseDerPrefix(bytes);
  if (!allowTrailing && next !== bytes.length) fail('trailing bytes after the element');
  return node;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Decodes an OBJECT IDENTIFIER node to dotted form. */
export function oidOf(node: DerNode | undefined): string | undefined {
  if (node === undefined || node.tag !== TAG.OID || node.content.length === 0) return undefined;
  const c = node.content;
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < c.length; i++) {
    const b = c[i] ?? 0;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Concatenated content of an OCTET STRING, also in BER constructed form. */
export function octetsOf(node: DerNode): Uint8Array {
  if (!node.constructed) return node.content;
  const pieces = node.children.map(octetsOf);
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses a UTCTime or GeneralizedTime node into a Date (UTC), or undefined. */
export function timeOf(node: DerNode | undefined): { date?: Date; text: string } | undefined {
  if (node === undefined || (node.tag !== TAG.UTCTime && node.tag !== TAG.GeneralizedTime)) return undefined;
  const text = new TextDecoder('latin1').decode(node.content);
  const m = node.tag === TAG.UTCTime
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})?$/.exec(text)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/.exec(text);
  if (m === null) return { text };
  let year = Number(m[1]);
  if (node.tag === TAG.UTCTime) year += year < 50 ? 2000 : 1900;
  let ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const frac = node.tag === TAG.GeneralizedTime ? m[7] : undefined;
  if (frac !== undefined) ms += Math.round(Number('0.' + frac) * 1000);
  const zone = node.tag === TAG.UTCTime ? m[7] : m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? { text } : { date, text };
}

/** Hex of bytes, lower case. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}
