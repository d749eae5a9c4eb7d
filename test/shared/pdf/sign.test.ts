// SPDX-License-Identifier: Apache-2.0
/**
 * Incremental PDF signing checked by independent validators: `qpdf --check` (structure) and poppler
 * `pdfsig` (NSS: ECDSA P-256 and RSA CMS over the /ByteRange).
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { PdfReader, fillPdfSignature, pdfByteRangeDigest, preparePdfSignature, readPdfSignatures } from '../../../shared/pdf/index.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import type { PdfDict } from '../../../shared/pdf/objects.js';
import { isName, isRef } from '../../../shared/pdf/objects.js';
import { SealError } from '../../../shared/errors/index.js';
import { appendUpdate, buildPdf, classicPdf, hybridPdf, onePageObjects, pdfsig, qpdfCheck, qpdfTransform, renderPage, updatedPdf, xrefStreamPdf } from './support/makePdf.js';
import { pdfsigSummary, signPdf, SIGNING_TIME } from './support/sign.js';

const variants: [string, () => Uint8Array][] = [
  ['classic table', classicPdf],
  ['xref stream + object stream', xrefStreamPdf],
  ['hybrid (XRefStm)', hybridPdf],
  ['incrementally updated', updatedPdf],
  ['qpdf --linearize', () => qpdfTransform(classicPdf(), ['--linearize'])],
  ['qpdf --object-streams=generate', () => qpdfTransform(classicPdf(), ['--object-streams=generate'])],
  ['qpdf --qdf', () => qpdfTransform(classicPdf(), ['--qdf'])],
];

function expectClean(bytes: Uint8Array): void {
  const r = qpdfCheck(bytes);
  expect(r.out).toContain('No syntax or stream encoding errors found');
  expect(r.out).not.toMatch(/WARNING/);
  expect(r.code).toBe(0);
}

function expectPrefix(out: Uint8Array, input: Uint8Array): void {
  expect(out.length).toBeGreaterThan(input.length);
  expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
}

function expectAllValid(bytes: Uint8Array, count: number): void {
  const out = pdfsig(bytes);
  const s = pdfsigSummary(out);
  expect(s.total, out).toBe(count);
  expect(s.valid, out).toBe(count);
}

describe('preparePdfSignature + fillPdfSignature', () => {
  it.each(variants)('%s: ECDSA P-256 signature is valid for pdfsig, qpdf --check is clean, input is a prefix', async (_n, make) => {
    const input = make();
    const out = await signPdf(input, 'p256');
    expectPrefix(out, input);
    expectClean(out);
    expectAllValid(out, 1);
    expect(pdfsig(out)).toContain('Total document signed');
  });

  it('keeps the xref kind of the last section', async () => {
    const kinds = async (pdf: Uint8Array) => PdfReader.open(await signPdf(pdf)).sections.map((s) => s.kind);
    expect(await kinds(classicPdf())).toEqual(['table', 'table']);
    expect(await kinds(xrefStreamPdf())).toEqual(['stream', 'stream']);
    const h = PdfReader.open(await signPdf(hybridPdf()));
    expect(h.sections[0]?.kind).toBe('table');
    expect(h.sections[0]?.trailer.has('XRefStm')).toBe(false);
  });

  it('RSA signature is valid', async () => {
    const out = await signPdf(classicPdf(), 'rsa');
    expectClean(out);
    expectAllValid(out, 1);
  });

  it('second and third signatures keep the earlier ones valid (classic and xref stream)', async () => {
    for (const make of [classicPdf, xrefStreamPdf]) {
      const one = await signPdf(make(), 'p256');
      const two = await signPdf(one, 'rsa', { rect: [50, 50, 150, 100] });
      const three = await signPdf(two, 'p256', { rect: [200, 50, 300, 100] });
      expectPrefix(two, one);
      expectPrefix(three, two);
      expectClean(three);
      expectAllValid(two, 2);
      expectAllValid(three, 3);
      const r = PdfReader.open(three);
      const fields = r.resolve(r.resolveDict(r.catalog().get('AcroForm'))?.get('Fields'));
      expect(Array.isArray(fields) && fields.length).toBe(3);
      const annots = r.resolve(r.getPage(0).dict.get('Annots'));
      expect(Array.isArray(annots) && annots.length).toBe(3);
    }
  });

  it('draws an RGB image with an alpha mask as the appearance', async () => {
    const width = 16;
    const height = 8;
    const rgb = new Uint8Array(width * height * 3).map((_, i) => (i % 3 === 0 ? 200 : 20));
    const alpha = new Uint8Array(width * height).map((_, i) => (i % width < width / 2 ? 255 : 0));
    const out = await signPdf(classicPdf(), 'p256', { appearance: { image: { width, height, rgb, alpha } } });
    expectClean(out);
    expectAllValid(out, 1);
    const r = PdfReader.open(out);
    const annots = r.resolve(r.getPage(0).dict.get('Annots')) as unknown[];
    const widget = r.resolveDict(annots[0] as never) as PdfDict;
    expect(isName(widget.get('FT'), 'Sig')).toBe(true);
    const ap = r.resolveDict(r.resolveDict(widget.get('AP'))?.get('N'));
    const im = r.resolveDict(r.resolveDict(ap?.get('Resources'))?.get('XObject'))?.get('Im0');
    const imDict = r.resolveDict(im);
    expect(isName(imDict?.get('Subtype'), 'Image')).toBe(true);
    expect(isRef(imDict?.get('SMask'))).toBe(true);
  });

  it('updates an indirect /Annots array and an indirect /AcroForm with indirect /Fields in place', async () => {
    const pdf = buildPdf([
      ...onePageObjects({ pageExtra: ' /Annots 6 0 R', catalogExtra: ' /AcroForm 8 0 R' }),
      '[7 0 R]',
      '<</Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note)>>',
      '<</Fields 9 0 R /DA (/Helv 0 Tf 0 g)>>',
      '[]',
    ]);
    const out = await signPdf(pdf);
    expectClean(out);
    expectAllValid(out, 1);
    const r = PdfReader.open(out);
    const redefined = [...(r.sections[0]?.entries.keys() ?? [])];
    expect(redefined).toEqual(expect.arrayContaining([6, 8, 9]));
    expect(redefined).not.toContain(3); // the page itself is untouched
    expect(redefined).not.toContain(1); // so is the catalog
    expect(r.resolve(r.getObject(6))).toHaveLength(2);
    expect(r.resolveDict(r.getObject(8))?.get('SigFlags')).toBe(3);
    expect(r.resolveDict(r.getObject(8))?.get('DA')).toBeDefined();
  });

  it('updates an inline /AcroForm in the catalog and keeps other fields', async () => {
    const pdf = buildPdf([...onePageObjects({ catalogExtra: ' /AcroForm <</Fields [6 0 R] /SigFlags 0>>', pageExtra: ' /Annots [6 0 R]' }), '<</FT /Tx /T (name) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R>>']);
    const out = await signPdf(pdf);
    expectClean(out);
    expectAllValid(out, 1);
    const r = PdfReader.open(out);
    const af = r.resolveDict(r.catalog().get('AcroForm'));
    expect(af?.get('SigFlags')).toBe(3);
    expect(r.resolve(af?.get('Fields'))).toHaveLength(2);
  });

  it('keeps /ID[0], changes /ID[1], sets /Prev and /Size', async () => {
    const input = classicPdf();
    const out = await signPdf(input);
    const before = PdfReader.open(input);
    const after = PdfReader.open(out);
    const id = (r: PdfReader) => (r.trailer.get('ID') as { bytes: Uint8Array }[]).map((s) => Buffer.from(s.bytes).toString('hex'));
    expect(id(after)[0]).toBe(id(before)[0]);
    expect(id(after)[1]).not.toBe(id(before)[1]);
    expect(after.trailer.get('Prev')).toBe(before.sections[0]?.offset);
    expect(after.trailer.get('Size')).toBe(after.size);
  });

  it('works on a file without /ID and with trailing garbage after %%EOF', async () => {
    const base = buildPdf(onePageObjects(), { id: false });
    const withGarbage = new Uint8Array([...base, ...new TextEncoder().encode('\r\n\x00garbage  \n')]);
    const out = await signPdf(withGarbage);
    expectPrefix(out, withGarbage);
    expectAllValid(out, 1);
  });

  it('refuses a DocMDP P=1 certified document', () => {
    const pdf = buildPdf([
      ...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }),
      '<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 1 /V /1.2>>>>]>>',
    ]);
    expect(() => preparePdfSignature(pdf, { page: 0, rect: [0, 0, 10, 10], signingTime: SIGNING_TIME, contentsReserveBytes: 1000, subFilter: 'adbe.pkcs7.detached' })).toThrow(
      expect.objectContaining({ code: 'ERR_PDF_CHANGES_FORBIDDEN' }) as Error,
    );
  });

  it('signs a DocMDP P=2 certified document (approval signatures are allowed)', async () => {
    const pdf = buildPdf([
      ...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }),
      '<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 2 /V /1.2>>>>]>>',
    ]);
    const out = await signPdf(pdf);
    expectClean(out);
    expectAllValid(out, 1);
  });

  it('refuses an encrypted document', () => {
    const enc = qpdfTransform(classicPdf(), ['--encrypt', 'u', 'o', '256', '--']);
    expect(() => preparePdfSignature(enc, { page: 0, rect: [0, 0, 10, 10], signingTime: SIGNING_TIME, contentsReserveBytes: 1000, subFilter: 'adbe.pkcs7.detached' })).toThrow(
      expect.objectContaining({ code: 'ERR_PDF_ENCRYPTED' }) as Error,
    );
  });

  it('rejects bad options and an oversized signature', () => {
    const pdf = classicPdf();
    const base = { page: 0, rect: [0, 0, 10, 10] as [number, number, number, number], signingTime: SIGNING_TIME, contentsReserveBytes: 100, subFilter: 'adbe.pkcs7.detached' as const };
    expect(() => preparePdfSignature(pdf, { ...base, page: 1 })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
    expect(() => preparePdfSignature(pdf, { ...base, rect: [0, 0, 0, 10] })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
    const prepared = preparePdfSignature(pdf, base);
    expect(() => fillPdfSignature(prepared, new Uint8Array(101))).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }) as Error);
    expect(() => fillPdfSignature(prepared, new Uint8Array(100).fill(0xab))).not.toThrow();
    expect(() => preparePdfSignature(prepared.bytes, { ...base, fieldName: prepared.fieldName })).toThrow(SealError);
  });

  it('ByteRange covers everything but the /Contents string; tampering breaks the digest and pdfsig', async () => {
    const out = await signPdf(classicPdf());
    const r = PdfReader.open(out);
    const sigNum = [...(r.sections[0]?.entries.keys() ?? [])].find((n) => isName(r.resolveDict(r.getObject(n))?.get('Type'), 'Sig'));
    expect(sigNum).toBeDefined();
    const sig = r.resolveDict(r.getObject(sigNum as number)) as PdfDict;
    const br = sig.get('ByteRange') as number[];
    expect(br[0]).toBe(0);
    expect(out[br[1] as number]).toBe(0x3c);
    expect(out[(br[2] as number) - 1]).toBe(0x3e);
    expect((br[2] as number) + (br[3] as number)).toBe(out.length);
    const d1 = await pdfByteRangeDigest(out, br, 'SHA-256');
    const tampered = out.slice();
    const at = 200; // inside the original page content range
    tampered[at] = (tampered[at] as number) ^ 0x01;
    const d2 = await pdfByteRangeDigest(tampered, br, 'SHA-256');
    expect(Buffer.from(d1).equals(Buffer.from(d2))).toBe(false);
    const v = pdfsig(tampered);
    expect(v).not.toContain('Signature is Valid.');
    expect(v).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it('stamping a document signed by another revision keeps it valid, after an unrelated update too', async () => {
    const one = await signPdf(classicPdf());
    const withNote = appendUpdate(one, new Map([[20, '<</Type /Annot /Subtype /Text /Rect [1 1 2 2]>>']]), 21);
    const two = await signPdf(withNote, 'rsa', { rect: [10, 10, 60, 60] });
    expectClean(two);
    expectAllValid(two, 2);
  });

  it('pdfByteRangeDigest streams SM3 and SHA-256 over exactly the two ranges', async () => {
    const prepared = preparePdfSignature(classicPdf(), { page: 0, rect: [0, 0, 10, 10], signingTime: SIGNING_TIME, contentsReserveBytes: 100, subFilter: 'adbe.pkcs7.detached' });
    const [a, b, c, d] = prepared.byteRange;
    const joined = Buffer.concat([prepared.bytes.subarray(a, a + b), prepared.bytes.subarray(c, c + d)]);
    expect(Buffer.from(await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SM3')).equals(Buffer.from(sm3(joined)))).toBe(true);
    expect(Buffer.from(await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SHA-256')).equals(createHash('sha256').update(joined).digest())).toBe(true);
    expect(prepared.bytes[c - 1]).toBe(0x3e);
    expect(prepared.bytes[a + b]).toBe(0x3c);
    const native = await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SHA-256', { hasher: createHash('sha256') });
    expect(Buffer.from(native).equals(createHash('sha256').update(joined).digest())).toBe(true);
    await expect(pdfByteRangeDigest(prepared.bytes, [0, 10, 5, 10], 'SM3')).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
    await expect(pdfByteRangeDigest(prepared.bytes, [0, 10, 20, prepared.bytes.length], 'SM3')).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
  });

  it('a Chinese field name and reason round-trip (UTF-16BE text strings)', async () => {
    const out = await signPdf(classicPdf(), 'p256', { fieldName: '单位公章', reason: '同意', contactInfo: '010-12345678' });
    expectAllValid(out, 1);
    expect(pdfsig(out)).toContain('单位公章');
    const s = readPdfSignatures(out).signatures[0];
    expect(s?.fieldName).toBe('单位公章');
    expect(s?.reason).toBe('同意');
    expect(s?.contactInfo).toBe('010-12345678');
  });

  it.each([0, 90, 180, 270])('the seal image renders upright and in place on a page with /Rotate %i (pdftoppm)', async (rotate) => {
    const W = 595;
    const H = 842;
    const pdf = buildPdf(onePageObjects({ pageExtra: ` /Rotate ${rotate}` }));
    // 8×8 image: top half red, bottom half blue, right-most column transparent
    const rgb = new Uint8Array(8 * 8 * 3).map((_, i) => (Math.floor(i / 3) < 32 ? [255, 0, 0] : [0, 0, 255])[i % 3] as number);
    const alpha = new Uint8Array(64).fill(255);
    const rect: [number, number, number, number] = [300, 400, 400, 460];
    const out = await signPdf(pdf, 'p256', { rect, appearance: { image: { width: 8, height: 8, rgb, alpha } } });
    expectClean(out);
    expectAllValid(out, 1);
    const toScreen = (x: number, y: number): [number, number] =>
      rotate === 0 ? [x, H - y] : rotate === 90 ? [y, x] : rotate === 180 ? [W - x, y] : [H - y, W - x];
    const c1 = toScreen(rect[0], rect[1]);
    const c2 = toScreen(rect[2], rect[3]);
    const [sx1, sx2] = [Math.min(c1[0], c2[0]), Math.max(c1[0], c2[0])];
    const [sy1, sy2] = [Math.min(c1[1], c2[1]), Math.max(c1[1], c2[1])];
    const img = renderPage(out);
    expect([img.width, img.height]).toEqual(rotate % 180 === 0 ? [W, H] : [H, W]);
    const cx = (sx1 + sx2) / 2;
    const top = img.rgb(cx, sy1 + (sy2 - sy1) / 4);
    const bottom = img.rgb(cx, sy2 - (sy2 - sy1) / 4);
    const outside = img.rgb(sx1 - 10, sy1 - 10);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
    expect(outside).toEqual([255, 255, 255]);
  });

  it('refuses (ERR_NOT_IMPLEMENTED) to sign an existing field whose widget is a separate kid', () => {
    const pdf = buildPdf([
      ...onePageObjects({ pageExtra: ' /Annots [7 0 R]', catalogExtra: ' /AcroForm <</Fields [6 0 R]>>' }),
      '<</FT /Sig /T (Approver) /Kids [7 0 R]>>',
      '<</Type /Annot /Subtype /Widget /Parent 6 0 R /Rect [100 100 200 150] /P 3 0 R /F 4>>',
    ]);
    expect(() => preparePdfSignature(pdf, { page: 0, rect: [0, 0, 10, 10], fieldName: 'Approver', signingTime: SIGNING_TIME, contentsReserveBytes: 1000, subFilter: 'adbe.pkcs7.detached' })).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_IMPLEMENTED' }) as Error,
    );
  });

  it.each([
    ['merged field/widget, /SigFlags set', ['<</FT /Sig /T (Approver) /Type /Annot /Subtype /Widget /Rect [100 100 200 150] /P 3 0 R /F 4>>'], ' /Annots [6 0 R]', ' /AcroForm <</Fields [6 0 R] /SigFlags 3>>'],
    ['merged field/widget, no /SigFlags', ['<</FT /Sig /T (Approver) /Type /Annot /Subtype /Widget /Rect [100 100 200 150] /P 3 0 R /F 4>>'], ' /Annots [6 0 R]', ' /AcroForm <</Fields [6 0 R]>>'],
  ] as const)('signs an existing empty signature field in place (%s)', async (_n, extra, pageExtra, catalogExtra) => {
    const pdf = buildPdf([...onePageObjects({ pageExtra, catalogExtra }), ...extra]);
    const out = await signPdf(pdf, 'p256', { fieldName: 'Approver', rect: [1, 1, 2, 2] });
    expectClean(out);
    expectAllValid(out, 1);
    const list = readPdfSignatures(out);
    expect(list.signatures).toHaveLength(1);
    expect(list.signatures[0]?.fieldName).toBe('Approver');
    expect(list.signatures[0]?.page).toBe(0);
    const r = PdfReader.open(out);
    const af = r.resolve(r.resolveDict(r.catalog().get('AcroForm'))?.get('Fields'));
    expect(af).toHaveLength(1); // no new field
    const annots = r.resolve(r.getPage(0).dict.get('Annots'));
    expect(annots).toHaveLength(1); // no new widget
    const widget = r.resolveDict((annots as unknown[])[0] as never);
    expect(widget?.get('Rect')).toEqual([100, 100, 200, 150]); // the field's own rectangle
    expect(r.resolveDict(widget?.get('AP'))?.has('N')).toBe(true);
    // a second signature with the same (now signed) name is refused
    await expect(signPdf(out, 'p256', { fieldName: 'Approver' })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('appends after a file that ends in %%EOF without an EOL', async () => {
    const base = classicPdf();
    const noEol = base.subarray(0, base.length - 1);
    expect(String.fromCharCode(...noEol.subarray(noEol.length - 5))).toBe('%%EOF');
    const out = await signPdf(noEol);
    expectPrefix(out, noEol);
    expect(out[noEol.length]).toBe(0x0a);
    expectClean(out);
    expectAllValid(out, 1);
  });

  it('redefines objects with their generation number (a page with generation 1)', async () => {
    const text = new TextDecoder('latin1')
      .decode(classicPdf())
      .replace('3 0 obj', '3 1 obj')
      .replace('/Kids [3 0 R]', '/Kids [3 1 R]')
      .replace(/(65535 f\r\n\d{10} 00000 n\r\n\d{10} 00000 n\r\n)(\d{10}) 00000 n/, (_m, head: string, off: string) => `${head}${off} 00001 n`);
    const pdf = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(PdfReader.open(pdf).generationOf(3)).toBe(1);
    const out = await signPdf(pdf);
    expect(new TextDecoder('latin1').decode(out.subarray(pdf.length))).toContain('3 1 obj');
    expectClean(out);
    expectAllValid(out, 1);
    expect(readPdfSignatures(out).signatures[0]?.page).toBe(0);
  });
});
