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
  readonly agent: {
    readonly state: string;
    readonly url: string;
    readonly agentVersion?: string;
    readonly instanceId?: string;
    readonly development?: boolean;
    readonly lastError?: string;
    /** From the agent's last `status` answer: tokens present (label, backend, serial — no PIN state). */
    readonly tokens?: readonly TokenSummary[];
    /** The agent's own policy source (its machine policy file), as it reported it. */
    readonly policySource?: string;
  };
  readonly policy: { readonly source: string; readonly origin?: string; readonly fields?: readonly string[]; readonly portals: readonly string[]; readonly agentPort: number; readonly error?: SerializedError };
  readonly lastErrors: readonly ErrorRecord[];
  /**
   * Chrome's Local Network Access permission as this extension's background sees it (`granted`,
   * `prompt`, `denied`; `unsupported` elsewhere). `denied` means the browser blocks the connection
   * to the local agent: the fix is the LocalNetworkAccessAllowedForUrls policy (docs/admin).
   */
  readonly localNetworkAccess: Readonly<Record<string, string>>;
}

export type OptionsResponse = { readonly ok: true; readonly state: OptionsState; readonly report?: string } | { readonly ok: false; readonly error: SerializedError; readonly state?: OptionsState };

/** Only the extension's own pages (options) — never a content script in a web page. */
export function isOptionsSender(sender: RuntimeSender, ownOrigin: string): boolean {
  if (typeof sender.origin === 'string') return sender.origin === ownOrigin;
  return typeof sender.url === 'string' && sender.url.startsWith(`${ownOrigin}/`);
}

export interface TokenSummary {
  readonly label: string;
  readonly backend: string;
  readonly serial?: string;
}

let lastStatus: { development?: boolean; tokens?: readonly TokenSummary[]; policySource?: string } = {};

const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' ? v.replace(/\p{Cc}/gu, '').slice(0, max) : undefined);

/** Only the fields the page shows, each checked: the agent's answer is not trusted to be small or clean. */
function readStatus(r: Record<string, unknown>): typeof lastStatus {
  const tokens = Array.isArray(r['tokens'])
    ? r['tokens'].slice(0, 32).map((t: unknown) => {
        const o = (t ?? {}) as Record<string, unknown>;
        const serial = text(o['serial'], 64);
        return { label: text(o['label'], 64) ?? '', backend: text(o['backend'], 16) ?? '', ...(serial !== undefined && { serial }) };
      })
    : undefined;
  const policySource = text((r['policy'] as Record<string, unknown> | undefined)?.['source'], 256);
  return { development: r['development'] === true, ...(tokens && { tokens }), ...(policySource !== undefined && { policySource }) };
}

/** Permission names Chromium has used for Local Network Access (156 answers both). */
const LNA_PERMISSIONS = ['local-network-access', 'loopback-network'] as const;

async function localNetworkAccess(): Promise<Record<string, string>> {
  const permissions = (globalThis as { navigator?: { permissions?: { query(d: { name: string }): Promise<{ state: string }> } } }).navigator?.permissions;
  const out: Record<string, string> = {};
  for (const name of LNA_PERMISSIONS) {
    try {
      out[name] = permissions ? (await permissions.query({ name })).state : 'unsupported';
    } catch {
      out[name] = 'unsupported';
    }
  }
  return out;
}

async function state(deps: OptionsDeps): Promise<OptionsState> {
  const [pairing, loaded, conn, lna] = await Promise.all([deps.pairings.summary(), deps.loadPolicy(), deps.agent(), localNetworkAccess()]);
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
      ...(lastStatus.tokens !== undefined && { tokens: lastStatus.tokens }),
      ...(lastStatus.policySource !== undefined && { policySource: lastStatus.policySource }),
    },
    policy: {
      source: loaded.source,
      ...(loaded.origin !== undefined && { origin: loaded.origin }),
      ...(loaded.fields !== undefined && { fields: loaded.fields }),
      portals: loaded.policy.portals.map((p) => p.origin),
      agentPort: loaded.policy.agentPort,
      ...(loaded.error !== undefined && { error: loaded.error }),
    },
    lastErrors: deps.diagnostics.lastErrors,
    localNetworkAccess: lna,
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
          const r = await conn.request('status', {}, { timeoutMs: 10_000 });
          lastStatus = readStatus((r ?? {}) as Record<string, unknown>);
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
        return { ok: true, state: s, report: diagnosticReport(s) };
      }
      default:
        throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'unknown options op' });
    }
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/**
 * The "copy diagnostic report" text: built field by field from the state (never by spreading
 * whatever the background holds), so it cannot pick up the pairing key, a PIN, cookies or a
 * document. Error records carry code, origin, action and message only (diagnostics.ts).
 */
export function diagnosticReport(s: OptionsState, now = new Date()): string {
  const report = {
    reportVersion: 1,
    generatedAt: now.toISOString(),
    userAgent: typeof navigator === 'undefined' ? undefined : navigator.userAgent,
    extensionVersion: s.extensionVersion,
    agent: s.agent,
    pairing: { paired: s.pairing.paired, ...(s.pairing.keyId !== undefined && { keyId: s.pairing.keyId }), ...(s.pairing.pairedAt !== undefined && { pairedAt: s.pairing.pairedAt }) },
    policy: s.policy,
    localNetworkAccess: s.localNetworkAccess,
    lastErrors: s.lastErrors.map((e) => ({ at: e.at, origin: e.origin, action: e.action, code: e.code, message: e.message, messageZh: e.messageZh })),
  };
  return JSON.stringify(report, null, 2);
}
