// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { PdfReader, PdfStream, findEofMarkers } from '../../../shared/pdf/index.js';
import { isName } from '../../../shared/pdf/objects.js';
import { SealError } from '../../../shared/errors/index.js';
import { buildPdf, classicPdf, hybridPdf, onePageObjects, qpdfCheck, qpdfTransform, updatedPdf, xrefStreamPdf } from './support/makePdf.js';

const variants: [string, () => Uint8Array][] = [
  ['classic table', classicPdf],
  ['xref stream + object stream', xrefStreamPdf],
  ['hybrid (XRefStm)', hybridPdf],
  ['incrementally updated', updatedPdf],
  ['qpdf --linearize', () => qpdfTransform(classicPdf(), ['--linearize'])],
  ['qpdf --object-streams=generate', () => qpdfTransform(classicPdf(), ['--object-streams=generate'])],
  ['qpdf --qdf', () => qpdfTransform(classicPdf(), ['--qdf'])],
];

describe('test PDF generator', () => {
  it.each(variants)('%s passes qpdf --check', (_n, make) => {
    const r = qpdfCheck(make());
    expect(r.out).toContain('No syntax or stream encoding errors found');
    expect(r.out).not.toMatch(/WARNING/);
    expect(r.code).toBe(0);
  });
});

describe('PdfReader', () => {
  it.each(variants)('%s: catalog, page 0, media box', (_n, make) => {
    const r = PdfReader.open(make());
    expect(isName(r.catalog().get('Type'), 'Catalog')).toBe(true);
    expect(r.pageCount()).toBe(1);
    const p = r.getPage(0);
    expect(isName(p.dict.get('Type'), 'Page')).toBe(true);
    expect(p.mediaBox).toEqual([0, 0, 595, 842]);
    expect(r.pageRefs()).toHaveLength(1);
  });

  it('reads the xref sections of each kind', () => {
    expect(PdfReader.open(classicPdf()).sections.map((s) => s.kind)).toEqual(['table']);
    expect(PdfReader.open(xrefStreamPdf()).sections.map((s) => s.kind)).toEqual(['stream']);
    const h = PdfReader.open(hybridPdf());
    expect(h.sections[0]?.hybridStreamOffset).toBeGreaterThan(0);
    expect(h.entry(2)?.type).toBe(2);
    const u = PdfReader.open(updatedPdf());
    expect(u.sections).toHaveLength(2);
    const content = u.getObject(4);
    expect(content).toBeInstanceOf(PdfStream);
    expect(new TextDecoder().decode((content as PdfStream).data)).toContain('Updated');
    expect(new TextDecoder().decode((u.atSection(1).getObject(4) as PdfStream).data)).toContain('Hello');
  });

  it('inherits /MediaBox from /Pages (xref-stream variant puts it there)', () => {
    const r = PdfReader.open(xrefStreamPdf());
    expect(r.getPage(0).dict.has('MediaBox')).toBe(false);
    expect(r.getPage(0).mediaBox).toEqual([0, 0, 595, 842]);
  });

  it('walks a two-level page tree with /Count', () => {
    const pdf = buildPdf([
      '<</Type /Catalog /Pages 2 0 R>>',
      '<</Type /Pages /Kids [3 0 R 4 0 R] /Count 3 /MediaBox [0 0 100 100]>>',
      '<</Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 /Rotate 90>>',
      '<</Type /Page /Parent 2 0 R /MediaBox [0 0 300 300]>>',
      '<</Type /Page /Parent 3 0 R>>',
      '<</Type /Page /Parent 3 0 R /MediaBox [0 0 200 200]>>',
    ]);
    const r = PdfReader.open(pdf);
    expect(r.pageCount()).toBe(3);
    expect(r.getPage(0).ref.num).toBe(5);
    expect(r.getPage(0).mediaBox).toEqual([0, 0, 100, 100]);
    expect(r.getPage(0).rotate).toBe(90);
    expect(r.getPage(1).ref.num).toBe(6);
    expect(r.getPage(1).mediaBox).toEqual([0, 0, 200, 200]);
    expect(r.getPage(2).ref.num).toBe(4);
    expect(r.getPage(2).rotate).toBe(0);
    expect(r.pageRefs().map((x) => x.num)).toEqual([5, 6, 4]);
    expect(() => r.getPage(3)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
  });

  it('decodes names with #xx escapes, literal and hex strings, indirect /Length', () => {
    const pdf = buildPdf([
      '<</Type /Catalog /Pages 2 0 R /A#20B (a\\(b\\)\\101\\n) /H <48 65 6C 6c 6F> /S 6 0 R>>',
      '<</Type /Pages /Kids [3 0 R] /Count 1>>',
      '<</Type /Page /Parent 2 0 R /MediaBox [0 0 10 10]>>',
      '<</Length 5 0 R>>\nstream\nabcdefgh\nendstream',
      '8',
      '4 0 R',
    ]);
    const r = PdfReader.open(pdf);
    const cat = r.catalog();
    const dec = (o: unknown) => new TextDecoder('latin1').decode((o as { bytes: Uint8Array }).bytes);
    expect(dec(cat.get('A B'))).toBe('a(b)A\n');
    expect(dec(cat.get('H'))).toBe('Hello');
    const s = r.resolve(cat.get('S'));
    expect(s).toBeInstanceOf(PdfStream);
    expect(new TextDecoder().decode((s as PdfStream).data)).toBe('abcdefgh');
  });

  it('finds %%EOF markers', () => {
    expect(findEofMarkers(updatedPdf())).toHaveLength(2);
  });

  it('refuses an encrypted file with ERR_PDF_ENCRYPTED', () => {
    const enc = qpdfTransform(classicPdf(), ['--encrypt', 'u', 'o', '256', '--']);
    expect(() => PdfReader.open(enc)).toThrow(SealError);
    expect(() => PdfReader.open(enc)).toThrow(expect.objectContaining({ code: 'ERR_PDF_ENCRYPTED' }) as Error);
  });

  it('reports DocMDP permissions', () => {
    const mk = (p: number) =>
      buildPdf([
        ...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }),
        `<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P ${p} /V /1.2>>>>]>>`,
      ]);
    expect(PdfReader.open(mk(1)).docMdpPermission()).toBe(1);
    expect(PdfReader.open(mk(3)).docMdpPermission()).toBe(3);
    expect(PdfReader.open(classicPdf()).docMdpPermission()).toBeUndefined();
  });
});
