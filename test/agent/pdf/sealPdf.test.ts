// SPDX-License-Identifier: Apache-2.0
// The pdf.seal pipeline (agent/pdf/sealPdf.ts) in-process on real token back ends: the development
// SM2 software token (SES_Signature v4 and GM/T 0010 CMS) and SoftHSM2 (ECDSA P-256 and RSA-2048
// CMS). Every file is checked by qpdf --check; SES signatures by OpenSSL over the extracted TBS_Sign
// and by our SES verifier with an independently computed SM3 of the /ByteRange; CMS by pdfsig.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_PIN, ensureDevSetup } from '../../../agent/dev/devSetup.js';
import { hashPdfRanges, sealPdf, TIMESTAMP_SLACK_BYTES, type SealPdfOptions } from '../../../agent/pdf/sealPdf.js';
import { SealStore } from '../../../agent/sealstore/SealStore.js';
import { TokenRegistry } from '../../../agent/signing/TokenRegistry.js';
import { Pkcs11TokenProvider } from '../../../agent/token/pkcs11/Pkcs11TokenProvider.js';
import { SoftTokenProvider } from '../../../agent/token/soft/SoftToken.js';
import type { TokenSession } from '../../../agent/token/TokenProvider.js';
import { verifyCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { pdfByteRangeDigest, readPdfSignatures } from '../../../shared/pdf/index.js';
import { decodeSES_Signature, verifySesSignature } from '../../../shared/seal/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import { loadTestPki, testPkiDir } from '../../support/testPki.js';
import { buildPdf, classicPdf, onePageObjects, pdfsig, qpdfCheck, qpdfTransform, renderPage } from '../../shared/pdf/support/makePdf.js';
import { pdfsigSummary } from '../../shared/pdf/support/sign.js';
import { removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { opensslVerifyTbsSign } from '../integration/sealFixtures.js';
import { PRODUCERS } from './producers.js';
import { SOFTHSM_MODULE, SOFTHSM_PIN, signatureContents, softhsmWithPdfSeals } from './support.js';

let stateDir = '';
let hsmDir = '';
let soft: TokenRegistry;
let hsm: TokenRegistry;
const seals = () => new SealStore(stateDir);

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'eseal-sealpdf-'));
  process.env.ESEAL_DEV_PKI = testPkiDir(); // the dev token's keys and seals from the test PKI
  const dev = await ensureDevSetup(stateDir);
  soft = new TokenRegistry([new SoftTokenProvider(dev.tokenPath)]);
  hsmDir = tempDir('eseal-sealpdf-hsm-');
  const { conf } = await softhsmWithPdfSeals(hsmDir);
  process.env.SOFTHSM2_CONF = conf; // read by C_Initialize
  hsm = new TokenRegistry([new Pkcs11TokenProvider({ libraryPath: SOFTHSM_MODULE })]);
});

afterAll(async () => {
  await soft?.close();
  await hsm?.close();
  removeDir(stateDir);
  removeDir(hsmDir);
});

type Opts = Omit<SealPdfOptions, 'session' | 'seals' | 'authorize'> & { pin?: string };

function stamp(registry: TokenRegistry, pin: string, o: Opts) {
  return registry.withSession(undefined, (session: TokenSession) =>
    sealPdf({
      session,
      seals: seals(),
      authorize: () => session.login(o.pin ?? pin),
      ...o,
    }),
  );
}
const stampSoft = (o: Opts) => stamp(soft, DEV_TOKEN_PIN, o);
const stampHsm = (o: Opts) => stamp(hsm, SOFTHSM_PIN, o);
const joined = (pdf: Uint8Array, r: { revision: Uint8Array }) => new Uint8Array(Buffer.concat([pdf, r.revision]));

describe('SM2 software token → GB/T 38540 SES_Signature in /Contents', () => {
  it('stamps page 1; qpdf --check passes; dataHash = SM3 of the ByteRange; OpenSSL verifies TBS_Sign', async () => {
    const input = classicPdf();
    const made = await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 150, y: 60 }, reason: '同意', location: '北京' });
    const out = joined(input, made);
    expect(qpdfCheck(out).code).toBe(0);
    expect(made).toMatchObject({ format: 'SES_Signature', fieldName: 'Signature1', page: 1, sealId: 'dev-official', dataHash: { alg: 'SM3' } });
    // 40 mm seal centred 150 mm from the left and 60 mm from the top of a 595×842 pt (A4) page.
    const mm = 72 / 25.4;
    expect(made.rect[0]).toBeCloseTo(150 * mm - 20 * mm, 3);
    expect(made.rect[3]).toBeCloseTo(842 - 60 * mm + 20 * mm, 3);
    expect(made.preview).toEqual({ page: 1, pageCount: 1, rect: made.rect, pageSize: [595, 842], rotate: 0 });
    expect(Buffer.from(made.documentSm3).toString('hex')).toBe(createHash('sm3').update(input).digest('hex'));
    expect(Buffer.from(made.outputSm3).toString('hex')).toBe(createHash('sm3').update(out).digest('hex'));

    const [sig] = readPdfSignatures(out).signatures;
    expect(sig).toMatchObject({ fieldName: 'Signature1', filter: 'Adobe.PPKLite', subFilter: 'adbe.pkcs7.detached', reason: '同意', location: '北京', page: 0 });
    const ses = decodeSES_Signature(sig!.cms!);
    const independent = await pdfByteRangeDigest(out, sig!.byteRange!, 'SM3');
    expect(Buffer.from(ses.toSign.dataHash).equals(Buffer.from(independent))).toBe(true);
    expect(ses.toSign.propertyInfo).toBe('Signature1');
    expect(opensslVerifyTbsSign(sig!.cms!, made.certDer)).toMatch(/Signature Verified Successfully/);
    const report = await verifySesSignature(sig!.cms!, { trustAnchors: [], documentHash: independent });
    for (const id of ['signature.value', 'signature.signer-in-seal', 'signature.data-hash']) expect(report.checks.find((c) => c.id === id)?.status, id).toBe('passed');
  });

  it('verifyDocument says TOTAL_PASSED with the test PKI anchor, and TOTAL_FAILED after a byte inside the range changes', async () => {
    const pki = await loadTestPki();
    const input = classicPdf();
    const out = joined(input, await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 100, y: 100 } }));
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.signatures).toHaveLength(1);
    expect(report.indication, JSON.stringify(report.signatures[0]?.checks?.filter((c) => c.status !== 'passed'))).toBe('TOTAL_PASSED');
    const tampered = new Uint8Array(out);
    const at = Buffer.from(out).indexOf('Hello ESeal');
    tampered[at] = 0x4a; // 'J'
    expect((await verifyDocument(tampered, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] })).indication).toBe('TOTAL_FAILED');
  });

  it('with cms: a GM/T 0010 SM2 SignedData over the ByteRange (verified by shared/cms)', async () => {
    const input = classicPdf();
    const made = await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 40, y: 40 }, cms: true });
    const out = joined(input, made);
    expect(made.format).toBe('CMS');
    expect(qpdfCheck(out).code).toBe(0);
    const [sig] = readPdfSignatures(out).signatures;
    const [a, b, c, d] = sig!.byteRange as [number, number, number, number];
    const content = new Uint8Array(Buffer.concat([out.subarray(a, a + b), out.subarray(c, c + d)]));
    const report = await verifyCmsSignedData(sig!.cms!, { content, trustAnchors: [parseCertificate(made.certDer)] });
    expect(report.checks.filter((x) => x.status === 'failed')).toEqual([]);
    expect(report.contentType).toBe('1.2.156.10197.6.1.4.2.2'); // GM/T 0010 signedData
    const tampered = new Uint8Array(content);
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    expect((await verifyCmsSignedData(sig!.cms!, { content: tampered, trustAnchors: [parseCertificate(made.certDer)] })).indication).toBe('TOTAL_FAILED');
  });

  it('a second SM2 seal keeps the first signature intact (both data hashes match their ranges)', async () => {
    const input = classicPdf();
    const first = joined(input, await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 50, y: 50 } }));
    const second = joined(first, await stampSoft({ sealId: 'dev-legal', pdf: first, placement: { page: 1, x: 120, y: 50 } }));
    expect(qpdfCheck(second).code).toBe(0);
    const sigs = readPdfSignatures(second).signatures;
    expect(sigs.map((s) => s.fieldName)).toEqual(['Signature1', 'Signature2']);
    for (const s of sigs) {
      const ses = decodeSES_Signature(s.cms!);
      expect(Buffer.from(ses.toSign.dataHash).equals(Buffer.from(await pdfByteRangeDigest(second, s.byteRange!, 'SM3')))).toBe(true);
    }
  });

  it('the range hash over original ‖ revision equals the hash of the joined file', async () => {
    const input = classicPdf();
    const made = await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 50, y: 50 } });
    const prepared = { revision: made.revision, originalLength: made.originalLength, byteRange: made.byteRange } as Parameters<typeof hashPdfRanges>[1];
    expect(Buffer.from(hashPdfRanges(input, prepared, 'SHA-256')).equals(Buffer.from(await pdfByteRangeDigest(joined(input, made), made.byteRange, 'SHA-256')))).toBe(true);
  });
});

describe('placement and appearance', () => {
  it('anchors to a keyword: the seal is centred on the text', async () => {
    const input = classicPdf(); // "Hello ESeal" at (72, 720), 24 pt
    const made = await stampSoft({ sealId: 'dev-official', pdf: input, placement: { keyword: 'ESeal' } });
    const cx = (made.rect[0] + made.rect[2]) / 2;
    const cy = (made.rect[1] + made.rect[3]) / 2;
    expect(cx).toBeGreaterThan(72);
    expect(cx).toBeLessThan(72 + 24 * 11 * 0.7);
    expect(Math.abs(cy - 728)).toBeLessThan(20);
    expect(qpdfCheck(joined(input, made)).code).toBe(0);
    await expect(stampSoft({ sealId: 'dev-official', pdf: input, placement: { keyword: '盖章处' } })).rejects.toMatchObject({ code: 'ERR_PDF_KEYWORD_NOT_FOUND' });
    await expect(stampSoft({ sealId: 'dev-official', pdf: input, placement: { keyword: 'ESeal', occurrence: 2 } })).rejects.toMatchObject({ code: 'ERR_PDF_KEYWORD_NOT_FOUND', details: { occurrence: 2 } });
  });

  it('draws the seal picture: pdftoppm shows red inside the widget rectangle and white outside', async () => {
    const input = classicPdf();
    const made = await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 100, y: 150 } });
    const page = renderPage(joined(input, made));
    const [x1, y1, x2, y2] = made.rect;
    const red = (x: number, y: number) => {
      const [r, g, b] = page.rgb(Math.round(x), Math.round(page.height - y));
      return r > 150 && g < 120 && b < 120;
    };
    let inside = 0;
    let n = 0;
    for (let x = x1; x < x2; x += 2) for (let y = y1; y < y2; y += 2) {
      n++;
      if (red(x, y)) inside++;
    }
    expect(inside / n).toBeGreaterThan(0.05);
    let outside = 0;
    for (let x = x2 + 5; x < x2 + 60; x += 2) for (let y = y1; y < y2; y += 2) if (red(x, y)) outside++;
    expect(outside).toBe(0);
  });

  it('a riding seal (骑缝章) across three pages: one signature, slices at the right edges, valid', async () => {
    const page = '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <</Font <</F1 7 0 R>>>> /Contents 6 0 R>>';
    const input = buildPdf(['<</Type /Catalog /Pages 2 0 R>>', '<</Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3>>', page, page, page, { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Page) Tj ET\n' }, '<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>']);
    const made = await stampHsm({ sealId: 'pdf-ec', pdf: input, placement: { riding: { y: 150 } } });
    const out = joined(input, made);
    expect(qpdfCheck(out).code).toBe(0);
    expect(pdfsigSummary(pdfsig(out))).toMatchObject({ total: 1, valid: 1 });
    const revision = Buffer.from(made.revision).toString('latin1');
    expect(revision.match(/\/Subtype \/Stamp/g)).toHaveLength(2);
    // The widget slice on page 1: a third of the 40 mm seal, flush with the right edge, 150 mm down.
    const mm = 72 / 25.4;
    expect(made.rect[2]).toBeCloseTo(595, 1);
    expect(made.rect[2] - made.rect[0]).toBeCloseTo((40 / 3) * mm, 1);
    expect((made.rect[1] + made.rect[3]) / 2).toBeCloseTo(842 - 150 * mm, 1);
    const shown = renderPage(out);
    let red = 0;
    for (let x = Math.ceil(made.rect[0]); x < 595; x++) for (let y = Math.ceil(made.rect[1]); y < made.rect[3]; y++) {
      const [r, g, b] = shown.rgb(x, Math.round(shown.height - y));
      if (r > 150 && g < 120 && b < 120) red++;
    }
    expect(red).toBeGreaterThan(50);
    await expect(stampHsm({ sealId: 'pdf-ec', pdf: classicPdf(), placement: { riding: { y: 150 } } })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('refuses a position that puts the seal off the page', async () => {
    await expect(stampSoft({ sealId: 'dev-official', pdf: classicPdf(), placement: { page: 1, x: 5, y: 5 } })).rejects.toMatchObject({ code: 'ERR_PDF_PLACEMENT_OFF_PAGE' });
  });
});

describe('/Contents reservation from the dry run', () => {
  it('fits every signature kind with the timestamp room left over, and is not wasteful', async () => {
    const input = classicPdf();
    const made = [
      await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 50, y: 50 } }),
      await stampSoft({ sealId: 'dev-official', pdf: input, placement: { page: 1, x: 50, y: 50 }, cms: true }),
      await stampHsm({ sealId: 'pdf-ec', pdf: input, placement: { page: 1, x: 50, y: 50 } }),
      await stampHsm({ sealId: 'pdf-rsa', pdf: input, placement: { page: 1, x: 50, y: 50 } }),
    ];
    for (const m of made) {
      expect(m.signature.length + TIMESTAMP_SLACK_BYTES, m.format).toBeLessThanOrEqual(m.reservedBytes);
      expect(m.reservedBytes - m.signature.length - TIMESTAMP_SLACK_BYTES, m.format).toBeLessThan(2048);
    }
  });
});

describe('refusals (coded errors)', () => {
  const place = { page: 1, x: 50, y: 50 };
  it.each([
    ['encrypted', () => qpdfTransform(classicPdf(), ['--encrypt', 'u', 'o', '256', '--']), 'ERR_PDF_ENCRYPTED'],
    ['no %%EOF', () => { const p = classicPdf(); return p.subarray(0, p.length - 7); }, 'ERR_PDF_MALFORMED'],
    ['broken xref chain', () => { const p = Buffer.from(classicPdf()); const s = p.lastIndexOf('startxref'); p.write('startxref\n999999', s, 'latin1'); return new Uint8Array(p); }, 'ERR_PDF_MALFORMED'],
    ['DocMDP P=1', () => buildPdf([...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }), '<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 1 /V /1.2>>>>]>>']), 'ERR_PDF_CHANGES_FORBIDDEN'],
    ['not a PDF', () => new TextEncoder().encode('hello, this is not a PDF at all'), 'ERR_PDF_MALFORMED'],
  ])('%s', async (_name, make, code) => {
    await expect(stampSoft({ sealId: 'dev-official', pdf: make(), placement: place })).rejects.toMatchObject({ code });
  });

  it('page out of range', async () => {
    await expect(stampSoft({ sealId: 'dev-official', pdf: classicPdf(), placement: { page: 2, x: 50, y: 50 } })).rejects.toMatchObject({ code: 'ERR_PDF_PAGE_OUT_OF_RANGE', details: { page: 2, pageCount: 1 } });
  });

  it('seal outside its validity', async () => {
    await expect(stampSoft({ sealId: 'dev-official', pdf: classicPdf(), placement: place, signingTime: new Date('2099-01-01T00:00:00Z') })).rejects.toMatchObject({ code: 'ERR_PDF_SEAL_UNUSABLE' });
  });

  it('unknown seal', async () => {
    await expect(stampSoft({ sealId: 'no-such-seal', pdf: classicPdf(), placement: place })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('a wrong PIN fails the login and nothing is signed', async () => {
    await expect(stampSoft({ sealId: 'dev-official', pdf: classicPdf(), placement: place, pin: '000000' })).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
  });
});

describe('SoftHSM2 ECDSA P-256 and RSA-2048 → standard CMS that pdfsig reports valid', () => {
  for (const sealId of ['pdf-ec', 'pdf-rsa']) {
    it(`${sealId}: first, second and third signature; every earlier one stays valid`, async () => {
      let pdf = classicPdf();
      for (let n = 1; n <= 3; n++) {
        const made = await stampHsm({ sealId, pdf, placement: { page: 1, x: 40 * n, y: 200 } });
        expect(made).toMatchObject({ format: 'CMS', fieldName: `Signature${n}`, dataHash: { alg: 'SHA-256' } });
        pdf = joined(pdf, made);
        expect(qpdfCheck(pdf).code).toBe(0);
        const summary = pdfsigSummary(pdfsig(pdf));
        expect(summary, summary.lines.join('\n')).toMatchObject({ total: n, valid: n });
      }
      expect(signatureContents(pdf).map((s) => s.subFilter)).toEqual(['adbe.pkcs7.detached', 'adbe.pkcs7.detached', 'adbe.pkcs7.detached']);
    });
  }
});

describe('inputs from other producers: stamping keeps every earlier signature valid (pdfsig)', () => {
  for (const producer of PRODUCERS) {
    it.skipIf(!producer.available)(`${producer.name}: ECDSA stamp then RSA stamp`, async () => {
      const input = await producer.make();
      if (producer.signatures > 0) expect(pdfsigSummary(pdfsig(input))).toMatchObject({ total: producer.signatures, valid: producer.signatures });
      const one = joined(input, await stampHsm({ sealId: 'pdf-ec', pdf: input, placement: { page: 1, x: 60, y: 60 } }));
      const two = joined(one, await stampHsm({ sealId: 'pdf-rsa', pdf: one, placement: { page: 1, x: 120, y: 60 } }));
      expect(Buffer.from(two.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
      // @signpdf's own revision draws a qpdf warning ("extraneous whitespace seen before xref"):
      // ours must add none, and a clean input must stay clean (exit 0).
      const warnings = (out: string) => out.split('\n').filter((l) => l.startsWith('WARNING')).map((l) => l.replace(/^WARNING: [^:]+: /, ''));
      const before = qpdfCheck(input);
      const check = qpdfCheck(two);
      expect(warnings(check.out), check.out).toEqual(warnings(before.out));
      expect(check.code, check.out).toBe(before.code);
      if (producer.name !== 'signed by @signpdf/signpdf') expect(check.code, check.out).toBe(0);
      const summary = pdfsigSummary(pdfsig(two));
      expect(summary, summary.lines.join('\n')).toMatchObject({ total: producer.signatures + 2, valid: producer.signatures + 2 });
      const list = readPdfSignatures(two);
      expect(list.signatures.every((x) => x.byteRangeCheck.ok)).toBe(true);
      if (producer.name.startsWith('PDF/A')) {
        // What PDF/A needs from a signature revision: no encryption, the appearance present,
        // the catalog's /Metadata and /OutputIntents kept.
        const text = Buffer.from(two.subarray(input.length)).toString('latin1');
        expect(text).toMatch(/\/AP <<\/N \d+ 0 R>>/);
        expect(text).not.toMatch(/\/Encrypt/);
        expect(text).toMatch(/\/Metadata 6 0 R/);
        expect(text).toMatch(/\/OutputIntents/);
      }
    });
  }
});
