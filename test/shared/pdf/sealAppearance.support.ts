// SPDX-License-Identifier: Apache-2.0
/**
 * Test helpers for the visible seal: the seal pictures of the real samples, the generated picture
 * fixtures, stamping a PDF at a position in millimetres, and a pixel census of the rendered page.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ZipArchive } from '../../../shared/ofd/zip.js';
import { decodeSES_Signature } from '../../../shared/seal/SES_Signature.js';
import { PdfReader, sealPictureAppearance, sealRectAt, type SealPictureInput } from '../../../shared/pdf/index.js';
import { pdfsig, qpdfCheck, tmpFile } from './support/makePdf.js';
import { pdfsigSummary, signPdf } from './support/sign.js';

export const PICTURES = join(import.meta.dirname, '../../fixtures/pictures');
const SAMPLES = join(import.meta.dirname, '../../fixtures/samples/ofd');

export function fixturePicture(file: string, widthMm = 40, heightMm = 30): SealPictureInput {
  return { type: file.replace(/^.*\./, ''), data: new Uint8Array(readFileSync(join(PICTURES, file))), widthMm, heightMm };
}

/** The seal picture inside the first SES signature of a sample OFD. */
export function samplePicture(ofd: string, sign = 'Sign_0'): SealPictureInput {
  const zip = ZipArchive.open(new Uint8Array(readFileSync(join(SAMPLES, ofd))));
  const path = zip.paths().find((p) => p.includes(`/${sign}/`) && /Sign(ed)?Value\.dat$/i.test(p));
  if (path === undefined) throw new Error(`no signed value in ${ofd}`);
  const p = decodeSES_Signature(zip.read(path)).toSign.eseal.eSealInfo.picture;
  return { type: p.type, data: p.data, widthMm: p.width, heightMm: p.height };
}

export interface Census {
  /** Red pixels inside the expected box. */
  inside: number;
  /** Reddish pixels outside the box grown by 2 px (anti-aliasing). */
  outside: number;
  /** Dark (non-red ink) pixels inside the box. */
  darkInside: number;
  /** Mean y of the red pixels relative to the box centre, as a fraction of the box height (negative = above). */
  redCentroidY: number;
  box: [number, number, number, number];
}

/** Renders page `page` at 72 dpi with pdftoppm, showing the CropBox as viewers do (pdftoppm's default is the MediaBox). */
export function renderCropBox(bytes: Uint8Array, page = 1): { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] } {
  const f = tmpFile('render.pdf', bytes);
  const prefix = tmpFile('render');
  execFileSync('pdftoppm', ['-r', '72', '-cropbox', '-f', String(page), '-l', String(page), '-singlefile', f, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ppm = readFileSync(`${prefix}.ppm`);
  rmSync(f, { force: true });
  rmSync(`${prefix}.ppm`, { force: true });
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  if (m?.[1] === undefined || m[2] === undefined) throw new Error('not a PPM');
  const width = Number(m[1]);
  const height = Number(m[2]);
  const off = m[0].length;
  return { width, height, rgb: (x, y) => [ppm[off + (y * width + x) * 3] ?? -1, ppm[off + (y * width + x) * 3 + 1] ?? -1, ppm[off + (y * width + x) * 3 + 2] ?? -1] };
}

const isRed = ([r, g, b]: [number, number, number]): boolean => r > 150 && g < 110 && b < 110;
const isReddish = ([r, g, b]: [number, number, number]): boolean => r > g + 40 && r > b + 40;

/**
 * Renders page 1 at 72 dpi (1 px = 1 pt, so millimetres on screen are known without our code) and
 * counts red pixels inside/outside the box a seal of `sizeMm` centred at `centreMm` must occupy.
 */
export function census(pdf: Uint8Array, centreMm: { x: number; y: number }, sizeMm: { width: number; height: number }, page = 1): Census {
  const img = renderCropBox(pdf, page);
  const k = 72 / 25.4;
  const box: [number, number, number, number] = [(centreMm.x - sizeMm.width / 2) * k, (centreMm.y - sizeMm.height / 2) * k, (centreMm.x + sizeMm.width / 2) * k, (centreMm.y + sizeMm.height / 2) * k];
  let inside = 0;
  let outside = 0;
  let darkInside = 0;
  let sumY = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const px = img.rgb(x, y);
      const cx = x + 0.5;
      const cy = y + 0.5;
      const inBox = cx >= box[0] && cx <= box[2] && cy >= box[1] && cy <= box[3];
      const nearBox = cx >= box[0] - 2 && cx <= box[2] + 2 && cy >= box[1] - 2 && cy <= box[3] + 2;
      if (inBox && isRed(px)) {
        inside++;
        sumY += cy;
      }
      if (inBox && px[0] < 100 && px[1] < 100 && px[2] < 100) darkInside++;
      if (!nearBox && isReddish(px)) outside++;
    }
  }
  const redCentroidY = inside === 0 ? 0 : (sumY / inside - (box[1] + box[3]) / 2) / (box[3] - box[1]);
  return { inside, outside, darkInside, redCentroidY, box };
}

/** Stamps `picture` on page 1 centred at `centreMm` (size from the picture), signed with the test P-256 key. */
export async function stamp(pdf: Uint8Array, picture: SealPictureInput, centreMm: { x: number; y: number }): Promise<Uint8Array> {
  const page = PdfReader.open(pdf).getPage(0);
  const rect = sealRectAt(page, centreMm, { width: picture.widthMm, height: picture.heightMm });
  return signPdf(pdf, 'p256', { rect, appearance: sealPictureAppearance(picture) });
}

export function expectCleanAndValid(pdf: Uint8Array, signatures = 1): void {
  const q = qpdfCheck(pdf);
  expect(q.out).toContain('No syntax or stream encoding errors found');
  expect(q.out).not.toMatch(/WARNING/);
  expect(q.code).toBe(0);
  const out = pdfsig(pdf);
  const s = pdfsigSummary(out);
  expect(s.total, out).toBe(signatures);
  expect(s.valid, out).toBe(signatures);
}
