// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The viewer's part of the background (installed by background.ts with one call):
 *
 * - `{type: 'eseal:viewer', op: 'intercept'}` from the content script pdfIntercept.ts in a top-level
 *   PDF document: the URL and origin come from the browser's `sender` (never from the payload); if
 *   the policy lets that origin use verification, the tab is navigated to
 *   `viewer.html?src=<url>`; otherwise nothing happens (the browser's own PDF viewer stays).
 *   MV3 has no MIME-type hook for navigations (mozilla/pdf.js#15161): a content script that sees
 *   `document.contentType === 'application/pdf'` is the one signal that needs no URL guessing; the
 *   background does the navigation, so the viewer page need not be web-accessible.
 * - `{type: 'eseal:viewer', op: 'open', document, fileName}` from a content script (the SDK's
 *   `eseal.openViewer`, once the relay forwards it): for a portal the policy lets use verification,
 *   the Base64 document (at most MAX_INLINE_BYTES) is parked in `storage.session` under a random
 *   one-time id and a viewer tab opens with `viewer.html?doc=<id>`; the viewer reads and deletes it.
 * - `{type: 'eseal:viewer', op: 'verify', document, fileName}` from the viewer page itself: the
 *   agent's `verify` (it holds the machine's trust anchors and CRLs from its policy file), sent
 *   without a portal context, since the request is the extension's own. Refused for any other
 *   sender. The viewer verifies in the browser first and uses this only to upgrade its report.
 */
import { randomBytes } from '../../shared/crypto/index.js';
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { decide } from '../../shared/policy/Policy.js';
import { MAX_INLINE_BYTES } from '../../shared/protocol/index.js';
import type { BrowserApi, RuntimeSender } from '../browserApi.js';
import type { AgentLike } from '../background/PageRequestHandler.js';
import type { LoadedPolicy } from '../background/policySource.js';

export const VIEWER_MESSAGE = 'eseal:viewer';
export const VIEWER_PAGE = 'viewer.html';
/** How long the viewer's agent verification may take. */
export const AGENT_VERIFY_TIMEOUT_MS = 30_000;

export interface ViewerBackgroundDeps {
  readonly api: BrowserApi;
  readonly agent: () => Promise<AgentLike>;
  readonly loadPolicy: () => Promise<LoadedPolicy>;
  /** `chrome-extension://<id>` / `moz-extension://<uuid>`. */
  readonly ownOrigin: string;
  /** A fresh random id for a parked document (default: 16 random bytes, hex). */
  readonly randomId?: () => string;
}

type TabsApi = { update(tabId: number, props: { url: string }): Promise<unknown>; create?(props: { url: string; openerTabId?: number }): Promise<unknown> };
type SessionArea = { set(items: Record<string, unknown>): Promise<void>; get(keys: null): Promise<Record<string, unknown>> };

/** Documents parked and not yet opened, at most (a portal cannot fill the session store with tabs). */
export const MAX_PARKED_DOCUMENTS = 8;

/** Base64 characters of a MAX_INLINE_BYTES document. */
const MAX_BASE64 = Math.ceil(MAX_INLINE_BYTES / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function randomId(): string {
  return Array.from(randomBytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
}

export type ViewerResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

function isViewerPage(sender: RuntimeSender, deps: ViewerBackgroundDeps): boolean {
  if (sender.id !== deps.api.runtime.id || sender.tab === undefined && sender.url === undefined) return false;
  const url = sender.url ?? '';
  return url.startsWith(`${deps.ownOrigin}/${VIEWER_PAGE}`);
}

/** The viewer URL for a document URL. */
export function viewerUrlFor(api: Pick<BrowserApi['runtime'], 'getURL'>, src: string): string {
  return `${api.getURL(VIEWER_PAGE)}?src=${encodeURIComponent(src)}`;
}

export async function handleViewerMessage(message: unknown, sender: RuntimeSender, deps: ViewerBackgroundDeps): Promise<ViewerResponse> {
  const m = (message ?? {}) as { op?: unknown; document?: unknown; fileName?: unknown };
  try {
    if (m.op === 'intercept') {
      const url = sender.url;
      const tabId = sender.tab?.id;
      if (typeof url !== 'string' || typeof tabId !== 'number' || sender.frameId !== 0 || !/^https?:\/\//.test(url)) return { ok: true, result: { redirected: false } };
      const { policy } = await deps.loadPolicy();
      if (!decide(policy, new URL(url).origin, 'verify').allowed) return { ok: true, result: { redirected: false } };
      const tabs = (deps.api as unknown as { tabs?: TabsApi }).tabs;
      if (!tabs) return { ok: true, result: { redirected: false } };
      await tabs.update(tabId, { url: viewerUrlFor(deps.api.runtime, url) });
      return { ok: true, result: { redirected: true } };
    }
    if (m.op === 'open') {
      const url = sender.url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url) || sender.tab === undefined) throw new SealError('ERR_POLICY_DENIED', { origin: '(unknown)', action: 'openViewer' });
      const origin = new URL(sender.origin ?? url).origin;
      const { policy } = await deps.loadPolicy();
      const decision = decide(policy, origin, 'verify');
      if (!decision.allowed) throw new SealError('ERR_POLICY_DENIED', { origin, action: 'openViewer', reason: decision.reason });
      if (typeof m.document !== 'string' || m.document.length === 0 || !BASE64.test(m.document)) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'Base64 expected' });
      if (m.document.length > MAX_BASE64) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_INLINE_BYTES });
      const session = (deps.api.storage as unknown as { session?: SessionArea }).session;
      const tabs = (deps.api as unknown as { tabs?: TabsApi }).tabs;
      if (!session || !tabs?.create) throw new SealError('ERR_NOT_IMPLEMENTED', { feature: 'storage.session' });
      const parked = Object.keys(await session.get(null)).filter((k) => k.startsWith('viewerDoc:')).length;
      if (parked >= MAX_PARKED_DOCUMENTS) throw new SealError('ERR_PROTOCOL_BUSY');
      const id = (deps.randomId ?? randomId)();
      await session.set({ [`viewerDoc:${id}`]: { document: m.document, fileName: typeof m.fileName === 'string' ? m.fileName.replace(/^.*[\\/]/, '').slice(0, 200) : 'document', origin } });
      await tabs.create({ url: `${deps.api.runtime.getURL(VIEWER_PAGE)}?doc=${id}`, ...(typeof sender.tab.id === 'number' && { openerTabId: sender.tab.id }) });
      return { ok: true, result: { opened: true } };
    }
    if (m.op === 'verify') {
      if (!isViewerPage(sender, deps)) throw new SealError('ERR_POLICY_DENIED', { origin: sender.origin ?? sender.url ?? '(unknown)', action: 'viewer.verify' });
      if (typeof m.document !== 'string' || m.document.length > Math.ceil(MAX_INLINE_BYTES / 3) * 4) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_INLINE_BYTES });
      const fileName = typeof m.fileName === 'string' ? m.fileName.slice(0, 200) : undefined;
      const agent = await deps.agent();
      const report = await agent.request('verify', { document: m.document, ...(fileName !== undefined && { fileName }), includePictures: true }, { timeoutMs: AGENT_VERIFY_TIMEOUT_MS });
      return { ok: true, result: report };
    }
    throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'unknown viewer op' });
  } catch (error) {
    return { ok: false, error: serializeError(error instanceof SealError ? error : new SealError('ERR_INTERNAL', { reason: 'viewer background' })) };
  }
}

/** Adds the viewer's message listener to the background (a second listener beside the router's). */
export function installViewerBackground(deps: ViewerBackgroundDeps): void {
  deps.api.runtime.onMessage.addListener((message: unknown, sender: RuntimeSender, sendResponse: (response: unknown) => void) => {
    if (sender.id !== deps.api.runtime.id) return undefined;
    if ((message as { type?: unknown } | null)?.type !== VIEWER_MESSAGE) return undefined;
    void handleViewerMessage(message, sender, deps).then(sendResponse);
    return true;
  });
}
