// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * What the background does with a page request relayed by the content script:
 *
 * 1. the origin, tab and frame come from the browser's `sender` — never from the payload;
 * 2. the policy decides (shared/policy `decide`, deny by default). A refusal is
 *    ERR_POLICY_DENIED at once: no prompt, nothing sent to the agent;
 * 3. the page parameters are checked against the method's strict schema (shared/protocol
 *    METHODS; unknown fields, such as a `pin`, are refused) and the request is queued per
 *    origin (one at a time per portal, at most MAX_QUEUED waiting);
 * 4. it goes to the agent with `ctx.origin` taken from `sender`. A `sealPdf` document larger than
 *    MAX_INLINE_BYTES (up to MAX_PAGE_DOCUMENT_BYTES) is uploaded in chunks (`doc.begin/put`) and
 *    sent as `documentRef`; a signed result the agent returns as `documentRef` is read back with
 *    `doc.get` — the page sees `document` either way.
 *
 * 5. a user step the agent asks for (`awaiting_consent`, `awaiting_pin`, `awaiting_pinpad`) opens
 *    the consent window (ConsentWindows: one focused popup per request, closing it = reject); its
 *    decision and PIN go to the agent as `consent.reply` — the only place the PIN travels. Further
 *    PIN rounds and progress (`signing`, batch `item`) are shown in the same window, which closes
 *    at the end (a stopped batch or an error stays on screen for the user to read);
 * 6. progress goes to the requesting tab/frame as `{stage, …}` (deps.notify): batch items with
 *    their results, bare stage names otherwise — never a PIN, retries or other consent internals.
 *
 * Without a consent UI (deps.consent absent) a user step cancels the request with
 * ERR_NOT_IMPLEMENTED: consent is never faked.
 */
import { randomBytes } from '../../shared/crypto/index.js';
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { decide, type PortalAction } from '../../shared/policy/Policy.js';
import { isMethodName, MAX_INLINE_BYTES, METHODS, type MethodName, type ProgressStage, type RequestContext } from '../../shared/protocol/index.js';
import { assertSchema } from '../../shared/schema/schema.js';
import type { RuntimeSender } from '../browserApi.js';
import type { ConsentHandle, Decision } from '../consent/ConsentWindows.js';
import type { ConsentView, ShownError, ToWindow } from '../consent/protocol.js';
import { isPageAction, MAX_PAGE_DOCUMENT_BYTES, REQUEST_ID_PATTERN, type PageAction } from '../page/messages.js';
import type { LoadedPolicy } from './policySource.js';
import { fetchChecked, fileNameFromUrl, httpOrigin, readCapped } from '../viewer/source.js';
import type { ConnectionState, RequestOptions } from './transport/AgentConnection.js';

export interface AgentLike {
  readonly state: ConnectionState;
  request(method: string, params: Readonly<Record<string, unknown>>, o?: RequestOptions): Promise<unknown>;
  cancel(requestId: string): void;
}

export interface HandlerDeps {
  readonly loadPolicy: () => Promise<LoadedPolicy>;
  readonly agent: () => Promise<AgentLike>;
  readonly extensionVersion: string;
  readonly lang: 'zh-CN' | 'en';
  /** Diagnostics: every refusal and failure (code only, no payload). */
  readonly onError?: (origin: string, action: string, error: SealError) => void;
  /** The consent window (ConsentWindows); absent = user steps are refused (never faked). */
  readonly consent?: ConsentOpener;
  /** Progress to the requesting frame (tabs.sendMessage to tab/frame), tagged with the page's request id. */
  readonly notify?: (target: { readonly tabId: number; readonly frameId: number }, ticket: string, progress: PageProgress) => void;
  /** `sealPdf({url})` downloads with this (the browser's fetch, with the site's session). */
  readonly fetch?: typeof fetch;
}

export interface ConsentOpener {
  show(view: ConsentView, onDecision: (d: Decision) => void, onClosed: () => void): ConsentHandle;
}

/** What the page sees of a running request: the stage, and for batch items the item's result. */
export interface PageProgress {
  readonly stage: ProgressStage;
  readonly [key: string]: unknown;
}

export type PageResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

/** Page action → agent method and policy action. `subscribe` is handled by the events port. */
export const ROUTES: Readonly<Record<PageAction, { readonly method: string | null; readonly action: PortalAction }>> = {
  status: { method: 'status', action: 'status' },
  listSeals: { method: 'seals.list', action: 'seals.list' },
  sealData: { method: 'seal.sign', action: 'seal.sign' },
  sealBatch: { method: 'seal.signBatch', action: 'seal.signBatch' },
  sealPdf: { method: 'pdf.seal', action: 'pdf.seal' },
  verify: { method: 'verify', action: 'verify' },
  subscribe: { method: null, action: 'events' },
};

/** How many requests of one origin may wait behind the running one. */
export const MAX_QUEUED = 8;

const WEB_ORIGIN = /^https?:\/\/[^\s/]+$/;

function webOrigin(url: string | undefined): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const origin = new URL(url).origin;
    return WEB_ORIGIN.test(origin) ? origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request context from the browser's sender: `sender.origin` (Chrome) or the origin of
 * `sender.url` (Firefox). Only a content script in a tab of an http(s) page qualifies.
 */
export function senderContext(sender: RuntimeSender, lang: 'zh-CN' | 'en'): RequestContext | undefined {
  if (!sender.tab) return undefined;
  const origin = typeof sender.origin === 'string' && WEB_ORIGIN.test(sender.origin) ? sender.origin : webOrigin(sender.url);
  if (!origin) return undefined;
  const topOrigin = webOrigin(sender.tab.url);
  return {
    origin,
    ...(topOrigin !== undefined && { topOrigin }),
    ...(typeof sender.tab.id === 'number' && sender.tab.id >= -1 && { tabId: sender.tab.id }),
    ...(typeof sender.frameId === 'number' && sender.frameId >= -1 && { frameId: sender.frameId }),
    lang,
  };
}

export class PageRequestHandler {
  private readonly queues = new Map<string, { tail: Promise<unknown>; size: number }>();

  constructor(private readonly deps: HandlerDeps) {}

  /** Never throws: every outcome is a PageResponse. */
  async handle(message: unknown, sender: RuntimeSender): Promise<PageResponse> {
    const m = (message ?? {}) as { action?: unknown; params?: unknown; ticket?: unknown };
    const ticket = typeof m.ticket === 'string' && REQUEST_ID_PATTERN.test(m.ticket) ? m.ticket : undefined;
    const action = isPageAction(m.action) ? m.action : undefined;
    const ctx = senderContext(sender, this.deps.lang);
    const origin = ctx?.origin ?? '(unknown)';
    try {
      if (!action) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'unknown action' });
      if (!ctx) throw new SealError('ERR_POLICY_DENIED', { origin, action, reason: 'not-a-web-page' });
      const route = ROUTES[action];
      const { policy } = await this.deps.loadPolicy();
      const params = m.params !== null && typeof m.params === 'object' && !Array.isArray(m.params) ? (m.params as Record<string, unknown>) : {};
      const items = action === 'sealBatch' && Array.isArray(params['items']) ? params['items'].length : undefined;
      const decision = decide(policy, ctx.origin, route.action, undefined, items);
      if (!decision.allowed) throw new SealError('ERR_POLICY_DENIED', { origin: ctx.origin, action: route.action, reason: decision.reason });
      if (route.method === null) return { ok: true, result: { subscribed: true } };
      const method = route.method;
      // pdf.seal arrives with the agent's PDF work; until its schema exists the action is not offered.
      if (!isMethodName(method)) throw new SealError('ERR_NOT_IMPLEMENTED', { feature: method });
      if (method === 'pdf.seal') {
        const { document, url, ...rest } = params;
        // A docId names this extension's own uploads: never taken from a page.
        if (rest['documentRef'] !== undefined) throw new SealError('ERR_INPUT_INVALID', { name: 'documentRef', reason: 'not a page parameter' });
        if ((document === undefined) === (url === undefined)) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'give exactly one of document and url' });
        assertSchema(METHODS[method].params, rest, 'ERR_INPUT_INVALID');
        const source = url === undefined ? undefined : sameOriginUrl(url, ctx.origin);
        const pdf = document === undefined ? undefined : pageDocument(document);
        const result = await this.enqueue(ctx.origin, async () => {
          if (source === undefined) return this.sealPdf(rest, pdf ?? '', ctx, ticket);
          const fetched = await fetchSameOrigin(source, ctx.origin, this.deps.fetch ?? fetch);
          const named = rest['fileName'] === undefined ? { ...rest, fileName: fileNameFromUrl(fetched.url) } : rest;
          return this.sealPdf(named, fetched.base64, ctx, ticket);
        });
        return { ok: true, result };
      }
      assertSchema(METHODS[method].params, params, 'ERR_INPUT_INVALID');
      const result = await this.enqueue(ctx.origin, () => (action === 'status' ? this.status(ctx) : this.forward(method, params, ctx, ticket)));
      return { ok: true, result };
    } catch (error) {
      const e = error instanceof SealError ? error : new SealError('ERR_INTERNAL', { reason: 'background' });
      this.deps.onError?.(origin, action ?? '(unknown)', e);
      return { ok: false, error: serializeError(e) };
    }
  }

  private enqueue<T>(origin: string, work: () => Promise<T>): Promise<T> {
    const q = this.queues.get(origin) ?? { tail: Promise.resolve(), size: 0 };
    if (q.size > MAX_QUEUED) return Promise.reject(new SealError('ERR_PROTOCOL_BUSY'));
    q.size++;
    this.queues.set(origin, q);
    const run = q.tail.then(work, work);
    q.tail = run.then(
      () => undefined,
      () => undefined,
    );
    void q.tail.then(() => {
      q.size--;
      if (q.size === 0 && this.queues.get(origin) === q) this.queues.delete(origin);
    });
    return run;
  }

  /** `status` resolves even when the agent is missing: the page learns which part is missing. */
  private async status(ctx: RequestContext): Promise<unknown> {
    try {
      const r = (await this.forward('status', {}, ctx)) as { agentVersion?: unknown; tokens?: unknown };
      const tokens = Array.isArray(r.tokens) ? (r.tokens as { label?: unknown; serial?: unknown }[]).map((t) => ({ label: typeof t.label === 'string' ? t.label : '', serial: typeof t.serial === 'string' ? t.serial : '' })) : [];
      return { extensionVersion: this.deps.extensionVersion, agent: { connected: true, paired: true, agentVersion: typeof r.agentVersion === 'string' ? r.agentVersion : undefined }, tokens };
    } catch (error) {
      const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
      if (e.code === 'ERR_POLICY_DENIED') throw e;
      const w = serializeError(e);
      return { extensionVersion: this.deps.extensionVersion, agent: { connected: false, paired: e.code !== 'ERR_AGENT_NOT_PAIRED', error: { code: w.code, message: w.message, messageZh: w.messageZh } } };
    }
  }

  /** pdf.seal with the document inline or, when larger than one frame allows, uploaded in chunks. */
  private async sealPdf(rest: Record<string, unknown>, pdf: string, ctx: RequestContext, ticket?: string): Promise<unknown> {
    const agent = await this.deps.agent();
    let docId: string | undefined;
    try {
      if (pdf.length > INLINE_BASE64_CHARS) {
        docId = await upload(agent, pdf);
        const r = obj(await this.forward('pdf.seal', { ...rest, documentRef: docId }, ctx, ticket, pdf));
        docId = undefined; // consumed by the agent
        return await download(agent, r);
      }
      return await download(agent, obj(await this.forward('pdf.seal', { ...rest, document: pdf }, ctx, ticket)));
    } finally {
      if (docId !== undefined) agent.request('doc.drop', { docId }).catch(() => undefined);
    }
  }

  private async forward(method: MethodName, params: Record<string, unknown>, ctx: RequestContext, ticket?: string, pdfBase64?: string): Promise<unknown> {
    const agent = await this.deps.agent();
    const requestId = `p-${Date.now().toString(36)}-${Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    let refuse: ((e: SealError) => void) | undefined;
    const notYet = new Promise<never>((_resolve, reject) => (refuse = reject));
    notYet.catch(() => undefined);
    let consent: ConsentHandle | undefined;
    const toPage = (progress: PageProgress): void => {
      if (ticket !== undefined && ctx.tabId !== undefined && ctx.tabId >= 0) this.deps.notify?.({ tabId: ctx.tabId, frameId: ctx.frameId ?? 0 }, ticket, progress);
    };
    // The user's decision → consent.reply. The PIN is passed on and not kept anywhere here.
    const reply = (d: Decision): void => {
      agent.request('consent.reply', { requestId, approved: d.approved, ...(d.pin !== undefined && { pin: d.pin }) }).catch(() => undefined);
    };
    const onProgress = (stage: ProgressStage, data: Readonly<Record<string, unknown>> | undefined): void => {
      const d = data ?? {};
      if (stage === 'awaiting_consent') {
        if (!this.deps.consent) {
          agent.cancel(requestId);
          refuse?.(new SealError('ERR_NOT_IMPLEMENTED', { feature: 'consent window' }));
          return;
        }
        const view = consentView(ctx.origin, method, d, pdfBase64 ?? ((method as string) === 'pdf.seal' && typeof params['document'] === 'string' ? params['document'] : undefined));
        if (consent) {
          // Asked again (the agent restarted and re-ran the request): same window, fresh decision.
          consent.expectDecision();
          consent.send({ type: 'show', view });
        } else consent = this.deps.consent.show(view, reply, () => agent.cancel(requestId));
      } else if (stage === 'awaiting_pin') {
        const pinMode = d['pinEntry'] === 'pinentry' ? 'pinentry' : 'extension';
        if (pinMode === 'extension') consent?.expectDecision();
        consent?.send({ type: 'pin', pinMode, ...(typeof d['retriesLeft'] === 'number' && { retriesLeft: d['retriesLeft'] }), ...(typeof d['error'] === 'string' && { error: d['error'] }) });
      } else if (stage === 'awaiting_pinpad') {
        consent?.send({ type: 'pinpad', ...(typeof d['retriesLeft'] === 'number' && { retriesLeft: d['retriesLeft'] }) });
      } else if (stage === 'signing') {
        consent?.send({ type: 'signing' });
      } else if (stage === 'item') {
        const error = shownError(d['error']);
        const index = typeof d['index'] === 'number' ? d['index'] : -1;
        const itemId = typeof d['itemId'] === 'string' ? d['itemId'] : String(index);
        consent?.send({ type: 'item', index, itemId, ok: d['ok'] === true, ...(error && { error }) });
        toPage({
          stage,
          index,
          itemId,
          ok: d['ok'] === true,
          ...(typeof d['total'] === 'number' && { total: d['total'] }),
          ...(typeof d['signature'] === 'string' && { signature: d['signature'] }),
          ...(d['dataHash'] !== undefined && { dataHash: d['dataHash'] }),
          ...(typeof d['signedAt'] === 'string' && { signedAt: d['signedAt'] }),
          ...(error && { error }),
        });
        return;
      }
      toPage({ stage });
    };
    const work = agent.request(method, params, { ctx, onProgress, id: requestId });
    work.then(
      (result) => consent?.finish(doneMessage(result), hasFailures(result) ? 'stay' : 'soon'),
      (error: unknown) => {
        const e = shownError(serializeError(error instanceof SealError ? error : new SealError('ERR_INTERNAL', { reason: 'agent' }))) as ShownError;
        consent?.finish({ type: 'done', ok: false, error: e }, e.code === 'ERR_USER_CANCELLED' ? 'now' : 'stay');
      },
    );
    return Promise.race([work, notYet]);
  }
}

/** Base64 characters of one chunk: 3 MiB of bytes, so chunks split on whole Base64 quanta. */
const CHUNK_CHARS = 4 * 1024 * 1024;
const INLINE_BASE64_CHARS = Math.ceil(MAX_INLINE_BYTES / 3) * 4;

/** The page's PDF as padded Base64, checked: ERR_INPUT_INVALID / ERR_INPUT_TOO_LARGE. */
export function pageDocument(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'Base64 text' });
  if (value.length > Math.ceil(MAX_PAGE_DOCUMENT_BYTES / 3) * 4) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_PAGE_DOCUMENT_BYTES });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'Base64 text' });
  return value.length % 4 === 0 ? value : value + '='.repeat(4 - (value.length % 4));
}

/** A `sealPdf` URL: absolute http(s) on the requesting page's own origin, else ERR_POLICY_DENIED. */
export function sameOriginUrl(value: unknown, origin: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) throw new SealError('ERR_INPUT_INVALID', { name: 'url', reason: 'an absolute http(s) URL, at most 2048 characters' });
  if (httpOrigin(value) === undefined) throw new SealError('ERR_INPUT_INVALID', { name: 'url', reason: 'an absolute http(s) URL' });
  if (httpOrigin(value) !== origin) throw new SealError('ERR_POLICY_DENIED', { origin, action: 'pdf.seal', reason: 'url-not-same-origin' });
  return value;
}

/**
 * Downloads a page's own document with the browser's session for that site (the viewer's capped
 * reader and timeout); the final URL after redirects must still be on the page's origin.
 */
export async function fetchSameOrigin(url: string, origin: string, fetchImpl: typeof fetch): Promise<{ base64: string; url: string }> {
  let final = url;
  return fetchChecked(
    url,
    fetchImpl,
    (finalUrl) => {
      final = finalUrl;
      if (httpOrigin(finalUrl) !== origin) throw new SealError('ERR_POLICY_DENIED', { origin, action: 'pdf.seal', reason: 'url-redirected-off-origin' });
    },
    async (response) => {
      const bytes = await readCapped(response, MAX_PAGE_DOCUMENT_BYTES).catch((error: unknown) => {
        throw error instanceof SealError && error.code === 'ERR_INPUT_TOO_LARGE' ? new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_PAGE_DOCUMENT_BYTES }) : error;
      });
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { base64: btoa(binary), url: final };
    },
  );
}

async function upload(agent: AgentLike, pdf: string): Promise<string> {
  const pad = pdf.endsWith('==') ? 2 : pdf.endsWith('=') ? 1 : 0;
  const size = (pdf.length / 4) * 3 - pad;
  const begun = obj(await agent.request('doc.begin', { size, kind: 'pdf' }));
  const docId = begun['docId'];
  if (typeof docId !== 'string') throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'doc.begin without docId' });
  try {
    for (let at = 0; at < pdf.length; at += CHUNK_CHARS) await agent.request('doc.put', { docId, offset: (at / 4) * 3, data: pdf.slice(at, at + CHUNK_CHARS) });
  } catch (error) {
    agent.request('doc.drop', { docId }).catch(() => undefined);
    throw error;
  }
  return docId;
}

/** A result carrying `documentRef` + `size` becomes one carrying `document` (Base64), read in chunks. */
async function download(agent: AgentLike, r: Record<string, unknown>): Promise<Record<string, unknown>> {
  const docId = r['documentRef'];
  if (docId === undefined) return r;
  const size = r['size'];
  if (typeof docId !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'documentRef without size' });
  try {
    const parts: string[] = [];
    const step = (CHUNK_CHARS / 4) * 3;
    for (let offset = 0; offset < size; offset += step) {
      const data = obj(await agent.request('doc.get', { docId, offset, length: Math.min(step, size - offset) }))['data'];
      if (typeof data !== 'string') throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'doc.get without data' });
      parts.push(data);
    }
    const { documentRef: _ref, size: _size, ...rest } = r;
    return { ...rest, document: parts.join('') };
  } finally {
    agent.request('doc.drop', { docId }).catch(() => undefined);
  }
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function shownError(v: unknown): ShownError | undefined {
  const e = obj(v);
  if (typeof e['code'] !== 'string') return undefined;
  return { code: e['code'], message: text(e['message']) ?? '', messageZh: text(e['messageZh']) ?? '' };
}

/** The consent window's data: the origin from `sender` (never the page), the rest from the agent. */
export function consentView(origin: string, method: string, d: Readonly<Record<string, unknown>>, pdfBase64?: string): ConsentView {
  const doc = obj(d['document']);
  const seal = obj(d['seal']);
  const picture = obj(seal['picture']);
  const signer = obj(d['signer']);
  const token = obj(d['token']);
  const fp = obj(d['fingerprint']);
  const preview = obj(d['preview']);
  const rect = Array.isArray(preview['rect']) && preview['rect'].length === 4 && preview['rect'].every((n) => typeof n === 'number') ? (preview['rect'] as [number, number, number, number]) : undefined;
  const list = Array.isArray(d['list'])
    ? (d['list'] as unknown[]).map((x, i) => {
        const e = obj(x);
        return { itemId: text(e['itemId']) ?? String(i), title: text(e['title']) ?? '', ...(typeof e['fingerprint'] === 'string' && { fingerprint: e['fingerprint'] }) };
      })
    : undefined;
  const pages = typeof doc['pages'] === 'number' ? doc['pages'] : typeof preview['pageCount'] === 'number' ? preview['pageCount'] : undefined;
  return {
    origin,
    ...(typeof d['portalName'] === 'string' && { portalName: d['portalName'] }),
    method,
    document: { title: text(doc['title']) ?? '', ...(typeof doc['docName'] === 'string' && { docName: doc['docName'] }), ...(pages !== undefined && { pages }) },
    ...(typeof seal['name'] === 'string' && {
      seal: {
        name: seal['name'],
        ...(typeof seal['sealType'] === 'string' && { sealType: seal['sealType'] }),
        ...(typeof seal['type'] === 'number' && { type: seal['type'] }),
        ...(typeof seal['esID'] === 'string' && { esID: seal['esID'] }),
        ...(typeof seal['validEnd'] === 'string' && { validEnd: seal['validEnd'] }),
        ...(typeof picture['format'] === 'string' && {
          picture: {
            format: picture['format'],
            ...(typeof picture['dataBase64'] === 'string' && { dataBase64: picture['dataBase64'] }),
            ...(typeof picture['widthMm'] === 'number' && { widthMm: picture['widthMm'] }),
            ...(typeof picture['heightMm'] === 'number' && { heightMm: picture['heightMm'] }),
          },
        }),
      },
    }),
    signer: Object.fromEntries(['subject', 'issuer', 'serial', 'notBefore', 'notAfter'].filter((k) => typeof signer[k] === 'string').map((k) => [k, signer[k]])),
    token: {
      ...(typeof token['label'] === 'string' && { label: token['label'] }),
      ...(typeof token['serial'] === 'string' && { serial: token['serial'] }),
      ...(typeof token['developmentOnly'] === 'boolean' && { developmentOnly: token['developmentOnly'] }),
      ...(typeof token['pinChangeDue'] === 'boolean' && { pinChangeDue: token['pinChangeDue'] }),
      ...(typeof token['pinAgeDays'] === 'number' && { pinAgeDays: token['pinAgeDays'] }),
    },
    ...(typeof fp['hex'] === 'string' && { fingerprint: { alg: text(fp['alg']) ?? 'SM3', hex: fp['hex'], short: text(fp['short']) ?? fp['hex'] } }),
    items: typeof d['items'] === 'number' ? d['items'] : (list?.length ?? 1),
    ...(list && { list }),
    ...(typeof d['retriesLeft'] === 'number' && { retriesLeft: d['retriesLeft'] }),
    pinMode: d['pinPad'] === true ? 'pinpad' : d['pinEntry'] === 'pinentry' ? 'pinentry' : 'extension',
    ...(rect && typeof preview['page'] === 'number' && {
      preview: {
        page: preview['page'],
        pageCount: typeof preview['pageCount'] === 'number' ? preview['pageCount'] : (pages ?? 1),
        rect,
        ...(Array.isArray(preview['pageSize']) && preview['pageSize'].length === 2 && { pageSize: preview['pageSize'] as [number, number] }),
        ...(typeof preview['rotate'] === 'number' && { rotate: preview['rotate'] }),
      },
    }),
    ...(pdfBase64 !== undefined && { pdfBase64 }),
  };
}

function hasFailures(result: unknown): boolean {
  const r = obj(result);
  return r['complete'] === false || r['stopped'] !== undefined;
}

/** The window's final message: for a batch the per-item outcome, without the signatures. */
function doneMessage(result: unknown): Extract<ToWindow, { type: 'done' }> {
  const r = obj(result);
  if (!Array.isArray(r['items'])) return { type: 'done', ok: true };
  const stopped = shownError(r['stopped']);
  return {
    type: 'done',
    ok: true,
    ...(typeof r['signed'] === 'number' && { signed: r['signed'] }),
    ...(typeof r['total'] === 'number' && { total: r['total'] }),
    ...(stopped && { stopped }),
    items: (r['items'] as unknown[]).map((x, i) => {
      const e = obj(x);
      const error = shownError(e['error']);
      return { itemId: text(e['itemId']) ?? String(i), ok: e['ok'] === true, ...(e['attempted'] === false && { attempted: false }), ...(error && { error }) };
    }),
  };
}
