// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Content script: a relay without logic (web-eid's model). It answers an ack at once so the page
 * can tell "extension missing" from "agent missing", and forwards `eseal:*` requests to the
 * background, which takes the origin from the browser.
 */
import { browserApi } from '../browserApi.js';

const api = browserApi();

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || !window.isSecureContext && location.hostname !== 'localhost' && location.hostname !== '127.0.0.1') return;
  const data = event.data as { action?: unknown; id?: unknown } | null;
  const action = typeof data?.action === 'string' ? data.action : '';
  if (!data || !action.startsWith('eseal:') || action.endsWith('-ack') || action.endsWith('-result')) return;
  const id = typeof data.id === 'string' ? data.id.slice(0, 64) : '';
  window.postMessage({ action: `${action}-ack`, id }, window.location.origin);
  void api.runtime.sendMessage({ action }).then((result) => {
    window.postMessage({ action: `${action}-result`, id, result }, window.location.origin);
  });
});
