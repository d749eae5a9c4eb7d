// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Placement and appearance for `sealPdf`: the seal picture as the widget appearance and the widget
 * rectangle (shared/pdf/sealAppearance.ts), and keyword anchoring (agent/pdf/findKeyword.ts, the
 * pdf.js text layer), behind one seam.
 */
import { displayedPageSizeMm, pageRotation, sealPictureAppearance, sealRectAt, visibleBox, type PageInfo, type PreparePdfSignatureOptions, type SealPictureInput } from '../../shared/pdf/index.js';

const MM_PER_PT = 25.4 / 72;

export { sealRectAt };

/** The widget appearance drawn from the seal picture (PNG, JPEG, GIF, SVG, OFD). */
export function appearanceOf(picture: SealPictureInput): NonNullable<PreparePdfSignatureOptions['appearance']> {
  return sealPictureAppearance(picture);
}

/** A user-space point as millimetres from the top-left of the page as displayed (inverse of sealRectAt's mapping). */
export function toDisplayMm(page: PageInfo, ux: number, uy: number): { x: number; y: number } {
  const [x1, y1, x2, y2] = visibleBox(page);
  const rot = pageRotation(page);
  let dx: number;
  let dy: number;
  if (rot === 90) [dx, dy] = [uy - y1, ux - x1];
  else if (rot === 180) [dx, dy] = [x2 - ux, uy - y1];
  else if (rot === 270) [dx, dy] = [y2 - uy, x2 - ux];
  else [dx, dy] = [ux - x1, y2 - uy];
  return { x: dx * MM_PER_PT, y: dy * MM_PER_PT };
}

/**
 * The rectangle for a seal centred on a keyword: moved inwards just enough to lie on the page when
 * the keyword is near an edge (an explicit position off the page is refused instead).
 */
export function rectOverKeyword(page: PageInfo, keywordRect: readonly [number, number, number, number], sizeMm: { width: number; height: number }): [number, number, number, number] {
  const [x1, y1, x2, y2] = keywordRect;
  const c = toDisplayMm(page, (x1 + x2) / 2, (y1 + y2) / 2);
  const size = displayedPageSizeMm(page);
  if (sizeMm.width > size.width || sizeMm.height > size.height) return sealRectAt(page, c, sizeMm); // ERR_PDF_PLACEMENT_OFF_PAGE
  const clamp = (v: number, half: number, max: number) => Math.min(Math.max(v, half), max - half);
  return sealRectAt(page, { x: clamp(c.x, sizeMm.width / 2, size.width), y: clamp(c.y, sizeMm.height / 2, size.height) }, sizeMm);
}

/**
 * Keyword hits in page order: 1-based page, user-space rect (pdf.js text layer; it works on a copy of
 * the file). pdf.js is loaded on first use only: starting the agent or `eseal` does not pay for it.
 */
export async function locateKeyword(pdf: Uint8Array, keyword: string, options: { page?: number }): Promise<{ page: number; rect: [number, number, number, number] }[]> {
  const { findKeyword } = await import('./findKeyword.js');
  return findKeyword(pdf, keyword, options);
}
