// SPDX-License-Identifier: Apache-2.0
/**
 * readPdfSignatures: discovery, ByteRange sanity, revisions and the classification of later changes.
 */
import { describe, expect, it } from 'vitest';
import { fillPdfSignature, pdfByteRangeDigest, preparePdfSignature, readPdfSignatures } from '../../../shared/pdf/index.js';
import { buildSignedData } from '../../../shared/cms/buildSignedData.js';
import { privateKeyHex, sm2Sign } from '../cms/cmsBuilder.js';
import { verifyCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { loadTestPki } from '../../support/testPki.js';
import { appendUpdate, buildPdf, classicPdf, onePageObjects, qpdfCheck, qpdfTransform, xrefStreamPdf } from './support/makePdf.js';
import { signPdf } from './support/sign.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('readPdfSignatures', () => {
  it('finds nothing in an unsigned file', () => {
    expect(readPdfSignatures(classicPdf()).signatures).toEqual([]);
  });

  it('finds three signatures with sane ByteRanges, pages, revisions; the CMS verifies over the range', async () => {
    const pki = await loadTestPki();
    for (const base of [classicPdf(), xrefStreamPdf(), qpdfTransform(classicPdf(), ['--linearize'])]) {
      const one = await signPdf(base, 'p256', { fieldName: 'Seal A' });
      const two = await signPdf(one, 'rsa', { rect: [10, 10, 60, 60] });
      const three = await signPdf(two, 'p256', { rect: [100, 10, 160, 60], reason: 'третий' });
      const list = readPdfSignatures(three);
      expect(list.signatures.map((s) => s.fieldName)).toEqual(['Seal A', 'Signature1', 'Signature2']);
      const nEof = list.revisionEnds.length;
      list.signatures.forEach((s, i) => {
        expect(s.byteRangeCheck.problems).toEqual([]);
        expect(s.byteRangeCheck.ok).toBe(true);
        expect(s.byteRangeCheck.coversWholeFile).toBe(i === 2);
        expect(s.subFilter).toBe('adbe.pkcs7.detached');
        expect(s.filter).toBe('Adobe.PPKLite');
        expect(s.signingTime).toBe('D:20260102030405Z');
        expect(s.page).toBe(0);
        expect(s.revision).toBe(nEof - 3 + i);
        expect(s.laterSections).toBe(2 - i);
        expect(s.certification).toBe(false);
        expect(s.modificationLevel).toBe(i === 2 ? 'NONE' : 'SIGNATURES');
        expect(s.cms).toBeDefined();
        expect(s.contents.length).toBe(8192);
      });
      expect(list.signatures[2]?.reason).toBe('третий');
      expect(list.signatures[0]?.rect).toEqual([400, 700, 520, 800]);
      for (const s of list.signatures) {
        const digest = await pdfByteRangeDigest(three, s.byteRange ?? [], 'SHA-256');
        const v = await verifyCmsSignedData(s.cms ?? new Uint8Array(0), { contentHash: digest, trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
        expect(v.indication, JSON.stringify(v.checks.filter((c) => c.status !== "passed"))).toBe("TOTAL_PASSED");
      }
    }
  });

  it('classifies later revisions: nothing / signatures / annotations / other', async () => {
    const signed = await signPdf(classicPdf());
    expect(readPdfSignatures(signed).signatures[0]?.modificationLevel).toBe('NONE');

    // a new text annotation added to the page's /Annots
    const annot = appendUpdate(
      signed,
      new Map<number, string>([
        [3, '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <</Font <</F1 5 0 R>>>> /Contents 4 0 R /Annots [7 0 R 20 0 R]>>'],
        [20, '<</Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (a note)>>'],
      ]),
      21,
    );
    const a = readPdfSignatures(annot).signatures[0];
    expect(a?.modificationLevel).toBe('ANNOTATIONS');
    expect(a?.byteRangeCheck.ok).toBe(true);
    expect(a?.byteRangeCheck.coversWholeFile).toBe(false);

    // the page content stream replaced
    const content = appendUpdate(signed, new Map([[4, { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Pay 1000000) Tj ET\n' }]]), 10);
    const c = readPdfSignatures(content).signatures[0];
    expect(c?.modificationLevel).toBe('OTHER');
    expect(c?.changes.map((x) => x.objectNumber)).toContain(4);

    // the page's /Contents pointed to a new stream
    const repoint = appendUpdate(
      signed,
      new Map<number, string | { dict: string; data: string }>([
        [3, '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <</Font <</F1 5 0 R>>>> /Contents 20 0 R /Annots [7 0 R]>>'],
        [20, { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Other text) Tj ET\n' }],
      ]),
      21,
    );
    expect(readPdfSignatures(repoint).signatures[0]?.modificationLevel).toBe('OTHER');

    // only a re-save of the Info dictionary: neutral
    const info = appendUpdate(signed, new Map([[30, '<</Producer (x)>>']]), 31, ' /Info 30 0 R');
    expect(readPdfSignatures(info).signatures[0]?.modificationLevel).toBe('NONE');
  });

  it('flags a ByteRange that does not match the /Contents string', async () => {
    const signed = await signPdf(classicPdf());
    const s = readPdfSignatures(signed).signatures[0];
    const br = s?.byteRange ?? [];
    const text = new TextDecoder('latin1').decode(signed);
    const brText = `/ByteRange [${br.join(' ')}`;
    const at = text.indexOf(brText);
    expect(at).toBeGreaterThan(0);
    // shift the gap by one byte: the ranges then include one byte of the hex string
    const forged = `/ByteRange [0 ${(br[1] as number) + 1} ${br[2]} ${(br[3] as number)}`.padEnd(brText.length, ' ');
    const bad = signed.slice();
    bad.set(enc(forged), at);
    const r = readPdfSignatures(bad).signatures[0];
    expect(r?.byteRangeCheck.ok).toBe(false);
    expect(r?.byteRangeCheck.problems.join(' ')).toMatch(/first range ends/);
  });

  it('reports the DocMDP certification level of the document', () => {
    const pdf = buildPdf([
      ...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }),
      '<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 3 /V /1.2>>>>]>>',
    ]);
    expect(readPdfSignatures(pdf).certification).toEqual({ permission: 3, signatureObjectNumber: 6 });
    expect(readPdfSignatures(classicPdf()).certification).toBeUndefined();
  });

  it('SM2/SM3 end to end: a GM/T 0010 CMS over the SM3 ByteRange digest verifies with our verifier (no external SM2 PDF validator exists here)', async () => {
    const pki = await loadTestPki();
    const priv = privateKeyHex(pki.keyFiles.unit);
    const prepared = preparePdfSignature(xrefStreamPdf(), { page: 0, rect: [100, 100, 200, 200], signingTime: new Date(), contentsReserveBytes: 4096, subFilter: 'adbe.pkcs7.detached' });
    const digest = await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SM3');
    const cms = await buildSignedData({ signerCertificate: pki.certs.unit, certificates: [pki.certs.inter], contentDigest: digest, digestAlgorithm: 'SM3', sign: (attrs) => Promise.resolve(sm2Sign(attrs, priv)) });
    const signed = fillPdfSignature(prepared, cms);
    expect(qpdfCheck(signed).code).toBe(0);
    const s = readPdfSignatures(signed).signatures[0];
    expect(s?.byteRangeCheck.ok).toBe(true);
    const d2 = await pdfByteRangeDigest(signed, s?.byteRange ?? [], 'SM3');
    const v = await verifyCmsSignedData(s?.cms ?? new Uint8Array(0), { contentHash: d2, trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
    expect(v.format).toBe('GM/T 0010 SignedData');
    expect(v.indication, JSON.stringify(v.checks.filter((c) => c.status !== 'passed'))).toBe('TOTAL_PASSED');
    // one byte changed inside the signed range → the SM3 digest no longer matches
    const bad = signed.slice();
    bad[100] = (bad[100] as number) ^ 1;
    const d3 = await pdfByteRangeDigest(bad, s?.byteRange ?? [], 'SM3');
    const v2 = await verifyCmsSignedData(s?.cms ?? new Uint8Array(0), { contentHash: d3, trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
    expect(v2.indication).toBe('TOTAL_FAILED');
  });

  it.each([
    ['no /ByteRange', '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Contents <3000>>>', /ByteRange is missing/],
    ['empty /ByteRange', '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [] /Contents <3000>>>', /ByteRange is missing/],
    ['no /Contents', '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 20 30]>>', /Contents is missing/],
    ['indirect /Contents', '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 20 30] /Contents 8 0 R>>', /Contents is missing or not a string/],
    ['literal /Contents', '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 20 30] /Contents (0)>>', /not a hex string/],
  ])('universal-signature-forgery shapes are reported, not trusted: %s', (_n, sig, problem) => {
    const pdf = buildPdf([
      ...onePageObjects({ pageExtra: ' /Annots [6 0 R]', catalogExtra: ' /AcroForm <</Fields [6 0 R] /SigFlags 3>>' }),
      '<</FT /Sig /T (S) /V 7 0 R /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R>>',
      sig,
      '<3000>',
    ]);
    const s = readPdfSignatures(pdf).signatures[0];
    expect(s?.byteRangeCheck.ok).toBe(false);
    expect(s?.byteRangeCheck.problems.join(' | ')).toMatch(problem);
  });
});
