// SPDX-License-Identifier: Apache-2.0
/**
 * Tampering with signed PDFs, as issue 5 asks: a byte changed inside the signed range, an appended
 * revision that changes page content, one that only adds an annotation, one that adds a signature,
 * and DocMDP certification levels against later changes. Each case is reported by verifyDocument
 * (with the test PKI as trust anchor, so an untouched file is TOTAL_PASSED) and, where it applies,
 * cross-checked with poppler's pdfsig.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { SignatureReport, VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { PdfReader, PdfRef } from '../../../shared/pdf/index.js';
import { serialize } from '../../../shared/pdf/objects.js';
import { addAnnotation, certifyPdf, changeContent, signWith, trailerSize, type PdfSigner } from '../verify/pdfFixtures.js';
import { appendUpdate, buildPdf, classicPdf, onePageObjects, pdfsig, type ObjSpec } from './support/makePdf.js';
import { pdfsigSummary } from './support/sign.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await loadTestPki();
});

const verify = (b: Uint8Array) => verifyDocument(b, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });
const statusOf = (s: SignatureReport | undefined, id: string) => s?.checks.filter((c) => c.id === id).map((c) => c.status);
const explain = (r: VerificationReport) => JSON.stringify(r.signatures.map((s) => [s.id, s.subIndications, s.checks.filter((c) => c.status !== 'passed')]));

function indexOfAscii(b: Uint8Array, s: string): number {
  return new TextDecoder('latin1').decode(b).indexOf(s);
}

describe('tampering: a byte changed inside the signed range', () => {
  for (const signer of ['ses', 'sm2cms', 'p256', 'rsa'] as PdfSigner[]) {
    it(`${signer}: HASH_FAILURE (DOCUMENT_MODIFIED), not a crypto or format failure`, async () => {
      const signed = await signWith(classicPdf(), signer);
      expect((await verify(signed.bytes)).indication).toBe('TOTAL_PASSED');
      const at = indexOfAscii(signed.bytes, 'Hello ESeal');
      expect(at).toBeGreaterThan(0);
      const bad = signed.bytes.slice();
      bad[at] = 0x4a; // 'H' → 'J': same length, so the file structure is intact
      const r = await verify(bad);
      const s = r.signatures[0];
      expect(r.indication).toBe('TOTAL_FAILED');
      expect(s?.subIndications, explain(r)).toEqual(['HASH_FAILURE']);
      expect(s?.sealCodes).toContain('DOCUMENT_MODIFIED');
      expect(s?.coverage.modifiedAfterSigning).toBe(true);
      expect(statusOf(s, 'pdf.byte-range')).toEqual(['passed']);
      if (signer === 'ses') expect(statusOf(s, 'signature.data-hash')).toEqual(['failed']);
      else expect(statusOf(s, 'cms.message-digest')).toEqual(['failed']);
      if (signer === 'p256' || signer === 'rsa') {
        const ps = pdfsigSummary(pdfsig(bad));
        expect(ps.total).toBe(1);
        expect(ps.valid).toBe(0);
      }
    });
  }
});

describe('tampering: later revisions', () => {
  it('a revision that changes page content: the signature is reported modified (OTHER) and fails', async () => {
    for (const signer of ['ses', 'p256'] as PdfSigner[]) {
      const signed = await signWith(classicPdf(), signer);
      const r = await verify(changeContent(signed.bytes));
      const s = r.signatures[0];
      expect(r.indication).toBe('TOTAL_FAILED');
      expect(s?.subIndications, explain(r)).toEqual(['SIG_CONSTRAINTS_FAILURE']);
      expect(s?.sealCodes).toEqual(['DOCUMENT_MODIFIED']);
      expect(s?.coverage.modifiedAfterSigning).toBe(true);
      expect(s?.pdf?.modificationLevel).toBe('OTHER');
      expect(s?.pdf?.modificationsAllowed).toBe(false);
      expect(s?.pdf?.coverage).toBe('ENTIRE_REVISION');
      expect(s?.pdf?.changes).toContainEqual({ objectNumber: 4, level: 'OTHER', note: 'page content stream changed' });
      expect(statusOf(s, 'pdf.modifications')).toEqual(['failed']);
      // the signed bytes themselves are intact
      expect(statusOf(s, 'signature.value')).toEqual(['passed']);
      expect(r.checks.map((c) => c.id)).toContain('document.coverage');
    }
  });

  it('a revision that only adds an annotation: reported as ANNOTATIONS, still intact and valid', async () => {
    const signed = await signWith(classicPdf(), 'ses');
    const annotated = addAnnotation(signed.bytes);
    const r = await verify(annotated);
    const s = r.signatures[0];
    expect(r.indication, explain(r)).toBe('TOTAL_PASSED');
    expect(s?.pdf?.modificationLevel).toBe('ANNOTATIONS');
    expect(s?.pdf?.modificationsAllowed).toBe(true);
    expect(s?.coverage.modifiedAfterSigning).toBe(false);
    expect(statusOf(s, 'pdf.modifications')).toEqual(['warning']);
    expect(statusOf(s, 'signature.data-hash')).toEqual(['passed']);
  });

  it('a revision that only rewrites XMP metadata (new stream + catalog /Metadata): NONE; a non-XMP stream there is OTHER', async () => {
    const signed = await signWith(classicPdf(), 'p256');
    const withMeta = (subtype: string) => {
      const r = PdfReader.open(signed.bytes);
      const n = trailerSize(signed.bytes);
      const catalog = r.catalog().clone().set('Metadata', new PdfRef(n, 0));
      return appendUpdate(
        signed.bytes,
        new Map<number, ObjSpec>([
          [r.rootRef.num, serialize(catalog)],
          [n, { dict: `/Type /Metadata /Subtype /${subtype}`, data: '<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>' }],
        ]),
        n + 1,
      );
    };
    const ok = await verify(withMeta('XML'));
    expect(ok.indication, explain(ok)).toBe('TOTAL_PASSED');
    expect(ok.signatures[0]?.pdf?.modificationLevel).toBe('NONE');
    expect(ok.signatures[0]?.pdf?.laterRevisions).toBe(1);
    const bad = await verify(withMeta('Other'));
    expect(bad.signatures[0]?.pdf?.modificationLevel).toBe('OTHER');
  });

  it('a revision that adds a second signature: both valid, the first reports SIGNATURES', async () => {
    const one = await signWith(classicPdf(), 'ses', { fieldName: 'First' });
    const two = await signWith(one.bytes, 'p256', { fieldName: 'Second', rect: [10, 10, 60, 60] });
    const three = await signWith(two.bytes, 'sm2cms', { fieldName: 'Third', rect: [100, 10, 160, 60] });
    const r = await verify(three.bytes);
    expect(r.indication, explain(r)).toBe('TOTAL_PASSED');
    expect(r.signatures.map((s) => s.id)).toEqual(['First', 'Second', 'Third']);
    expect(r.signatures.map((s) => s.pdf?.modificationLevel)).toEqual(['SIGNATURES', 'SIGNATURES', 'NONE']);
    expect(r.signatures.map((s) => s.pdf?.laterRevisions)).toEqual([2, 1, 0]);
    // pdfsig: the P-256 one is valid (NSS cannot check SM2, so the other two are not counted)
    expect(pdfsig(three.bytes)).toMatch(/Signature #2:[\s\S]*?Signature Validation: Signature is Valid\./);
  });
});

describe('form filling after signing', () => {
  /** One page with a text field (object 6, merged field/widget) whose value is `v`. */
  const field = (v: string) => `<</FT /Tx /Type /Annot /Subtype /Widget /T (name) /V (${v}) /Rect [50 50 250 80] /P 3 0 R /F 4>>`;
  const formPdf = () => buildPdf([...onePageObjects({ catalogExtra: ' /AcroForm <</Fields [6 0 R]>>', pageExtra: ' /Annots [6 0 R]' }), field('')]);
  const fill = (pdf: Uint8Array) => appendUpdate(pdf, new Map([[6, field('Zhang San')]]), trailerSize(pdf));

  it('an approval signature: FORM_FILLING is allowed (warning), still valid', async () => {
    const signed = await signWith(formPdf(), 'ses');
    const r = await verify(fill(signed.bytes));
    const s = r.signatures[0];
    expect(r.indication, explain(r)).toBe('TOTAL_PASSED');
    expect(s?.pdf?.modificationLevel).toBe('FORM_FILLING');
    expect(s?.pdf?.changes).toContainEqual({ objectNumber: 6, level: 'FORM_FILLING', note: 'form field value changed' });
    expect(statusOf(s, 'pdf.modifications')).toEqual(['warning']);
  });

  it('a P=1 certified form: filling it violates DocMDP; under P=2 it is allowed', async () => {
    const certified = (p: 1 | 2) => certifyPdf(formPdf(), p);
    const p1 = await verify(fill(await certified(1)));
    expect(p1.indication).toBe('TOTAL_FAILED');
    expect(statusOf(p1.signatures[0], 'pdf.docmdp')).toEqual(['failed']);
    expect(p1.signatures[0]?.pdf?.modificationLevel).toBe('FORM_FILLING');
    const p2 = await verify(fill(await certified(2)));
    expect(p2.indication, explain(p2)).toBe('TOTAL_PASSED');
    expect(statusOf(p2.signatures[0], 'pdf.docmdp')).toEqual(['passed']);
  });
});

describe('DocMDP certification signatures', () => {
  it('P=1 certified and untouched: valid; pdfsig agrees', async () => {
    const cert = await certifyPdf(classicPdf(), 1);
    const r = await verify(cert);
    const s = r.signatures[0];
    expect(r.indication, explain(r)).toBe('TOTAL_PASSED');
    expect(s?.pdf?.certification).toBe(true);
    expect(s?.pdf?.docMdpPermission).toBe(1);
    expect(r.checks.find((c) => c.id === 'pdf.certification')?.details?.permission).toBe(1);
    expect(pdfsigSummary(pdfsig(cert)).valid).toBe(1);
  });

  it('P=1 with a later annotation or content change: DocMDP violation', async () => {
    const cert = await certifyPdf(classicPdf(), 1, 'ses');
    for (const later of [addAnnotation(cert), changeContent(cert)]) {
      const r = await verify(later);
      const s = r.signatures[0];
      expect(r.indication).toBe('TOTAL_FAILED');
      expect(s?.subIndications, explain(r)).toEqual(['SIG_CONSTRAINTS_FAILURE']);
      expect(s?.sealCodes).toContain('DOCUMENT_MODIFIED');
      expect(statusOf(s, 'pdf.docmdp')).toEqual(['failed']);
      expect(s?.pdf?.modificationsAllowed).toBe(false);
      expect(statusOf(s, 'signature.data-hash')).toEqual(['passed']);
    }
  });

  it('P=2 allows a new signature but not an annotation; P=3 allows the annotation', async () => {
    const p2 = await certifyPdf(classicPdf(), 2);
    const signedAfter = await signWith(p2, 'rsa', { rect: [10, 10, 60, 60] });
    const ok = await verify(signedAfter.bytes);
    expect(ok.indication, explain(ok)).toBe('TOTAL_PASSED');
    expect(ok.signatures[0]?.pdf?.modificationLevel).toBe('SIGNATURES');
    expect(statusOf(ok.signatures[0], 'pdf.docmdp')).toEqual(['passed']);
    // the approval signature is bound by the certification too
    expect(ok.signatures[1]?.pdf?.docMdpPermission).toBe(2);
    expect(ok.signatures[1]?.pdf?.certification).toBe(false);

    const p2annot = await verify(addAnnotation(p2));
    expect(p2annot.indication).toBe('TOTAL_FAILED');
    expect(statusOf(p2annot.signatures[0], 'pdf.docmdp')).toEqual(['failed']);

    const p3annot = await verify(addAnnotation(await certifyPdf(classicPdf(), 3)));
    expect(p3annot.indication, explain(p3annot)).toBe('TOTAL_PASSED');
    expect(p3annot.signatures[0]?.pdf?.modificationLevel).toBe('ANNOTATIONS');
  });
});
