// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Content script (document_start, top frame): when the browser opened a PDF document itself
 * (`document.contentType === 'application/pdf'`), ask the background to show it in the ESeal viewer.
 * The background decides from the policy and the browser-given sender URL (viewerBackground.ts);
 * on any origin the policy does not allow, nothing happens. Nothing is read from the page.
 */
import { browserApi } from '../browserApi.js';

if (window.top === window && document.contentType === 'application/pdf') {
  void browserApi()
    .runtime.sendMessage({ type: 'eseal:viewer', op: 'intercept' })
    .catch(() => undefined);
}
