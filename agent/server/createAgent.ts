// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Assembles a running agent: policy, state directory (pairings, audit, seal metadata), token back
 * ends, consent broker, dispatcher and the loopback server. Used by `eseal agent` and the tests.
 */
import { existsSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/Policy.js';
import { SealError } from '../../shared/errors/index.js';
import { parseCertificates, parseCrl, type Certificate, type Crl } from '../../shared/x509/index.js';
import { AuditLog } from '../audit/AuditLog.js';
import { ConsentBroker } from '../consent/ConsentBroker.js';
import type { AgentServices } from '../handlers/index.js';
import { CLI_ORIGIN, PairingStore } from '../pairing/PairingStore.js';
import { SealStore } from '../sealstore/SealStore.js';
import { TokenRegistry } from '../signing/TokenRegistry.js';
import { TokenCare } from '../reminders/TokenCare.js';
import type { TokenProvider } from '../token/TokenProvider.js';
import { AgentServer } from './AgentServer.js';
import { Dispatcher } from './Dispatcher.js';

export interface CreateAgentOptions {
  readonly port: number;
  readonly policy: Policy;
  readonly policySource: string;
  readonly stateDir: string;
  readonly version: string;
  readonly providers: readonly TokenProvider[];
  /** Origins allowed in addition to the policy's extensionOrigins (e.g. --allow-origin). */
  readonly extraOrigins?: readonly string[];
  readonly development?: boolean;
  /** How long to wait for consent/PIN when a request has no deadline. */
  readonly userTimeoutMs?: number;
  /** How often to look for idle tokens to remind about (default one minute). */
  readonly idleCheckMs?: number;
}

export interface RunningAgent {
  readonly server: AgentServer;
  readonly pairings: PairingStore;
  readonly audit: AuditLog;
  readonly tokens: TokenRegistry;
  close(): Promise<void>;
}

function loadTrust(policy: Policy): { roots: Certificate[]; crls: Crl[] } {
  const roots = policy.trust.roots.filter((p) => existsSync(p)).flatMap((p) => parseCertificates(readFileSync(p)));
  const crls: Crl[] = [];
  for (const p of policy.trust.crls) {
    if (!existsSync(p)) continue;
    try {
      crls.push(parseCrl(readFileSync(p)));
    } catch {
      // An unreadable CRL is reported by verification as a missing CRL.
    }
  }
  return { roots, crls };
}

/**
 * One agent per state directory: two would interleave the audit chain. The lock file holds the pid;
 * a lock whose process is gone is taken over.
 */
function lockStateDir(stateDir: string): () => void {
  const path = join(stateDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      let alive: boolean;
      try {
        alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (alive) throw new SealError('ERR_CLI_USAGE', { reason: `an ESeal agent is already running (pid ${pid}) with the state directory ${stateDir} / 签章服务已在运行` });
      rmSync(path, { force: true });
    }
  }
  throw new SealError('ERR_INTERNAL', { reason: `could not lock ${path}` });
}

export async function createAgent(o: CreateAgentOptions): Promise<RunningAgent> {
  const pairings = new PairingStore(o.stateDir);
  const unlock = lockStateDir(o.stateDir);
  try {
    return await startAgent(o, pairings, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function startAgent(o: CreateAgentOptions, pairings: PairingStore, unlock: () => void): Promise<RunningAgent> {
  const audit = new AuditLog({ directory: o.policy.audit.directory ?? join(o.stateDir, 'audit') });
  const care = new TokenCare(o.stateDir, o.policy);
  const tokens = new TokenRegistry(o.providers, (token) => care.noteUsed(token));
  const services: AgentServices = {
    policy: o.policy,
    policySource: o.policySource,
    audit,
    tokens,
    seals: new SealStore(o.stateDir),
    consent: new ConsentBroker(o.userTimeoutMs),
    version: o.version,
    instanceId: () => pairings.instanceId,
    development: o.development ?? false,
    trust: loadTrust(o.policy),
    care,
  };
  const dispatcher = new Dispatcher(services);
  const allowedOrigins = [...new Set([...o.policy.extensionOrigins, ...(o.extraOrigins ?? []), CLI_ORIGIN])];
  const firefox = /^moz-extension:\/\/[0-9a-f-]{36}$/;
  const acceptOrigin = (origin: string): boolean => firefox.test(origin) && (pairings.currentCode() !== undefined || pairings.list().some((p) => p.origin === origin));
  const server = new AgentServer({ port: o.port, allowedOrigins, acceptOrigin }, { pairings, dispatcher, audit, version: o.version });
  await server.listen();
  const watcher = tokens.watch((event) => {
    if (event.type === 'removed') care.noteRemoved(event.token);
    server.broadcast({ v: 1, kind: 'evt', event: 'token.changed', data: { type: event.type, label: event.token.label, serial: event.token.serial, present: event.type === 'inserted' } });
  });
  // The regulations ask that the USB KEY be removed when not in use: remind once per idle period.
  const idleTimer = setInterval(() => {
    void tokens.list().then((present) => {
      for (const { token, idleMinutes } of care.dueIdleReminders(present)) {
        server.broadcast({ v: 1, kind: 'evt', event: 'token.idle', data: { label: token.label, serial: token.serial, idleMinutes, messageZh: `USB KEY“${token.label}”已 ${idleMinutes} 分钟未使用，请拔出并妥善保管`, message: `The USB KEY "${token.label}" has not been used for ${idleMinutes} minutes; please remove it and keep it safe` } });
      }
    }, () => undefined);
  }, o.idleCheckMs ?? 60_000);
  idleTimer.unref();
  await audit.append({ origin: 'agent', method: 'agent.start', result: 'ok', extra: { port: o.port, policy: o.policySource.slice(0, 200), development: o.development ?? false } });
  return {
    server,
    pairings,
    audit,
    tokens,
    close: async () => {
      watcher.stop();
      clearInterval(idleTimer);
      dispatcher.abortAll(new SealError('ERR_AGENT_UNAVAILABLE', { reason: 'the agent is stopping' }));
      await server.close();
      await audit.append({ origin: 'agent', method: 'agent.stop', result: 'ok' }).catch(() => undefined);
      await audit.close();
      await tokens.close();
      unlock();
    },
  };
}
