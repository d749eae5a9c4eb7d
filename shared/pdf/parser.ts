// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A minimal PDF tokenizer and object parser (ISO 32000-1 §7.2–7.3) over bytes.
 *
 * Design rationale: hostile input must end in `ERR_PDF_MALFORMED`, never in a hang, a stack
 * overflow or a huge allocation. So nesting depth, the number of items in one object, string and
 * name lengths are capped; every loop advances the position; a stream whose `/Length` is wrong or
 * unresolvable falls back to searching `endstream` (as every viewer does), within the buffer.
 */
import { SealError } from '../errors/index.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';

export const PDF_LIMITS = {
  /** Maximum nesting of arrays and dictionaries. */
  maxDepth: 64,
  /** Maximum number of items parsed for one object (all nesting levels together). */
  maxItemsPerObject: 1_000_000,
  /** Maximum name length in bytes (the spec's implementation limit is 127). */
  maxNameLength: 4096,
  /** Maximum object number accepted anywhere. */
  maxObjectNumber: 8_388_607,
} as const;

export function malformed(reason: string): SealError {
  return new SealError('ERR_PDF_MALFORMED', { reason: reason.slice(0, 200) });
}

export const isWhite = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
export const isDelim = (b: number | undefined): boolean =>
  b === 0x28 || b === 0x29 || b === 0x3c || b === 0x3e || b === 0x5b || b === 0x5d || b === 0x7b || b === 0x7d || b === 0x2f || b === 0x25;
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

type Token =
  | { t: 'num'; v: number; int: boolean }
  | { t: 'name'; v: string }
  | { t: 'str'; v: PdfString }
  | { t: 'kw'; v: string }
  | { t: 'delim'; v: '[' | ']' | '<<' | '>>' | '{' | '}' }
  | { t: 'eof' };

/** Resolves `/Length` when it is an indirect reference; may return undefined. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

export class Lexer {
  pos: number;
  /** Whether string offsets are file offsets (false inside object streams). */
  private readonly fileOffsets: boolean;
  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    fileOffsets = true,
  ) {
    this.pos = pos;
    this.fileOffsets = fileOffsets;
  }

  skipWhite(): void {
    const b = this.buf;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (isWhite(c)) this.pos++;
      else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
  }

  next(): Token {
    this.skipWhite();
    const b = this.buf;
    if (this.pos >= b.length) return { t: 'eof' };
    const start = this.pos;
    const c = b[this.pos] as number;
    if (c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) {
      this.pos++;
      return { t: 'delim', v: String.fromCharCode(c) as '[' | ']' | '{' | '}' };
    }
    if (c === 0x3c) {
      if (b[this.pos + 1] === 0x3c) {
        this.pos += 2;
        return { t: 'delim', v: '<<' };
      }
      return { t: 'str', v: this.hexString(start) };
    }
    if (c === 0x3e) {
      if (b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return { t: 'delim', v: '>>' };
      }
      throw malformed(`unexpected '>' at ${start}`);
    }
    if (c === 0x28) return { t: 'str', v: this.literalString(start) };
    if (c === 0x29) throw malformed(`unexpected ')' at ${start}`);
    if (c === 0x2f) return { t: 'name', v: this.nameToken() };
    // regular characters up to the next delimiter or white space
    let end = this.pos;
    while (end < b.length && !isWhite(b[end]) && !isDelim(b[end])) end++;
    if (end - this.pos > 256) throw malformed(`token too long at ${start}`);
    let text = '';
    for (let i = this.pos; i < end; i++) text += String.fromCharCode(b[i] as number);
    this.pos = end;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
      const v = Number(text);
      return { t: 'num', v: Number.isFinite(v) ? v : 0, int: /^[+-]?\d+$/.test(text) };
    }
    // A lone sign or '--5' style numbers: treat as 0 like most readers.
    if (/^[+-]+[\d.]*$/.test(text)) return { t: 'num', v: 0, int: false };
    return { t: 'kw', v: text };
  }

  private nameToken(): string {
    const b = this.buf;
    this.pos++; // '/'
    let out = '';
    while (this.pos < b.length && !isWhite(b[this.pos]) && !isDelim(b[this.pos])) {
      let c = b[this.pos] as number;
      if (c === 0x23) {
        const h = hexVal(b[this.pos + 1] ?? 0);
        const l = hexVal(b[this.pos + 2] ?? 0);
        if (h >= 0 && l >= 0) {
          c = h * 16 + l;
          this.pos += 2;
        }
      }
      out += String.fromCharCode(c);
      this.pos++;
      if (out.length > PDF_LIMITS.maxNameLength) throw malformed('name too long');
    }
    return out;
  }

  private hexString(start: number): PdfString {
    const b = this.buf;
    this.pos++;
    const close = b.indexOf(0x3e, this.pos);
    if (close < 0) throw malformed(`unterminated hex string at ${start}`);
    const out = new Uint8Array(Math.ceil((close - this.pos) / 2));
    let n = 0;
    let hi = -1;
    for (let i = this.pos; i < close; i++) {
      const c = b[i] as number;
      if (isWhite(c)) continue;
      const v = hexVal(c);
      if (v < 0) throw malformed(`bad hex digit at ${i}`);
      if (hi < 0) hi = v;
      else {
        out[n++] = hi * 16 + v;
        hi = -1;
      }
    }
    if (hi >= 0) out[n++] = hi * 16;
    this.pos = close + 1;
    return this.fileOffsets ? new PdfString(out.slice(0, n), true, start, this.pos) : new PdfString(out.slice(0, n), true);
  }

  private literalString(start: number): PdfString {
    const b = this.buf;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (true) {
      if (this.pos >= b.length) throw malformed(`unterminated string at ${start}`);
      const c = b[this.pos++] as number;
      if (c === 0x5c) {
        const e = b[this.pos++];
        if (e === undefined) throw malformed(`unterminated string at ${start}`);
        switch (e) {
          case 0x6e: out.push(0x0a); break;
          case 0x72: out.push(0x0d); break;
          case 0x74: out.push(0x09); break;
          case 0x62: out.push(0x08); break;
          case 0x66: out.push(0x0c); break;
          case 0x0d:
            if (b[this.pos] === 0x0a) this.pos++;
            break;
          case 0x0a: break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let k = 0; k < 2 && (b[this.pos] ?? 0) >= 0x30 && (b[this.pos] ?? 0) <= 0x37; k++) v = v * 8 + ((b[this.pos++] as number) - 0x30);
              out.push(v & 0xff);
            } else out.push(e);
        }
        continue;
      }
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
      out.push(c);
    }
    const bytes = Uint8Array.from(out);
    return this.fileOffsets ? new PdfString(bytes, false, start, this.pos) : new PdfString(bytes, false);
  }

  /** Reads one integer token, or returns undefined (position restored). */
  tryInt(): number | undefined {
    const save = this.pos;
    try {
      const t = this.next();
      if (t.t === 'num' && t.int && t.v >= 0) return t.v;
    } catch {
      /* fall through */
    }
    this.pos = save;
    return undefined;
  }

  /** Expects a keyword; returns whether it was there (position restored if not). */
  tryKeyword(kw: string): boolean {
    const save = this.pos;
    try {
      const t = this.next();
      if (t.t === 'kw' && t.v === kw) return true;
    } catch {
      /* fall through */
    }
    this.pos = save;
    return false;
  }
}

interface Budget {
  items: number;
}

/** Parses one direct object at the lexer position. */
export function parseObject(lx: Lexer, budget: Budget = { items: 0 }, depth = 0): PdfObject {
  if (depth > PDF_LIMITS.maxDepth) throw malformed('objects nested too deeply');
  if (++budget.items > PDF_LIMITS.maxItemsPerObject) throw malformed('object has too many items');
  const start = lx.pos;
  const t = lx.next();
  switch (t.t) {
    case 'eof':
      throw malformed('unexpected end of file');
    case 'str':
      return t.v;
    case 'name':
      return new PdfName(t.v);
    case 'num': {
      if (t.int && t.v >= 0) {
        const save = lx.pos;
        const gen = lx.tryInt();
        if (gen !== undefined && lx.tryKeyword('R')) {
          if (t.v > PDF_LIMITS.maxObjectNumber || gen > 65535) throw malformed(`reference out of range at ${start}`);
          return new PdfRef(t.v, gen);
        }
        lx.pos = save;
      }
      return t.v;
    }
    case 'kw':
      if (t.v === 'true') return true;
      if (t.v === 'false') return false;
      if (t.v === 'null') return null;
      throw malformed(`unexpected keyword '${t.v.slice(0, 20)}' at ${start}`);
    case 'delim':
      if (t.v === '[') {
        const arr: PdfObject[] = [];
        for (;;) {
          lx.skipWhite();
          if (lx.buf[lx.pos] === 0x5d) {
            lx.pos++;
            return arr;
          }
          if (lx.pos >= lx.buf.length) throw malformed(`unterminated array at ${start}`);
          arr.push(parseObject(lx, budget, depth + 1));
        }
      }
      if (t.v === '<<') {
        const dict = new PdfDict();
        for (;;) {
          const save = lx.pos;
          const k = lx.next();
          if (k.t === 'delim' && k.v === '>>') return dict;
          if (k.t === 'eof') throw malformed(`unterminated dictionary at ${start}`);
          if (k.t !== 'name') throw malformed(`dictionary key expected at ${save}`);
          if (++budget.items > PDF_LIMITS.maxItemsPerObject) throw malformed('object has too many items');
          // A key directly followed by '>>' has no value: treat as null (lenient, like viewers).
          lx.skipWhite();
          if (lx.buf[lx.pos] === 0x3e && lx.buf[lx.pos + 1] === 0x3e) {
            dict.set(k.v, null);
            continue;
          }
          dict.set(k.v, parseObject(lx, budget, depth + 1));
        }
      }
      throw malformed(`unexpected '${t.v}' at ${start}`);
  }
}

export interface IndirectObject {
  readonly num: number;
  readonly gen: number;
  readonly value: PdfObject;
  /** Offset of the `N G obj` header. */
  readonly offset: number;
  /** Offset just past what was parsed (the stream data or the object value): lets a caller that fills the buffer on demand check it read only filled bytes. */
  readonly end: number;
}

/** Parses `N G obj … endobj` at `offset` (file offset); streams take their data from the buffer. */
export function parseIndirectObject(buf: Uint8Array, offset: number, resolveLength?: LengthResolver): IndirectObject {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= buf.length) throw malformed(`object offset ${offset} outside the file`);
  const lx = new Lexer(buf, offset);
  const num = lx.tryInt();
  const gen = num === undefined ? undefined : lx.tryInt();
  if (num === undefined || gen === undefined || !lx.tryKeyword('obj')) throw malformed(`no object header at ${offset}`);
  const value = parseObject(lx);
  lx.skipWhite();
  if (value instanceof PdfDict && startsWith(buf, lx.pos, 'stream')) {
    let p = lx.pos + 6;
    if (buf[p] === 0x0d) p++;
    if (buf[p] === 0x0a) p++;
    const dataStart = p;
    let len: number | undefined;
    const l = value.get('Length');
    if (typeof l === 'number') len = l;
    else if (l instanceof PdfRef && resolveLength !== undefined) len = resolveLength(l);
    let dataEnd: number | undefined;
    if (len !== undefined && Number.isSafeInteger(len) && len >= 0 && dataStart + len <= buf.length) {
      // Accept the length only if 'endstream' follows (after optional EOL).
      let q = dataStart + len;
      while (q < buf.length && isWhite(buf[q]) && q < dataStart + len + 4) q++;
      if (startsWith(buf, q, 'endstream')) dataEnd = dataStart + len;
    }
    if (dataEnd === undefined) {
      const idx = indexOf(buf, 'endstream', dataStart);
      if (idx < 0) throw malformed(`stream without endstream at ${offset}`);
      dataEnd = idx;
      if (buf[dataEnd - 1] === 0x0a) dataEnd--;
      if (buf[dataEnd - 1] === 0x0d) dataEnd--;
      if (dataEnd < dataStart) dataEnd = dataStart;
    }
    return { num, gen, value: new PdfStream(value, buf.subarray(dataStart, dataEnd)), offset, end: dataEnd };
  }
  return { num, gen, value, offset, end: lx.pos };
}

export function startsWith(buf: Uint8Array, pos: number, s: string): boolean {
  if (pos < 0 || pos + s.length > buf.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[pos + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Forward search for an ASCII string. */
export function indexOf(buf: Uint8Array, s: string, from = 0): number {
  const first = s.charCodeAt(0);
  let i = Math.max(0, from);
  while (i <= buf.length - s.length) {
    const j = buf.indexOf(first, i);
    if (j < 0 || j > buf.length - s.length) return -1;
    if (startsWith(buf, j, s)) return j;
    i = j + 1;
  }
  return -1;
}

/** Backward search for an ASCII string starting at or before `from`. */
export function lastIndexOf(buf: Uint8Array, s: string, from = buf.length - s.length, stopAt = 0): number {
  const first = s.charCodeAt(0);
  for (let i = Math.min(from, buf.length - s.length); i >= stopAt; i--) {
    if (buf[i] === first && startsWith(buf, i, s)) return i;
  }
  return -1;
}

export { isDigit };
