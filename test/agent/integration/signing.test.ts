// SPDX-License-Identifier: Apache-2.0
// seal.sign / seal.signBatch / data.sign end to end on the real agent with the development software
// token: consent and PIN through the protocol, policy denials, batches with progress, key removal
// mid-batch, idempotent retries, deadlines and cancel — checked with shared/seal, OpenSSL and the
// audit log.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLines, verifyAuditLog } from '../../../agent/audit/AuditLog.js';
import { sm2Verify, sm3 } from '../../../shared/crypto/index.js';
import { decodeSES_Signature, verifySesSignature } from '../../../shared/seal/index.js';
import { verifyCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { parseCertificate, parseCertificates } from '../../../shared/x509/index.js';
import { loadTestPki, testPkiDir } from '../../support/testPki.js';
import { DEV_PIN, digestItem, EXT_ORIGIN, pairedClient, PORTAL, startAgent, TestClient, type Frame, type StartedAgent } from './harness.js';
import { opensslVerifyTbsSign } from './sealFixtures.js';

const OTHER = 'https://other.example.gov.cn';
const policy = {
  extensionOrigins: [EXT_ORIGIN],
  portals: [
    { origin: PORTAL, name: '演示门户', actions: ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'data.sign', 'verify'], sealTypes: ['official', 'legal'] },
    { origin: 'https://readonly.example.gov.cn', actions: ['status', 'seals.list'], sealTypes: [] },
  ],
  batch: { enabled: true, maxItems: 1000, cachePin: false },
  development: { allowHttpLocalhost: true },
};

let agent: StartedAgent;
let client: TestClient;
let pairing: { keyId: string; key: Uint8Array };
const ctx = { origin: PORTAL, lang: 'zh-CN' };

beforeAll(async () => {
  agent = await startAgent({ policy });
  const paired = await pairedClient(agent);
  client = paired.client;
  pairing = { keyId: paired.keyId, key: paired.key };
});

afterAll(async () => {
  client.close();
  await agent.stop();
});

function auditRecords(): { method: string; result: string; requestId?: string; errorCode?: string; extra?: Record<string, unknown> }[] {
  return [...readAuditLines(join(agent.stateDir, 'audit'))].map((l) => JSON.parse(l.line.slice(65)) as { method: string; result: string });
}

describe('seal.sign', () => {
  it('signs after consent and PIN; the SES_Signature verifies with shared/seal and OpenSSL', async () => {
    const data = Buffer.from('财政直接支付凭证 2026-0001 金额 12,345.67 元');
    const { res, progress } = await client.request('seal.sign', { sealId: 'dev-official', item: { data: data.toString('base64'), propertyInfo: '/vouchers/2026-0001', display: { title: '财政直接支付凭证 2026-0001', docName: 'voucher.xml', pages: 1 } } }, { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { sealId: 'dev-official', format: 'GB/T38540-SES_Signature-v4', auditSeq: expect.any(Number) as number } });
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pin', 'signing']);
    const consent = progress[0]?.['data'] as Record<string, unknown>;
    const expectedHash = sm3(new Uint8Array(data));
    expect(consent).toMatchObject({
      origin: PORTAL,
      portalName: '演示门户',
      seal: { id: 'dev-official', sealType: 'official', type: 1, picture: { format: 'png', dataBase64: expect.any(String) as string } },
      signer: { subject: expect.stringContaining('某某市财政局') as string },
      document: { title: '财政直接支付凭证 2026-0001', docName: 'voucher.xml', pages: 1 },
      fingerprint: { alg: 'SM3', hex: Buffer.from(expectedHash).toString('hex').toUpperCase() },
      token: { developmentOnly: true },
    });
    const result = res['result'] as { signature: string; dataHash: { value: string } };
    expect(Buffer.from(result.dataHash.value, 'base64')).toEqual(Buffer.from(expectedHash));
    const der = new Uint8Array(Buffer.from(result.signature, 'base64'));

    const pki = await loadTestPki();
    const report = await verifySesSignature(der, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], documentHash: expectedHash });
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.propertyInfo).toBe('/vouchers/2026-0001');

    // OpenSSL checks the TBS_Sign signature on its own (SM2 with the GM/T default ID); a tampered TBS fails.
    const unitDer = parseCertificates(readFileSync(join(testPkiDir(), 'unit.pem'), 'utf8'))[0]!.der;
    expect(opensslVerifyTbsSign(der, unitDer)).toMatch(/Signature Verified Successfully/);
    const bad = Buffer.from(decodeSES_Signature(der).raw.toSign);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    expect(() => opensslVerifyTbsSign(der, unitDer, bad)).toThrow();

    // The agent's own verify method agrees.
    const { res: verified } = await client.request('verify', { document: result.signature }, { ctx });
    expect(verified).toMatchObject({ ok: true, result: { signatures: [expect.objectContaining({})] } });
  });

  it('asks again after a wrong PIN with retries left, then signs with the right one', async () => {
    const { res, progress } = await client.request('seal.sign', { sealId: 'dev-legal', item: digestItem(2) }, { ctx, consent: { pins: ['654321', DEV_PIN] } });
    expect(res).toMatchObject({ ok: true });
    const pins = progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => p['data'] as Record<string, unknown>);
    expect(pins).toHaveLength(2);
    expect(pins[1]).toMatchObject({ error: 'ERR_TOKEN_PIN_INCORRECT', retriesLeft: (pins[0]?.['retriesLeft'] as number) - 1 });
    const records = auditRecords();
    expect(records.some((r) => r.method === 'seal.sign.login' && r.errorCode === 'ERR_TOKEN_PIN_INCORRECT')).toBe(true);
    expect(JSON.stringify(records)).not.toContain('654321');
    expect(JSON.stringify(records)).not.toContain(DEV_PIN);
  });

  it('accepts the PIN with the consent reply (one round trip)', async () => {
    const { res, progress } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(3) }, { ctx, consent: { pins: [DEV_PIN], pinWithConsent: true } });
    expect(res).toMatchObject({ ok: true });
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'signing']);
  });

  it('refuses by policy without asking for consent: unknown origin, action not allowed, seal type not allowed, no origin', async () => {
    const cases: [unknown, string, unknown][] = [
      [{ origin: OTHER }, 'dev-official', 'origin-not-listed'],
      [{ origin: 'https://readonly.example.gov.cn' }, 'dev-official', 'action-not-allowed'],
      [ctx, 'dev-personal', 'seal-type-not-allowed'],
      [undefined, 'dev-official', 'signing needs ctx.origin'],
    ];
    for (const [c, sealId, reason] of cases) {
      const { res, progress } = await client.request('seal.sign', { sealId, item: digestItem(4) }, { ...(c !== undefined && { ctx: c }), consent: { pins: [DEV_PIN] } });
      expect(res).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED', details: { reason } } });
      expect(progress).toEqual([]);
    }
    expect(auditRecords().filter((r) => r.method === 'seal.sign' && r.result === 'denied').length).toBeGreaterThanOrEqual(4);
  });

  it('lists only the seal types the portal may use', async () => {
    const { res } = await client.request('seals.list', {}, { ctx });
    const seals = (res['result'] as { seals: { id: string; sealType: string; signer: unknown }[] }).seals;
    expect(seals.map((s) => s.id).sort()).toEqual(['dev-legal', 'dev-official']);
    expect(seals[0]?.signer).toBeDefined();
    const all = await client.request('seals.list', { includePictures: true });
    expect((all.res['result'] as { seals: unknown[] }).seals).toHaveLength(3);
  });

  it('answers a retried id from the result cache without signing twice', async () => {
    const before = auditRecords().length;
    const first = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(5) }, { id: 'retry-1', ctx, consent: { pins: [DEV_PIN] } });
    const afterFirst = auditRecords().length;
    const again = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(5) }, { id: 'retry-1', ctx, consent: { pins: [DEV_PIN] } });
    expect(again.res).toEqual(first.res);
    expect(again.progress).toEqual([]);
    expect(auditRecords().length).toBe(afterFirst);
    expect(afterFirst).toBeGreaterThan(before);
    // The same id with different parameters is refused.
    const other = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(6) }, { id: 'retry-1', ctx });
    expect(other.res).toMatchObject({ ok: false, error: { code: 'ERR_PROTOCOL_MALFORMED' } });
    // A retry from a new connection (service-worker restart) with the same pairing gets the same answer.
    const { keyId, key } = pairing;
    const c2 = await TestClient.connect(agent.port);
    await c2.authenticate(keyId, key);
    const third = await c2.request('seal.sign', { sealId: 'dev-official', item: digestItem(5) }, { id: 'retry-1', ctx });
    expect(third.res).toEqual(first.res);
    c2.close();
  });

  it('ends with ERR_TIMEOUT at the deadline when nobody answers, and cancel stops a waiting request', async () => {
    const { res } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(7) }, { ctx, deadlineMs: 500 });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_TIMEOUT' } });
    let sawConsent: () => void = () => undefined;
    const consentShown = new Promise<void>((r) => (sawConsent = r));
    const pending = client.request('seal.sign', { sealId: 'dev-official', item: digestItem(8) }, { id: 'to-cancel', ctx, onProgress: (f) => f['stage'] === 'awaiting_consent' && sawConsent() });
    await consentShown;
    const cancelled = await client.roundTrip({ v: 1, kind: 'req', id: 'cancel-1', method: 'cancel', params: { requestId: 'to-cancel' } });
    expect(cancelled).toMatchObject({ id: 'cancel-1', ok: true, result: { cancelled: true } });
    expect((await pending).res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    const refused = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(9) }, { ctx, consent: { approve: false } });
    expect(refused.res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
  });
});

describe('seal.signBatch', () => {
  it('signs 20 items after one consent and one PIN, with a progress frame per item', async () => {
    const items = Array.from({ length: 20 }, (_, i) => digestItem(100 + i));
    const { res, progress } = await client.request('seal.signBatch', { sealId: 'dev-official', items }, { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true, result: { total: 20, signed: 20, complete: true } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_consent')).toHaveLength(1);
    expect(progress.filter((p) => p['stage'] === 'awaiting_pin')).toHaveLength(1);
    const consent = progress[0]?.['data'] as { items: number; list: unknown[] };
    expect(consent.items).toBe(20);
    expect(consent.list).toHaveLength(20);
    const itemFrames = progress.filter((p) => p['stage'] === 'item').map((p) => p['data'] as { index: number; itemId: string; ok: boolean; signature: string });
    expect(itemFrames.map((f) => f.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const results = (res['result'] as { items: { itemId: string; ok: boolean; signature: string }[] }).items;
    expect(results.map((r) => r.itemId)).toEqual(items.map((i) => i.itemId));
    const pki = await loadTestPki();
    for (const [i, r] of results.entries()) {
      const report = await verifySesSignature(new Uint8Array(Buffer.from(r.signature, 'base64')), { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], documentHash: new Uint8Array(32).fill(100 + i) });
      expect(report.indication).toBe('TOTAL_PASSED');
    }
  });

  it('stops cleanly when the key is removed mid-batch: partial results, audit complete and intact', async () => {
    const tokenPath = join(agent.stateDir, 'dev', 'soft-token.json');
    const items = Array.from({ length: 400 }, (_, i) => digestItem(1000 + i));
    let removed = false;
    const { res, progress } = await client.request('seal.signBatch', { sealId: 'dev-official', items }, {
      id: 'batch-removal',
      ctx,
      consent: { pins: [DEV_PIN] },
      onProgress: (f: Frame) => {
        if (f['stage'] === 'item' && !removed) {
          removed = true;
          renameSync(tokenPath, `${tokenPath}.pulled`);
        }
      },
    });
    renameSync(`${tokenPath}.pulled`, tokenPath);
    expect(existsSync(tokenPath)).toBe(true);
    const result = res['result'] as { total: number; signed: number; complete: boolean; stopped: { code: string }; items: { ok: boolean; attempted?: boolean; error?: { code: string } }[] };
    expect(res['ok']).toBe(true);
    expect(result.complete).toBe(false);
    expect(result.stopped.code).toBe('ERR_TOKEN_REMOVED');
    expect(result.signed).toBeGreaterThan(0);
    expect(result.signed).toBeLessThan(400);
    expect(result.items).toHaveLength(400);
    expect(result.items.slice(0, result.signed).every((r) => r.ok)).toBe(true);
    expect(result.items[result.signed]?.error?.code).toBe('ERR_TOKEN_REMOVED');
    expect(result.items.slice(result.signed + 1).every((r) => r.attempted === false)).toBe(true);
    expect(progress.filter((p) => p['stage'] === 'item' && (p['data'] as { ok: boolean }).ok)).toHaveLength(result.signed);

    const verification = verifyAuditLog(join(agent.stateDir, 'audit'));
    expect(verification.ok).toBe(true);
    const mine = auditRecords().filter((r) => r.requestId === 'batch-removal');
    expect(mine.filter((r) => r.method === 'seal.signBatch.item' && r.result === 'ok')).toHaveLength(result.signed);
    expect(mine.filter((r) => r.method === 'seal.signBatch.item' && r.errorCode === 'ERR_TOKEN_REMOVED')).toHaveLength(1);
    expect(mine.find((r) => r.method === 'seal.signBatch')).toMatchObject({ result: 'ok', extra: { items: 400, signed: result.signed } });
  });
});

describe('data.sign', () => {
  it('signs data with SM2 (Z, default ID) and as GM/T 0010 SignedData (detached and attached), verified by shared/cms', async () => {
    const data = Buffer.from('{"voucher":"2026-0001","amount":"12345.67"}');
    const { res } = await client.request('data.sign', { certId: 'cert-official', format: 'sm2-raw', item: { data: data.toString('base64'), propertyInfo: 'voucher.json', display: { title: '凭证数据' } } }, { ctx, consent: { pins: [DEV_PIN] } });
    expect(res).toMatchObject({ ok: true });
    const r = res['result'] as { signature: string; cert: string };
    const cert = parseCertificate(new Uint8Array(Buffer.from(r.cert, 'base64')));
    expect(sm2Verify(cert.publicKey.point ?? new Uint8Array(), new Uint8Array(data), new Uint8Array(Buffer.from(r.signature, 'base64')))).toBe(true);
    const pki = await loadTestPki();
    for (const detached of [true, false]) {
      const cms = await client.request('data.sign', { certId: 'cert-official', format: 'sm2-cms', detached, item: { data: data.toString('base64'), propertyInfo: 'x', display: { title: 't' } } }, { ctx, consent: { pins: [DEV_PIN], pinWithConsent: true } });
      expect(cms.res).toMatchObject({ ok: true, result: { format: 'sm2-cms', detached } });
      const der = new Uint8Array(Buffer.from((cms.res['result'] as { signature: string }).signature, 'base64'));
      const report = await verifyCmsSignedData(der, { ...(detached && { content: new Uint8Array(data) }), trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });
      expect(report).toMatchObject({ indication: 'TOTAL_PASSED', format: expect.stringContaining('GM/T 0010') as string, detached, signedAttributes: true });
      if (detached) {
        const tampered = await verifyCmsSignedData(der, { content: new Uint8Array(Buffer.from('tampered')), trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });
        expect(tampered.indication).toBe('TOTAL_FAILED');
      }
    }
    // RFC 5652 `cms` is for ECDSA/RSA keys (softhsm.test.ts); an SM2 key takes sm2-cms.
    const rfc = await client.request('data.sign', { certId: 'cert-official', format: 'cms', item: { data: data.toString('base64'), propertyInfo: 'x', display: { title: 't' } } }, { ctx });
    expect(rfc.res).toMatchObject({ ok: false, error: { code: 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED' } });
  });
});
