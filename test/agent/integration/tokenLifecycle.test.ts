// SPDX-License-Identifier: Apache-2.0
// Token life cycle through the real agent on the real native interfaces (the policy names ESeal's C
// SM2 PKCS#11 test token and the soft SKF library):
// - the key is pulled during seal.signBatch (the `removed` control file, created after a few `item`
//   progress frames): the batch stops cleanly with per-item results, the audit log verifies and has
//   a record per item and for the batch; the reinsertion is announced (`token.changed`) and listed,
//   and a new seal.sign works;
// - PIN lockout on the PKCS#11 token: wrong PINs until ERR_TOKEN_PIN_LOCKED, no further prompt, and a
//   locked token is refused before any consent or PIN prompt;
// - a token with its own PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): consent, then `awaiting_pinpad`,
//   never `awaiting_pin`; the PIN comes from the pad (the test token's `pinpad-input` control file).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLines, verifyAuditLog } from '../../../agent/audit/AuditLog.js';
import { verifySesSignature } from '../../../shared/seal/index.js';
import { buildTestTokens, makeSm2TestTokenDir, makeSoftSkfDir, removeDir, replug, tempDir, unplug } from '../../test-tokens/testTokenSupport.js';
import { digestItem, EXT_ORIGIN, pairedClient, PORTAL, startAgent, type Frame, type StartedAgent, type TestClient } from './harness.js';
import { makeBoundSeal } from './sealFixtures.js';

const PIN = '123456';
const P11 = { serial: 'E000000000000011', seal: 'p11-batch' };
const LOCK = { serial: 'E000000000000012', seal: 'p11-lock' };
const PAD = { serial: 'E000000000000013', seal: 'p11-pad' };
const SKF = { serial: 'SKF0000000000011', seal: 'eseal.official' };
const ctx = { origin: PORTAL };

const dirs: Record<'p11' | 'lock' | 'pad' | 'skf', string> = { p11: '', lock: '', pad: '', skf: '' };
let agent: StartedAgent;
let client: TestClient;

function makeSeal(certDer: Buffer, name: string): Promise<Uint8Array> {
  return makeBoundSeal(new Uint8Array(certDer), name);
}

async function makeP11Token(dir: string, serial: string, sealLabel: string, extra: { maxPinRetries?: number; pinpad?: boolean } = {}): Promise<void> {
  makeSm2TestTokenDir(dir, { label: `ESeal ${serial.slice(-2)}`, serial, profile: 'A', pin: PIN, ...extra, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: `某某市财政局 (${serial})` }] });
  const der = await makeSeal(readFileSync(join(dir, 'seal-sm2.cert.der')), `某某市财政局（${serial}）`);
  const header = `#sm2testtoken-data\nlabel.hex=${Buffer.from(sealLabel).toString('hex')}\napplication.hex=${Buffer.from('ESeal').toString('hex')}\n\n`;
  writeFileSync(join(dir, 'seal1.data'), Buffer.concat([Buffer.from(header), der]));
}

beforeAll(async () => {
  const libs = buildTestTokens();
  dirs.p11 = tempDir('eseal-life-p11-');
  dirs.lock = tempDir('eseal-life-lock-');
  dirs.pad = tempDir('eseal-life-pad-');
  dirs.skf = tempDir('eseal-life-skf-');
  await makeP11Token(dirs.p11, P11.serial, P11.seal);
  await makeP11Token(dirs.lock, LOCK.serial, LOCK.seal, { maxPinRetries: 3 });
  await makeP11Token(dirs.pad, PAD.serial, PAD.seal, { pinpad: true });
  makeSoftSkfDir(dirs.skf, { devName: 'SoftSKF0', label: 'ESeal SKF 生命周期', serial: SKF.serial, manufacturer: 'SoftSKF Test', application: 'ESEAL', pin: PIN, maxPinRetries: 5, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '某某市财政局 (SKF)' }] });
  writeFileSync(join(dirs.skf, 'files', SKF.seal), await makeSeal(readFileSync(join(dirs.skf, 'seal-sm2.cert.der')), '某某市财政局（SKF）'));
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, actions: ['status', 'seals.list', 'seal.sign', 'seal.signBatch'], sealTypes: ['official'] }],
      batch: { enabled: true, maxItems: 1000, cachePin: false },
      token: { pkcs11Libraries: [libs.pkcs11], skfLibraries: [libs.skf] },
      development: { allowHttpLocalhost: true },
    },
    env: { SM2TESTTOKEN_DIR: [dirs.p11, dirs.lock, dirs.pad].join(':'), SOFTSKF_DIR: dirs.skf },
  });
  client = (await pairedClient(agent)).client;
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  for (const d of Object.values(dirs)) if (d !== '') removeDir(d);
});

interface AuditRecord {
  method: string;
  result: string;
  requestId?: string;
  errorCode?: string;
  extra?: Record<string, unknown>;
}

function auditRecords(): AuditRecord[] {
  return [...readAuditLines(join(agent.stateDir, 'audit'))].map((l) => JSON.parse(l.line.slice(65)) as AuditRecord);
}

const tokenEvent = (serial: string, type: 'inserted' | 'removed') => (f: Frame) =>
  f['kind'] === 'evt' && f['event'] === 'token.changed' && (f['data'] as { serial?: string; type?: string } | undefined)?.serial === serial && (f['data'] as { type?: string }).type === type;

async function listedSerials(): Promise<string[]> {
  const tokens = (await client.request('tokens.list', {})).res['result'] as { tokens: { serial: string; present: boolean }[] };
  return tokens.tokens.filter((t) => t.present).map((t) => t.serial);
}

describe.each([
  { name: 'C SM2 PKCS#11 test token', token: P11, dir: () => dirs.p11 },
  { name: 'soft SKF library', token: SKF, dir: () => dirs.skf },
])('key pulled during seal.signBatch on the $name', ({ token, dir }) => {
  it('stops cleanly with per-item results and a complete audit; reinsertion is seen and seal.sign works again', async () => {
    expect(await listedSerials()).toContain(token.serial);
    const total = 400;
    const pullAfter = 3;
    const items = Array.from({ length: total }, (_, i) => ({ ...digestItem(i % 250), itemId: `item-${i}` }));
    const requestId = `batch-pull-${token.serial}`;
    let seen = 0;
    const started = Date.now();
    const { res, progress } = await client.request('seal.signBatch', { sealId: token.seal, tokenSerial: token.serial, items }, {
      id: requestId,
      ctx,
      consent: { pins: [PIN] },
      onProgress: (f: Frame) => {
        if (f['stage'] === 'item' && ++seen === pullAfter) unplug(dir());
      },
    });
    expect(Date.now() - started).toBeLessThan(30_000); // no hang
    if (res['ok'] !== true) throw new Error(JSON.stringify(res['error']));
    const result = res['result'] as { total: number; signed: number; complete: boolean; stopped: { code: string }; items: { itemId: string; ok: boolean; attempted?: boolean; signature?: string; error?: { code: string } }[] };
    expect(result).toMatchObject({ total, complete: false, stopped: { code: 'ERR_TOKEN_REMOVED' } });
    expect(result.signed).toBeGreaterThanOrEqual(pullAfter);
    expect(result.signed).toBeLessThan(total);
    expect(result.items).toHaveLength(total);
    expect(result.items.map((r) => r.itemId)).toEqual(items.map((i) => i.itemId));
    expect(result.items.slice(0, result.signed).every((r) => r.ok && typeof r.signature === 'string')).toBe(true);
    expect(result.items[result.signed]).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_REMOVED' } });
    expect(result.items.slice(result.signed + 1).every((r) => !r.ok && r.attempted === false)).toBe(true);
    const okFrames = progress.filter((p) => p['stage'] === 'item' && (p['data'] as { ok: boolean }).ok);
    expect(okFrames).toHaveLength(result.signed);
    // What was signed before the pull is good.
    const first = result.items[0] as { signature: string };
    const report = await verifySesSignature(new Uint8Array(Buffer.from(first.signature, 'base64')), { trustAnchors: [], documentHash: new Uint8Array(32).fill(0) });
    expect(report.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');

    const verification = verifyAuditLog(join(agent.stateDir, 'audit'));
    expect(verification).toMatchObject({ ok: true });
    const mine = auditRecords().filter((r) => r.requestId === requestId);
    expect(mine.filter((r) => r.method === 'seal.signBatch.item' && r.result === 'ok')).toHaveLength(result.signed);
    expect(mine.filter((r) => r.method === 'seal.signBatch.item' && r.result === 'error')).toEqual([expect.objectContaining({ errorCode: 'ERR_TOKEN_REMOVED', extra: expect.objectContaining({ index: result.signed }) as unknown })]);
    expect(mine.filter((r) => r.method === 'seal.signBatch')).toEqual([expect.objectContaining({ result: 'ok', extra: { items: total, signed: result.signed } })]);

    // The watcher reports the removal, then (after the key is back) the insertion.
    await client.next(tokenEvent(token.serial, 'removed'), 10_000);
    expect(await listedSerials()).not.toContain(token.serial);
    replug(dir());
    const inserted = await client.next(tokenEvent(token.serial, 'inserted'), 10_000);
    expect(inserted['data']).toMatchObject({ serial: token.serial, present: true });
    expect(await listedSerials()).toContain(token.serial);

    const again = await client.request('seal.sign', { sealId: token.seal, tokenSerial: token.serial, item: digestItem(9) }, { ctx, consent: { pins: [PIN] } });
    expect(again.res).toMatchObject({ ok: true, result: { sealId: token.seal } });
    const sig = new Uint8Array(Buffer.from((again.res['result'] as { signature: string }).signature, 'base64'));
    const check = await verifySesSignature(sig, { trustAnchors: [], documentHash: new Uint8Array(32).fill(9) });
    expect(check.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
  });
});

describe('PIN lockout through the agent on the C PKCS#11 token', () => {
  it('wrong PINs until ERR_TOKEN_PIN_LOCKED, no further prompt; a locked token is refused before consent', async () => {
    const { res, progress } = await client.request('seal.sign', { sealId: LOCK.seal, tokenSerial: LOCK.serial, item: digestItem(3) }, { ctx, consent: { pins: ['000001', '000002', '000003', PIN] } });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_PIN_LOCKED' } });
    const prompts = progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => (p['data'] as { error?: string }).error);
    expect(prompts).toEqual([undefined, 'ERR_TOKEN_PIN_INCORRECT', 'ERR_TOKEN_PIN_INCORRECT']); // the right PIN was never asked for
    expect(progress.some((p) => p['stage'] === 'signing')).toBe(false);

    const tokens = (await client.request('tokens.list', {})).res['result'] as { tokens: { serial: string; pinLocked: boolean }[] };
    expect(tokens.tokens.find((t) => t.serial === LOCK.serial)?.pinLocked).toBe(true);
    const again = await client.request('seal.sign', { sealId: LOCK.seal, tokenSerial: LOCK.serial, item: digestItem(3) }, { ctx, consent: { pins: [PIN] } });
    expect(again.res).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_PIN_LOCKED' } });
    expect(again.progress.filter((p) => p['stage'] === 'awaiting_consent' || p['stage'] === 'awaiting_pin')).toEqual([]);
    expect(verifyAuditLog(join(agent.stateDir, 'audit'))).toMatchObject({ ok: true });
  });
});

describe('PIN pad through the agent on the C PKCS#11 token (pinpad=1)', () => {
  it('consent, then awaiting_pinpad (never awaiting_pin); the PIN typed on the pad logs in and the seal is made', async () => {
    const tokens = (await client.request('tokens.list', {})).res['result'] as { tokens: { serial: string; pinPad: boolean }[] };
    expect(tokens.tokens.find((t) => t.serial === PAD.serial)?.pinPad).toBe(true);
    writeFileSync(join(dirs.pad, 'pinpad-input'), `${PIN}\n`); // what the user "types" on the pad
    const { res, progress } = await client.request('seal.sign', { sealId: PAD.seal, tokenSerial: PAD.serial, item: digestItem(5) }, { ctx, consent: { pins: [] } });
    expect(res).toMatchObject({ ok: true, result: { sealId: PAD.seal } });
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pinpad', 'signing']);
    expect(progress[0]?.['data']).toMatchObject({ pinPad: true });
    expect(progress[1]?.['data']).toMatchObject({ tokenLabel: expect.any(String) as string });
    const sig = new Uint8Array(Buffer.from((res['result'] as { signature: string }).signature, 'base64'));
    const check = await verifySesSignature(sig, { trustAnchors: [], documentHash: new Uint8Array(32).fill(5) });
    expect(check.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    const logins = auditRecords().filter((r) => r.requestId === res['id'] && r.method === 'seal.sign.login');
    expect(logins).toEqual([expect.objectContaining({ result: 'ok', extra: { entry: 'pinpad' } })]);
  });

  it('a wrong PIN on the pad → ERR_TOKEN_PIN_INCORRECT; cancelled on the pad → ERR_USER_CANCELLED; neither asks the extension for a PIN', async () => {
    writeFileSync(join(dirs.pad, 'pinpad-input'), '999999');
    const wrong = await client.request('seal.sign', { sealId: PAD.seal, tokenSerial: PAD.serial, item: digestItem(5) }, { ctx, consent: { pins: [] } });
    expect(wrong.res).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_PIN_INCORRECT' } });
    expect(wrong.progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pinpad']);
    rmSync(join(dirs.pad, 'pinpad-input')); // the pad answers "cancelled" (CKR_FUNCTION_CANCELED)
    const cancelled = await client.request('seal.sign', { sealId: PAD.seal, tokenSerial: PAD.serial, item: digestItem(5) }, { ctx, consent: { pins: [] } });
    expect(cancelled.res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    expect(cancelled.progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pinpad']);
    // The right PIN still works afterwards (the failed try did not lock the token).
    writeFileSync(join(dirs.pad, 'pinpad-input'), PIN);
    const ok = await client.request('seal.sign', { sealId: PAD.seal, tokenSerial: PAD.serial, item: digestItem(6) }, { ctx, consent: { pins: [] } });
    expect(ok.res).toMatchObject({ ok: true });
  });
});
