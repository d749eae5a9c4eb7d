// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Background (service worker on Chrome/Edge, event page on Firefox): the router.
 *
 * - `{type: 'eseal:page'}` from a content script → PageRequestHandler (origin from `sender`,
 *   policy, queue per origin, agent);
 * - `{type: 'eseal:options', op}` from the extension's own options page only → pairing, state,
 *   diagnostics (optionsApi.ts); the pairing key never leaves this context;
 * - Port `eseal-events` from a content script whose origin may use `events` → agent events
 *   (`token.changed`, `token.idle`) while connected;
 * - Port `eseal-consent` from the extension's own consent window (ConsentWindows): the user's
 *   decision and PIN for the request that opened it;
 * - progress of a page's request goes back to that tab and frame only (`tabs.sendMessage`).
 */
import { randomBytes } from '../../shared/crypto/index.js';
import { SealError } from '../../shared/errors/index.js';
import { decide } from '../../shared/policy/Policy.js';
import { DEFAULT_AGENT_PORT } from '../../shared/protocol/index.js';
import { browserApi, type RuntimePort, type RuntimeSender } from '../browserApi.js';
import { ConsentWindows, type WindowsApi } from '../consent/ConsentWindows.js';
import { CONSENT_PORT } from '../consent/protocol.js';
import { EVENTS_PORT, type ProgressMessage } from '../content/relay.js';
import { AGENT_PAGE_EVENTS } from '../page/messages.js';
import { Diagnostics } from './diagnostics.js';
import { handleOptionsRequest, isOptionsSender } from './optionsApi.js';
import { PageRequestHandler, senderContext } from './PageRequestHandler.js';
import { PairingStore } from './pairingStore.js';
import { syncContentScripts, type ScriptingApi } from './contentScripts.js';
import { invalidatePolicy, loadPolicy } from './policySource.js';
import { AgentConnection } from './transport/AgentConnection.js';
import { installViewerBackground } from '../viewer/viewerBackground.js';

declare const __ESEAL_BROWSER__: string | undefined;

const api = browserApi();
const extensionVersion = api.runtime.getManifest().version;
const lang: 'zh-CN' | 'en' = (api.i18n.getUILanguage?.() ?? 'zh-CN').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
const ownOrigin = new URL(api.runtime.getURL('')).origin;
const pairings = new PairingStore(api.storage.local);
const diagnostics = new Diagnostics();
const eventPorts = new Set<RuntimePort>();

/** `windows` and `tabs.sendMessage` need no permission (browserApi.ts types the rest). */
const extra = api as unknown as {
  windows: WindowsApi;
  tabs: { sendMessage(tabId: number, message: unknown, options: { frameId: number }): Promise<unknown> };
};
const consentWindows = new ConsentWindows({
  windows: extra.windows,
  ownOrigin,
  getURL: (path) => api.runtime.getURL(path),
  randomHex: (n) => Array.from(randomBytes(n), (b) => b.toString(16).padStart(2, '0')).join(''),
});

let connection: AgentConnection | undefined;
let connectionPort = 0;

/** The one AgentConnection, for the port the policy names (recreated if it changes). */
async function agent(): Promise<AgentConnection> {
  const { policy } = await loadPolicy(api);
  const port = policy.agentPort || DEFAULT_AGENT_PORT;
  if (!connection || connectionPort !== port) {
    connection?.close();
    connectionPort = port;
    connection = new AgentConnection({
      port,
      origin: ownOrigin,
      loadCredentials: () => pairings.credentials(),
      extensionVersion,
      browser: typeof __ESEAL_BROWSER__ === 'string' ? __ESEAL_BROWSER__ : 'unknown',
      onEvent: (event, data) => {
        if (!AGENT_PAGE_EVENTS.includes(event)) return;
        for (const p of eventPorts) p.postMessage({ event, data });
      },
      onStateChange: (_state, error) => {
        if (error) diagnostics.record('(agent)', 'connect', error);
      },
    });
  }
  return connection;
}

const pages = new PageRequestHandler({
  loadPolicy: () => loadPolicy(api),
  agent,
  extensionVersion,
  lang,
  onError: (origin, action, error) => diagnostics.record(origin, action, error),
  consent: consentWindows,
  notify: (target, ticket, progress) => {
    const message: ProgressMessage = { type: 'eseal:progress', ticket, progress };
    extra.tabs.sendMessage(target.tabId, message, { frameId: target.frameId }).catch(() => undefined);
  },
});

// The viewer's messages (PDF interception, agent verification): extension/viewer/viewerBackground.ts.
installViewerBackground({ api, agent, loadPolicy: () => loadPolicy(api), ownOrigin });

// Content scripts only on the hosts the policy lists (contentScripts.ts): now, and on every change
// of the managed or development policy.
const scripting = (api as unknown as { scripting?: ScriptingApi }).scripting;
async function syncScripts(): Promise<void> {
  if (!scripting) return;
  try {
    await syncContentScripts(scripting, (await loadPolicy(api)).policy);
  } catch (error) {
    diagnostics.record('(extension)', 'contentScripts', error instanceof SealError ? error : new SealError('ERR_INTERNAL', { reason: String(error) }));
  }
}
let scriptsSynced = syncScripts();
(api.storage as { onChanged?: { addListener(l: (changes: Record<string, unknown>, area: string) => void): void } }).onChanged?.addListener((changes, area) => {
  if (area !== 'managed' && !(area === 'local' && 'devPolicy' in changes)) return;
  invalidatePolicy(api);
  scriptsSynced = scriptsSynced.then(syncScripts);
});

api.runtime.onMessage.addListener((message: unknown, sender: RuntimeSender, sendResponse: (response: unknown) => void) => {
  if (sender.id !== api.runtime.id) return undefined;
  const type = (message as { type?: unknown } | null)?.type;
  if (type === 'eseal:page') {
    void pages.handle(message, sender).then(sendResponse);
    return true;
  }
  if (type === 'eseal:options' && isOptionsSender(sender, ownOrigin)) {
    void handleOptionsRequest(message, { api, agent, pairings, diagnostics, extensionVersion, loadPolicy: () => loadPolicy(api) }).then(sendResponse);
    return true;
  }
  return undefined;
});

api.runtime.onConnect.addListener((port: RuntimePort) => {
  if (port.name === CONSENT_PORT && port.sender?.id === api.runtime.id) return consentWindows.attach(port);
  if (port.name !== EVENTS_PORT || !port.sender || port.sender.id !== api.runtime.id) return port.disconnect();
  const ctx = senderContext(port.sender, lang);
  void (async () => {
    const { policy } = await loadPolicy(api);
    if (!ctx || !decide(policy, ctx.origin, 'events').allowed) {
      diagnostics.record(ctx?.origin ?? '(unknown)', 'events', new SealError('ERR_POLICY_DENIED', { origin: ctx?.origin ?? '(unknown)', action: 'events' }));
      return port.disconnect();
    }
    eventPorts.add(port);
    (await agent()).setWatch(true);
    port.onDisconnect.addListener(() => {
      eventPorts.delete(port);
      if (eventPorts.size === 0) connection?.setWatch(false);
    });
  })();
  return undefined;
});
