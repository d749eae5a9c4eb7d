// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The viewer's content script (document_start):
 * - top frame showing a PDF the browser opened itself (`document.contentType === 'application/pdf'`):
 *   ask the background to show it in the ESeal viewer. The background decides from the policy and
 *   the browser-given sender URL (extension/viewer/viewerBackground.ts); on any origin the policy
 *   does not allow, nothing happens. Nothing is read from the page.
 * - any other page: relay the SDK's `eseal:openViewer` requests (extension/viewer/openViewerRelay.ts).
 */
import { browserApi } from '../browserApi.js';
import { startOpenViewerRelay } from '../viewer/openViewerRelay.js';

const api = browserApi();
if (document.contentType === 'application/pdf') {
  if (window.top === window) void api.runtime.sendMessage({ type: 'eseal:viewer', op: 'intercept' }).catch(() => undefined);
} else {
  startOpenViewerRelay(window, (m) => api.runtime.sendMessage(m));
}
