// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * What the options page may ask the background (`{type: 'eseal:options', op}`), accepted only
 * from the extension's own pages: `state`, `refresh` (ask the agent for its status), `pair`
 * (enter the one-time code shown by `eseal pair`), `unpair`, `report` (diagnostic report).
 * Answers never contain the pairing key.
 */
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import type { BrowserApi, RuntimeSender } from '../browserApi.js';
import type { Diagnostics, ErrorRecord } from './diagnostics.js';
import type { PairingStore, PairingSummary } from './pairingStore.js';
import type { LoadedPolicy } from './policySource.js';
import type { AgentConnection } from './transport/AgentConnection.js';

export interface OptionsDeps {
  readonly api: BrowserApi;
  readonly agent: () => Promise<AgentConnection>;
  readonly pairings: PairingStore;
  readonly diagnostics: Diagnostics;
  readonly extensionVersion: string;
  readonly loadPolicy: () => Promise<LoadedPolicy>;
}

export interface OptionsState {
  readonly extensionVersion: string;
  readonly pairing: PairingSummary;
  readonly agent: { readonly state: string; readonly url: string; readonly agentVersion?: string; readonly instanceId?: string; readonly development?: boolean; readonly lastError?: string };
  readonly policy: { readonly source: string; readonly portals: readonly string[]; readonly error?: SerializedError };
  readonly lastErrors: readonly ErrorRecord[];
}

export type OptionsResponse = { readonly ok: true; readonly state: OptionsState; readonly report?: string } | { readonly ok: false; readonly error: SerializedError; readonly state?: OptionsState };

/** Only the extension's own pages (options) — never a content script in a web page. */
export function isOptionsSender(sender: RuntimeSender, ownOrigin: string): boolean {
  if (typeof sender.origin === 'string') return sender.origin === ownOrigin;
  return typeof sender.url === 'string' && sender.url.startsWith(`${ownOrigin}/`);
}

let lastStatus: { development?: boolean } = {};

async function state(deps: OptionsDeps): Promise<OptionsState> {
  const [pairing, loaded, conn] = await Promise.all([deps.pairings.summary(), deps.loadPolicy(), deps.agent()]);
  return {
    extensionVersion: deps.extensionVersion,
    pairing,
    agent: {
      state: conn.state,
      url: conn.url,
      ...(conn.agent.agentVersion !== undefined && { agentVersion: conn.agent.agentVersion }),
      ...(conn.agent.instanceId !== undefined && { instanceId: conn.agent.instanceId }),
      ...(lastStatus.development !== undefined && { development: lastStatus.development }),
      ...(conn.lastError !== undefined && { lastError: conn.lastError.code }),
    },
    policy: { source: loaded.source, portals: loaded.policy.portals.map((p) => p.origin), ...(loaded.error !== undefined && { error: loaded.error }) },
    lastErrors: deps.diagnostics.lastErrors,
  };
}

export async function handleOptionsRequest(message: unknown, deps: OptionsDeps): Promise<OptionsResponse> {
  const m = (message ?? {}) as { op?: unknown; code?: unknown; label?: unknown };
  try {
    switch (m.op) {
      case 'state':
        return { ok: true, state: await state(deps) };
      case 'refresh': {
        const conn = await deps.agent();
        try {
          const r = (await conn.request('status', {}, { timeoutMs: 10_000 })) as { development?: unknown };
          lastStatus = { development: r.development === true };
        } catch (error) {
          const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
          deps.diagnostics.record('(options)', 'status', e);
          return { ok: false, error: serializeError(e), state: await state(deps) };
        }
        return { ok: true, state: await state(deps) };
      }
      case 'pair': {
        const code = typeof m.code === 'string' ? m.code.replace(/\s+/g, '') : '';
        const label = typeof m.label === 'string' ? m.label.replace(/\p{Cc}/gu, '').slice(0, 64) : undefined;
        const conn = await deps.agent();
        try {
          const paired = await conn.pair(code, label);
          await deps.pairings.save(paired);
          paired.key.fill(0);
        } catch (error) {
          const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
          deps.diagnostics.record('(options)', 'pair', e);
          return { ok: false, error: serializeError(e), state: await state(deps) };
        }
        return { ok: true, state: await state(deps) };
      }
      case 'unpair':
        await deps.pairings.clear();
        (await deps.agent()).close();
        return { ok: true, state: await state(deps) };
      case 'report': {
        const s = await state(deps);
        const report = JSON.stringify({ generatedAt: new Date().toISOString(), userAgent: typeof navigator === 'undefined' ? undefined : navigator.userAgent, ...s }, null, 2);
        return { ok: true, state: s, report };
      }
      default:
        throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'unknown options op' });
    }
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
