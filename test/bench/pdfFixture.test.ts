// SPDX-License-Identifier: Apache-2.0
/**
 * The benchmark's generated PDF (bench/pdfFixture.ts) is a well-formed document: qpdf finds no
 * problem, poppler renders the page count we asked for, the bytes are deterministic, and our own
 * reader sees every page with its image.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchPdf } from '../../bench/pdfFixture.js';
import { PdfReader, PdfRef, PdfStream } from '../../shared/pdf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-bench-fixture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench PDF fixture', () => {
  it('qpdf --check passes on a 12-page fixture of about 1.2 MB', () => {
    const path = join(dir, 'a.pdf');
    const info = writeBenchPdf(path, { pages: 12, targetBytes: 1_200_000 });
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(info.bytes);
    // Sized by its image data, within 5% of the target.
    expect(Math.abs(info.bytes - 1_200_000) / 1_200_000).toBeLessThan(0.05);
    const out = execFileSync('qpdf', ['--check', path], { encoding: 'utf8' });
    expect(out).toContain('No syntax or stream encoding errors found');
    const pdfinfo = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
    expect(pdfinfo).toMatch(/^Pages:\s+12$/m);
  });

  it('is deterministic and each page carries its own image', () => {
    const a = writeBenchPdf(join(dir, 'b1.pdf'), { pages: 5, targetBytes: 300_000 });
    const b = writeBenchPdf(join(dir, 'b2.pdf'), { pages: 5, targetBytes: 300_000 });
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(join(dir, 'b1.pdf')).equals(readFileSync(join(dir, 'b2.pdf')))).toBe(true);
    const c = writeBenchPdf(join(dir, 'c.pdf'), { pages: 6, targetBytes: 300_000 });
    expect(c.sha256).not.toBe(a.sha256);

    const reader = PdfReader.open(new Uint8Array(readFileSync(join(dir, 'b1.pdf'))));
    expect(reader.pageCount()).toBe(5);
    const images = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const page = reader.getPage(i);
      expect(page.mediaBox).toEqual([0, 0, 595, 842]);
      const xobjects = reader.resolveDict(reader.resolveDict(page.dict.get('Resources'))?.get('XObject'));
      const im = xobjects?.get('Im0');
      expect(im).toBeInstanceOf(PdfRef);
      const image = reader.resolve(im);
      expect(image).toBeInstanceOf(PdfStream);
      expect((image as PdfStream).data.length).toBe(a.imageBytesPerPage);
      images.add((im as PdfRef).num);
    }
    expect(images.size).toBe(5);
  });

  it('renders: pdftoppm draws the image (not a blank page)', () => {
    const path = join(dir, 'r.pdf');
    writeBenchPdf(path, { pages: 2, targetBytes: 200_000 });
    const ppm = execFileSync('pdftoppm', ['-r', '20', '-f', '2', '-l', '2', '-gray', path]);
    // P5 header then grey samples; a blank page would be all 255, the image covers about a third.
    const samples = ppm.subarray(20);
    const dark = samples.filter((x) => x < 200).length;
    expect(dark / samples.length).toBeGreaterThan(0.2);
  });
});
