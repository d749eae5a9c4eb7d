// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile signed PDFs against verifyDocument: corrupt /ByteRange, garbage /Contents, truncated files,
 * huge numbers — each is a coded finding inside the report (a failed check or `error` with an ERR_*
 * code), never a throw or a hang; then a seeded, bounded mutation fuzz over signed PDFs (SES, SM2
 * CMS, P-256, a certified file) with the same contract as the OFD fuzz tests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../shared/errors/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { int, mutateBytes, prng, useNativeSm3 } from '../ofd/fuzzSupport.js';
import { addAnnotation, certifyPdf, signWith, trailerSize } from '../verify/pdfFixtures.js';
import { appendUpdate, buildPdf, classicPdf, onePageObjects, qpdfTransform, xrefStreamPdf } from './support/makePdf.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

let pki: TestPki;
let sesPdf: Uint8Array;
let p256Pdf: Uint8Array;
beforeAll(async () => {
  useNativeSm3();
  pki = await loadTestPki();
  sesPdf = (await signWith(classicPdf(), 'ses')).bytes;
  p256Pdf = (await signWith(classicPdf(), 'p256')).bytes;
});

const verify = (b: Uint8Array) => verifyDocument(b, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], includePictures: false });

/** Replaces the text `from` (first occurrence after `after`) with `to`, padded to the same length. */
function patch(b: Uint8Array, from: RegExp, to: (m: string) => string): Uint8Array {
  const t = text(b);
  const m = from.exec(t);
  if (m === null) throw new Error(`no match for ${from}`);
  const repl = to(m[0]);
  if (repl.length > m[0].length) throw new Error('replacement longer than the original');
  const out = b.slice();
  out.set(enc(repl.padEnd(m[0].length, ' ')), m.index);
  return out;
}

function onlySignature(r: VerificationReport) {
  expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  expect(r.signatures).toHaveLength(1);
  return r.signatures[0];
}

describe('hostile signed PDFs: coded findings, no throw', () => {
  it('a /ByteRange that skips part of the document (gap wider than /Contents): FORMAT_FAILURE', async () => {
    const bad = patch(p256Pdf, /\/ByteRange \[0 (\d+) (\d+) (\d+)\s*\]/, (m) => {
      const [a, b, c, d] = (m.match(/\d+/g) ?? []).map(Number) as [number, number, number, number];
      return `/ByteRange [${a} ${b - 10} ${c} ${d}]`;
    });
    const s = onlySignature(await verify(bad));
    expect(s?.indication).toBe('TOTAL_FAILED');
    expect(s?.subIndications).toContain('FORMAT_FAILURE');
    expect(s?.pdf?.byteRangeOk).toBe(false);
    expect(s?.pdf?.coverage).toBe('UNCLEAR');
    expect(s?.checks.find((c) => c.id === 'pdf.byte-range')?.status).toBe('failed');
  });

  it('a /ByteRange beyond the end of the file, with huge numbers, or not numbers at all', async () => {
    const variants = [
      (m: string) => {
        const [a, b, c] = (m.match(/\d+/g) ?? []).map(Number);
        return `/ByteRange [${a} ${b} ${c} 99999999]`;
      },
      () => '/ByteRange [0 1e300 2 3]',
      () => '/ByteRange [0 99999999999 99999999999 9]',
      () => '/ByteRange [-5 10 20 30]',
      () => '/ByteRange [(a) /b null true]',
      () => '/ByteRange 12',
    ];
    for (const v of variants) {
      const bad = patch(sesPdf, /\/ByteRange \[[^\]]*\]/, v);
      const r = await verify(bad);
      if (r.error !== undefined) {
        expect(isErrorCode(r.error.code)).toBe(true);
        continue;
      }
      const s = r.signatures[0];
      expect(s?.indication).toBe('TOTAL_FAILED');
      expect(s?.subIndications).toContain('FORMAT_FAILURE');
      expect(s?.checks.find((c) => c.id === 'pdf.byte-range')?.status).toBe('failed');
    }
  });

  it('garbage, empty and truncated /Contents: FORMAT_FAILURE with signature.structure', async () => {
    const contentsAt = /\/Contents <([0-9a-fA-F]+)>/;
    const cases = [
      (m: string) => `/Contents <${'ab'.repeat((m.length - 12) / 2)}>`,
      (m: string) => `/Contents <${'0'.repeat(m.length - 12)}>`,
      // the first 200 hex digits of the real signature, then zeros: a DER whose length overruns
      (m: string) => `${m.slice(0, 211)}${'0'.repeat(m.length - 212)}>`,
      // a well-formed SEQUENCE that is neither SES nor CMS
      (m: string) => `/Contents <3003020101${'0'.repeat(m.length - 22)}>`,
    ];
    for (const src of [sesPdf, p256Pdf]) {
      for (const c of cases) {
        const s = onlySignature(await verify(patch(src, contentsAt, c)));
        expect(s?.indication).toBe('TOTAL_FAILED');
        expect(s?.subIndications).toContain('FORMAT_FAILURE');
      }
    }
  });

  it('a truncated signed file: coded error or failed signature, never a throw', async () => {
    for (const cut of [10, 100, 500, sesPdf.length / 2, sesPdf.length - 40, sesPdf.length - 6]) {
      const r = await verify(sesPdf.subarray(0, Math.floor(cut)));
      if (r.error !== undefined) {
        expect(r.error.code).toMatch(/^ERR_PDF_/);
        expect(r.indication).toBe('TOTAL_FAILED');
      } else {
        expect(r.indication).not.toBe('TOTAL_PASSED');
      }
    }
  });

  it('huge numbers elsewhere (xref offsets, /Size, object numbers): ERR_PDF_MALFORMED, not a hang', async () => {
    const bigStartxref = patch(p256Pdf, /startxref\s+\d+\s+%%EOF\s*$/, (m) => m.replace(/\d+/, (d) => '9'.repeat(d.length)));
    const r = await verify(bigStartxref);
    expect(r.error?.code).toBe('ERR_PDF_MALFORMED');
    // every offset of the last xref table (fixed 10-digit fields) set to 9 999 999 999
    const t = text(p256Pdf);
    const xrefAt = t.lastIndexOf('\nxref');
    const bigOffsets = p256Pdf.slice();
    const tail = t.slice(xrefAt).replace(/\d{10} (\d{5}) n/g, '9999999999 $1 n');
    bigOffsets.set(enc(tail), xrefAt);
    const r2 = await verify(bigOffsets);
    expect(r2.error?.code).toBe('ERR_PDF_MALFORMED');
  });

  it('work is bounded: more than 256 signature fields is refused; a 120 000-object update is cut off as OTHER', async () => {
    // 257 signed fields in one revision (each signed revision would make the file itself quadratic)
    const fieldRefs = Array.from({ length: 257 }, (_, i) => `${6 + i} 0 R`).join(' ');
    const fields = Array.from({ length: 257 }, (_, i) => `<</FT /Sig /T (S${i}) /V <</Type /Sig /ByteRange [0 1 2 3] /Contents <00>>>>>`);
    const many = buildPdf([...onePageObjects({ catalogExtra: ` /AcroForm <</Fields [${fieldRefs}]>>` }), ...fields]);
    const r = await verify(many);
    expect(r.error?.code).toBe('ERR_INPUT_TOO_LARGE');
    expect(r.documentType).toBe('pdf');

    const n0 = trailerSize(p256Pdf);
    const objects = new Map<number, string>();
    for (let i = 0; i < 120_000; i++) objects.set(n0 + i, '<</A 1>>');
    const big = await verify(appendUpdate(p256Pdf, objects, n0 + 120_000));
    const s = onlySignature(big);
    expect(s?.pdf?.modificationLevel).toBe('OTHER');
    expect(s?.pdf?.changes.at(-1)?.note).toMatch(/limit reached/);
    expect(s?.indication).toBe('TOTAL_FAILED');
  }, 60_000);

  it('an encrypted PDF: ERR_PDF_ENCRYPTED in the report', async () => {
    const enc256 = qpdfTransform(p256Pdf, ['--encrypt', 'u', 'o', '256', '--']);
    const r = await verify(enc256);
    expect(r).toMatchObject({ documentType: 'pdf', indication: 'TOTAL_FAILED', signatures: [], error: { code: 'ERR_PDF_ENCRYPTED' } });
  });

  it('an unsigned PDF: no signatures, INDETERMINATE with document.signatures', async () => {
    const r = await verify(classicPdf());
    expect(r.documentType).toBe('pdf');
    expect(r.indication).toBe('INDETERMINATE');
    expect(r.checks.map((c) => c.id)).toContain('document.signatures');
  });
});

const NEAR = enc('/ByteRange');
const DIGITS = enc('0123456789 []<>/R-.e');

/** Overwrites 1–8 bytes within 300 bytes of a `/ByteRange` with digits and PDF delimiters. */
function mutateNearSignature(rand: () => number, input: Uint8Array): Uint8Array {
  const t = text(input);
  const hits: number[] = [];
  for (let i = t.indexOf('/ByteRange'); i >= 0; i = t.indexOf('/ByteRange', i + NEAR.length)) hits.push(i);
  if (hits.length === 0) return mutateBytes(rand, input);
  const at = Math.max(0, (hits[int(rand, hits.length)] as number) - 150 + int(rand, 300));
  const out = input.slice();
  const len = 1 + int(rand, 8);
  for (let i = 0; i < len && at + i < out.length; i++) out[at + i] = DIGITS[int(rand, DIGITS.length)] as number;
  return out;
}

describe('fuzz: byte mutations of signed PDFs', () => {
  const ROUNDS = 300;
  it(`survives ${ROUNDS} seeded rounds of 1–3 mutations each`, async () => {
    const files = [sesPdf, p256Pdf, (await signWith(xrefStreamPdf(), 'sm2cms')).bytes, addAnnotation(await certifyPdf(classicPdf(), 2, 'ses'))];
    const rand = prng(0x9df);
    let passed = 0;
    for (let i = 0; i < ROUNDS; i++) {
      let bytes = files[int(rand, files.length)] as Uint8Array;
      // Mutate near the signature dictionary half of the time: that is where the verifier's own code is.
      const n = 1 + int(rand, 3);
      for (let k = 0; k < n; k++) bytes = rand() < 0.5 ? mutateNearSignature(rand, bytes) : mutateBytes(rand, bytes);
      let r: VerificationReport;
      try {
        r = await verify(bytes);
      } catch (err) {
        throw new Error(`pdf round ${i}: verifyDocument threw ${String(err)}`, { cause: err });
      }
      if (r.error !== undefined) {
        expect(isErrorCode(r.error.code), `round ${i}: ${r.error.code}`).toBe(true);
        expect(r.error.code, `round ${i}: ${r.error.message}`).not.toBe('ERR_INTERNAL');
        expect(r.indication).toBe('TOTAL_FAILED');
      }
      for (const sig of r.signatures) {
        expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(sig.indication);
        for (const c of sig.checks) if (c.details?.code !== undefined) expect(isErrorCode(String(c.details.code)), `round ${i}: ${String(c.details.code)}`).toBe(true);
      }
      if (r.indication === 'TOTAL_PASSED') passed++;
    }
    // Most mutations must be caught; the few that pass land in bytes no signature covers or in the
    // zero padding of /Contents (which is outside the DER signature).
    expect(passed).toBeLessThan(ROUNDS / 2);
  }, 60_000);
});
