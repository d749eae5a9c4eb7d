// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Stream decoding for the structure reader: `/FlateDecode` (fflate) with PNG and TIFF predictors
 * (ISO 32000-1 §7.4.4.4), which is all that xref streams and object streams use in practice.
 *
 * Design rationale: decoding is bounded. Input is fed to the inflater in 16 KiB pieces and the
 * output is counted, so a deflate bomb stops at the cap with `ERR_PDF_MALFORMED` instead of
 * allocating gigabytes.
 */
import { Unzlib, Inflate } from 'fflate';
import { isSealError } from '../errors/index.js';
import type { PdfDict, PdfStream} from './objects.js';
import { isDict, isInt, isName, type PdfObject } from './objects.js';
import { malformed } from './parser.js';

/** Largest decoded xref or object stream accepted (64 MiB). */
export const MAX_DECODED_STREAM = 64 * 1024 * 1024;

function inflateBounded(data: Uint8Array, max: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const run = (raw: boolean) => {
    chunks.length = 0;
    total = 0;
    const z = raw ? new Inflate() : new Unzlib();
    z.ondata = (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > max) throw malformed(`decoded stream larger than ${max} bytes`);
      chunks.push(chunk);
    };
    const step = 16 * 1024;
    for (let i = 0; i < data.length; i += step) z.push(data.subarray(i, Math.min(data.length, i + step)), i + step >= data.length);
    if (data.length === 0) z.push(new Uint8Array(0), true);
  };
  try {
    // zlib header (CMF/FLG check) → Unzlib; else raw deflate (a few writers omit the header)
    const zlib = data.length >= 2 && ((data[0] as number) & 0x0f) === 8 && (((data[0] as number) << 8) | (data[1] as number)) % 31 === 0;
    run(!zlib);
  } catch (e) {
    if (isSealError(e)) throw e;
    throw malformed(`cannot inflate stream: ${e instanceof Error ? e.message.slice(0, 80) : 'error'}`);
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** The PNG Paeth predictor (RFC 2083 §6.6), shared by the PDF /Predictor 10–15 filter and the PNG decoder. */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function unpredict(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = parms?.get('Predictor');
  if (!isInt(predictor) || predictor === 1) return data;
  const colors = isInt(parms?.get('Colors')) ? (parms?.get('Colors') as number) : 1;
  const bpc = isInt(parms?.get('BitsPerComponent')) ? (parms?.get('BitsPerComponent') as number) : 8;
  const columns = isInt(parms?.get('Columns')) ? (parms?.get('Columns') as number) : 1;
  if (colors < 1 || colors > 32 || ![1, 2, 4, 8, 16].includes(bpc) || columns < 1 || columns > 1 << 24) throw malformed('bad predictor parameters');
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw malformed('TIFF predictor with BitsPerComponent other than 8 is not supported');
    const out = data.slice();
    for (let r = 0; r + rowLen <= out.length; r += rowLen) {
      for (let i = bpp; i < rowLen; i++) out[r + i] = ((out[r + i] as number) + (out[r + i - bpp] as number)) & 0xff;
    }
    return out;
  }
  if (predictor < 10 || predictor > 15) throw malformed(`unknown predictor ${predictor}`);
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  let prev = new Uint8Array(rowLen);
  for (let r = 0; r < rows; r++) {
    const src = r * (rowLen + 1);
    const type = data[src] as number;
    const row = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const x = data[src + 1 + i] as number;
      const a = i >= bpp ? (row[i - bpp] as number) : 0;
      const b = prev[i] as number;
      const c = i >= bpp ? (prev[i - bpp] as number) : 0;
      let v: number;
      switch (type) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: v = x + paeth(a, b, c); break;
        default: throw malformed(`bad PNG filter type ${type}`);
      }
      row[i] = v & 0xff;
    }
    prev = row;
  }
  return out;
}

/** Decodes a stream's data (FlateDecode, optionally with predictor; or no filter). */
export function decodeStream(s: PdfStream, max = MAX_DECODED_STREAM): Uint8Array {
  const filter = s.dict.get('Filter');
  const parmsRaw = s.dict.get('DecodeParms');
  const filters: PdfObject[] = Array.isArray(filter) ? filter : filter === undefined || filter === null ? [] : [filter];
  const parmsList: PdfObject[] = Array.isArray(parmsRaw) ? parmsRaw : [parmsRaw ?? null];
  if (filters.length > 4) throw malformed('too many filters');
  let data = s.data;
  filters.forEach((f, i) => {
    if (!isName(f, 'FlateDecode') && !isName(f, 'Fl')) throw malformed(`unsupported filter in a structural stream`);
    const p = parmsList[i];
    data = unpredict(inflateBounded(data, max), isDict(p) ? p : undefined);
  });
  if (data.length > max) throw malformed(`decoded stream larger than ${max} bytes`);
  return data;
}
