// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Background router (skeleton): the portal origin comes from `sender`, never from the payload.
 * The policy, consent window and agent operations arrive with the extension issue.
 */
import { browserApi } from '../browserApi.js';
import { probeAgent } from './transport/AgentConnection.js';

const api = browserApi();

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const m = (message ?? {}) as { action?: unknown };
  if (m.action === 'eseal:status') {
    void probeAgent().then((agent) => sendResponse({ extensionVersion: api.runtime.getManifest().version, origin: sender.origin ?? null, agent }));
    return true;
  }
  return undefined;
});
