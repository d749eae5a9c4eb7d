// SPDX-License-Identifier: Apache-2.0
// The background's page-request path without a browser: the origin comes from `sender` (never
// the payload), deny by default with no prompt, strict parameters (no PIN), queue per origin,
// awaiting_consent → ERR_NOT_IMPLEMENTED (consent is never faked), and the policy sources.
import { describe, expect, it } from 'vitest';
import type { BrowserApi, RuntimeSender, StorageArea } from '../../extension/browserApi.js';
import { PageRequestHandler, type AgentLike, type PageResponse } from '../../extension/background/PageRequestHandler.js';
import { loadPolicy, type LoadedPolicy } from '../../extension/background/policySource.js';
import { PairingStore } from '../../extension/background/pairingStore.js';
import { Diagnostics } from '../../extension/background/diagnostics.js';
import { handleOptionsRequest, isOptionsSender } from '../../extension/background/optionsApi.js';
import { AgentConnection } from '../../extension/background/transport/AgentConnection.js';
import type { RequestOptions } from '../../extension/background/transport/AgentConnection.js';
import { SealError } from '../../shared/errors/index.js';
import { parsePolicy } from '../../shared/policy/Policy.js';

const PORTAL = 'https://zfzf.czj.example.gov.cn';
const policy: LoadedPolicy = {
  source: 'managed',
  policy: parsePolicy({ portals: [{ origin: PORTAL, actions: ['status', 'seals.list', 'seal.sign'], sealTypes: ['official'] }, { origin: 'https://b.example.gov.cn', actions: ['status'] }] }),
};
const tabSender = (origin: string, extra: Partial<RuntimeSender> = {}): RuntimeSender => ({ id: 'ext', origin, url: `${origin}/page`, frameId: 0, tab: { id: 7, url: `${origin}/page` }, ...extra });

interface Call {
  method: string;
  params: unknown;
  o: RequestOptions | undefined;
}

function fakeAgent(answer: (c: Call) => unknown = () => ({ agentVersion: '0.1.0', tokens: [] })) {
  const calls: Call[] = [];
  const cancelled: string[] = [];
  const agent: AgentLike = {
    state: 'ready',
    request: (method, params, o) => {
      const c = { method, params, o };
      calls.push(c);
      return Promise.resolve().then(() => answer(c));
    },
    cancel: (id) => cancelled.push(id),
  };
  return { agent, calls, cancelled };
}

function handler(agent: AgentLike, loaded: LoadedPolicy = policy) {
  return new PageRequestHandler({ loadPolicy: () => Promise.resolve(loaded), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN' });
}

const errorOf = (r: PageResponse) => (r.ok ? undefined : r.error);

describe('PageRequestHandler', () => {
  it('takes the origin, tab and frame from sender and forwards status with ctx', async () => {
    const { agent, calls } = fakeAgent();
    const r = await handler(agent).handle({ type: 'eseal:page', action: 'status', params: {} }, tabSender(PORTAL));
    expect(r).toEqual({ ok: true, result: { extensionVersion: '0.1.0', agent: { connected: true, paired: true, agentVersion: '0.1.0' }, tokens: [] } });
    expect(calls[0]?.o?.ctx).toEqual({ origin: PORTAL, topOrigin: PORTAL, tabId: 7, frameId: 0, lang: 'zh-CN' });
  });

  it('Firefox senders carry only url: the origin is derived from it', async () => {
    const { agent, calls } = fakeAgent();
    await handler(agent).handle({ action: 'status', params: {} }, { id: 'ext', url: `${PORTAL}/a?b#c`, tab: { id: 1 } });
    expect(calls[0]?.o?.ctx?.origin).toBe(PORTAL);
  });

  it.each([
    ['an origin not in the policy', tabSender('https://evil.example.com'), 'status', 'origin-not-listed'],
    ['an action the portal may not use', tabSender('https://b.example.gov.cn'), 'listSeals', 'action-not-allowed'],
    ['a sender without a tab (not a web page)', { id: 'ext', origin: PORTAL }, 'status', 'not-a-web-page'],
    ['a non-web origin', tabSender('file://'), 'status', 'not-a-web-page'],
    ['events without the events action', tabSender(PORTAL), 'subscribe', 'action-not-allowed'],
  ])('refuses %s at once (ERR_POLICY_DENIED), nothing reaches the agent', async (_name, sender, action, reason) => {
    const { agent, calls } = fakeAgent();
    const r = await handler(agent).handle({ action, params: {} }, sender);
    expect(errorOf(r)).toMatchObject({ code: 'ERR_POLICY_DENIED', details: { reason } });
    expect(calls).toHaveLength(0);
  });

  it('with no policy at all every portal is refused (deny by default)', async () => {
    const { agent, calls } = fakeAgent();
    const r = await handler(agent, { source: 'none', policy: parsePolicy({}) }).handle({ action: 'status', params: {} }, tabSender(PORTAL));
    expect(errorOf(r)?.code).toBe('ERR_POLICY_DENIED');
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['an origin in the payload', 'status', { origin: 'https://other.example.gov.cn' }],
    ['a ctx in the payload', 'listSeals', { ctx: { origin: PORTAL } }],
    ['a PIN with the seal request', 'sealData', { sealId: 's1', pin: '123456', item: { propertyInfo: '/v', display: { title: 't' }, digest: { alg: 'SM3', value: `${'A'.repeat(43)}=` } } }],
    ['a PIN inside the item', 'sealData', { sealId: 's1', item: { pin: '123456', propertyInfo: '/v', display: { title: 't' }, digest: { alg: 'SM3', value: `${'A'.repeat(43)}=` } } }],
  ])('refuses %s (strict schema: ERR_INPUT_INVALID)', async (_name, action, params) => {
    const { agent, calls } = fakeAgent();
    const r = await handler(agent).handle({ action, params }, tabSender(PORTAL));
    expect(errorOf(r)?.code).toBe('ERR_INPUT_INVALID');
    expect(calls).toHaveLength(0);
  });

  it('awaiting_consent: the request is cancelled at the agent and the page gets ERR_NOT_IMPLEMENTED', async () => {
    const { agent, calls, cancelled } = fakeAgent((c) => {
      c.o?.onProgress?.('awaiting_consent', { origin: PORTAL });
      return new Promise(() => undefined);
    });
    const r = await handler(agent).handle({ action: 'sealData', params: { sealId: 's1', item: { propertyInfo: '/v/1', display: { title: '凭证' }, digest: { alg: 'SM3', value: `${'A'.repeat(43)}=` } } } }, tabSender(PORTAL));
    expect(errorOf(r)).toMatchObject({ code: 'ERR_NOT_IMPLEMENTED', details: { feature: 'consent window' } });
    expect(calls[0]?.method).toBe('seal.sign');
    expect(cancelled).toEqual([calls[0]?.o?.id]);
  });

  it('status resolves with the missing part when the agent is not there', async () => {
    const { agent } = fakeAgent(() => Promise.reject(new SealError('ERR_AGENT_UNAVAILABLE')));
    const r = await handler(agent).handle({ action: 'status', params: {} }, tabSender(PORTAL));
    expect(r).toMatchObject({ ok: true, result: { agent: { connected: false, error: { code: 'ERR_AGENT_UNAVAILABLE' } } } });
    const { agent: unpaired } = fakeAgent(() => Promise.reject(new SealError('ERR_AGENT_NOT_PAIRED')));
    expect(await handler(unpaired).handle({ action: 'status', params: {} }, tabSender(PORTAL))).toMatchObject({ ok: true, result: { agent: { connected: false, paired: false } } });
  });

  it('queues per origin: one request at a time per portal, portals in parallel', async () => {
    let running = 0;
    let maxSame = 0;
    const release: (() => void)[] = [];
    const { agent } = fakeAgent((c) => {
      if (c.o?.ctx?.origin === PORTAL) maxSame = Math.max(maxSame, ++running);
      return new Promise((r) => release.push(() => {
        if (c.o?.ctx?.origin === PORTAL) running--;
        r({ seals: [] });
      }));
    });
    const h = handler(agent);
    const a = h.handle({ action: 'listSeals', params: {} }, tabSender(PORTAL));
    const b = h.handle({ action: 'listSeals', params: {} }, tabSender(PORTAL));
    const other = h.handle({ action: 'status', params: {} }, tabSender('https://b.example.gov.cn'));
    await new Promise((r) => setTimeout(r, 10));
    expect(release).toHaveLength(2); // PORTAL's first + the other origin
    while (release.length) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all([a, b, other]);
    expect(maxSame).toBe(1);
  });
});

function memoryArea(initial: Record<string, unknown> = {}): StorageArea {
  const data = { ...initial };
  return {
    get: (keys) => Promise.resolve(keys === null || keys === undefined ? { ...data } : Object.fromEntries((Array.isArray(keys) ? keys : [keys]).filter((k) => k in data).map((k) => [k, data[k]]))),
    set: (items) => Promise.resolve(void Object.assign(data, items)),
    remove: (keys) => Promise.resolve(void (Array.isArray(keys) ? keys : [keys]).forEach((k) => delete data[k])),
  };
}

function fakeApi(o: { managed?: Record<string, unknown> | 'throws'; installType?: string; local?: Record<string, unknown> }): BrowserApi {
  return {
    storage: {
      local: memoryArea(o.local),
      managed: { get: () => (o.managed === 'throws' ? Promise.reject(new Error('Managed storage manifest not found')) : Promise.resolve(o.managed ?? {})) },
    },
    management: { getSelf: () => Promise.resolve({ installType: o.installType ?? 'normal' }) },
  } as unknown as BrowserApi;
}

describe('policy source', () => {
  it('uses a valid managed policy', async () => {
    const r = await loadPolicy(fakeApi({ managed: { portals: [{ origin: PORTAL, actions: ['status'] }] } }));
    expect(r.source).toBe('managed');
    expect(r.policy.portals.map((p) => p.origin)).toEqual([PORTAL]);
  });

  it('an invalid managed policy denies everything and says why', async () => {
    const r = await loadPolicy(fakeApi({ managed: { portals: [{ origin: 'http://evil.example.com', actions: ['status'] }] }, installType: 'development' }));
    expect(r.source).toBe('managed-invalid');
    expect(r.policy.portals).toEqual([]);
    expect(r.error?.code).toBe('ERR_POLICY_INVALID');
  });

  it('no managed policy: the development policy only for an unpacked (development) install', async () => {
    expect((await loadPolicy(fakeApi({ installType: 'normal' }))).source).toBe('none');
    expect((await loadPolicy(fakeApi({ managed: 'throws', installType: 'admin' }))).policy.portals).toEqual([]);
    const dev = await loadPolicy(fakeApi({ installType: 'development' }));
    expect(dev.source).toBe('development');
    expect(dev.policy.portals.map((p) => p.origin)).toEqual(['http://localhost:8080']);
    const local = await loadPolicy(fakeApi({ installType: 'development', local: { devPolicy: { agentPort: 17777, portals: [{ origin: 'http://127.0.0.1:9999', actions: ['status'] }], development: { allowHttpLocalhost: true } } } }));
    expect(local.source).toBe('development-local');
    expect(local.policy.agentPort).toBe(17777);
    // Not for a normal install, even when someone wrote devPolicy into storage.local.
    expect((await loadPolicy(fakeApi({ installType: 'normal', local: { devPolicy: { portals: [{ origin: PORTAL, actions: ['status'] }] } } }))).source).toBe('none');
  });
});

describe('pairing store', () => {
  it('keeps the key in storage.local and never in the summary', async () => {
    const area = memoryArea();
    const store = new PairingStore(area);
    expect(await store.credentials()).toBeUndefined();
    const key = new Uint8Array(32).fill(9);
    await store.save({ keyId: 'k1', key, instanceId: 'i1' });
    expect(await store.credentials()).toEqual({ keyId: 'k1', key, instanceId: 'i1' });
    const summary = await store.summary();
    expect(summary).toMatchObject({ paired: true, keyId: 'k1' });
    expect(JSON.stringify(summary)).not.toContain(Buffer.from(key).toString('base64'));
    await store.clear();
    expect(await store.summary()).toEqual({ paired: false });
  });
});

describe('options API', () => {
  const own = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';

  it('accepts only the extension\'s own pages, never a content script in a web page', () => {
    expect(isOptionsSender({ id: 'x', origin: own, url: `${own}/options.html` }, own)).toBe(true);
    expect(isOptionsSender({ id: 'x', url: `${own}/options.html` }, own)).toBe(true); // Firefox: url only
    expect(isOptionsSender({ id: 'x', origin: PORTAL, url: `${PORTAL}/`, tab: { id: 1 } }, own)).toBe(false);
    expect(isOptionsSender({ id: 'x', url: `${own}.evil.example/x` }, own)).toBe(false);
  });

  it('state and the diagnostic report never contain the pairing key; a malformed code is refused before any connection', async () => {
    const area = memoryArea();
    const pairings = new PairingStore(area);
    const key = new Uint8Array(32).fill(0xab);
    await pairings.save({ keyId: 'k-opt', key, instanceId: 'i1' });
    const diagnostics = new Diagnostics();
    diagnostics.record(PORTAL, 'status', new SealError('ERR_POLICY_DENIED', { origin: PORTAL, action: 'status' }));
    const conn = new AgentConnection({ port: 1, origin: own, loadCredentials: () => pairings.credentials(), createSocket: () => { throw new Error('no socket in this test'); } });
    const deps = { api: fakeApi({}), agent: () => Promise.resolve(conn), pairings, diagnostics, extensionVersion: '0.1.0', loadPolicy: () => Promise.resolve(policy) };
    const report = await handleOptionsRequest({ op: 'report' }, deps);
    expect(report.ok).toBe(true);
    const text = report.ok ? report.report ?? '' : '';
    expect(JSON.parse(text)).toMatchObject({ pairing: { paired: true, keyId: 'k-opt' }, policy: { source: 'managed' }, lastErrors: [{ code: 'ERR_POLICY_DENIED' }] });
    expect(text).not.toContain(Buffer.from(key).toString('base64'));
    const bad = await handleOptionsRequest({ op: 'pair', code: '12ab' }, deps);
    expect(bad.ok ? undefined : bad.error.code).toBe('ERR_INPUT_INVALID');
    expect((await handleOptionsRequest({ op: 'nope' }, deps)).ok).toBe(false);
  });
});
