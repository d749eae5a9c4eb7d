// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * JPEG header parser: a JPEG seal picture is passed through unchanged as a PDF `/DCTDecode`
 * image (ISO 32000-1 §7.4.8), so only the frame header is read — size, components, precision —
 * plus the Adobe APP14 marker that tells whether CMYK samples are stored inverted.
 *
 * Design rationale: re-encoding would lose quality and needs a full JPEG codec; every PDF reader
 * decodes baseline and progressive Huffman JPEGs. Refused (coded errors): 12-bit, lossless and
 * arithmetic-coded frames (many PDF readers cannot show them), 2-component images, a height of 0
 * (defined later by DNL), a missing frame header or scan, truncated segments.
 */
import { checkRasterSize, guardPicture, pictureInvalid, PICTURE_LIMITS, pictureTooLarge, pictureUnsupported } from './limits.js';

const T = 'JPEG';

export interface JpegInfo {
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 3 = YCbCr/RGB, 4 = CMYK/YCCK. */
  readonly components: 1 | 3 | 4;
  readonly progressive: boolean;
  /** Adobe APP14 present: four-component data is stored inverted (Photoshop), so /Decode [1 0 …]. */
  readonly adobe: boolean;
}

export function isJpeg(data: Uint8Array): boolean {
  return data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
}

export function parseJpeg(data: Uint8Array): JpegInfo {
  return guardPicture(T, () => parse(data));
}

function parse(data: Uint8Array): JpegInfo {
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxBytes} bytes`);
  if (!isJpeg(data)) throw pictureInvalid(T, 'no JPEG start-of-image marker');
  let p = 2;
  let frame: Omit<JpegInfo, 'adobe'> | undefined;
  let adobe = false;
  for (;;) {
    if (p >= data.length) throw pictureInvalid(T, 'ends before the first scan');
    if (data[p] !== 0xff) throw pictureInvalid(T, `expected a marker at offset ${p}`);
    while (data[p] === 0xff) p++; // fill bytes
    const m = data[p++];
    if (m === undefined) throw pictureInvalid(T, 'ends inside a marker');
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // standalone markers
    if (m === 0xd9) throw pictureInvalid(T, 'end of image before any scan');
    if (p + 2 > data.length) throw pictureInvalid(T, 'truncated segment length');
    const len = (data[p]! << 8) | data[p + 1]!;
    if (len < 2 || p + len > data.length) throw pictureInvalid(T, `segment 0x${m.toString(16)} runs past the end`);
    const seg = data.subarray(p + 2, p + len);
    if (m === 0xee && seg.length >= 5 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') adobe = true;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (frame !== undefined) throw pictureInvalid(T, 'two frame headers');
      if (m !== 0xc0 && m !== 0xc1 && m !== 0xc2) throw pictureUnsupported(`JPEG frame type SOF${m - 0xc0} (lossless, hierarchical or arithmetic coding)`);
      if (seg.length < 6) throw pictureInvalid(T, 'short frame header');
      const precision = seg[0]!;
      const height = (seg[1]! << 8) | seg[2]!;
      const width = (seg[3]! << 8) | seg[4]!;
      const nc = seg[5]!;
      if (precision !== 8) throw pictureUnsupported(`JPEG with ${precision}-bit samples`);
      if (height === 0) throw pictureUnsupported('JPEG whose height is defined by a DNL marker');
      if (nc !== 1 && nc !== 3 && nc !== 4) throw pictureUnsupported(`JPEG with ${nc} components`);
      if (seg.length < 6 + 3 * nc) throw pictureInvalid(T, 'short frame header');
      checkRasterSize(T, width, height);
      frame = { width, height, components: nc, progressive: m === 0xc2 };
    }
    p += len;
    if (m === 0xda) {
      if (frame === undefined) throw pictureInvalid(T, 'scan before the frame header');
      // The entropy-coded data follows; a complete file ends with EOI (trailing bytes tolerated).
      let end = data.length - 1;
      while (end > p && !(data[end - 1] === 0xff && data[end] === 0xd9)) end--;
      if (end <= p) throw pictureInvalid(T, 'no end-of-image marker (truncated file)');
      return { ...frame, adobe };
    }
  }
}
