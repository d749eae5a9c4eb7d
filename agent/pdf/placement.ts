// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Placement and appearance for `sealPdf`, kept behind one seam while shared/pdf/sealAppearance.ts
 * (sealRectAt, sealPictureAppearance) and agent/pdf/findKeyword.ts are being written: until then the
 * rectangle is computed here and the widget has an empty appearance.
 */
import { SealError } from '../../shared/errors/index.js';
import type { PageInfo, PreparePdfSignatureOptions } from '../../shared/pdf/index.js';

const PT_PER_MM = 72 / 25.4;

/**
 * The widget /Rect for a seal of `sizeMm` centred at `centreMm` (millimetres from the top-left of the
 * page as displayed: CropBox, /Rotate), in default user space.
 */
export function rectAtMm(page: PageInfo, centreMm: { x: number; y: number }, sizeMm: { width: number; height: number }): [number, number, number, number] {
  const b = page.cropBox ?? page.mediaBox;
  const [x1, y1, x2, y2] = [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
  const rot = ((page.rotate % 360) + 360) % 360;
  const cx = centreMm.x * PT_PER_MM;
  const cy = centreMm.y * PT_PER_MM;
  let ux: number;
  let uy: number;
  if (rot === 90) [ux, uy] = [x1 + cy, y1 + cx];
  else if (rot === 180) [ux, uy] = [x2 - cx, y1 + cy];
  else if (rot === 270) [ux, uy] = [x2 - cy, y2 - cx];
  else [ux, uy] = [x1 + cx, y2 - cy];
  const swap = rot === 90 || rot === 270;
  const w = (swap ? sizeMm.height : sizeMm.width) * PT_PER_MM;
  const h = (swap ? sizeMm.width : sizeMm.height) * PT_PER_MM;
  return [ux - w / 2, uy - h / 2, ux + w / 2, uy + h / 2];
}

export interface SealPicture {
  readonly type: string;
  readonly data: Uint8Array;
  readonly widthMm: number;
  readonly heightMm: number;
}

/** The widget appearance from the seal picture (empty until sealPictureAppearance lands). */
export function appearanceOf(_picture: SealPicture): PreparePdfSignatureOptions['appearance'] {
  return undefined;
}

/** Keyword hits, 1-based page, user-space rect (pdf.js text layer, agent/pdf/findKeyword.ts). */
export function locateKeyword(_pdf: Uint8Array, keyword: string, _options: { page?: number }): Promise<{ page: number; rect: [number, number, number, number] }[]> {
  return Promise.reject(new SealError('ERR_NOT_IMPLEMENTED', { feature: `keyword placement ("${keyword}")` }));
}
