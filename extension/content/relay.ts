// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The content-script relay, without logic (web-eid's model), written against small interfaces so
 * the unit tests drive it with a fake window and runtime:
 *
 * - accept only messages whose `event.source` is this window and that parse as a well-formed,
 *   small ESeal request (messages.ts `parsePageRequest`: prefix, known action, id pattern, plain
 *   params, size cap); everything else is ignored silently;
 * - ack at once (the page SDK's 1 s timer tells "extension missing" from "agent missing");
 * - forward `{type: 'eseal:page', action, params}` to the background with runtime messaging. The
 *   content script adds nothing: the background takes the origin, tab and frame from `sender`;
 * - post the reply to this page's own origin only (never `*`);
 * - an id already in flight is a replay: ignored. At most MAX_IN_FLIGHT requests at a time;
 * - the request's id goes along as `ticket`: the background tags the request's progress with it
 *   (tabs.sendMessage to this frame), and progress for an id not in flight here is dropped.
 */
import { deserializeError, SealError, serializeError } from '../../shared/errors/index.js';
import { AGENT_PAGE_EVENTS, MESSAGE_PREFIX, parsePageRequest, type PageAction } from '../page/messages.js';

export interface RelayWindow {
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  readonly location: { readonly origin: string };
  readonly isSecureContext: boolean;
}

export interface RelayPort {
  readonly onMessage: { addListener(listener: (message: unknown) => void): void };
  readonly onDisconnect: { addListener(listener: () => void): void };
}

export interface RelayRuntime {
  sendMessage(message: unknown): Promise<unknown>;
  connect(info: { name: string }): RelayPort;
  /** Messages from the background to this frame (request progress). */
  readonly onMessage?: { addListener(listener: (message: unknown) => void): void };
}

/** Progress of a running request, from the background to the requesting frame. */
export interface ProgressMessage {
  readonly type: 'eseal:progress';
  readonly ticket: string;
  readonly progress: Readonly<Record<string, unknown>>;
}

/** What the content script sends to the background. */
export interface BackgroundRequest {
  readonly type: 'eseal:page';
  readonly action: PageAction;
  readonly params: Readonly<Record<string, unknown>>;
  /** The page's request id, echoed on this request's progress. */
  readonly ticket: string;
}

/** Name of the runtime Port that carries agent events to a subscribed page. */
export const EVENTS_PORT = 'eseal-events';

const MAX_IN_FLIGHT = 16;

export function startRelay(win: RelayWindow, runtime: RelayRuntime): void {
  const inFlight = new Set<string>();
  let eventsPort: RelayPort | undefined;
  const origin = win.location.origin;
  if (origin === 'null' || origin === '') return; // opaque origins cannot be answered safely

  const post = (message: unknown): void => win.postMessage(message, origin);

  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== (win as unknown)) return;
    const request = parsePageRequest(event.data);
    if (!request || inFlight.has(request.id)) return;
    const kind = request.action.slice(MESSAGE_PREFIX.length) as PageAction;
    const { id } = request;
    post({ action: `${request.action}-ack`, id });
    const answer = (reply: { ok: true; result: unknown } | { ok: false; error: unknown }): void => {
      inFlight.delete(id);
      post({ action: `${request.action}-result`, id, ...reply });
    };
    inFlight.add(id);
    if (inFlight.size > MAX_IN_FLIGHT) return answer({ ok: false, error: serializeError(new SealError('ERR_PROTOCOL_BUSY')) });
    if (!win.isSecureContext) return answer({ ok: false, error: serializeError(new SealError('ERR_POLICY_DENIED', { origin, action: kind, reason: 'insecure-context' })) });
    const message: BackgroundRequest = { type: 'eseal:page', action: kind, params: request.params, ticket: id };
    runtime.sendMessage(message).then(
      (response) => {
        const r = (response ?? {}) as { ok?: unknown; result?: unknown; error?: unknown };
        if (r.ok === true) {
          if (kind === 'subscribe') openEvents(id);
          answer({ ok: true, result: r.result });
        } else {
          // Re-coded through our own table: only the code and flat details pass.
          answer({ ok: false, error: serializeError(r.ok === false ? deserializeError(r.error) : new SealError('ERR_EXTENSION_MISSING', { reason: 'no answer from the background' })) });
        }
      },
      // The extension was reloaded or updated under this page ("context invalidated").
      () => answer({ ok: false, error: serializeError(new SealError('ERR_EXTENSION_MISSING', { reason: 'extension context gone' })) }),
    );
  });

  runtime.onMessage?.addListener((message) => {
    const m = (message ?? {}) as Partial<ProgressMessage>;
    if (m.type !== 'eseal:progress' || typeof m.ticket !== 'string' || !inFlight.has(m.ticket)) return;
    const p = m.progress;
    if (p === null || typeof p !== 'object' || typeof (p as { stage?: unknown }).stage !== 'string') return;
    post({ action: 'eseal:event', id: m.ticket, event: 'progress', data: p });
  });

  function openEvents(subscriptionId: string): void {
    if (eventsPort) return;
    const port = runtime.connect({ name: EVENTS_PORT });
    eventsPort = port;
    port.onMessage.addListener((message) => {
      const m = (message ?? {}) as { event?: unknown; data?: unknown };
      if (typeof m.event === 'string' && AGENT_PAGE_EVENTS.includes(m.event)) post({ action: 'eseal:event', id: subscriptionId, event: m.event, data: m.data });
    });
    port.onDisconnect.addListener(() => {
      if (eventsPort === port) eventsPort = undefined;
    });
  }
}
