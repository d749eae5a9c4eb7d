// SPDX-License-Identifier: Apache-2.0
/**
 * verifyDocument on PDFs: SES_Signature (GB/T 38540), GM/T 0010 SM2 CMS and standard CMS (P-256,
 * RSA) signatures made with the test PKI through the shared writer; trust anchors decide between
 * TOTAL_PASSED and INDETERMINATE; OpenSSL and pdfsig cross-check what we accept.
 */
import { execFileSync } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSES_Signature } from '../../../shared/seal/index.js';
import { unzipSync } from 'fflate';
import { fillPdfSignature, preparePdfSignature, readPdfSignatures, type IncrementalHash } from '../../../shared/pdf/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parsePdfDate } from '../../../shared/verify/verifyPdf.js';
import { renderReportText } from '../../../shared/verify/renderReportText.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { buildPdf, classicPdf, onePageObjects, pdfsig, xrefStreamPdf } from '../pdf/support/makePdf.js';
import { pdfsigSummary } from '../pdf/support/sign.js';
import { validate } from './miniSchema.js';
import { signWith } from './pdfFixtures.js';

const SCHEMA = JSON.parse(readFileSync('docs/verification-report.schema.json', 'utf8')) as Record<string, unknown>;

let pki: TestPki;
beforeAll(async () => {
  pki = await loadTestPki();
});

const anchors = () => ({ trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });

function failedChecks(r: VerificationReport): string {
  return JSON.stringify(r.signatures.flatMap((s) => s.checks.filter((c) => c.status === 'failed' || c.status === 'warning')));
}

function schemaOk(r: VerificationReport): void {
  expect(validate(SCHEMA, JSON.parse(JSON.stringify(r)))).toEqual([]);
}

describe('verifyDocument: PDF with a GB/T 38540 SES_Signature', () => {
  it('verifies TOTAL_PASSED with the test root, INDETERMINATE without; OpenSSL accepts the extracted TBS_Sign', async () => {
    const signed = await signWith(classicPdf(), 'ses', { fieldName: 'Seal 1' });
    const ok = await verifyDocument(signed.bytes, { ...anchors(), fileName: 'sealed.pdf' });
    expect(ok.documentType).toBe('pdf');
    expect(ok.indication, failedChecks(ok)).toBe('TOTAL_PASSED');
    expect(ok.signatures).toHaveLength(1);
    const s = ok.signatures[0];
    expect(s?.id).toBe('Seal 1');
    expect(s?.kind).toBe('seal');
    expect(s?.format).toBe('SES_Signature v4');
    expect(s?.seal?.esID).toBe('11010500000042');
    expect(s?.signer?.status).toBe('VALID');
    expect(s?.pdf?.digestAlgorithm).toBe('SM3');
    expect(s?.pdf?.coverage).toBe('ENTIRE_FILE');
    expect(s?.pdf?.modificationLevel).toBe('NONE');
    expect(s?.coverage.modifiedAfterSigning).toBe(false);
    expect(s?.stamps).toEqual([{ page: '0', box: [400, 700, 120, 100], unit: 'pt' }]);
    const ids = s?.checks.map((c) => `${c.id}:${c.status}`) ?? [];
    expect(ids).toContain('pdf.byte-range:passed');
    expect(ids).toContain('signature.data-hash:passed');
    expect(ids).toContain('signature.value:passed');
    expect(ids).toContain('seal.maker-signature:passed');
    expect(ids).toContain('pdf.property-info:passed');
    schemaOk(ok);

    const noAnchor = await verifyDocument(signed.bytes);
    expect(noAnchor.indication).toBe('INDETERMINATE');
    expect(noAnchor.signatures[0]?.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);

    // The SES_Signature as stored in the file, checked by OpenSSL (SM2, default ID) over its TBS_Sign.
    const stored = readPdfSignatures(signed.bytes).signatures[0]?.cms;
    expect(stored).toEqual(signed.der);
    const ses = decodeSES_Signature(stored ?? new Uint8Array(0));
    const dir = mkdtempSync(join(tmpdir(), 'eseal-pdfv-'));
    try {
      writeFileSync(join(dir, 'tbs.der'), ses.raw.toSign);
      writeFileSync(join(dir, 'sig.der'), ses.signature);
      writeFileSync(join(dir, 'cert.der'), ses.cert);
      execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'cert.der'), '-pubkey', '-noout', '-out', join(dir, 'pub.pem')]);
      const verifyArgs = (tbs: string) => ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', join(dir, 'pub.pem'), '-pkeyopt', 'distid:1234567812345678', '-in', tbs, '-sigfile', join(dir, 'sig.der')];
      const out = execFileSync('openssl', verifyArgs(join(dir, 'tbs.der')), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toMatch(/Signature Verified Successfully/);
      // and OpenSSL rejects a TBS_Sign with one byte changed (the check can fail)
      const bad = ses.raw.toSign.slice();
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
      writeFileSync(join(dir, 'bad.der'), bad);
      expect(() => execFileSync('openssl', verifyArgs(join(dir, 'bad.der')), { stdio: ['ignore', 'pipe', 'pipe'] })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders plain Chinese and English lines for a PDF seal', async () => {
    const signed = await signWith(classicPdf(), 'ses', { fieldName: 'Seal 1' });
    const r = await verifyDocument(signed.bytes, { ...anchors(), fileName: 'sealed.pdf' });
    const zh = renderReportText(r, 'zh-CN');
    expect(zh).toMatch(/文件：sealed\.pdf（PDF 文档）/);
    expect(zh).toMatch(/签名域：Seal 1/);
    expect(zh).toMatch(/位置：第 1 页/);
    expect(zh).toMatch(/签章后修改：无修改/);
    const en = renderReportText(r, 'en');
    expect(en).toMatch(/Field: Seal 1/);
    expect(en).toMatch(/Position: page 1/);
    expect(en).toMatch(/Changes after signing: no changes/);
  });
});

describe('verifyDocument: PDF with CMS signatures', () => {
  it('GM/T 0010 SM2 CMS verifies TOTAL_PASSED with SM3 over the ranges', async () => {
    const signed = await signWith(xrefStreamPdf(), 'sm2cms');
    const r = await verifyDocument(signed.bytes, anchors());
    expect(r.indication, failedChecks(r)).toBe('TOTAL_PASSED');
    expect(r.signatures[0]?.format).toBe('GM/T 0010 SignedData');
    expect(r.signatures[0]?.kind).toBe('digital');
    expect(r.signatures[0]?.pdf?.digestAlgorithm).toBe('SM3');
    schemaOk(r);
  });

  it('ECDSA P-256 and RSA: TOTAL_PASSED in ours and "Signature is Valid" in pdfsig, one after the other', async () => {
    const one = await signWith(classicPdf(), 'p256');
    const two = await signWith(one.bytes, 'rsa', { rect: [10, 10, 60, 60] });
    const r = await verifyDocument(two.bytes, anchors());
    expect(r.indication, failedChecks(r)).toBe('TOTAL_PASSED');
    expect(r.signatures.map((s) => s.signer?.publicKeyAlgorithm.slice(0, 3))).toEqual(['ECD', 'RSA']);
    expect(r.signatures.map((s) => s.pdf?.digestAlgorithm)).toEqual(['SHA-256', 'SHA-256']);
    expect(r.signatures[0]?.pdf?.modificationLevel).toBe('SIGNATURES');
    expect(r.signatures[0]?.pdf?.coverage).toBe('ENTIRE_REVISION');
    expect(r.signatures[1]?.pdf?.coverage).toBe('ENTIRE_FILE');
    const sig = pdfsigSummary(pdfsig(two.bytes));
    expect(sig.total).toBe(2);
    expect(sig.valid).toBe(2);
    schemaOk(r);
  });

  it('without a signingTime attribute (PAdES style) the chain is judged at /M', async () => {
    const old = await signWith(classicPdf(), 'p256', { time: new Date('2001-01-01T00:00:00Z'), signingTimeAttribute: false });
    const r = await verifyDocument(old.bytes, anchors());
    expect(r.signatures[0]?.subIndications).toEqual(['NOT_YET_VALID']);
    expect(r.signatures[0]?.signingTime).toBe('2001-01-01T00:00:00.000Z');
    expect(r.signatures[0]?.signingTimeText).toBe('D:20010101000000Z');
    const now = await signWith(classicPdf(), 'rsa', { signingTimeAttribute: false });
    const ok = await verifyDocument(now.bytes, anchors());
    expect(ok.indication, failedChecks(ok)).toBe('TOTAL_PASSED');
  });

  it('parsePdfDate reads PDF dates with and without offsets, and refuses junk', () => {
    expect(parsePdfDate('D:20260102030405Z')?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parsePdfDate("D:20260102110405+08'00'")?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parsePdfDate("D:20260101230405-04'00")?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parsePdfDate('D:2026')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    for (const bad of ['', 'yesterday', 'D:20261340000000Z', 'D:2026010203040599', undefined]) expect(parsePdfDate(bad)).toBeUndefined();
  });

  it('an expired signer certificate at the claimed time fails the chain (time taken from the signature)', async () => {
    const signed = await signWith(classicPdf(), 'p256', { time: new Date('2001-01-01T00:00:00Z') });
    const r = await verifyDocument(signed.bytes, anchors());
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.subIndications).toEqual(['NOT_YET_VALID']);
  });
});

describe('verifyDocument: PDF range hashing with a caller-supplied hasher', () => {
  /** node:crypto hashes counting the bytes they are fed; `forkable` adds clone() (Hash.copy). */
  function hashers(forkable: boolean) {
    const fed = { n: 0 };
    const wrap = (h: Hash): IncrementalHash & { clone?: () => IncrementalHash } => ({
      update(d: Uint8Array) {
        fed.n += d.length;
        h.update(d);
        return this;
      },
      digest: () => new Uint8Array(h.digest()),
      ...(forkable ? { clone: () => wrap(h.copy()) } : {}),
    });
    return { fed, createHash: (alg: string) => wrap(createHash(alg === 'SM3' ? 'sm3' : alg.toLowerCase().replace('-', ''))) };
  }

  it('several signatures share one pass over the common prefix, with the same verdicts', async () => {
    // 1 MiB of page data, so the signatures' ranges are mostly the shared first revision
    let pdf = buildPdf([...onePageObjects(), { dict: '', data: new Uint8Array(1 << 20).fill(0x41) }]);
    for (let i = 0; i < 4; i++) pdf = (await signWith(pdf, i % 2 === 0 ? 'p256' : 'ses', { rect: [10 + i * 60, 10, 60 + i * 60, 60] })).bytes;
    const forked = hashers(true);
    const plain = hashers(false);
    const a = await verifyDocument(pdf, { ...anchors(), createHash: forked.createHash });
    const b = await verifyDocument(pdf, { ...anchors(), createHash: plain.createHash });
    expect(a.indication, failedChecks(a)).toBe('TOTAL_PASSED');
    expect(JSON.stringify(a.signatures)).toBe(JSON.stringify(b.signatures));
    // a bare node:crypto Hash (forked with copy()) and the built-in hashes agree, documentSm3 included
    const bare = await verifyDocument(pdf, { ...anchors(), createHash: (alg) => createHash(alg === 'SM3' ? 'sm3' : alg.toLowerCase().replace('-', '')) });
    const builtIn = await verifyDocument(pdf, anchors());
    expect(JSON.stringify(bare.signatures)).toBe(JSON.stringify(a.signatures));
    expect(JSON.stringify(builtIn.signatures)).toBe(JSON.stringify(a.signatures));
    expect([a.documentSm3, bare.documentSm3]).toEqual([builtIn.documentSm3, builtIn.documentSm3]);
    // documentSm3 is one pass; the ranges of two algorithms (SHA-256, SM3) at most one pass each with
    // forks, about four passes (one per signature) without
    expect(forked.fed.n).toBeLessThanOrEqual(3 * pdf.length);
    expect(plain.fed.n).toBeGreaterThan(4.5 * (1 << 20));

    // a byte changed in the first revision breaks every signature on the forked path too
    const at = new TextDecoder('latin1').decode(pdf).indexOf('Hello ESeal');
    const bad = pdf.slice();
    bad[at] = 0x4a;
    const t = await verifyDocument(bad, { ...anchors(), createHash: hashers(true).createHash });
    expect(t.signatures.map((s) => s.subIndications)).toEqual([['HASH_FAILURE'], ['HASH_FAILURE'], ['HASH_FAILURE'], ['HASH_FAILURE']]);
  });
});

describe('verifyDocument: PDF carrying a GM/T 0031 (v1) SES_Signature', () => {
  it('is recognised as SES_Signature v1 by structure; its dataHash (made for an OFD) does not match the ranges', async () => {
    // The DMS360 sample's v1 signature, placed in a PDF's /Contents: the verifier must read v1, and the
    // range digest it computes is SM3 over this PDF, which the signature never covered.
    const files = unzipSync(new Uint8Array(readFileSync('test/fixtures/samples/ofd/dms360-v1-seal.ofd')));
    const v1 = files['Doc_0/Signs/Sign_0/SignedValue.dat'] as Uint8Array;
    const prepared = preparePdfSignature(classicPdf(), { page: 0, rect: [400, 700, 520, 800], signingTime: new Date(), contentsReserveBytes: 40000, subFilter: 'adbe.pkcs7.detached', fieldName: 'V1' });
    const r = await verifyDocument(fillPdfSignature(prepared, v1));
    const s = r.signatures[0];
    expect(s?.format).toBe('SES_Signature v1');
    expect(s?.kind).toBe('seal');
    expect(s?.seal?.format).toBe('v1');
    expect(s?.indication).toBe('TOTAL_FAILED');
    expect(s?.subIndications).toContain('HASH_FAILURE');
    expect(s?.checks.find((c) => c.id === 'signature.data-hash')?.status).toBe('failed');
    expect(s?.checks.find((c) => c.id === 'pdf.byte-range')?.status).toBe('passed');
  });
});
