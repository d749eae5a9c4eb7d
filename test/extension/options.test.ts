// SPDX-License-Identifier: Apache-2.0
// Options and diagnostics without a browser: the diagnostic report carries what a helpdesk needs
// (versions, agent state, tokens present, policy source and its validator error, recent coded
// errors in zh and en) and none of the secrets: no pairing key, no PIN, no pairing code, no
// cookies, no document contents. The error list is bounded.
import { describe, expect, it } from 'vitest';
import type { BrowserApi, StorageArea } from '../../extension/browserApi.js';
import { Diagnostics, MAX_ERROR_RECORDS } from '../../extension/background/diagnostics.js';
import { diagnosticReport, handleOptionsRequest, type OptionsDeps } from '../../extension/background/optionsApi.js';
import { PairingStore } from '../../extension/background/pairingStore.js';
import { readPolicy } from '../../extension/background/policySource.js';
import { AgentConnection } from '../../extension/background/transport/AgentConnection.js';
import { SealError } from '../../shared/errors/index.js';

const OWN = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';
const PORTAL = 'https://zfzf.czj.example.gov.cn';
const PIN = '864213';
const PAIR_CODE = '73915542';
const COOKIE = 'JSESSIONID=5F1E2D3C4B5A69788796A5B4C3D2E1F0';
const DOCUMENT = Buffer.from('%PDF-1.7 财政直接支付凭证 机密内容 4711').toString('base64');

function memoryArea(initial: Record<string, unknown> = {}): StorageArea {
  const data = { ...initial };
  return {
    get: (keys) => Promise.resolve(keys === null || keys === undefined ? { ...data } : Object.fromEntries((Array.isArray(keys) ? keys : [keys]).filter((k) => k in data).map((k) => [k, data[k]]))),
    set: (items) => Promise.resolve(void Object.assign(data, items)),
    remove: (keys) => Promise.resolve(void (Array.isArray(keys) ? keys : [keys]).forEach((k) => delete data[k])),
  };
}

function api(managed: unknown): BrowserApi {
  return {
    storage: { local: memoryArea(), managed: { get: () => Promise.resolve(managed) } },
    management: { getSelf: () => Promise.resolve({ installType: 'normal' }) },
  } as unknown as BrowserApi;
}

async function rig(managed: unknown) {
  const storage = memoryArea();
  const pairings = new PairingStore(storage);
  const key = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  await pairings.save({ keyId: 'k-diag', key, instanceId: 'inst-1' });
  const diagnostics = new Diagnostics();
  // What a sealing session leaves behind: errors with documents, PINs and cookies around them.
  diagnostics.record(PORTAL, 'pdf.seal', new SealError('ERR_TOKEN_PIN_INCORRECT', { retriesLeft: 2, pin: PIN, document: DOCUMENT, cookie: COOKIE }));
  diagnostics.record(PORTAL, 'sealData', new SealError('ERR_POLICY_DENIED', { origin: PORTAL, action: 'sealData' }));
  const conn = new AgentConnection({ port: 1, origin: OWN, loadCredentials: () => pairings.credentials(), createSocket: () => { throw new Error('no socket in this test'); } });
  const a = api(managed);
  const deps: OptionsDeps = { api: a, agent: () => Promise.resolve(conn), pairings, diagnostics, extensionVersion: '0.1.0', loadPolicy: () => readPolicy(a) };
  return { deps, key, storage, diagnostics };
}

describe('diagnostic report', () => {
  it('has versions, agent, pairing, policy with its source, and coded zh/en errors', async () => {
    const { deps } = await rig({ portals: [{ origin: PORTAL, actions: ['status'] }] });
    const r = await handleOptionsRequest({ op: 'report' }, deps);
    expect(r.ok).toBe(true);
    const report = JSON.parse(r.ok ? r.report ?? '' : '') as Record<string, unknown>;
    // userAgent is there in a browser (and in Node ≥ 21, which has navigator).
    expect(Object.keys(report).filter((k) => k !== 'userAgent').sort()).toEqual(['agent', 'extensionVersion', 'generatedAt', 'lastErrors', 'localNetworkAccess', 'pairing', 'policy', 'reportVersion']);
    // Node has no Local Network Access permission: reported as unsupported, not guessed.
    expect(report['localNetworkAccess']).toEqual({ 'local-network-access': 'unsupported', 'loopback-network': 'unsupported' });
    expect(report).toMatchObject({
      extensionVersion: '0.1.0',
      agent: { state: expect.any(String) as string, url: 'ws://127.0.0.1:1' },
      pairing: { paired: true, keyId: 'k-diag' },
      policy: { source: 'managed', origin: 'storage.managed', fields: ['portals'], portals: [PORTAL], agentPort: 17530 },
    });
    const errors = report['lastErrors'] as { code: string; message: string; messageZh: string; origin: string; action: string }[];
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['ERR_TOKEN_PIN_INCORRECT', 'ERR_POLICY_DENIED']));
    const pin = errors.find((e) => e.code === 'ERR_TOKEN_PIN_INCORRECT');
    expect(pin).toMatchObject({ origin: PORTAL, action: 'pdf.seal', messageZh: 'PIN 码错误，还可尝试 2 次', message: 'Wrong PIN; 2 attempts left' });
  });

  it('an invalid managed policy: the report names the field (what the administrator must fix)', async () => {
    const { deps } = await rig({ portals: [{ origin: PORTAL, actions: ['status'] }], batch: { maxItems: 99999 } });
    const r = await handleOptionsRequest({ op: 'report' }, deps);
    const report = JSON.parse(r.ok ? r.report ?? '' : '') as { policy: Record<string, unknown> };
    expect(report.policy).toMatchObject({ source: 'managed-invalid', portals: [], error: { code: 'ERR_POLICY_INVALID', details: { field: 'batch.maxItems' } } });
  });

  it('contains no pairing key, PIN, pairing code, cookie or document content — also after a failed pairing attempt', async () => {
    const { deps, key, storage } = await rig({ portals: [{ origin: PORTAL, actions: ['status'] }] });
    await handleOptionsRequest({ op: 'pair', code: `${PAIR_CODE.slice(0, 4)} ${PAIR_CODE.slice(4)}` }, deps);
    const r = await handleOptionsRequest({ op: 'report' }, deps);
    const text = r.ok ? r.report ?? '' : '';
    expect(text.length).toBeGreaterThan(200);
    const stored = JSON.stringify(await storage.get(null));
    const keyB64 = Buffer.from(key).toString('base64');
    expect(stored).toContain(keyB64.slice(0, 20)); // the key is really in storage...
    for (const secret of [keyB64, keyB64.slice(0, 16), Buffer.from(key).toString('hex').slice(0, 16), PIN, PAIR_CODE, PAIR_CODE.slice(0, 4) + ' ' + PAIR_CODE.slice(4), COOKIE, 'JSESSIONID', DOCUMENT, DOCUMENT.slice(0, 16), '机密内容']) {
      expect(text).not.toContain(secret); // ...and never in the report
    }
    // The same holds for the state the options page gets.
    const state = JSON.stringify(await handleOptionsRequest({ op: 'state' }, deps));
    for (const secret of [keyB64, PIN, PAIR_CODE, COOKIE, DOCUMENT]) expect(state).not.toContain(secret);
  });

  it('is built field by field: extra fields smuggled into the state do not reach it', async () => {
    const { deps } = await rig({});
    const r = await handleOptionsRequest({ op: 'state' }, deps);
    if (!r.ok) throw new Error('state failed');
    const polluted = { ...r.state, pairing: { ...r.state.pairing, key: 'SECRET-KEY-MATERIAL' }, cookies: COOKIE } as typeof r.state;
    const text = diagnosticReport(polluted, new Date('2026-11-22T00:00:00Z'));
    expect(text).not.toContain('SECRET-KEY-MATERIAL');
    expect(text).not.toContain(COOKIE);
    expect(JSON.parse(text)).toMatchObject({ generatedAt: '2026-11-22T00:00:00.000Z', policy: { source: 'none' } });
  });
});

describe('last errors', () => {
  it('keep the newest MAX_ERROR_RECORDS, coded with both languages, and no details', () => {
    const d = new Diagnostics();
    for (let i = 0; i < MAX_ERROR_RECORDS + 7; i++) d.record(`https://p${i}.example.gov.cn`, 'status', new SealError('ERR_AGENT_UNAVAILABLE'));
    expect(d.lastErrors).toHaveLength(MAX_ERROR_RECORDS);
    expect(d.lastErrors[0]?.origin).toBe('https://p7.example.gov.cn');
    expect(d.lastErrors.at(-1)?.origin).toBe(`https://p${MAX_ERROR_RECORDS + 6}.example.gov.cn`);
    expect(Object.keys(d.lastErrors[0] ?? {}).sort()).toEqual(['action', 'at', 'code', 'message', 'messageZh', 'origin']);
    expect(d.lastErrors[0]).toMatchObject({ code: 'ERR_AGENT_UNAVAILABLE', messageZh: expect.stringContaining('签章服务') as string, message: expect.stringContaining('agent') as string });
  });
});
