// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PNG decoder (ISO/IEC 15948 / W3C PNG) for seal pictures: every colour type and bit depth
 * (grey 1/2/4/8/16, RGB 8/16, palette 1/2/4/8 with tRNS, grey+alpha and RGBA 8/16), Adam7
 * interlacing, tRNS colour keys; output is 8-bit RGB plus an opacity channel for the PDF /SMask.
 *
 * Design rationale: pure TypeScript over bytes (shared/ runs in the browser too), fflate for the
 * inflate step. Chunk CRCs are checked (a corrupted seal picture is an error, not a half-drawn
 * seal); the size from IHDR is checked against {@link PICTURE_LIMITS} before anything is
 * allocated, and the inflater stops as soon as it produces more than the image needs (deflate
 * bombs). Unknown critical chunks are refused as the specification requires; ancillary chunks
 * (gAMA, iCCP, pHYs, text…) are ignored — seal pictures are flat red on transparent.
 * 16-bit samples keep their high byte; colour keys are compared at full depth first.
 */
import { paeth } from '../filters.js';
import { Unzlib } from 'fflate';
import { isSealError } from '../../errors/index.js';
import { checkRasterSize, guardPicture, pictureInvalid, PICTURE_LIMITS, pictureTooLarge, pictureUnsupported, trimAlpha, type RasterPicture } from './limits.js';

const T = 'PNG';
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array, start: number, end: number): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

export function isPng(data: Uint8Array): boolean {
  return SIGNATURE.every((v, i) => data[i] === v);
}

interface Header {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlace: number;
}

/** Sizes of the (sub)images that make up the inflated data: one, or the seven Adam7 passes. */
function passes(h: Header): { x0: number; y0: number; dx: number; dy: number; w: number; rows: number }[] {
  if (h.interlace === 0) return [{ x0: 0, y0: 0, dx: 1, dy: 1, w: h.width, rows: h.height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((h.width - x0) / dx), rows: Math.ceil((h.height - y0) / dy) })).filter((p) => p.w > 0 && p.rows > 0);
}

function inflateExact(idat: Uint8Array[], expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let total = 0;
  let ended = false;
  const z = new Unzlib((chunk, final) => {
    if (total + chunk.length > expected) throw pictureInvalid(T, 'image data longer than the picture (or a deflate bomb)');
    out.set(chunk, total);
    total += chunk.length;
    if (final) ended = true;
  });
  try {
    idat.forEach((c, i) => {
      const step = 16 * 1024;
      if (c.length === 0) z.push(c, i === idat.length - 1);
      for (let p = 0; p < c.length; p += step) z.push(c.subarray(p, Math.min(c.length, p + step)), i === idat.length - 1 && p + step >= c.length);
    });
  } catch (e) {
    if (isSealError(e)) throw e;
    throw pictureInvalid(T, `cannot inflate image data (${e instanceof Error ? e.message.slice(0, 60) : 'error'})`);
  }
  if (total !== expected || !ended) throw pictureInvalid(T, `image data truncated (${total} of ${expected} bytes)`);
  return out;
}

/** Decodes a PNG into 8-bit RGB (+ alpha when any pixel is not opaque). */
export function decodePng(data: Uint8Array): RasterPicture {
  return guardPicture(T, () => decode(data));
}

function decode(data: Uint8Array): RasterPicture {
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxBytes} bytes`);
  if (!isPng(data)) throw pictureInvalid(T, 'no PNG signature');
  let p = 8;
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (p < data.length && !sawEnd) {
    if (p + 12 > data.length) throw pictureInvalid(T, 'truncated chunk');
    const len = u32(data, p);
    if (len > 0x7fffffff || p + 12 + len > data.length) throw pictureInvalid(T, 'chunk length beyond the end of the file');
    const type = String.fromCharCode(data[p + 4]!, data[p + 5]!, data[p + 6]!, data[p + 7]!);
    const body = data.subarray(p + 8, p + 8 + len);
    if (crc32(data, p + 4, p + 8 + len) !== u32(data, p + 8 + len)) throw pictureInvalid(T, `CRC mismatch in chunk ${JSON.stringify(type)}`);
    p += 12 + len;
    if (header === undefined && type !== 'IHDR') throw pictureInvalid(T, 'first chunk is not IHDR');
    switch (type) {
      case 'IHDR': {
        if (header !== undefined || len !== 13) throw pictureInvalid(T, 'bad IHDR');
        const h: Header = { width: u32(body, 0), height: u32(body, 4), depth: body[8]!, colorType: body[9]!, interlace: body[12]! };
        if (!(DEPTHS[h.colorType] ?? []).includes(h.depth)) throw pictureInvalid(T, `colour type ${h.colorType} with bit depth ${h.depth}`);
        if (body[10] !== 0 || body[11] !== 0 || h.interlace > 1) throw pictureInvalid(T, 'unknown compression, filter or interlace method');
        checkRasterSize(T, h.width, h.height);
        header = h;
        break;
      }
      case 'PLTE':
        if (len % 3 !== 0 || len === 0 || len > 768) throw pictureInvalid(T, 'bad PLTE length');
        palette = body;
        break;
      case 'tRNS':
        trns = body;
        break;
      case 'IDAT':
        idat.push(body);
        break;
      case 'IEND':
        sawEnd = true;
        break;
      default:
        // Bit 5 of the first byte clear = critical chunk we do not know: the picture cannot be shown correctly.
        if ((type.charCodeAt(0) & 0x20) === 0) throw pictureUnsupported(`PNG with critical chunk ${type}`);
    }
  }
  if (header === undefined) throw pictureInvalid(T, 'no IHDR');
  if (idat.length === 0) throw pictureInvalid(T, 'no image data');
  const h = header;
  if (h.colorType === 3 && palette === undefined) throw pictureInvalid(T, 'palette image without PLTE');
  const channels = CHANNELS[h.colorType]!;
  const bitsPP = channels * h.depth;
  const bpp = Math.max(1, bitsPP >> 3);
  const ps = passes(h);
  const expected = ps.reduce((s, q) => s + q.rows * (1 + Math.ceil((q.w * bitsPP) / 8)), 0);
  const raw = inflateExact(idat, expected);

  const n = h.width * h.height;
  const rgb = new Uint8Array(n * 3);
  const alpha = new Uint8Array(n).fill(255);
  const maxV = (1 << h.depth) - 1;
  const keyGray = h.colorType === 0 && trns !== undefined && trns.length >= 2 ? (trns[0]! << 8) | trns[1]! : -1;
  const keyRgb = h.colorType === 2 && trns !== undefined && trns.length >= 6 ? [(trns[0]! << 8) | trns[1]!, (trns[2]! << 8) | trns[3]!, (trns[4]! << 8) | trns[5]!] : undefined;
  const palN = palette === undefined ? 0 : palette.length / 3;
  const indices = h.colorType === 3 ? new Uint8Array(n) : undefined;

  let off = 0;
  for (const q of ps) {
    const stride = Math.ceil((q.w * bitsPP) / 8);
    let prev = new Uint8Array(stride);
    let cur = new Uint8Array(stride);
    for (let r = 0; r < q.rows; r++) {
      const ft = raw[off]!;
      const line = raw.subarray(off + 1, off + 1 + stride);
      off += 1 + stride;
      for (let i = 0; i < stride; i++) {
        const x = line[i]!;
        const a = i >= bpp ? cur[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        let v: number;
        if (ft === 0) v = x;
        else if (ft === 1) v = x + a;
        else if (ft === 2) v = x + b;
        else if (ft === 3) v = x + ((a + b) >> 1);
        else if (ft === 4) v = x + paeth(a, b, c);
        else throw pictureInvalid(T, `unknown row filter ${ft}`);
        cur[i] = v & 0xff;
      }
      const y = q.y0 + r * q.dy;
      const sample = (idx: number): number => {
        // idx-th sample of the row at the image's bit depth
        if (h.depth === 8) return cur[idx]!;
        if (h.depth === 16) return (cur[idx * 2]! << 8) | cur[idx * 2 + 1]!;
        const bit = idx * h.depth;
        return (cur[bit >> 3]! >> (8 - h.depth - (bit & 7))) & maxV;
      };
      const to8 = (v: number): number => (h.depth === 16 ? v >> 8 : h.depth === 8 ? v : Math.round((v * 255) / maxV));
      for (let i = 0; i < q.w; i++) {
        const o = (y * h.width + q.x0 + i * q.dx);
        const s = i * channels;
        switch (h.colorType) {
          case 0: {
            const g = sample(s);
            const g8 = to8(g);
            rgb[o * 3] = rgb[o * 3 + 1] = rgb[o * 3 + 2] = g8;
            if (g === keyGray) alpha[o] = 0;
            break;
          }
          case 2: {
            const rr = sample(s);
            const gg = sample(s + 1);
            const bb = sample(s + 2);
            rgb[o * 3] = to8(rr);
            rgb[o * 3 + 1] = to8(gg);
            rgb[o * 3 + 2] = to8(bb);
            if (keyRgb !== undefined && rr === keyRgb[0] && gg === keyRgb[1] && bb === keyRgb[2]) alpha[o] = 0;
            break;
          }
          case 3: {
            const k = sample(s);
            if (k >= palN) throw pictureInvalid(T, `palette index ${k} beyond the ${palN}-entry palette`);
            (indices as Uint8Array)[o] = k;
            const pal = palette as Uint8Array;
            rgb[o * 3] = pal[k * 3]!;
            rgb[o * 3 + 1] = pal[k * 3 + 1]!;
            rgb[o * 3 + 2] = pal[k * 3 + 2]!;
            if (trns !== undefined && k < trns.length) alpha[o] = trns[k]!;
            break;
          }
          case 4: {
            const g8 = to8(sample(s));
            rgb[o * 3] = rgb[o * 3 + 1] = rgb[o * 3 + 2] = g8;
            alpha[o] = to8(sample(s + 1));
            break;
          }
          default: {
            rgb[o * 3] = to8(sample(s));
            rgb[o * 3 + 1] = to8(sample(s + 1));
            rgb[o * 3 + 2] = to8(sample(s + 2));
            alpha[o] = to8(sample(s + 3));
          }
        }
      }
      const t = prev;
      prev = cur;
      cur = t;
    }
  }
  const a = trimAlpha(alpha);
  const indexed = indices === undefined || palette === undefined ? undefined : { palette: palette.slice(0, 3 * Math.min(palN, 1 << h.depth)), indices, bits: h.depth as 1 | 2 | 4 | 8 };
  return { width: h.width, height: h.height, rgb, ...(a === undefined ? {} : { alpha: a }), ...(indexed === undefined ? {} : { indexed }) };
}
