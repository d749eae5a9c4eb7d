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
 * 4. it goes to the agent with `ctx.origin` taken from `sender`.
 *
 * Consent: the consent window is not built yet. When the agent asks for consent or a PIN
 * (`progress awaiting_consent | awaiting_pin`) the request is cancelled at the agent and the page
 * gets ERR_NOT_IMPLEMENTED {feature: 'consent window'} — consent is never faked.
 */
import { randomBytes } from '../../shared/crypto/index.js';
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { decide, type PortalAction } from '../../shared/policy/Policy.js';
import { METHODS, type MethodName, type RequestContext } from '../../shared/protocol/index.js';
import { assertSchema } from '../../shared/schema/schema.js';
import type { RuntimeSender } from '../browserApi.js';
import { isPageAction, type PageAction } from '../page/messages.js';
import type { LoadedPolicy } from './policySource.js';
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
}

export type PageResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

/** Page action → agent method and policy action. `subscribe` is handled by the events port. */
export const ROUTES: Readonly<Record<PageAction, { readonly method: MethodName | null; readonly action: PortalAction }>> = {
  status: { method: 'status', action: 'status' },
  listSeals: { method: 'seals.list', action: 'seals.list' },
  sealData: { method: 'seal.sign', action: 'seal.sign' },
  sealBatch: { method: 'seal.signBatch', action: 'seal.signBatch' },
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
    const m = (message ?? {}) as { action?: unknown; params?: unknown };
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
      assertSchema(METHODS[method].params, params, 'ERR_INPUT_INVALID');
      const result = await this.enqueue(ctx.origin, () => (action === 'status' ? this.status(ctx) : this.forward(method, params, ctx)));
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

  private async forward(method: MethodName, params: Record<string, unknown>, ctx: RequestContext): Promise<unknown> {
    const agent = await this.deps.agent();
    let refuse: ((e: SealError) => void) | undefined;
    const notYet = new Promise<never>((_resolve, reject) => (refuse = reject));
    notYet.catch(() => undefined);
    let requestId = '';
    const work = agent.request(method, params, {
      ctx,
      onProgress: (stage) => {
        // Any user step (awaiting_consent, awaiting_pin, awaiting_pinpad, …) needs the consent window.
        if (typeof stage === 'string' && stage.startsWith('awaiting_')) {
          // TODO(extension issue, consent window): show the consent/PIN window and answer with
          // consent.reply. Until then the request is cancelled: consent is never faked.
          agent.cancel(requestId);
          refuse?.(new SealError('ERR_NOT_IMPLEMENTED', { feature: 'consent window' }));
        }
      },
      id: (requestId = `p-${Date.now().toString(36)}-${Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}`),
    });
    work.catch(() => undefined);
    return Promise.race([work, notYet]);
  }
}
