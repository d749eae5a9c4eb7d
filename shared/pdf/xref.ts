// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Cross-reference sections (ISO 32000-1 §7.5.4–7.5.8): `startxref`, classic tables, xref streams,
 * hybrid files (`/XRefStm`) and the `/Prev` chain.
 *
 * Design rationale: a reader for *incremental updates*, so every section is kept separately (newest
 * first) with the object numbers it defines; the signature code needs to know which revision
 * defined what. No reconstruction of broken files: a wrong offset is `ERR_PDF_MALFORMED` (a signer
 * must not guess what the document says). The chain is bounded ({@link MAX_XREF_SECTIONS}) and a
 * repeated offset (a `/Prev` loop) is an error.
 */
import type { PdfDict} from './objects.js';
import { PdfStream, isDict, isInt, isName, type PdfObject } from './objects.js';
import { Lexer, indexOf, isWhite, lastIndexOf, malformed, parseIndirectObject, parseObject, startsWith, PDF_LIMITS } from './parser.js';
import { decodeStream, MAX_DECODED_STREAM } from './filters.js';

export const MAX_XREF_SECTIONS = 1024;

export interface XrefEntry {
  /** 0 free, 1 at a byte offset, 2 inside an object stream. */
  readonly type: 0 | 1 | 2;
  /** type 1: byte offset; type 2: object number of the object stream; type 0: next free. */
  readonly field2: number;
  /** type 1: generation; type 2: index in the object stream. */
  readonly field3: number;
}

export interface XrefSection {
  /** Offset the previous `startxref` (or `/Prev`) pointed to. */
  readonly offset: number;
  readonly kind: 'table' | 'stream';
  /** For a table, the trailer; for a stream, the stream dictionary. */
  readonly trailer: PdfDict;
  /** Entries of this section only (for hybrid files, table entries merged over the XRefStm ones). */
  readonly entries: ReadonlyMap<number, XrefEntry>;
  /** Offset of the `/XRefStm` stream of a hybrid section. */
  readonly hybridStreamOffset?: number;
  /** Object number of the xref stream itself (kind 'stream'). */
  readonly streamObjectNumber?: number;
}

/** Locates the last `startxref` and returns its position and value. Tolerates trailing garbage. */
export function findStartxref(buf: Uint8Array): { keywordPos: number; offset: number } {
  if (buf.length < 8 || !startsWith(buf, indexOf(buf.subarray(0, Math.min(buf.length, 1024)), '%PDF-'), '%PDF-')) {
    throw malformed('no %PDF- header in the first 1024 bytes');
  }
  const pos = lastIndexOf(buf, 'startxref');
  if (pos < 0) throw malformed('no startxref');
  const lx = new Lexer(buf, pos + 9);
  const offset = lx.tryInt();
  if (offset === undefined) throw malformed('startxref without an offset');
  if (offset >= buf.length) throw malformed(`startxref ${offset} points outside the file`);
  return { keywordPos: pos, offset };
}

/** End offsets (just after `%%EOF` and one optional EOL) of every `%%EOF` marker, in file order. */
export function findEofMarkers(buf: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    const j = indexOf(buf, '%%EOF', i);
    if (j < 0) break;
    let end = j + 5;
    if (buf[end] === 0x0d) end++;
    if (buf[end] === 0x0a) end++;
    out.push(end);
    i = j + 5;
  }
  return out;
}

/**
 * Makes bytes [start, end) of the buffer hold the file's bytes. The agent passes one to read a large
 * file through a sparse buffer (zero-filled, untouched pages not resident) filled only where parsed.
 */
export type EnsureRange = (start: number, end: number) => void;

/**
 * First window filled for a section whose length is not known before it is parsed (grows ×4). Large
 * enough that a typical table parses at once: each failed attempt leaves garbage (a 4 KiB start cost
 * ~8 MiB of peak on the 100 MB bench file).
 */
const SECTION_WINDOW = 64 * 1024;

/**
 * Runs `parse` at `start` with a window of the buffer filled, growing the window (×4) while the parse
 * fails or reads past it (zeros of an unfilled region must never be taken for content).
 */
export function withFilledWindow<T extends { end: number }>(buf: Uint8Array, start: number, ensure: EnsureRange | undefined, parse: () => T): T {
  if (ensure === undefined) return parse();
  for (let w = SECTION_WINDOW; ; w *= 4) {
    const end = Math.min(buf.length, start + w);
    ensure(start, end);
    if (end >= buf.length) return parse();
    try {
      const r = parse();
      if (r.end <= end) return r;
    } catch {
      // too short a window (or a broken file: the last, whole-file attempt reports it)
    }
  }
}

function parseTable(buf: Uint8Array, offset: number): { entries: Map<number, XrefEntry>; trailer: PdfDict; end: number } {
  const lx = new Lexer(buf, offset);
  if (!lx.tryKeyword('xref')) throw malformed(`no xref table at ${offset}`);
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    if (lx.tryKeyword('trailer')) break;
    const start = lx.tryInt();
    const count = lx.tryInt();
    if (start === undefined || count === undefined) throw malformed(`bad xref subsection header near ${lx.pos}`);
    if (start + count > PDF_LIMITS.maxObjectNumber + 1 || count * 18 > buf.length - lx.pos) throw malformed('xref subsection too large');
    for (let i = 0; i < count; i++) {
      lx.skipWhite();
      // Fixed-format 20-byte entries: nnnnnnnnnn ggggg n\r\n (parse tolerantly by fields)
      const m = /^(\d{1,10})[ ]+(\d{1,5})[ ]+([nf])/.exec(String.fromCharCode(...buf.subarray(lx.pos, lx.pos + 24)));
      if (m === null) throw malformed(`bad xref entry near ${lx.pos}`);
      lx.pos += m[0].length;
      const num = start + i;
      const f2 = Number(m[1]);
      const f3 = Number(m[2]);
      // The first definition in a section wins (duplicate subsections are a writer bug).
      if (!entries.has(num)) entries.set(num, m[3] === 'n' ? { type: 1, field2: f2, field3: f3 } : { type: 0, field2: f2, field3: f3 });
    }
  }
  const trailer = parseObject(lx);
  if (!isDict(trailer)) throw malformed('trailer is not a dictionary');
  return { entries, trailer, end: lx.pos };
}

function parseXrefStream(buf: Uint8Array, offset: number): { entries: Map<number, XrefEntry>; trailer: PdfDict; num: number; end: number } {
  const obj = parseIndirectObject(buf, offset);
  const s = obj.value;
  if (!(s instanceof PdfStream) || !isName(s.dict.get('Type'), 'XRef')) throw malformed(`no xref stream at ${offset}`);
  const w = s.dict.get('W');
  const size = s.dict.get('Size');
  if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => isInt(x) && x >= 0 && x <= 8) || !isInt(size)) throw malformed('bad /W or /Size in xref stream');
  const [w1, w2, w3] = w as [number, number, number];
  const rowLen = w1 + w2 + w3;
  if (rowLen === 0) throw malformed('xref stream /W is all zero');
  const indexRaw = s.dict.get('Index');
  const index: number[] = [];
  if (indexRaw === undefined) index.push(0, size);
  else {
    if (!Array.isArray(indexRaw) || indexRaw.length % 2 !== 0 || !indexRaw.every((x) => isInt(x) && x >= 0)) throw malformed('bad /Index in xref stream');
    index.push(...(indexRaw as number[]));
  }
  let rows = 0;
  for (let k = 1; k < index.length; k += 2) rows += index[k] as number;
  // The decoded size is known from /W and /Index (+1 byte per row for a PNG predictor): cap there.
  const data = decodeStream(s, Math.min(MAX_DECODED_STREAM, rows * (rowLen + 1) + 4096));
  const entries = new Map<number, XrefEntry>();
  let p = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (data[p++] as number);
    return v;
  };
  for (let k = 0; k < index.length; k += 2) {
    const start = index[k] as number;
    const count = index[k + 1] as number;
    if (start + count > PDF_LIMITS.maxObjectNumber + 1) throw malformed('xref stream /Index out of range');
    for (let i = 0; i < count; i++) {
      if (p + rowLen > data.length) throw malformed('xref stream data too short');
      const type = w1 === 0 ? 1 : read(w1);
      const f2 = read(w2);
      const f3 = read(w3);
      if (type > 2) continue; // unknown types are treated as null references (§7.5.8.3)
      const num = start + i;
      if (!entries.has(num)) entries.set(num, { type: type as 0 | 1 | 2, field2: f2, field3: f3 });
    }
  }
  return { entries, trailer: s.dict, num: obj.num, end: obj.end };
}

function parseSection(buf: Uint8Array, offset: number, ensure?: EnsureRange): XrefSection {
  ensure?.(offset, Math.min(buf.length, offset + 1024));
  let p = offset;
  while (p < buf.length && isWhite(buf[p])) p++;
  if (startsWith(buf, p, 'xref')) {
    const { entries, trailer } = withFilledWindow(buf, p, ensure, () => parseTable(buf, p));
    const xs = trailer.get('XRefStm');
    if (isInt(xs)) {
      // Hybrid (§7.5.8.4): in-use table entries win; the stream fills in the rest.
      const stream = xs >= 0 && xs < buf.length ? withFilledWindow(buf, xs, ensure, () => parseXrefStream(buf, xs)) : parseXrefStream(buf, xs);
      const merged = new Map<number, XrefEntry>(stream.entries);
      for (const [num, e] of entries) if (e.type === 1 || !merged.has(num)) merged.set(num, e);
      return { offset, kind: 'table', trailer, entries: merged, hybridStreamOffset: xs };
    }
    return { offset, kind: 'table', trailer, entries };
  }
  const { entries, trailer, num } = withFilledWindow(buf, p, ensure, () => parseXrefStream(buf, p));
  return { offset, kind: 'stream', trailer, entries, streamObjectNumber: num };
}

/**
 * Reads every xref section from the last `startxref` along `/Prev`, newest first. With `ensure`, the
 * buffer is sparse: its head and tail must already be filled; each section is filled before parsing.
 */
export function readXrefChain(buf: Uint8Array, ensure?: EnsureRange): XrefSection[] {
  const { offset } = findStartxref(buf);
  const sections: XrefSection[] = [];
  const seen = new Set<number>();
  let next: number | undefined = offset;
  while (next !== undefined) {
    if (seen.has(next)) throw malformed(`/Prev loop at offset ${next}`);
    if (sections.length >= MAX_XREF_SECTIONS) throw malformed('too many xref sections');
    if (next < 0 || next >= buf.length) throw malformed(`xref offset ${next} outside the file`);
    seen.add(next);
    const sec = parseSection(buf, next, ensure);
    sections.push(sec);
    const prev: PdfObject | undefined = sec.trailer.get('Prev');
    next = isInt(prev) ? prev : undefined;
  }
  return sections;
}
