// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * What a method handler receives: the parsed request (`RequestScope`) and the agent's services.
 * Handlers return the `result` object; facts for the audit record go into `scope.audit`; errors are
 * thrown as SealErrors. The dispatcher writes the audit record before any result leaves the agent.
 */
import type { Certificate, Crl } from '../../shared/x509/index.js';
import type { Policy, PortalAction, SealType } from '../../shared/policy/Policy.js';
import type { MethodName } from '../../shared/protocol/index.js';
import { decide, originMatches } from '../../shared/policy/Policy.js';
import { SealError } from '../../shared/errors/index.js';
import type { AuditLog } from '../audit/AuditLog.js';
import type { ConnectionDocs } from './docStore.js';
import type { ConsentBroker, ConsentTarget } from '../consent/ConsentBroker.js';
import type { ConsentAndLoginOptions } from '../consent/consentAndLogin.js';
import type { TokenSession } from '../token/TokenProvider.js';
import type { TokenCare } from '../reminders/TokenCare.js';
import type { SealStore } from '../sealstore/SealStore.js';
import type { TokenRegistry } from '../signing/TokenRegistry.js';

export interface AuditFacts {
  sealId?: string;
  certSerial?: string;
  documentDigest?: string;
  extra?: Record<string, string | number | boolean>;
}

export interface RequestScope extends ConsentTarget {
  readonly method: MethodName;
  readonly params: Record<string, unknown>;
  /** Portal origin from the browser (ctx.origin); undefined = the extension's own pages or the CLI. */
  readonly origin: string | undefined;
  /** Audit name of the caller: the portal origin, else `extension:<Origin header>`. */
  readonly auditOrigin: string;
  readonly lang: 'zh-CN' | 'en';
  readonly audit: AuditFacts;
  /** This connection's chunked documents (docStore.ts); absent outside the dispatcher. */
  readonly docs?: ConnectionDocs;
}

export interface AgentServices {
  readonly policy: Policy;
  readonly policySource: string;
  readonly audit: AuditLog;
  readonly tokens: TokenRegistry;
  readonly seals: SealStore;
  readonly consent: ConsentBroker;
  readonly version: string;
  readonly instanceId: () => string;
  readonly development: boolean;
  readonly trust: { readonly roots: readonly Certificate[]; readonly crls: readonly Crl[] };
  /** PIN age and idle-removal reminders (policy pin.maxAgeDays, token.idleRemovalReminderMinutes). */
  readonly care: TokenCare;
}

export type Handler = (scope: RequestScope, services: AgentServices) => Promise<unknown>;

/** The policy check every portal request passes (again, after the extension): deny by default. */
export function requireAllowed(services: AgentServices, scope: RequestScope, action: PortalAction, sealType?: SealType | null, batchItems?: number): void {
  if (scope.origin === undefined) return;
  if (sealType === null) throw new SealError('ERR_POLICY_DENIED', { origin: scope.origin, action: `${action} (seal without a seal type)` });
  const decision = decide(services.policy, scope.origin, action, sealType, batchItems);
  if (!decision.allowed) throw new SealError('ERR_POLICY_DENIED', { origin: scope.origin, action, reason: decision.reason });
}

/** The portal's display name from the policy, for the consent window. */
export function portalName(services: AgentServices, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  return services.policy.portals.find((p) => originMatches(p.origin, origin))?.name;
}

/**
 * The consent-and-login request every signing handler makes: who asks (origin, portal name), on which
 * token, audited under the request; `consent` adds what is signed (seal, document, fingerprint, items).
 */
export function signingConsent(services: AgentServices, scope: RequestScope, session: TokenSession, consent: Record<string, unknown>): ConsentAndLoginOptions {
  return {
    broker: services.consent,
    target: scope,
    session,
    policy: services.policy,
    audit: services.audit,
    origin: scope.auditOrigin,
    method: scope.method,
    consent: {
      origin: scope.origin ?? null,
      portalName: portalName(services, scope.origin) ?? null,
      token: { label: session.token.label, serial: session.token.serial, developmentOnly: session.token.developmentOnly, ...services.care.pinStatus(session.token) },
      ...consent,
    },
  };
}

/** Grouped hex fingerprint `ABCD EF01 … 7788` (first and last groups are what users compare). */
export function fingerprint(bytes: Uint8Array): { hex: string; short: string } {
  const hex = Buffer.from(bytes).toString('hex').toUpperCase();
  const groups = hex.match(/.{1,4}/g) ?? [];
  return { hex, short: groups.length > 6 ? `${groups.slice(0, 3).join(' ')} … ${groups.slice(-3).join(' ')}` : groups.join(' ') };
}

export function str(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  return typeof v === 'string' ? v : undefined;
}
