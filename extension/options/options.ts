// SPDX-License-Identifier: Apache-2.0
/** Options and diagnostics page (skeleton): extension version and agent connection. */
import { browserApi } from '../browserApi.js';
import { probeAgent } from '../background/transport/AgentConnection.js';

const api = browserApi();
const t = (name: string, subs?: string) => api.i18n.getMessage(name, subs) || name;
const set = (id: string, text: string) => {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
};

set('title', t('optionsTitle'));
set('extensionVersionLabel', t('extensionVersion'));
set('agentStatusLabel', t('agentStatus'));
set('extensionVersion', api.runtime.getManifest().version);
set('agentStatus', t('checking'));
void probeAgent().then((status) => set('agentStatus', status.connected ? t('agentConnected', status.agentVersion ?? '?') : t('agentUnavailable')));
