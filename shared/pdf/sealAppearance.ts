// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The visible seal: a seal picture (SES_ESPictrueInfo: type, data, width/height in mm) turned into
 * the signature widget's appearance, and the widget rectangle for a seal placed on a page in
 * millimetres from the top-left corner of the page as displayed.
 *
 * Design rationale:
 * - PNG, GIF and BMP are decoded to 8-bit RGB + alpha (the writer compresses them and adds an /SMask);
 *   JPEG is passed through as /DCTDecode after its frame header is read (no re-encoding loss).
 * - SVG and OFD pictures are converted to PDF vector operators, not rasterised: the seal stays
 *   sharp at any zoom and print resolution, the result is small, and no rasteriser (canvas, fonts)
 *   is needed in the browser or the agent. Only the subset that seal pictures use is accepted;
 *   anything else is a coded error rather than a silently wrong seal (see image/svg.ts, image/ofd.ts).
 * - The picture type string is matched case-insensitively; when the bytes clearly are another
 *   known format (magic bytes), the bytes win — producers mislabel pictures.
 * - Placement: 1 mm = 72/25.4 pt; the CropBox (clipped to the MediaBox) is the visible page and
 *   /Rotate turns it clockwise for display, so a position "from the top-left as displayed" maps to
 *   a different corner of user space on rotated pages. The writer counter-rotates the appearance,
 *   so the seal is upright on screen; here only the rectangle is computed.
 */
import { SealError } from '../errors/index.js';
import { normalisePictureType, sniffPictureFormat } from '../seal/SES_ESPictrueInfo.js';
import { formatNumber } from './objects.js';
import type { PageInfo } from './PdfReader.js';
import type { PdfExtraStamp, PdfSignatureAppearance } from './preparePdfSignature.js';
import { decodeBmp } from './image/bmp.js';
import { decodeGif } from './image/gif.js';
import { parseJpeg } from './image/jpeg.js';
import { PICTURE_LIMITS, pictureTooLarge, pictureUnsupported } from './image/limits.js';
import { ofdPictureToVector } from './image/ofd.js';
import { decodePng } from './image/png.js';
import { svgToVector } from './image/svg.js';

export interface SealPictureInput {
  /** 'png' | 'jpg' | 'jpeg' | 'gif' | 'svg' | 'ofd', as stored in the seal (any case). */
  readonly type: string;
  readonly data: Uint8Array;
  readonly widthMm: number;
  readonly heightMm: number;
}

/** Points per millimetre. */
export const PT_PER_MM = 72 / 25.4;

function invalid(nameOf: string, reason: string): SealError {
  return new SealError('ERR_INPUT_INVALID', { name: nameOf, reason });
}

/** The widget appearance for a seal picture (what preparePdfSignature takes as `appearance`). */
export function sealPictureAppearance(picture: SealPictureInput): PdfSignatureAppearance {
  if (typeof picture !== 'object' || picture === null) throw invalid('picture', 'not an object');
  if (!(picture.data instanceof Uint8Array) || picture.data.length === 0) throw invalid('picture.data', 'not a non-empty Uint8Array');
  if (typeof picture.type !== 'string') throw invalid('picture.type', 'not a string');
  for (const k of ['widthMm', 'heightMm'] as const) {
    const v = picture[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1000) throw invalid(`picture.${k}`, 'must be a number of millimetres in (0, 1000]');
  }
  const data = picture.data;
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(picture.type, `${PICTURE_LIMITS.maxBytes} bytes`);
  const declared = normalisePictureType(picture.type);
  const sniffed = sniffPictureFormat(data);
  const format = sniffed !== 'unknown' ? sniffed : declared;
  switch (format) {
    case 'png':
      return { image: decodePng(data) };
    case 'gif':
      return { image: decodeGif(data) };
    case 'bmp':
      return { image: decodeBmp(data) };
    case 'jpg': {
      const info = parseJpeg(data);
      const colorSpace = info.components === 1 ? 'DeviceGray' : info.components === 3 ? 'DeviceRGB' : 'DeviceCMYK';
      return {
        image: {
          width: info.width,
          height: info.height,
          colorSpace,
          filter: 'DCTDecode',
          data,
          ...(info.components === 4 && info.adobe ? { decode: [1, 0, 1, 0, 1, 0, 1, 0] } : {}),
        },
      };
    }
    case 'svg':
      return { vector: svgToVector(data) };
    case 'ofd':
      return { vector: ofdPictureToVector(data) };
    default:
      throw pictureUnsupported(picture.type === '' ? format : picture.type);
  }
}

/** The visible page box: CropBox clipped to the MediaBox (ISO 32000-1 §14.11.2), normalised. */
export function visibleBox(page: PageInfo): [number, number, number, number] {
  const norm = (b: readonly [number, number, number, number]): [number, number, number, number] => [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
  const m = norm(page.mediaBox);
  if (page.cropBox === undefined) return m;
  const c = norm(page.cropBox);
  const r: [number, number, number, number] = [Math.max(m[0], c[0]), Math.max(m[1], c[1]), Math.min(m[2], c[2]), Math.min(m[3], c[3])];
  return r[2] > r[0] && r[3] > r[1] ? r : m;
}

/** /Rotate normalised to 0, 90, 180 or 270 (the writer treats other values as 0 too). */
export function pageRotation(page: PageInfo): 0 | 90 | 180 | 270 {
  const r = ((Math.round(page.rotate) % 360) + 360) % 360;
  return r === 90 || r === 180 || r === 270 ? r : 0;
}

/** Size of the page as displayed, in millimetres (after /Rotate). */
export function displayedPageSizeMm(page: PageInfo): { width: number; height: number } {
  const b = visibleBox(page);
  const w = (b[2] - b[0]) / PT_PER_MM;
  const h = (b[3] - b[1]) / PT_PER_MM;
  const rot = pageRotation(page);
  return rot === 90 || rot === 270 ? { width: h, height: w } : { width: w, height: h };
}

/**
 * The widget /Rect in default user space for a seal of `sizeMm` (as seen on screen) centred at
 * `centreMm`, measured from the top-left corner of the page as displayed. The whole seal must lie
 * on the visible page (ERR_PDF_PLACEMENT_OFF_PAGE otherwise).
 */
export function sealRectAt(page: PageInfo, centreMm: { x: number; y: number }, sizeMm: { width: number; height: number }): [number, number, number, number] {
  const num = (v: unknown, n: string, positive: boolean): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 100_000 || (positive && v <= 0)) throw invalid(n, positive ? 'not a positive number of millimetres' : 'not a finite number of millimetres');
    return v;
  };
  const cx = num(centreMm?.x, 'x', false) * PT_PER_MM;
  const cy = num(centreMm?.y, 'y', false) * PT_PER_MM;
  const sw = num(sizeMm?.width, 'width', true) * PT_PER_MM;
  const sh = num(sizeMm?.height, 'height', true) * PT_PER_MM;
  const [llx, lly, urx, ury] = visibleBox(page);
  const rot = pageRotation(page);
  // Centre in user space, and the seal's extent along user x / y.
  let ux: number;
  let uy: number;
  let ex = sw;
  let ey = sh;
  if (rot === 0) {
    ux = llx + cx;
    uy = ury - cy;
  } else if (rot === 90) {
    ux = llx + cy;
    uy = lly + cx;
    ex = sh;
    ey = sw;
  } else if (rot === 180) {
    ux = urx - cx;
    uy = lly + cy;
  } else {
    ux = urx - cy;
    uy = ury - cx;
    ex = sh;
    ey = sw;
  }
  const rect: [number, number, number, number] = [ux - ex / 2, uy - ey / 2, ux + ex / 2, uy + ey / 2].map((v) => Math.round(v * 1000) / 1000) as [number, number, number, number];
  const eps = 0.01;
  if (rect[0] < llx - eps || rect[1] < lly - eps || rect[2] > urx + eps || rect[3] > ury + eps) {
    const size = displayedPageSizeMm(page);
    throw new SealError('ERR_PDF_PLACEMENT_OFF_PAGE', {
      reason: `a ${sizeMm.width} × ${sizeMm.height} mm seal centred at (${centreMm.x}, ${centreMm.y}) mm does not fit on page ${page.index + 1} (${size.width.toFixed(1)} × ${size.height.toFixed(1)} mm)`,
    });
  }
  return rect;
}

/** Most pages one riding seal may span (each slice gets thinner). */
export const MAX_RIDING_PAGES = 200;

/**
 * A riding seal (骑缝章) across `pages` (in the order given, at least two): the seal picture is cut
 * into equal vertical slices, slice i drawn at the right edge of page i as displayed, centred
 * `yMm` from the top — fanned out, the pages' edges show the whole seal. The first part is for
 * the signature widget, the others go to preparePdfSignature's `extraStamps` (the same revision,
 * so the one signature covers them all). Slices are the full appearance clipped, so vector
 * pictures stay vectors.
 */
export function ridingSealParts(appearance: PdfSignatureAppearance, sizeMm: { width: number; height: number }, pages: readonly PageInfo[], yMm: number): PdfExtraStamp[] {
  const n = Array.isArray(pages) ? pages.length : 0;
  if (n < 2 || n > MAX_RIDING_PAGES) throw invalid('pages', `a riding seal spans 2..${MAX_RIDING_PAGES} pages`);
  const image = appearance?.image;
  const vector = appearance?.vector;
  if (image === undefined && vector === undefined) throw invalid('appearance', 'no picture to cut');
  const sliceMm = { width: (sizeMm?.width ?? 0) / n, height: sizeMm?.height ?? 0 };
  return pages.map((page, i) => {
    // The slice's own space is [0 0 1 1]: the whole picture spans [-i, n - i] × [0, 1] there.
    const part: PdfSignatureAppearance =
      vector !== undefined
        ? { vector: { ...vector, width: 1, height: 1, content: `${formatNumber(n / vector.width)} 0 0 ${formatNumber(1 / vector.height)} ${-i} 0 cm\n${vector.content}` } }
        : { vector: { width: 1, height: 1, content: `${n} 0 0 1 ${-i} 0 cm /Im1 Do`, images: { Im1: image as NonNullable<typeof image> } } };
    const shown = displayedPageSizeMm(page);
    return { page: page.index, rect: sealRectAt(page, { x: shown.width - sliceMm.width / 2, y: yMm }, sliceMm), appearance: part };
  });
}
