// SPDX-License-Identifier: Apache-2.0
/**
 * A file above 100 MB (pyHanko#336: signatures silently broke past 100 000 000 bytes): offsets of
 * nine digits in the xref and /ByteRange, two signatures, both valid for pdfsig.
 */
import { describe, expect, it } from 'vitest';
import { readPdfSignatures } from '../../../shared/pdf/index.js';
import { buildPdf, pdfsig } from './support/makePdf.js';
import { pdfsigSummary, signPdf } from './support/sign.js';

describe('large files', () => {
  it('signs a 105 MB PDF twice; pdfsig validates both', async () => {
    const big = new Uint8Array(105 * 1000 * 1000);
    let x = 12345;
    for (let i = 0; i < big.length; i += 4) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      big[i] = x & 0xff;
      big[i + 1] = (x >>> 8) & 0xff;
    }
    const pdf = buildPdf([
      '<</Type /Catalog /Pages 2 0 R>>',
      '<</Type /Pages /Kids [3 0 R] /Count 1>>',
      '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <<>> /Contents 5 0 R /PieceInfo 4 0 R>>',
      { dict: '', data: big },
      { dict: '', data: 'BT ET\n' },
    ]);
    expect(pdf.length).toBeGreaterThan(100_000_000);
    const t0 = performance.now();
    const one = await signPdf(pdf);
    const two = await signPdf(one, 'rsa', { rect: [10, 10, 60, 60] });
    const signMs = performance.now() - t0;
    const s = pdfsigSummary(pdfsig(two));
    expect(s.total).toBe(2);
    expect(s.valid).toBe(2);
    const list = readPdfSignatures(two);
    expect(list.signatures.map((x) => x.byteRangeCheck.ok)).toEqual([true, true]);
    expect(list.signatures[1]?.byteRange?.[2]).toBeGreaterThan(100_000_000);
    expect(signMs).toBeLessThan(30_000);
  });
});
