// SPDX-License-Identifier: Apache-2.0
/**
 * Riding seal (骑缝章): the picture cut into slices at the right edge of every page, drawn by the
 * one signature's revision (the widget on the first page, locked /Stamp annotations on the others).
 * Checked with qpdf, pdfsig and a pdftoppm render of every page (one of them rotated).
 */
import { describe, expect, it } from 'vitest';
import { PdfReader, readPdfSignatures, ridingSealParts, sealPictureAppearance } from '../../../shared/pdf/index.js';
import { buildPdf, type ObjSpec } from './support/makePdf.js';
import { signPdf } from './support/sign.js';
import { census, expectCleanAndValid, fixturePicture } from './sealAppearance.support.js';

/** Three A4 pages; the second is shown rotated by 90°. */
function threePages(): Uint8Array {
  const page = (content: number, extra = '') => `<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]${extra} /Resources <</Font <</F1 8 0 R>>>> /Contents ${content} 0 R>>`;
  const objs: ObjSpec[] = [
    '<</Type /Catalog /Pages 2 0 R>>',
    '<</Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3>>',
    page(6),
    page(7, ' /Rotate 90'),
    page(9),
    { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Page one) Tj ET' },
    { dict: '', data: 'BT /F1 24 Tf 72 500 Td (Page two) Tj ET' },
    '<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>',
    { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Page three) Tj ET' },
  ];
  return buildPdf(objs);
}

describe('ridingSealParts', () => {
  it.each([
    ['png-rgba8.png', 40, 30],
    ['seal.svg', 42, 42],
    ['seal-picture.ofd', 40, 30],
  ])('%s across three pages: one valid signature, a slice at the right edge of every page', async (file, wmm, hmm) => {
    const pdf = threePages();
    const reader = PdfReader.open(pdf);
    const pages = [0, 1, 2].map((i) => reader.getPage(i));
    const parts = ridingSealParts(sealPictureAppearance(fixturePicture(file, wmm, hmm)), { width: wmm, height: hmm }, pages, 120);
    expect(parts.map((p) => p.page)).toEqual([0, 1, 2]);
    const [first, ...rest] = parts;
    const out = await signPdf(pdf, 'p256', { page: first?.page ?? 0, rect: first?.rect ?? [0, 0, 1, 1], appearance: first?.appearance ?? {}, extraStamps: rest });
    expectCleanAndValid(out);
    expect(readPdfSignatures(out).signatures).toHaveLength(1);
    const slice = { width: wmm / 3, height: hmm };
    for (const [i, displayedWidthMm] of [[0, 210], [1, 297], [2, 210]] as const) {
      const c = census(out, { x: displayedWidthMm - slice.width / 2, y: 120 }, slice, i + 1);
      expect(c.inside, `page ${i + 1}`).toBeGreaterThan(30);
      expect(c.outside, `page ${i + 1}`).toBe(0);
    }
    // every stamp is in the signed revision: the stamps' pages list them after signing
    const signed = PdfReader.open(out);
    for (const i of [1, 2]) {
      const annots = signed.resolve(signed.getPage(i).dict.get('Annots'));
      expect(Array.isArray(annots) ? annots.length : 0).toBe(1);
    }
  });

  it('refuses one page, too many pages, and no picture', () => {
    const reader = PdfReader.open(threePages());
    const ap = sealPictureAppearance(fixturePicture('png-rgba8.png'));
    expect(() => ridingSealParts(ap, { width: 40, height: 30 }, [reader.getPage(0)], 100)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
    expect(() => ridingSealParts(ap, { width: 40, height: 30 }, Array(201).fill(reader.getPage(0)), 100)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
    expect(() => ridingSealParts({}, { width: 40, height: 30 }, [reader.getPage(0), reader.getPage(1)], 100)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
    // off the page vertically
    expect(() => ridingSealParts(ap, { width: 40, height: 30 }, [reader.getPage(0), reader.getPage(2)], 290)).toThrow(expect.objectContaining({ code: 'ERR_PDF_PLACEMENT_OFF_PAGE' }) as Error);
  });
});
