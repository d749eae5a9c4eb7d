// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Content-script side of `eseal.openViewer({document, fileName})`: the page posts
 * `{action: 'eseal:openViewer', id, params: {document: <Base64>, fileName?}}` with the same envelope
 * and rules as every SDK request (extension/page/messages.ts: own window only, id pattern, plain
 * data, size cap); this relay acks at once, forwards `{type: 'eseal:viewer', op: 'open', …}` to the
 * background (which takes the origin from `sender` and checks the policy), and posts
 * `eseal:openViewer-result` back to the page's own origin. It runs beside the main relay
 * (content/relay.ts ignores this action), so the SDK method needs no change in the main relay.
 */
import { deserializeError, SealError, serializeError } from '../../shared/errors/index.js';
import { MAX_PAGE_MESSAGE_CHARS, REQUEST_ID_PATTERN } from '../page/messages.js';

export const OPEN_VIEWER_ACTION = 'eseal:openViewer';

export interface OpenViewerWindow {
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  readonly location: { readonly origin: string };
}

function parse(data: unknown): { id: string; document: string; fileName?: string } | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const d = data as Record<string, unknown>;
  if (d['action'] !== OPEN_VIEWER_ACTION || typeof d['id'] !== 'string' || !REQUEST_ID_PATTERN.test(d['id'])) return undefined;
  for (const key of Object.keys(d)) if (key !== 'action' && key !== 'id' && key !== 'params') return undefined;
  const p = d['params'];
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const params = p as Record<string, unknown>;
  const doc = params['document'];
  const fileName = params['fileName'];
  if (typeof doc !== 'string' || doc.length > MAX_PAGE_MESSAGE_CHARS) return undefined;
  if (fileName !== undefined && (typeof fileName !== 'string' || fileName.length > 255)) return undefined;
  return { id: d['id'], document: doc, ...(typeof fileName === 'string' && { fileName }) };
}

export function startOpenViewerRelay(win: OpenViewerWindow, sendMessage: (m: unknown) => Promise<unknown>): void {
  const origin = win.location.origin;
  if (origin === 'null' || origin === '') return;
  const inFlight = new Set<string>();
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== (win as unknown)) return;
    const request = parse(event.data);
    if (!request || inFlight.has(request.id)) return;
    const { id } = request;
    inFlight.add(id);
    win.postMessage({ action: `${OPEN_VIEWER_ACTION}-ack`, id }, origin);
    const answer = (reply: { ok: true; result: unknown } | { ok: false; error: unknown }): void => {
      inFlight.delete(id);
      win.postMessage({ action: `${OPEN_VIEWER_ACTION}-result`, id, ...reply }, origin);
    };
    sendMessage({ type: 'eseal:viewer', op: 'open', document: request.document, ...(request.fileName !== undefined && { fileName: request.fileName }) }).then(
      (response) => {
        const r = (response ?? {}) as { ok?: unknown; result?: unknown; error?: unknown };
        if (r.ok === true) answer({ ok: true, result: r.result });
        else answer({ ok: false, error: serializeError(r.ok === false ? deserializeError(r.error) : new SealError('ERR_EXTENSION_MISSING', { reason: 'no answer from the background' })) });
      },
      () => answer({ ok: false, error: serializeError(new SealError('ERR_EXTENSION_MISSING', { reason: 'extension context gone' })) }),
    );
  });
}
