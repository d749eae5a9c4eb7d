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
 * - `{type: 'eseal:viewer', op: 'verify', document, fileName}` from the viewer page itself: the
 *   agent's `verify` (it holds the machine's trust anchors and CRLs from its policy file), sent
 *   without a portal context, since the request is the extension's own. Refused for any other
 *   sender. The viewer verifies in the browser first and uses this only to upgrade its report.
 */
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
}

type TabsApi = { update(tabId: number, props: { url: string }): Promise<unknown> };

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
