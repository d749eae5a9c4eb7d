// SPDX-License-Identifier: Apache-2.0
// The background's page-request path without a browser: the origin comes from `sender` (never
// the payload), deny by default with no prompt, strict parameters (no PIN), queue per origin,
// awaiting_consent → the consent window (or ERR_NOT_IMPLEMENTED without one: consent is never
// faked), the decision and PIN only to consent.reply, progress to the requesting frame without
// consent internals; ConsentWindows (one window per request, ports only from our consent page);
// and the policy sources.
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
import { ConsentWindows, type ConsentHandle, type Decision } from '../../extension/consent/ConsentWindows.js';
import type { ConsentView, ToWindow } from '../../extension/consent/protocol.js';
import type { RuntimePort } from '../../extension/browserApi.js';
import { parsePolicy } from '../../shared/policy/Policy.js';

const PORTAL = 'https://zfzf.czj.example.gov.cn';
const policy: LoadedPolicy = {
  source: 'managed',
  policy: parsePolicy({ portals: [{ origin: PORTAL, actions: ['status', 'seals.list', 'seal.sign'], sealTypes: ['official'] }, { origin: 'https://b.example.gov.cn', actions: ['status'] }] }),
};
const loadedBatch: LoadedPolicy = {
  source: 'managed',
  policy: parsePolicy({ portals: [{ origin: PORTAL, actions: ['seal.signBatch'], sealTypes: ['official'] }], batch: { enabled: true, maxItems: 10 } }),
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

const sealItem = { propertyInfo: '/v/1', display: { title: '凭证', pages: 1 }, digest: { alg: 'SM3', value: `${'A'.repeat(43)}=` } };

/** A consent UI double that records what the handler shows and lets the test act as the user. */
function fakeConsent() {
  const shown: { view: ConsentView; sent: ToWindow[]; finished?: { message: ToWindow; close: string }; decide: (d: Decision) => void; close: () => void; awaitingCalls: number }[] = [];
  return {
    shown,
    opener: {
      show(view: ConsentView, onDecision: (d: Decision) => void, onClosed: () => void): ConsentHandle {
        const entry = { view, sent: [] as ToWindow[], decide: onDecision, close: onClosed, awaitingCalls: 0 } as (typeof shown)[number];
        shown.push(entry);
        return {
          awaiting: true,
          send: (m) => entry.sent.push(m),
          expectDecision: () => void entry.awaitingCalls++,
          finish: (message, close) => (entry.finished = { message, close }),
        };
      },
    },
  };
}

describe('PageRequestHandler with the consent window', () => {
  const consentData = {
    origin: 'https://forged.example.com', // what the agent echoes; the window shows the sender's origin
    portalName: '财政局门户',
    seal: { id: 's1', name: '某某市财政局电子公章', sealType: 'official', type: 1, picture: { format: 'png', dataBase64: 'iVBORw0=' } },
    signer: { subject: 'CN=某某市财政局, O=某某市财政局', serial: '01ab', notAfter: '2031-01-01T00:00:00.000Z' },
    document: { title: '凭证', pages: 1 },
    fingerprint: { alg: 'SM3', hex: 'AB'.repeat(32), short: 'ABAB' },
    token: { label: 'KEY', serial: 'T1', pinChangeDue: true, pinAgeDays: 200 },
    items: 1,
    retriesLeft: 5,
  };

  it('shows the window with the sender origin; the decision and PIN go to consent.reply for that request only', async () => {
    const ui = fakeConsent();
    const notified: unknown[] = [];
    let finishAgent: (v: unknown) => void = () => undefined;
    const { agent, calls } = fakeAgent((c) => {
      if (c.method === 'consent.reply') return { stage: 'awaiting_consent' };
      c.o?.onProgress?.('awaiting_consent', consentData);
      return new Promise((resolve) => (finishAgent = resolve));
    });
    const h = new PageRequestHandler({ loadPolicy: () => Promise.resolve(policy), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN', consent: ui.opener, notify: (t, ticket, p) => notified.push({ t, ticket, p }) });
    const pending = h.handle({ action: 'sealData', params: { sealId: 's1', item: sealItem }, ticket: 'sealData.abc' }, tabSender(PORTAL));
    await expect.poll(() => ui.shown.length).toBe(1);
    const w = ui.shown[0]!;
    expect(w.view).toMatchObject({ origin: PORTAL, portalName: '财政局门户', document: { title: '凭证', pages: 1 }, seal: { name: '某某市财政局电子公章' }, fingerprint: { hex: 'AB'.repeat(32) }, token: { pinChangeDue: true }, retriesLeft: 5, pinMode: 'extension', items: 1 });
    w.decide({ approved: true, pin: '123456' });
    await expect.poll(() => calls.length).toBe(2);
    expect(calls[1]).toMatchObject({ method: 'consent.reply', params: { requestId: calls[0]?.o?.id, approved: true, pin: '123456' } });
    expect(calls[1]?.o?.ctx).toBeUndefined();
    // A wrong PIN round: same window, a fresh decision, the error and retries shown there.
    calls[0]?.o?.onProgress?.('awaiting_pin', { retriesLeft: 4, error: 'ERR_TOKEN_PIN_INCORRECT', tokenLabel: 'KEY' });
    expect(w.sent.at(-1)).toEqual({ type: 'pin', pinMode: 'extension', retriesLeft: 4, error: 'ERR_TOKEN_PIN_INCORRECT' });
    expect(w.awaitingCalls).toBe(1);
    calls[0]?.o?.onProgress?.('signing', undefined);
    finishAgent({ signature: 'AAAA', sealId: 's1' });
    const r = await pending;
    expect(r).toEqual({ ok: true, result: { signature: 'AAAA', sealId: 's1' } });
    expect(w.finished).toEqual({ message: { type: 'done', ok: true }, close: 'soon' });
    // The page heard stage names only, tagged with its own request id, sent to its tab and frame.
    expect(notified).toEqual([
      { t: { tabId: 7, frameId: 0 }, ticket: 'sealData.abc', p: { stage: 'awaiting_consent' } },
      { t: { tabId: 7, frameId: 0 }, ticket: 'sealData.abc', p: { stage: 'awaiting_pin' } },
      { t: { tabId: 7, frameId: 0 }, ticket: 'sealData.abc', p: { stage: 'signing' } },
    ]);
    expect(JSON.stringify(notified)).not.toContain('123456');
  });

  it('batch items: per-item progress to the page and the window; a stopped batch keeps the window open', async () => {
    const ui = fakeConsent();
    const notified: { p: Record<string, unknown> }[] = [];
    const { agent } = fakeAgent((c) => {
      if (c.method === 'consent.reply') return {};
      c.o?.onProgress?.('awaiting_consent', { ...consentData, items: 2, list: [{ itemId: 'a', title: 'A', fingerprint: 'AB' }, { itemId: 'b', title: 'B' }] });
      c.o?.onProgress?.('item', { index: 0, total: 2, itemId: 'a', ok: true, signature: 'SIG', signedAt: 'T' });
      c.o?.onProgress?.('item', { index: 1, itemId: 'b', ok: false, error: { code: 'ERR_TOKEN_REMOVED', message: 'removed', messageZh: '已拔出', details: {} } });
      return { total: 2, signed: 1, complete: false, stopped: { code: 'ERR_TOKEN_REMOVED', message: 'removed', messageZh: '已拔出' }, items: [{ itemId: 'a', ok: true, signature: 'SIG' }, { itemId: 'b', ok: false, error: { code: 'ERR_TOKEN_REMOVED' } }] };
    });
    const h = new PageRequestHandler({ loadPolicy: () => Promise.resolve(loadedBatch), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN', consent: ui.opener, notify: (_t, _ticket, p) => notified.push({ p }) });
    const r = await h.handle({ action: 'sealBatch', params: { sealId: 's1', items: [{ ...sealItem, itemId: 'a' }, { ...sealItem, itemId: 'b' }] }, ticket: 'sealBatch.x' }, tabSender(PORTAL));
    expect(r.ok).toBe(true);
    const w = ui.shown[0]!;
    expect(w.view.list).toEqual([{ itemId: 'a', title: 'A', fingerprint: 'AB' }, { itemId: 'b', title: 'B' }]);
    expect(w.sent).toEqual([
      { type: 'item', index: 0, itemId: 'a', ok: true },
      { type: 'item', index: 1, itemId: 'b', ok: false, error: { code: 'ERR_TOKEN_REMOVED', message: 'removed', messageZh: '已拔出' } },
    ]);
    expect(notified.map((n) => n.p)).toEqual([
      { stage: 'awaiting_consent' },
      { stage: 'item', index: 0, itemId: 'a', ok: true, total: 2, signature: 'SIG', signedAt: 'T' },
      { stage: 'item', index: 1, itemId: 'b', ok: false, error: { code: 'ERR_TOKEN_REMOVED', message: 'removed', messageZh: '已拔出' } },
    ]);
    expect(w.finished?.close).toBe('stay');
    expect(w.finished?.message).toMatchObject({ type: 'done', ok: true, signed: 1, total: 2, stopped: { code: 'ERR_TOKEN_REMOVED' }, items: [{ itemId: 'a', ok: true }, { itemId: 'b', ok: false }] });
    expect(JSON.stringify(w.finished)).not.toContain('SIG'); // the window needs no signatures
  });

  it('the user rejects → ERR_USER_CANCELLED closes the window at once; closing it while signing cancels the request', async () => {
    const ui = fakeConsent();
    const { agent, calls, cancelled } = fakeAgent((c) => {
      if (c.method === 'consent.reply') return {};
      c.o?.onProgress?.('awaiting_consent', consentData);
      return new Promise((_resolve, reject) => setTimeout(() => reject(new SealError('ERR_USER_CANCELLED')), 5));
    });
    const h = new PageRequestHandler({ loadPolicy: () => Promise.resolve(policy), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN', consent: ui.opener });
    const pending = h.handle({ action: 'sealData', params: { sealId: 's1', item: sealItem } }, tabSender(PORTAL));
    await expect.poll(() => ui.shown.length).toBe(1);
    ui.shown[0]!.decide({ approved: false });
    ui.shown[0]!.close();
    expect(errorOf(await pending)).toMatchObject({ code: 'ERR_USER_CANCELLED' });
    expect(calls.find((c) => c.method === 'consent.reply')?.params).toEqual({ requestId: calls[0]?.o?.id, approved: false });
    expect(cancelled).toEqual([calls[0]?.o?.id]);
    expect(ui.shown[0]!.finished).toMatchObject({ message: { type: 'done', ok: false, error: { code: 'ERR_USER_CANCELLED' } }, close: 'now' });
  });

  it('a PIN pad token: pinMode pinpad, then the pad prompt in the window', async () => {
    const ui = fakeConsent();
    const { agent } = fakeAgent((c) => {
      c.o?.onProgress?.('awaiting_consent', { ...consentData, pinPad: true });
      c.o?.onProgress?.('awaiting_pinpad', { tokenLabel: 'KEY', retriesLeft: 3 });
      return { signature: 'AAAA' };
    });
    const h = new PageRequestHandler({ loadPolicy: () => Promise.resolve(policy), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN', consent: ui.opener });
    expect((await h.handle({ action: 'sealData', params: { sealId: 's1', item: sealItem } }, tabSender(PORTAL))).ok).toBe(true);
    expect(ui.shown[0]?.view.pinMode).toBe('pinpad');
    expect(ui.shown[0]?.sent).toEqual([{ type: 'pinpad', retriesLeft: 3 }]);
  });
});

describe('ConsentWindows', () => {
  const OWN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
  function fakePort(url: string) {
    const messages: unknown[] = [];
    let onMessage: (m: unknown) => void = () => undefined;
    let onDisconnect: () => void = () => undefined;
    let disconnected = false;
    const port: RuntimePort = {
      name: 'eseal-consent',
      sender: { id: 'ext', url },
      postMessage: (m) => messages.push(m),
      disconnect: () => void (disconnected = true),
      onMessage: { addListener: (l) => void (onMessage = l) },
      onDisconnect: { addListener: (l) => void (onDisconnect = l) },
    };
    return { port, messages, say: (m: unknown) => onMessage(m), gone: () => onDisconnect(), isDisconnected: () => disconnected };
  }
  function setup() {
    const created: { url: string; type: string; focused: boolean }[] = [];
    const removed: number[] = [];
    let n = 0;
    const windows = new ConsentWindows({
      windows: { create: (info) => (created.push(info), Promise.resolve({ id: 100 + created.length })), remove: (id) => (removed.push(id), Promise.resolve()) },
      ownOrigin: OWN,
      getURL: (p) => `${OWN}/${p}`,
      randomHex: () => (++n).toString(16).padStart(32, '0'),
      lingerMs: 1,
    });
    return { windows, created, removed };
  }
  const view = { origin: PORTAL, method: 'seal.sign', document: { title: 't' }, items: 1, pinMode: 'extension' } as ConsentView;

  it('one focused popup per request; messages wait for the window; only our consent page with the right session connects', () => {
    const { windows, created } = setup();
    const decisions: Decision[] = [];
    const h = windows.show(view, (d) => decisions.push(d), () => undefined);
    h.send({ type: 'signing' });
    expect(created).toEqual([{ url: `${OWN}/consent.html#${'1'.padStart(32, '0')}`, type: 'popup', width: 520, height: 760, focused: true }]);
    // A web page (or another extension page) cannot attach.
    const foreign = fakePort(`${PORTAL}/consent.html`);
    windows.attach(foreign.port);
    expect(foreign.isDisconnected()).toBe(true);
    const wrong = fakePort(`${OWN}/consent.html`);
    windows.attach(wrong.port);
    wrong.say({ type: 'hello', session: 'f'.repeat(32) });
    expect(wrong.isDisconnected()).toBe(true);
    const good = fakePort(`${OWN}/consent.html#${'1'.padStart(32, '0')}`);
    windows.attach(good.port);
    good.say({ type: 'hello', session: '1'.padStart(32, '0') });
    expect(good.messages).toEqual([{ type: 'show', view }, { type: 'signing' }]);
    // A second window cannot take over the same session.
    const second = fakePort(`${OWN}/consent.html`);
    windows.attach(second.port);
    second.say({ type: 'hello', session: '1'.padStart(32, '0') });
    expect(second.isDisconnected()).toBe(true);
    good.say({ type: 'decision', approved: true, pin: '123456' });
    good.say({ type: 'decision', approved: true, pin: '999999' }); // not awaited any more: ignored
    expect(decisions).toEqual([{ approved: true, pin: '123456' }]);
    expect(h.awaiting).toBe(false);
  });

  it('closing the window while a decision is awaited rejects; while signing it calls onClosed; finish closes the window', async () => {
    const { windows, removed } = setup();
    const decisions: Decision[] = [];
    let closed = 0;
    windows.show(view, (d) => decisions.push(d), () => closed++);
    const p1 = fakePort(`${OWN}/consent.html`);
    windows.attach(p1.port);
    p1.say({ type: 'hello', session: '1'.padStart(32, '0') });
    p1.gone();
    expect(decisions).toEqual([{ approved: false }]);
    expect(closed).toBe(0);

    const h2 = windows.show(view, (d) => decisions.push(d), () => closed++);
    const p2 = fakePort(`${OWN}/consent.html`);
    windows.attach(p2.port);
    p2.say({ type: 'hello', session: '2'.padStart(32, '0') });
    p2.say({ type: 'decision', approved: true, pin: '123456' });
    p2.gone(); // closed during signing
    expect(closed).toBe(1);
    expect(h2.awaiting).toBe(false);

    const h3 = windows.show(view, () => undefined, () => closed++);
    await Promise.resolve();
    await Promise.resolve();
    h3.finish({ type: 'done', ok: false, error: { code: 'ERR_USER_CANCELLED', message: '', messageZh: '' } }, 'now');
    expect(removed).toEqual([103]);
    expect(windows.open).toBe(0);
  });
});

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
