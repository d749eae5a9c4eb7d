// SPDX-License-Identifier: Apache-2.0
// pdf.seal end to end on the real agent process over the WebSocket, consent and PIN answered through
// the protocol as the extension's consent window does: the development SM2 software token and the C
// SM2 PKCS#11 test token and the soft SKF device (SES_Signature in /Contents, TBS_Sign checked by OpenSSL, verifyDocument
// TOTAL_PASSED with the test anchor), SoftHSM2 ECDSA/RSA (pdfsig "Signature is Valid"), wrong then
// right PIN, refusal and cancel, idempotent ids, policy denial, coded refusals, and the audit record.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLines } from '../../../agent/audit/AuditLog.js';
import { readPdfSignatures } from '../../../shared/pdf/index.js';
import { decodeSES_Signature } from '../../../shared/seal/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import { buildPdf, classicPdf, onePageObjects, pdfsig, qpdfCheck, qpdfTransform } from '../../shared/pdf/support/makePdf.js';
import { pdfsigSummary } from '../../shared/pdf/support/sign.js';
import { loadTestPki } from '../../support/testPki.js';
import { buildTestTokens, makeSm2TestTokenDir, makeSoftSkfDir, removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { DEV_PIN, EXT_ORIGIN, pairedClient, PORTAL, startAgent, TestClient, type Frame, type StartedAgent } from './harness.js';
import { makeBoundSeal, opensslVerifyTbsSign } from './sealFixtures.js';
import { SOFTHSM_MODULE, SOFTHSM_PIN, softhsmWithPdfSeals } from '../pdf/support.js';

const P11_SERIAL = 'E000000000000002';
const P11_PIN = '123456';
const READONLY = 'https://readonly.example.gov.cn';
const ctx = { origin: PORTAL };
let p11Dir = '';
let hsmDir = '';
let skfDir = '';
const SKF_SERIAL = 'SKF0000000000002';
const SKF_PIN = '123456';
let agent: StartedAgent;
let client: TestClient;
let pairing: { keyId: string; key: Uint8Array };
let hsmSerial = '';

beforeAll(async () => {
  const libs = buildTestTokens();
  p11Dir = tempDir('eseal-pdfseal-p11-');
  makeSm2TestTokenDir(p11Dir, { label: 'ESeal P11 PDF', serial: P11_SERIAL, profile: 'A', pin: P11_PIN, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '某某市财政局 (PKCS#11 PDF)' }] });
  const sealDer = await makeBoundSeal(new Uint8Array(readFileSync(join(p11Dir, 'seal-sm2.cert.der'))), '某某市财政局（PDF）', '11010500000301');
  const header = `#sm2testtoken-data\nlabel.hex=${Buffer.from('p11-pdf').toString('hex')}\napplication.hex=${Buffer.from('ESeal').toString('hex')}\n\n`;
  writeFileSync(join(p11Dir, 'seal1.data'), Buffer.concat([Buffer.from(header), sealDer]));
  skfDir = tempDir('eseal-pdfseal-skf-');
  makeSoftSkfDir(skfDir, { devName: 'SoftSKF0', label: 'ESeal SKF PDF', serial: SKF_SERIAL, manufacturer: 'SoftSKF Test', application: 'ESEAL', pin: SKF_PIN, maxPinRetries: 5, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '某某市财政局 (SKF PDF)' }] });
  writeFileSync(join(skfDir, 'files', 'eseal.official'), await makeBoundSeal(new Uint8Array(readFileSync(join(skfDir, 'seal-sm2.cert.der'))), '某某市财政局（SKF PDF）', '11010500000302'));
  hsmDir = tempDir('eseal-pdfseal-hsm-');
  const { conf } = await softhsmWithPdfSeals(hsmDir);
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [
        { origin: PORTAL, name: '演示门户', actions: ['status', 'seals.list', 'pdf.seal'], sealTypes: ['official', 'legal'] },
        { origin: READONLY, actions: ['status', 'seals.list', 'seal.sign'], sealTypes: ['official'] },
      ],
      token: { pkcs11Libraries: [libs.pkcs11, SOFTHSM_MODULE], skfLibraries: [libs.skf] },
      development: { allowHttpLocalhost: true },
    },
    env: { SM2TESTTOKEN_DIR: p11Dir, SOFTHSM2_CONF: conf, SOFTSKF_DIR: skfDir },
  });
  const paired = await pairedClient(agent);
  client = paired.client;
  pairing = { keyId: paired.keyId, key: paired.key };
  const tokens = (await client.request('tokens.list', {})).res['result'] as { tokens: { serial: string; label: string }[] };
  hsmSerial = tokens.tokens.find((t) => t.label === 'ESeal SoftHSM')?.serial ?? '';
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  removeDir(p11Dir);
  removeDir(hsmDir);
  removeDir(skfDir);
});

interface PdfSealResult {
  document: string;
  fieldName: string;
  sealId: string;
  format: string;
  cert: string;
  signedAt: string;
  dataHash: string;
  page: number;
  rect: number[];
  auditSeq: number;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const params = (pdf: Uint8Array, extra: Record<string, unknown> = {}) => ({
  sealId: 'dev-official',
  document: b64(pdf),
  fileName: '合同.pdf',
  display: { title: '采购合同 2026-001' },
  placement: { page: 1, x: 150, y: 240 },
  ...extra,
});
const resultOf = (res: Frame) => res['result'] as PdfSealResult;
const docOf = (res: Frame) => new Uint8Array(Buffer.from(resultOf(res).document, 'base64'));
const auditRecords = () => [...readAuditLines(join(agent.stateDir, 'audit'))].map((l) => JSON.parse(l.line.slice(65)) as Record<string, unknown>);

describe('pdf.seal on the development SM2 software token', () => {
  it('consent with the page preview and the SM3 of the document, PIN, then the SES-sealed PDF', async () => {
    const input = classicPdf();
    const { res, progress } = await client.request('pdf.seal', params(input, { reason: '同意', location: '北京' }), { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { fieldName: 'Signature1', sealId: 'dev-official', format: 'SES_Signature', page: 1 } });
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pin', 'signing']);
    const consent = progress[0]?.['data'] as Record<string, unknown>;
    const sm3 = createHash('sm3').update(input).digest('hex').toUpperCase();
    expect(consent).toMatchObject({
      origin: PORTAL,
      portalName: '演示门户',
      seal: { id: 'dev-official', sealType: 'official' },
      document: { title: '采购合同 2026-001', fileName: '合同.pdf', pages: 1, propertyInfo: 'Signature1' },
      fingerprint: { alg: 'SM3', hex: sm3 },
      preview: { page: 1, pageCount: 1, pageSize: [595, 842], rotate: 0, rect: resultOf(res).rect },
    });
    const out = docOf(res);
    expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(qpdfCheck(out).code).toBe(0);
    const [sig] = readPdfSignatures(out).signatures;
    expect(sig).toMatchObject({ fieldName: 'Signature1', subFilter: 'adbe.pkcs7.detached', reason: '同意', location: '北京' });
    const ses = decodeSES_Signature(sig!.cms!);
    expect(Buffer.from(ses.toSign.dataHash).toString('base64')).toBe(resultOf(res).dataHash);
    expect(opensslVerifyTbsSign(sig!.cms!, new Uint8Array(Buffer.from(resultOf(res).cert, 'base64')))).toMatch(/Signature Verified Successfully/);
    const pki = await loadTestPki();
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.indication).toBe('TOTAL_PASSED');

    // The audit record: document fingerprint, field, page, seal, result, and its seq in the result.
    const record = auditRecords().find((r) => r['seq'] === resultOf(res).auditSeq);
    expect(record).toMatchObject({ method: 'pdf.seal', result: 'ok', origin: PORTAL, sealId: 'dev-official', documentDigest: sm3.toLowerCase(), extra: { field: 'Signature1', page: 1, format: 'SES_Signature' } });
  });

  it('a wrong PIN asks again with ERR_TOKEN_PIN_INCORRECT; the right one seals', async () => {
    const { res, progress } = await client.request('pdf.seal', params(classicPdf()), { ctx, consent: { pins: ['000000', DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { format: 'SES_Signature' } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => (p['data'] as { error?: string }).error)).toEqual([undefined, 'ERR_TOKEN_PIN_INCORRECT']);
  });

  it('refusing consent and cancelling a waiting request are ERR_USER_CANCELLED, audited as cancelled', async () => {
    const refused = await client.request('pdf.seal', params(classicPdf()), { ctx, consent: { approve: false } });
    expect(refused.res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    let sawConsent: () => void = () => undefined;
    const shown = new Promise<void>((r) => (sawConsent = r));
    const pending = client.request('pdf.seal', params(classicPdf(), { placement: { page: 1, x: 60, y: 60 } }), { id: 'pdf-cancel', ctx, onProgress: (f) => f['stage'] === 'awaiting_consent' && sawConsent() });
    await shown;
    const cancelled = await client.roundTrip({ v: 1, kind: 'req', id: 'pdf-cancel-1', method: 'cancel', params: { requestId: 'pdf-cancel' } });
    expect(cancelled).toMatchObject({ ok: true, result: { cancelled: true } });
    expect((await pending).res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    expect(auditRecords().filter((r) => r['requestId'] === 'pdf-cancel').map((r) => r['result'])).toContain('cancelled');
  });

  it('answers a retried id from the result cache (same signed PDF, nothing signed twice)', async () => {
    const p = params(classicPdf(), { placement: { page: 1, x: 100, y: 100 } });
    const first = await client.request('pdf.seal', p, { id: 'pdf-retry', ctx, consent: { pins: [DEV_PIN] } });
    const count = auditRecords().length;
    const c2 = await TestClient.connect(agent.port);
    await c2.authenticate(pairing.keyId, pairing.key);
    const again = await c2.request('pdf.seal', p, { id: 'pdf-retry', ctx });
    c2.close();
    expect(again.res).toEqual(first.res);
    expect(again.progress).toEqual([]);
    expect(auditRecords().length).toBe(count);
  });

  it('a document at the inline cap (4 MiB) goes through; the signed result still fits one frame', async () => {
    const input = buildPdf([...onePageObjects(), { dict: '', data: new Uint8Array(4 * 1024 * 1024 - 2048).fill(0x42) }]);
    expect(input.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    const { res } = await client.request('pdf.seal', params(input), { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { format: 'SES_Signature' } });
    const out = docOf(res);
    expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(qpdfCheck(out).code).toBe(0);
  });

  it('keyword placement', async () => {
    const { res } = await client.request('pdf.seal', params(classicPdf(), { placement: { keyword: 'Hello' } }), { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { page: 1 } });
    const [x1, , x2] = resultOf(res).rect as [number, number, number, number];
    expect((x1 + x2) / 2).toBeGreaterThan(72);
    expect((x1 + x2) / 2).toBeLessThan(160);
  });

  it.each([
    ['encrypted', () => qpdfTransform(classicPdf(), ['--encrypt', 'u', 'o', '256', '--']), { page: 1, x: 50, y: 50 }, 'ERR_PDF_ENCRYPTED'],
    ['DocMDP P=1', () => buildPdf([...onePageObjects({ catalogExtra: ' /Perms <</DocMDP 6 0 R>>' }), '<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 1 /V /1.2>>>>]>>']), { page: 1, x: 50, y: 50 }, 'ERR_PDF_CHANGES_FORBIDDEN'],
    ['page out of range', classicPdf, { page: 3, x: 50, y: 50 }, 'ERR_PDF_PAGE_OUT_OF_RANGE'],
    ['keyword not found', classicPdf, { keyword: '甲方（盖章）' }, 'ERR_PDF_KEYWORD_NOT_FOUND'],
    ['mixed placement', classicPdf, { keyword: 'Hello', x: 1, y: 1 }, 'ERR_INPUT_INVALID'],
    ['seal off the page', classicPdf, { page: 1, x: 1, y: 1 }, 'ERR_PDF_PLACEMENT_OFF_PAGE'],
    ['a riding seal on a one-page document', classicPdf, { riding: { y: 100 } }, 'ERR_INPUT_INVALID'],
    ['riding mixed with x/y', classicPdf, { riding: { y: 100 }, page: 1, x: 1, y: 1 }, 'ERR_INPUT_INVALID'],
  ])('refuses %s before asking for consent', async (_name, make, placement, code) => {
    const { res, progress } = await client.request('pdf.seal', params(make(), { placement }), { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: false, error: { code } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_consent')).toEqual([]);
  });

  it('the strict schema refuses unknown fields, fractional millimetres and a PIN parameter', async () => {
    for (const bad of [params(classicPdf(), { extra: 1 }), params(classicPdf(), { placement: { page: 1, x: 10.5, y: 20 } }), params(classicPdf(), { pin: DEV_PIN }), params(classicPdf(), { document: 'not base64!' })]) {
      const { res, progress } = await client.request('pdf.seal', bad, { ctx, consent: { pins: [DEV_PIN] } });
      expect(res).toMatchObject({ ok: false, error: { code: 'ERR_PROTOCOL_MALFORMED' } });
      expect(progress).toEqual([]);
    }
  });

  it('policy: a portal without pdf.seal, and a seal type the portal may not use, are denied', async () => {
    const other = await client.request('pdf.seal', params(classicPdf()), { ctx: { origin: READONLY }, consent: { pins: [DEV_PIN] } });
    expect(other.res).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    const personal = await client.request('pdf.seal', params(classicPdf(), { sealId: 'dev-personal' }), { ctx, consent: { pins: [DEV_PIN] } });
    expect(personal.res).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    const noOrigin = await client.request('pdf.seal', params(classicPdf()), { consent: { pins: [DEV_PIN] } });
    expect(noOrigin.res).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
  });
});

describe('pdf.seal on PKCS#11 tokens', () => {
  it('the C SM2 test token: SES_Signature whose TBS_Sign OpenSSL verifies; verifyDocument TOTAL_PASSED', async () => {
    const input = classicPdf();
    const { res } = await client.request('pdf.seal', params(input, { sealId: 'p11-pdf', tokenSerial: P11_SERIAL }), { ctx, consent: { pins: [P11_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { format: 'SES_Signature', sealId: 'p11-pdf' } });
    const out = docOf(res);
    expect(qpdfCheck(out).code).toBe(0);
    const [sig] = readPdfSignatures(out).signatures;
    expect(opensslVerifyTbsSign(sig!.cms!, new Uint8Array(readFileSync(join(p11Dir, 'seal-sm2.cert.der'))))).toMatch(/Signature Verified Successfully/);
    // The token's certificate is self-signed (test-token fixture): it is its own anchor here; the
    // seal maker chains to the test PKI root.
    const pki = await loadTestPki();
    const tokenCert = parseCertificate(new Uint8Array(readFileSync(join(p11Dir, 'seal-sm2.cert.der'))));
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root, tokenCert], intermediates: [pki.certs.inter] });
    expect(report.indication, JSON.stringify(report.signatures[0]?.checks.filter((c) => c.status !== 'passed'))).toBe('TOTAL_PASSED');
  });

  it('an SKF (GM/T 0016) device: SES_Signature whose TBS_Sign OpenSSL verifies', async () => {
    const input = classicPdf();
    const { res } = await client.request('pdf.seal', params(input, { sealId: 'eseal.official', tokenSerial: SKF_SERIAL }), { ctx, consent: { pins: [SKF_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { format: 'SES_Signature', sealId: 'eseal.official' } });
    const out = docOf(res);
    expect(qpdfCheck(out).code).toBe(0);
    const [sig] = readPdfSignatures(out).signatures;
    expect(opensslVerifyTbsSign(sig!.cms!, new Uint8Array(readFileSync(join(skfDir, 'seal-sm2.cert.der'))))).toMatch(/Signature Verified Successfully/);
  });

  it('SoftHSM ECDSA then RSA: pdfsig says every signature is valid', async () => {
    let pdf = classicPdf();
    for (const [n, sealId] of [[1, 'pdf-ec'], [2, 'pdf-rsa'], [3, 'pdf-ec']] as const) {
      const { res } = await client.request('pdf.seal', params(pdf, { sealId, tokenSerial: hsmSerial, placement: { page: 1, x: 40 * n, y: 200 } }), { ctx, consent: { pins: [SOFTHSM_PIN] } });
      expect(res).toMatchObject({ ok: true, result: { format: 'CMS', fieldName: `Signature${n}` } });
      pdf = docOf(res);
      expect(qpdfCheck(pdf).code).toBe(0);
      expect(pdfsigSummary(pdfsig(pdf))).toMatchObject({ total: n, valid: n });
    }
  });
});
