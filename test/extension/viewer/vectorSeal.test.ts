// SPDX-License-Identifier: Apache-2.0
/**
 * OFD vector seal pictures (the Jiangsu tax and KingGrid samples) turned into a one-page preview PDF
 * for pdf.js (extension/viewer/vectorSeal.ts): poppler renders it with red seal ink and qpdf finds
 * the file sound; a corrupt picture gives a coded error (the viewer then shows its note).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { ofdSealPreviewPdf } from '../../../extension/viewer/vectorSeal.js';
import { renderPage, tmpFile } from '../../shared/pdf/support/makePdf.js';

async function sealPicture(name: string): Promise<{ data: Uint8Array; widthMm: number; heightMm: number }> {
  const report = await verifyDocument(new Uint8Array(readFileSync(`test/fixtures/samples/ofd/${name}`)));
  const pic = report.signatures[0]?.seal?.picture;
  if (pic?.dataBase64 === undefined) throw new Error('no picture');
  expect(pic.format).toBe('ofd');
  return { data: new Uint8Array(Buffer.from(pic.dataBase64, 'base64')), widthMm: pic.widthMm, heightMm: pic.heightMm };
}

describe('ofdSealPreviewPdf', () => {
  it.each(['gomain-jiangsu-tax-v4.ofd', 'kinggrid-v4-invoice.ofd'])('%s: a page the seal’s size, drawn in red by poppler', async (name) => {
    const pic = await sealPicture(name);
    const pdf = ofdSealPreviewPdf(pic.data, pic.widthMm, pic.heightMm);
    const check = execFileSync('qpdf', ['--check', tmpFile('preview.pdf', pdf)], { encoding: 'utf8' });
    expect(check).toContain('No syntax or stream encoding errors');
    const page = renderPage(pdf);
    expect(Math.abs(page.width - (pic.widthMm * 72) / 25.4)).toBeLessThan(2);
    let red = 0;
    for (let y = 0; y < page.height; y += 2) {
      for (let x = 0; x < page.width; x += 2) {
        const [r, g, b] = page.rgb(x, y);
        if (r > 150 && g < 100 && b < 100) red++;
      }
    }
    expect(red).toBeGreaterThan(50);
  });

  it('a corrupt picture → a coded SealError', () => {
    let caught: unknown;
    try {
      ofdSealPreviewPdf(new TextEncoder().encode('PK not a zip'), 40, 40);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SealError);
    expect((caught as SealError).code).toMatch(/^ERR_SEAL_PICTURE_/);
  });
});
