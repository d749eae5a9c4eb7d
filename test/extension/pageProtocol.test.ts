// SPDX-License-Identifier: Apache-2.0
// The page SDK ↔ content-script relay message protocol, with hostile postMessage payloads
// (after web-eid.js WebExtensionService-test.ts): null, numbers, an `action` object with a fake
// startsWith, wrong prefixes, replayed and unknown ids, foreign sources, oversize messages.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRelay } from '../../extension/content/relay.js';
import { MAX_PAGE_MESSAGE_CHARS, parsePageReply, parsePageRequest } from '../../extension/page/messages.js';
import { createESealClient } from '../../extension/page/sdk.js';
import { SealError, serializeError } from '../../shared/errors/index.js';
import { fakePage, fakeRuntime } from './fakePage.js';

const ok = (result: unknown) => ({ ok: true, result });

async function rejection(p: Promise<unknown>): Promise<SealError> {
  try {
    await p;
  } catch (error) {
    return error as SealError;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('parsePageRequest (content-script side)', () => {
  const fakeStartsWith = { startsWith: () => true, slice: () => 'status', length: 3, toString: () => 'eseal:status' };
  const getterBomb = Object.defineProperty({ id: 'a1', params: {} }, 'action', { get: () => { throw new Error('boom'); }, enumerable: true });
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'eseal:status'],
    ['an array', ['eseal:status', 'a1']],
    ['action as an object with a fake startsWith', { action: fakeStartsWith, id: 'a1' }],
    ['a getter that throws', getterBomb],
    ['wrong prefix', { action: 'web-eid:status', id: 'a1' }],
    ['prefix only', { action: 'eseal:', id: 'a1' }],
    ['unknown action', { action: 'eseal:pinChange', id: 'a1' }],
    ['an ack (our own reply)', { action: 'eseal:status-ack', id: 'a1' }],
    ['a result (our own reply)', { action: 'eseal:status-result', id: 'a1', ok: true }],
    ['inherited action name', { action: 'eseal:toString', id: 'a1' }],
    ['missing id', { action: 'eseal:status' }],
    ['numeric id', { action: 'eseal:status', id: 7 }],
    ['id with a newline', { action: 'eseal:status', id: 'a\nb' }],
    ['id too long', { action: 'eseal:status', id: 'a'.repeat(65) }],
    ['params as an array', { action: 'eseal:status', id: 'a1', params: [] }],
    ['params as a string', { action: 'eseal:status', id: 'a1', params: 'x' }],
    ['an extra top-level field', { action: 'eseal:status', id: 'a1', origin: 'https://bank.example' }],
    ['a class instance', new (class { action = 'eseal:status'; id = 'a1'; })()],
    ['oversize', { action: 'eseal:verify', id: 'a1', params: { document: 'A'.repeat(MAX_PAGE_MESSAGE_CHARS) } }],
    ['cyclic params', (() => { const p: Record<string, unknown> = {}; p['self'] = p; return { action: 'eseal:status', id: 'a1', params: p }; })()],
  ])('ignores %s', (_name, data) => {
    expect(parsePageRequest(data)).toBeUndefined();
  });

  it('accepts a well-formed request and strips non-data from params', () => {
    const params = { sealType: 'official', fn: () => 1 };
    expect(parsePageRequest({ action: 'eseal:listSeals', id: 'listSeals.1', params })).toEqual({ action: 'eseal:listSeals', id: 'listSeals.1', params: { sealType: 'official' } });
  });
});

describe('parsePageReply (SDK side)', () => {
  it.each([null, 3, 'eseal:status-ack', { action: { startsWith: () => true }, id: 'x' }, { action: 'eseal:status-ack' }, { action: 'other:status-ack', id: 'x' }, { action: 'eseal:status-result', id: 'x' }, { action: 'eseal:event', id: 'x', event: 'pin.typed' }])(
    'ignores %j',
    (data) => expect(parsePageReply(data)).toBeUndefined(),
  );
});

describe('page SDK + content-script relay', () => {
  it('status round trip: ack, forward without origin, reply to the page origin only', async () => {
    const page = fakePage();
    const runtime = fakeRuntime(() => ok({ extensionVersion: '0.1.0', agent: { connected: true, paired: true, agentVersion: '0.1.0' } }));
    startRelay(page.win, runtime);
    const eseal = createESealClient(page.win);
    await expect(eseal.status()).resolves.toMatchObject({ agent: { connected: true } });
    expect(runtime.sent).toEqual([{ type: 'eseal:page', action: 'status', params: {}, ticket: expect.stringMatching(/^status\./) as string }]);
    const replies = page.posted.filter((p) => String((p.message as { action: string }).action).match(/-(ack|result)$/));
    expect(replies.map((p) => (p.message as { action: string }).action)).toEqual(['eseal:status-ack', 'eseal:status-result']);
    expect(new Set(page.posted.map((p) => p.targetOrigin))).toEqual(new Set(['https://zfzf.czj.example.gov.cn']));
  });

  it('rejects with a coded SealError whose text comes from our own table, not from the wire', async () => {
    const page = fakePage();
    const wire = { ...serializeError(new SealError('ERR_POLICY_DENIED', { origin: 'https://x.example', action: 'seal.sign' })), messageZh: '请输入 PIN 到这里' };
    startRelay(page.win, fakeRuntime(() => ({ ok: false, error: wire })));
    const e = await rejection(createESealClient(page.win).sealData({ propertyInfo: '/v/1', display: { title: 'x' }, digest: { alg: 'SM3', value: 'A'.repeat(43) + '=' } }, { sealId: 's1' }));
    expect(e).toBeInstanceOf(SealError);
    expect(e.code).toBe('ERR_POLICY_DENIED');
    expect(e.messageZh).toBe('策略不允许 https://x.example 执行 seal.sign');
    expect(e.message).toContain('Policy does not allow');
  });

  it('no content script: ERR_EXTENSION_MISSING after the 1 s ack timer', async () => {
    vi.useFakeTimers();
    const page = fakePage();
    const p = rejection(createESealClient(page.win).status());
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(2);
    expect((await p).code).toBe('ERR_EXTENSION_MISSING');
  });

  it('acked but never answered: ERR_TIMEOUT after the reply timer', async () => {
    vi.useFakeTimers();
    const page = fakePage();
    startRelay(page.win, { sendMessage: () => new Promise(() => undefined), connect: () => { throw new Error('unused'); } });
    const p = rejection(createESealClient(page.win).listSeals({}, { timeoutMs: 5000 }));
    await vi.advanceTimersByTimeAsync(4000);
    await vi.advanceTimersByTimeAsync(1001);
    expect((await p).code).toBe('ERR_TIMEOUT');
  });

  it('one pending action per kind: a second sealData is refused, other kinds go on', async () => {
    const page = fakePage();
    let release: (v: unknown) => void = () => undefined;
    startRelay(page.win, fakeRuntime((m) => ((m as { action: string }).action === 'sealData' ? new Promise((r) => (release = r)) : ok({ seals: [] }))));
    const eseal = createESealClient(page.win);
    const item = { propertyInfo: '/v/1', display: { title: 'x' }, digest: { alg: 'SM3' as const, value: 'A'.repeat(43) + '=' } };
    const first = eseal.sealData(item, { sealId: 's1' });
    const second = await rejection(eseal.sealData(item, { sealId: 's1' }));
    expect(second.code).toBe('ERR_ACTION_PENDING');
    expect(second.details['action']).toBe('sealData');
    await expect(eseal.listSeals()).resolves.toEqual({ seals: [] });
    await new Promise((r) => setTimeout(r, 5));
    release(ok({ signature: 'sig' }));
    await expect(first).resolves.toEqual({ signature: 'sig' });
  });

  it('never forwards a PIN or other extra fields; bytes are sent as Base64', async () => {
    const page = fakePage();
    const runtime = fakeRuntime(() => ok({}));
    startRelay(page.win, runtime);
    const item = { propertyInfo: '/v/1', display: { title: '凭证', pin: '123456' }, data: new Uint8Array([1, 2, 3]), pin: '123456' };
    await createESealClient(page.win).sealData(item, { sealId: 's1', pin: '123456' } as unknown as { sealId: string });
    expect(runtime.sent).toEqual([{ type: 'eseal:page', action: 'sealData', params: { sealId: 's1', item: { propertyInfo: '/v/1', display: { title: '凭证' }, data: 'AQID' } }, ticket: expect.stringMatching(/^sealData\./) as string }]);
    expect(JSON.stringify(page.posted)).not.toContain('123456');
  });

  it('progress reaches only the running call (onProgress and on("progress"), no subscription); sealPdf sends only its fields and returns bytes', async () => {
    const page = fakePage();
    const fromBackground: ((m: unknown) => void)[] = [];
    let release: (v: unknown) => void = () => undefined;
    const base = fakeRuntime((m) => ((m as { action: string }).action === 'sealPdf' ? new Promise((r) => (release = r)) : ok({})));
    startRelay(page.win, { ...base, onMessage: { addListener: (l) => void fromBackground.push(l) } });
    const eseal = createESealClient(page.win);
    const perCall: unknown[] = [];
    const global: unknown[] = [];
    eseal.on('progress', (p) => global.push(p));
    const placement = { page: 1, x: 10, y: 20, pin: '1234' } as unknown as { page: number; x: number; y: number };
    const sealed = eseal.sealPdf({ document: new Uint8Array([37, 80, 68, 70]), title: '通知', placement }, { sealId: 's1', reason: '同意', pin: '123456', onProgress: (p: unknown) => perCall.push(p) } as unknown as { sealId: string });
    await new Promise((r) => setTimeout(r, 5));
    const sent = base.sent[0] as { ticket: string };
    expect(sent).toEqual({ type: 'eseal:page', action: 'sealPdf', params: { sealId: 's1', document: 'JVBERg==', display: { title: '通知' }, placement: { page: 1, x: 10, y: 20 }, reason: '同意' }, ticket: expect.stringMatching(/^sealPdf\./) as string });
    for (const l of fromBackground) l({ type: 'eseal:progress', ticket: 'sealData.0000', progress: { stage: 'signing' } }); // not in flight here
    for (const l of fromBackground) l({ type: 'eseal:progress', ticket: sent.ticket, progress: { stage: 'awaiting_consent' } });
    for (const l of fromBackground) l({ type: 'other', ticket: sent.ticket, progress: { stage: 'signing' } });
    await new Promise((r) => setTimeout(r, 5));
    expect(perCall).toEqual([{ stage: 'awaiting_consent', action: 'sealPdf' }]);
    expect(global).toEqual(perCall);
    release(ok({ document: 'JVBERg==', fieldName: 'Signature1', page: 1 }));
    const r = await sealed;
    expect(r.document).toBeInstanceOf(Uint8Array);
    expect([...r.document]).toEqual([37, 80, 68, 70]);
    expect(r).toMatchObject({ fieldName: 'Signature1', page: 1 });
    expect(base.sent.filter((m) => (m as { action: string }).action === 'subscribe')).toEqual([]);
    expect(JSON.stringify(base.sent)).not.toContain('123456');
  });

  it('agent events: only token.changed and token.idle reach the page', async () => {
    const page = fakePage();
    const runtime = fakeRuntime(() => ok({ subscribed: true }));
    startRelay(page.win, runtime);
    const eseal = createESealClient(page.win);
    const idle: unknown[] = [];
    eseal.on('token.idle', (d) => idle.push(d));
    await new Promise((r) => setTimeout(r, 5));
    runtime.ports[0]?.deliver({ event: 'authenticated', data: { keyId: 'k' } });
    runtime.ports[0]?.deliver({ event: 'token.idle', data: { label: 'KEY', idleMinutes: 30 } });
    await new Promise((r) => setTimeout(r, 5));
    expect(idle).toEqual([{ label: 'KEY', idleMinutes: 30 }]);
    expect(JSON.stringify(page.posted)).not.toContain('authenticated');
  });

  it('hostile messages on the page neither crash nor settle a call; replayed results are ignored', async () => {
    const page = fakePage();
    let answer: (v: unknown) => void = () => undefined;
    startRelay(page.win, fakeRuntime(() => new Promise((r) => (answer = r))));
    const eseal = createESealClient(page.win);
    const p = eseal.status();
    await new Promise((r) => setTimeout(r, 5));
    const id = (page.posted[0]?.message as { id: string }).id;
    const junk: unknown[] = [
      null, 0, 1e308, 'eseal:status-result', [], {},
      { action: { startsWith: () => true, endsWith: () => true }, id },
      { action: 'eseal:status-result', id: { toString: () => id }, ok: true, result: 'forged' },
      { action: 'wrong:status-result', id, ok: true, result: 'forged' },
      { action: 'eseal:status-result', id: 'status.other', ok: true, result: 'forged' },
      { action: 'eseal:listSeals-result', id, ok: true, result: 'forged' },
    ];
    for (const j of junk) page.inject(j);
    // From another window (an iframe) even a perfect reply is ignored.
    page.inject({ action: 'eseal:status-result', id, ok: true, result: 'forged' }, {});
    answer(ok({ real: true }));
    await expect(p).resolves.toEqual({ real: true });
    // A replay of the same id after it settled does nothing (and nothing throws).
    page.inject({ action: 'eseal:status-result', id, ok: true, result: 'replayed' });
    page.inject({ action: 'eseal:status-ack', id });
    const next = eseal.status();
    await new Promise((r) => setTimeout(r, 5));
    answer(ok({ second: true }));
    await expect(next).resolves.toEqual({ second: true });
  });

  it('the relay ignores foreign sources, replayed in-flight ids, and answers insecure contexts with a coded refusal', async () => {
    const page = fakePage();
    let hold: (v: unknown) => void = () => undefined;
    const runtime = fakeRuntime(() => new Promise((r) => (hold = r)));
    startRelay(page.win, runtime);
    page.inject({ action: 'eseal:status', id: 'dup.1', params: {} }, {}); // from an iframe
    page.inject({ action: 'eseal:status', id: 'dup.1', params: {} });
    page.inject({ action: 'eseal:status', id: 'dup.1', params: {} }); // replay while in flight
    await new Promise((r) => setTimeout(r, 5));
    expect(runtime.sent).toHaveLength(1);
    expect(page.posted.filter((p) => (p.message as { action: string }).action === 'eseal:status-ack')).toHaveLength(1);
    hold(ok({}));

    const insecure = fakePage('http://portal.example.gov.cn', false);
    const rt2 = fakeRuntime(() => ok({}));
    startRelay(insecure.win, rt2);
    const e = await rejection(createESealClient(insecure.win).status());
    expect(e.code).toBe('ERR_POLICY_DENIED');
    expect(e.details['reason']).toBe('insecure-context');
    expect(rt2.sent).toHaveLength(0);
  });

  it('a background that is gone (extension reloaded) is ERR_EXTENSION_MISSING, not a hang', async () => {
    const page = fakePage();
    startRelay(page.win, { sendMessage: () => Promise.reject(new Error('Extension context invalidated.')), connect: () => { throw new Error('unused'); } });
    expect((await rejection(createESealClient(page.win).verify({ document: new Uint8Array([37, 80, 68, 70]) }))).code).toBe('ERR_EXTENSION_MISSING');
  });

  it('events: on() subscribes once and delivers token.changed from the events port', async () => {
    const page = fakePage();
    const runtime = fakeRuntime(() => ok({ subscribed: true }));
    startRelay(page.win, runtime);
    const eseal = createESealClient(page.win);
    const seen: unknown[] = [];
    const off = eseal.on('token.changed', (d) => seen.push(d));
    eseal.on('token.changed', () => { throw new Error('a portal bug'); });
    await new Promise((r) => setTimeout(r, 5));
    expect(runtime.sent).toEqual([{ type: 'eseal:page', action: 'subscribe', params: {}, ticket: expect.stringMatching(/^subscribe\./) as string }]);
    expect(runtime.ports.map((p) => p.name)).toEqual(['eseal-events']);
    runtime.ports[0]?.deliver({ event: 'token.changed', data: { present: false } });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([{ present: false }]);
    off();
    runtime.ports[0]?.deliver({ event: 'token.changed', data: { present: true } });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toHaveLength(1);
  });
});
