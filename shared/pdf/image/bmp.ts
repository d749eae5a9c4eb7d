// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * BMP decoder for seal pictures (GB/T 38540 readers accept "BMP"): Windows bitmaps with a core
 * (12-byte) or info/v4/v5 header, 1/4/8-bit palettes, 16-bit 5-5-5, 24-bit and 32-bit, BI_RGB
 * or BI_BITFIELDS (an alpha mask gives transparency), bottom-up or top-down rows.
 *
 * Design rationale: the size is checked against the caps before allocating, every read is
 * bounds-checked against the file, and the run-length (RLE4/RLE8), JPEG/PNG-in-BMP and OS/2
 * variants — not seen in seal pictures — are ERR_SEAL_PICTURE_UNSUPPORTED. A 32-bit BI_RGB
 * bitmap's fourth byte is padding by definition, so it is ignored (opaque), as browsers do.
 */
import { checkRasterSize, guardPicture, pictureInvalid, PICTURE_LIMITS, pictureTooLarge, pictureUnsupported, trimAlpha, type RasterPicture } from './limits.js';

const T = 'BMP';

export function isBmp(data: Uint8Array): boolean {
  return data[0] === 0x42 && data[1] === 0x4d;
}

export function decodeBmp(data: Uint8Array): RasterPicture {
  return guardPicture(T, () => decode(data));
}

/** Shift and width of a contiguous bit mask (for BI_BITFIELDS). */
function maskInfo(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function decode(data: Uint8Array): RasterPicture {
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxBytes} bytes`);
  if (!isBmp(data) || data.length < 26) throw pictureInvalid(T, 'no BMP header');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (end: number): void => {
    if (end > data.length) throw pictureInvalid(T, 'truncated file');
  };
  const pixelOffset = dv.getUint32(10, true);
  const hsize = dv.getUint32(14, true);
  let width: number;
  let height: number;
  let bpp: number;
  let compression = 0;
  let colorsUsed = 0;
  let palEntry = 4;
  let masks: [number, number, number, number] | undefined;
  if (hsize === 12) {
    need(26);
    width = dv.getUint16(18, true);
    height = dv.getInt16(20, true);
    bpp = dv.getUint16(24, true);
    palEntry = 3;
  } else if (hsize >= 40 && hsize <= 124) {
    need(14 + hsize);
    width = dv.getInt32(18, true);
    height = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
    if (compression === 3 || compression === 6) {
      // masks follow a 40-byte header, or are part of v2+ headers
      need(14 + 40 + 16);
      masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true), hsize >= 56 || compression === 6 ? dv.getUint32(66, true) : 0];
    }
  } else throw pictureUnsupported(`BMP with a ${hsize}-byte header`);
  const topDown = height < 0;
  height = Math.abs(height);
  checkRasterSize(T, width, height);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw pictureInvalid(T, `${bpp} bits per pixel`);
  if (compression !== 0 && compression !== 3 && compression !== 6) throw pictureUnsupported(`BMP compression ${compression} (RLE, JPEG or PNG inside BMP)`);
  if ((compression === 3 || compression === 6) && bpp !== 16 && bpp !== 32) throw pictureInvalid(T, 'bit fields need 16 or 32 bits per pixel');
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const n = colorsUsed === 0 || colorsUsed > 1 << bpp ? 1 << bpp : colorsUsed;
    const start = 14 + hsize + (masks !== undefined && hsize === 40 ? 12 : 0);
    need(start + n * palEntry);
    palette = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      palette[i * 3] = data[start + i * palEntry + 2]!;
      palette[i * 3 + 1] = data[start + i * palEntry + 1]!;
      palette[i * 3 + 2] = data[start + i * palEntry]!;
    }
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (pixelOffset < 14 + hsize) throw pictureInvalid(T, 'pixel data overlaps the header');
  need(pixelOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8));
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height).fill(255);
  const m = masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0xff0000, 0xff00, 0xff, 0]);
  const info = m.map(maskInfo);
  const channel = (v: number, k: number): number => {
    const { shift, bits } = info[k]!;
    if (bits === 0) return 0;
    const x = (v >>> shift) & ((2 ** bits) - 1);
    return Math.round((x * 255) / ((2 ** bits) - 1));
  };
  const hasAlpha = masks !== undefined && masks[3] !== 0;
  const palN = palette === undefined ? 0 : palette.length / 3;
  const indices = bpp <= 8 ? new Uint8Array(width * height) : undefined;
  for (let r = 0; r < height; r++) {
    const y = topDown ? r : height - 1 - r;
    const row = pixelOffset + r * stride;
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      if (bpp <= 8) {
        const bit = x * bpp;
        const k = (data[row + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (k >= palN) throw pictureInvalid(T, `palette index ${k} beyond the ${palN}-entry palette`);
        (indices as Uint8Array)[o] = k;
        const pal = palette as Uint8Array;
        rgb[o * 3] = pal[k * 3]!;
        rgb[o * 3 + 1] = pal[k * 3 + 1]!;
        rgb[o * 3 + 2] = pal[k * 3 + 2]!;
      } else if (bpp === 24) {
        const p = row + x * 3;
        rgb[o * 3] = data[p + 2]!;
        rgb[o * 3 + 1] = data[p + 1]!;
        rgb[o * 3 + 2] = data[p]!;
      } else {
        const v = bpp === 16 ? dv.getUint16(row + x * 2, true) : dv.getUint32(row + x * 4, true);
        rgb[o * 3] = channel(v, 0);
        rgb[o * 3 + 1] = channel(v, 1);
        rgb[o * 3 + 2] = channel(v, 2);
        if (hasAlpha) alpha[o] = channel(v, 3);
      }
    }
  }
  const a = trimAlpha(alpha);
  const indexed = indices === undefined || palette === undefined ? undefined : { palette, indices, bits: (bpp === 1 ? 1 : bpp === 4 ? 4 : 8) as 1 | 2 | 4 | 8 };
  return { width, height, rgb, ...(a === undefined ? {} : { alpha: a }), ...(indexed === undefined ? {} : { indexed }) };
}
