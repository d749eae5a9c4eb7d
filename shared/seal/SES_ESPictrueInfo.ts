// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../errors/index.js';
import { type Asn1Element, derIA5String, derInteger, derOctetString, derSequence, readAnyString, readOctetString, readSequence, readSmallInteger } from '../asn1/index.js';

/**
 * Seal picture (the standard's spelling "Pictrue" kept; GB/T 38540 names it SES_ESPictureInfo).
 *
 * ```asn
 * SES_ESPictrueInfo ::= SEQUENCE {
 *   type    IA5String,     -- "GIF", "BMP", "JPG", "PNG", "ofd", "SVG"... any case
 *   data    OCTET STRING,
 *   width   INTEGER,       -- millimetres
 *   height  INTEGER }      -- millimetres
 * ```
 */
export interface SES_ESPictrueInfo {
  readonly type: string;
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function decodeSES_ESPictrueInfo(el: Asn1Element | undefined, path: string): SES_ESPictrueInfo {
  const [type, data, width, height] = readSequence(el, path, 4, 4);
  return {
    type: readAnyString(type, `${path}.type`),
    data: readOctetString(data, `${path}.data`),
    width: readSmallInteger(width, `${path}.width`),
    height: readSmallInteger(height, `${path}.height`),
  };
}

export function encodeSES_ESPictrueInfo(p: SES_ESPictrueInfo): Uint8Array {
  return derSequence(derIA5String(p.type), derOctetString(p.data), derInteger(p.width), derInteger(p.height));
}

/** Normalised picture format. */
export type PictureFormat = 'png' | 'jpg' | 'gif' | 'bmp' | 'svg' | 'ofd' | 'unknown';

/** Normalises a stored type string (`PNG`, `png`, `JPEG`, `ofd`…) to a lower-case format. */
export function normalisePictureType(type: string): PictureFormat {
  const t = type.trim().toLowerCase().replace(/^\./, '');
  if (t === 'png') return 'png';
  if (t === 'jpg' || t === 'jpeg') return 'jpg';
  if (t === 'gif') return 'gif';
  if (t === 'bmp') return 'bmp';
  if (t === 'svg') return 'svg';
  if (t === 'ofd') return 'ofd';
  return 'unknown';
}

/** Detects the format from magic bytes; `unknown` when none matches. */
export function sniffPictureFormat(data: Uint8Array): PictureFormat {
  const b = (i: number): number => data[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47 && b(4) === 0x0d && b(5) === 0x0a && b(6) === 0x1a && b(7) === 0x0a) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpg';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return 'gif';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return 'ofd';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, 256)).trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return 'unknown';
}

/** Standard type label we write for a format. */
export function pictureTypeLabel(format: PictureFormat): string {
  return format === 'jpg' ? 'JPG' : format.toUpperCase();
}

/** File extension for writing a picture out. */
export function pictureExtension(format: PictureFormat): string {
  return format === 'unknown' ? 'bin' : format;
}

/**
 * Validates a picture for seal making: PNG, JPG or GIF with matching magic bytes, positive sizes.
 * @returns the type label to store (`PNG`, `JPG`, `GIF`).
 */
export function validatePictureForMaking(p: { type?: string; data: Uint8Array; widthMm: number; heightMm: number }): string {
  const sniffed = sniffPictureFormat(p.data);
  const declared = p.type === undefined ? sniffed : normalisePictureType(p.type);
  if (declared !== 'png' && declared !== 'jpg' && declared !== 'gif') {
    throw new SealError('ERR_SEAL_PICTURE_UNSUPPORTED', { type: p.type ?? sniffed });
  }
  if (sniffed !== declared) {
    throw new SealError('ERR_SEAL_PICTURE_UNSUPPORTED', { type: `${p.type ?? declared} (content is ${sniffed})` });
  }
  for (const [name, v] of [['widthMm', p.widthMm], ['heightMm', p.heightMm]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 1000) throw new SealError('ERR_INPUT_INVALID', { name, reason: 'must be a whole number of millimetres, 1..1000' });
  }
  return pictureTypeLabel(declared);
}
