// SPDX-License-Identifier: Apache-2.0
/**
 * sealRectAt: millimetres from the top-left of the page as displayed → widget /Rect in user space,
 * with the CropBox and /Rotate taken into account, and coded errors for seals off the page.
 * (The rendered position is checked with pdftoppm in sealAppearance.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { PdfDict, PdfRef, sealRectAt, type PageInfo } from '../../../shared/pdf/index.js';

const MM = 72 / 25.4;
const page = (rotate: number, cropBox?: [number, number, number, number]): PageInfo => ({
  index: 0,
  ref: new PdfRef(3, 0),
  dict: new PdfDict(),
  mediaBox: [0, 0, 595, 842],
  ...(cropBox === undefined ? {} : { cropBox }),
  rotate,
});
const close = (a: readonly number[], b: readonly number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i] as number, 2));

describe('sealRectAt', () => {
  it('unrotated page: x from the left, y from the top', () => {
    close(sealRectAt(page(0), { x: 20, y: 30 }, { width: 10, height: 20 }), [15 * MM, 842 - 40 * MM, 25 * MM, 842 - 20 * MM]);
  });
  it('rotate 90: displayed top-left is the user-space origin; the seal extent swaps axes', () => {
    // on screen x runs along user y, y runs along user x
    close(sealRectAt(page(90), { x: 20, y: 30 }, { width: 10, height: 20 }), [20 * MM, 15 * MM, 40 * MM, 25 * MM]);
  });
  it('rotate 180 and 270 (and -90 = 270)', () => {
    close(sealRectAt(page(180), { x: 20, y: 30 }, { width: 10, height: 20 }), [595 - 25 * MM, 20 * MM, 595 - 15 * MM, 40 * MM]);
    const r270 = [595 - 40 * MM, 842 - 25 * MM, 595 - 20 * MM, 842 - 15 * MM];
    close(sealRectAt(page(270), { x: 20, y: 30 }, { width: 10, height: 20 }), r270);
    close(sealRectAt(page(-90), { x: 20, y: 30 }, { width: 10, height: 20 }), r270);
  });
  it('measures from the CropBox (clipped to the MediaBox)', () => {
    close(sealRectAt(page(0, [100, 100, 500, 700]), { x: 10, y: 10 }, { width: 10, height: 10 }), [100 + 5 * MM, 700 - 15 * MM, 100 + 15 * MM, 700 - 5 * MM]);
    close(sealRectAt(page(0, [-100, -100, 300, 900]), { x: 10, y: 10 }, { width: 10, height: 10 }), [5 * MM, 842 - 15 * MM, 15 * MM, 842 - 5 * MM]);
  });
  it.each([
    [{ x: 4, y: 50 }, 0],
    [{ x: 205, y: 50 }, 0],
    [{ x: 100, y: 295 }, 0],
    [{ x: 295, y: 50 }, 90], // the landscape display is 297 mm wide
    [{ x: 250, y: 50 }, 0],
  ])('a seal off the page (%o on /Rotate %i) → ERR_PDF_PLACEMENT_OFF_PAGE', (centre, rot) => {
    expect(() => sealRectAt(page(rot), centre, { width: 10, height: 10 })).toThrow(expect.objectContaining({ code: 'ERR_PDF_PLACEMENT_OFF_PAGE' }) as Error);
  });
  it('the same centre fits a rotated (landscape) display', () => {
    expect(sealRectAt(page(90), { x: 250, y: 50 }, { width: 10, height: 10 })).toHaveLength(4);
  });
  it.each([
    [{ x: Number.NaN, y: 1 }, { width: 10, height: 10 }],
    [{ x: 1, y: Infinity }, { width: 10, height: 10 }],
    [{ x: 20, y: 20 }, { width: 0, height: 10 }],
    [{ x: 20, y: 20 }, { width: 10, height: -1 }],
    [{ x: '20', y: 20 }, { width: 10, height: 10 }],
  ])('bad numbers → ERR_INPUT_INVALID (%o, %o)', (c, s) => {
    expect(() => sealRectAt(page(0), c as { x: number; y: number }, s)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
  });
});
