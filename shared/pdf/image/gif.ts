// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * GIF decoder (GIF87a/GIF89a) for seal pictures: the first image of the file, composed onto the
 * logical screen (transparent elsewhere), global or local colour table, interlaced rows, and the
 * Graphic Control Extension's transparent colour index → alpha 0.
 *
 * Design rationale: pure TypeScript (shared/ runs in the browser). The LZW decoder writes into a
 * buffer of exactly width × height indices and stops there, so a stream that never ends or a
 * lying image descriptor cannot allocate more than the caps allow; a stream that ends early leaves
 * the remaining pixels transparent (what browsers show), but an image with no pixel data at all
 * is an error. Animation beyond the first frame is ignored (a seal is a still picture).
 */
import { checkRasterSize, guardPicture, pictureInvalid, PICTURE_LIMITS, pictureTooLarge, trimAlpha, type RasterPicture } from './limits.js';

const T = 'GIF';

export function isGif(data: Uint8Array): boolean {
  return data[0] === 0x47 && data[1] === 0x49 && data[2] === 0x46 && data[3] === 0x38 && (data[4] === 0x37 || data[4] === 0x39) && data[5] === 0x61;
}

export function decodeGif(data: Uint8Array): RasterPicture {
  return guardPicture(T, () => decode(data));
}

/** LZW-decodes `src` (concatenated sub-block payloads) into `out`; returns the number of indices written. */
export function lzwDecode(src: Uint8Array, minCodeSize: number, out: Uint8Array): number {
  if (minCodeSize < 2 || minCodeSize > 11) throw pictureInvalid(T, `bad LZW minimum code size ${minCodeSize}`);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  // prefix/suffix tables; strings are rebuilt backwards into `stack`.
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
  }
  let codeSize = minCodeSize + 1;
  let next = clear + 2;
  let prev = -1;
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < src.length && o < out.length; i++) {
    acc |= src[i]! << bits;
    bits += 8;
    while (bits >= codeSize && o < out.length) {
      const code = acc & ((1 << codeSize) - 1);
      acc >>>= codeSize;
      bits -= codeSize;
      if (code === clear) {
        codeSize = minCodeSize + 1;
        next = clear + 2;
        prev = -1;
        continue;
      }
      if (code === eoi) return o;
      let c = code;
      let sp = 0;
      if (prev === -1) {
        if (code >= clear) throw pictureInvalid(T, 'LZW stream starts with an undefined code');
        out[o++] = code;
        prev = code;
        continue;
      }
      if (code > next || (code === next && next >= 4096)) throw pictureInvalid(T, 'LZW code out of range');
      if (code === next) {
        // KwKwK case: the string is prev's string + its first character.
        stack[sp++] = first[prev]!;
        c = prev;
      }
      while (c >= clear) {
        stack[sp++] = suffix[c]!;
        c = prefix[c]!;
      }
      stack[sp++] = c;
      const head = c;
      while (sp > 0 && o < out.length) out[o++] = stack[--sp]!;
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = head;
        first[next] = first[prev]!;
        next++;
        if (next === 1 << codeSize && codeSize < 12) codeSize++;
      }
      prev = code;
    }
  }
  return o;
}

function decode(data: Uint8Array): RasterPicture {
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxBytes} bytes`);
  if (!isGif(data) || data.length < 13) throw pictureInvalid(T, 'no GIF header');
  const u16 = (p: number): number => {
    if (p + 1 >= data.length) throw pictureInvalid(T, 'truncated');
    return data[p]! | (data[p + 1]! << 8);
  };
  const width = u16(6);
  const height = u16(8);
  checkRasterSize(T, width, height);
  const flags = data[10]!;
  let p = 13;
  let gct: Uint8Array | undefined;
  if (flags & 0x80) {
    const n = 3 * (2 << (flags & 7));
    if (p + n > data.length) throw pictureInvalid(T, 'truncated global colour table');
    gct = data.subarray(p, p + n);
    p += n;
  }
  let transparent = -1;
  const skipSubBlocks = (): void => {
    for (;;) {
      if (p >= data.length) throw pictureInvalid(T, 'truncated data sub-blocks');
      const n = data[p++]!;
      if (n === 0) return;
      p += n;
    }
  };
  for (;;) {
    if (p >= data.length) throw pictureInvalid(T, 'no image in the file');
    const b = data[p++]!;
    if (b === 0x3b) throw pictureInvalid(T, 'no image in the file');
    if (b === 0x21) {
      const label = data[p++];
      if (label === 0xf9 && data[p] === 4 && p + 5 < data.length) {
        if (data[p + 1]! & 1) transparent = data[p + 4]!;
      }
      skipSubBlocks();
      continue;
    }
    if (b !== 0x2c) throw pictureInvalid(T, `unknown block 0x${b.toString(16)}`);
    const left = u16(p);
    const top = u16(p + 2);
    const iw = u16(p + 4);
    const ih = u16(p + 6);
    const iflags = data[p + 8];
    if (iflags === undefined) throw pictureInvalid(T, 'truncated image descriptor');
    p += 9;
    checkRasterSize(T, iw, ih);
    let table = gct;
    if (iflags & 0x80) {
      const n = 3 * (2 << (iflags & 7));
      if (p + n > data.length) throw pictureInvalid(T, 'truncated local colour table');
      table = data.subarray(p, p + n);
      p += n;
    }
    if (table === undefined) throw pictureInvalid(T, 'no colour table');
    const minCode = data[p++];
    if (minCode === undefined) throw pictureInvalid(T, 'truncated image data');
    // Gather the sub-blocks (bounded by the file size, itself capped).
    const start = p;
    let total = 0;
    for (;;) {
      if (p >= data.length) throw pictureInvalid(T, 'truncated image data');
      const n = data[p++]!;
      if (n === 0) break;
      total += n;
      p += n;
    }
    if (p > data.length) throw pictureInvalid(T, 'truncated image data');
    const src = new Uint8Array(total);
    for (let q = start, o = 0; ; ) {
      const n = data[q++]!;
      if (n === 0) break;
      src.set(data.subarray(q, q + n), o);
      o += n;
      q += n;
    }
    const idx = new Uint8Array(iw * ih);
    const got = lzwDecode(src, minCode, idx);
    if (got === 0) throw pictureInvalid(T, 'image has no pixel data');
    const rgb = new Uint8Array(width * height * 3);
    const alpha = new Uint8Array(width * height);
    const indices = new Uint8Array(width * height);
    const rowOrder: number[] = [];
    if (iflags & 0x40) {
      for (const [s, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) for (let y = s; y < ih; y += step) rowOrder.push(y);
    } else for (let y = 0; y < ih; y++) rowOrder.push(y);
    const entries = table.length / 3;
    for (let r = 0; r < ih; r++) {
      const y = top + rowOrder[r]!;
      if (y >= height) continue;
      for (let x = 0; x < iw; x++) {
        const k = r * iw + x;
        if (k >= got) break;
        const X = left + x;
        if (X >= width) continue;
        const c = idx[k]!;
        if (c === transparent || c >= entries) continue;
        const o = y * width + X;
        indices[o] = c;
        rgb[o * 3] = table[c * 3]!;
        rgb[o * 3 + 1] = table[c * 3 + 1]!;
        rgb[o * 3 + 2] = table[c * 3 + 2]!;
        alpha[o] = 255;
      }
    }
    const a = trimAlpha(alpha);
    const bits: 1 | 2 | 4 | 8 = entries > 16 ? 8 : entries > 4 ? 4 : entries > 2 ? 2 : 1;
    const indexed = { palette: table.slice(), indices, bits };
    return { width, height, rgb, ...(a === undefined ? {} : { alpha: a }), indexed };
  }
}
