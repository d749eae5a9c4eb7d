// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The ESeal policy: one schema for the agent's machine policy file and the extension's managed
 * policy (Chrome/Edge `storage.managed`, Firefox `policies.json` 3rdparty). Deny by default: a
 * portal may do nothing unless it is listed, and then only the listed actions with the listed seal
 * types. See docs/admin/policy.md.
 */
import { SealError } from '../errors/index.js';
import { assertSchema, type Schema } from '../schema/schema.js';

/** The three seal kinds of the regulations: 电子公章 (incl. 业务专用章), 法人章/职务章, 私章. */
export const SEAL_TYPES = ['official', 'legal', 'personal'] as const;
export type SealType = (typeof SEAL_TYPES)[number];

/** Actions a portal may be allowed; the protocol methods map onto these. */
export const PORTAL_ACTIONS = ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'pdf.seal', 'data.sign', 'verify', 'events'] as const;
export type PortalAction = (typeof PORTAL_ACTIONS)[number];

export type PinEntryMode = 'extension' | 'pinentry' | 'pinpad';

export interface PortalRule {
  /** `https://host[:port]`, or `https://*.suffix` for every subdomain of suffix. */
  readonly origin: string;
  readonly actions: readonly PortalAction[];
  readonly sealTypes: readonly SealType[];
  /** Shown to the user in the consent window, e.g. 某某市财政局国库集中支付系统. */
  readonly name?: string;
}

export interface Policy {
  readonly version: 1;
  readonly agentPort: number;
  readonly extensionOrigins: readonly string[];
  readonly portals: readonly PortalRule[];
  readonly pin: { readonly entry: PinEntryMode; readonly pinentryProgram?: string; readonly maxAgeDays: number };
  readonly batch: { readonly enabled: boolean; readonly maxItems: number; readonly cachePin: boolean; readonly ttlSeconds: number };
  readonly token: { readonly pkcs11Libraries: readonly string[]; readonly skfLibraries: readonly string[]; readonly idleRemovalReminderMinutes: number };
  readonly trust: { readonly roots: readonly string[]; readonly crls: readonly string[] };
  readonly audit: { readonly directory?: string };
  readonly development: { readonly allowHttpLocalhost: boolean };
}

const ORIGIN = /^https:\/\/(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$|^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;
const EXTENSION_ORIGIN = /^(chrome-extension:\/\/[a-p]{32}|moz-extension:\/\/[0-9a-f-]{36})$/;
const ABS_PATH = /^(\/|[A-Za-z]:\\)[^\0]*$/;

const pathList: Schema = { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 1024, pattern: ABS_PATH } };

/** The policy file schema (all fields optional; defaults below). */
export const POLICY_SCHEMA: Schema = {
  type: 'object',
  description: 'ESeal policy',
  properties: {
    version: { type: 'integer', minimum: 1, maximum: 1, description: 'Policy format version (1).' },
    agentPort: { type: 'integer', minimum: 1024, maximum: 65535, description: 'Loopback port of the signing agent.' },
    extensionOrigins: { type: 'array', maxItems: 32, unique: true, items: { type: 'string', maxLength: 64, pattern: EXTENSION_ORIGIN }, description: 'Extension origins the agent accepts.' },
    portals: {
      type: 'array',
      maxItems: 256,
      description: 'Portals allowed to use ESeal, with their actions and seal types.',
      items: {
        type: 'object',
        required: ['origin', 'actions'],
        properties: {
          origin: { type: 'string', maxLength: 256, pattern: ORIGIN },
          name: { type: 'string', maxLength: 128 },
          actions: { type: 'array', maxItems: PORTAL_ACTIONS.length, unique: true, items: { type: 'string', maxLength: 32, enum: PORTAL_ACTIONS } },
          sealTypes: { type: 'array', maxItems: SEAL_TYPES.length, unique: true, items: { type: 'string', maxLength: 16, enum: SEAL_TYPES } },
        },
      },
    },
    pin: {
      type: 'object',
      properties: {
        entry: { type: 'string', maxLength: 16, enum: ['extension', 'pinentry', 'pinpad'] },
        pinentryProgram: { type: 'string', maxLength: 1024, pattern: ABS_PATH },
        maxAgeDays: { type: 'integer', minimum: 0, maximum: 3650 },
      },
    },
    batch: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        maxItems: { type: 'integer', minimum: 1, maximum: 1000 },
        cachePin: { type: 'boolean' },
        ttlSeconds: { type: 'integer', minimum: 10, maximum: 3600 },
      },
    },
    token: {
      type: 'object',
      properties: {
        pkcs11Libraries: pathList,
        skfLibraries: pathList,
        idleRemovalReminderMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
      },
    },
    trust: { type: 'object', properties: { roots: pathList, crls: pathList } },
    audit: { type: 'object', properties: { directory: { type: 'string', maxLength: 1024, pattern: ABS_PATH } } },
    development: { type: 'object', properties: { allowHttpLocalhost: { type: 'boolean' } } },
  },
};

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends readonly (infer _U)[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Validates a policy document and fills the defaults. Throws ERR_POLICY_INVALID naming the field;
 * never returns a half-read policy.
 */
export function parsePolicy(input: unknown): Policy {
  const raw = assertSchema<DeepPartial<Policy>>(POLICY_SCHEMA, input, 'ERR_POLICY_INVALID');
  const portals = (raw.portals ?? []).map((p, i) => {
    if (p.origin.startsWith('http://') && !raw.development?.allowHttpLocalhost) {
      throw new SealError('ERR_POLICY_INVALID', { field: `portals[${i}].origin`, reason: 'http://localhost needs development.allowHttpLocalhost' });
    }
    const needsSealType = p.actions.some((a) => a === 'seal.sign' || a === 'seal.signBatch' || a === 'pdf.seal');
    if (needsSealType && (p.sealTypes ?? []).length === 0) {
      throw new SealError('ERR_POLICY_INVALID', { field: `portals[${i}].sealTypes`, reason: 'sealing actions need at least one seal type' });
    }
    return { origin: p.origin, actions: p.actions, sealTypes: p.sealTypes ?? [], ...(p.name !== undefined && { name: p.name }) };
  });
  const pinEntry = raw.pin?.entry ?? 'extension';
  if (pinEntry === 'pinentry' && !raw.pin?.pinentryProgram) {
    throw new SealError('ERR_POLICY_INVALID', { field: 'pin.pinentryProgram', reason: 'is required when pin.entry is pinentry' });
  }
  return {
    version: 1,
    agentPort: raw.agentPort ?? 17530,
    extensionOrigins: raw.extensionOrigins ?? [],
    portals,
    pin: { entry: pinEntry, ...(raw.pin?.pinentryProgram !== undefined && { pinentryProgram: raw.pin.pinentryProgram }), maxAgeDays: raw.pin?.maxAgeDays ?? 90 },
    batch: { enabled: raw.batch?.enabled ?? false, maxItems: raw.batch?.maxItems ?? 50, cachePin: raw.batch?.cachePin ?? false, ttlSeconds: raw.batch?.ttlSeconds ?? 300 },
    token: { pkcs11Libraries: raw.token?.pkcs11Libraries ?? [], skfLibraries: raw.token?.skfLibraries ?? [], idleRemovalReminderMinutes: raw.token?.idleRemovalReminderMinutes ?? 30 },
    trust: { roots: raw.trust?.roots ?? [], crls: raw.trust?.crls ?? [] },
    audit: { ...(raw.audit?.directory !== undefined && { directory: raw.audit.directory }) },
    development: { allowHttpLocalhost: raw.development?.allowHttpLocalhost ?? false },
  };
}

/** Whether a concrete origin (`https://a.b.gov.cn`) matches a rule's origin pattern. */
export function originMatches(pattern: string, origin: string): boolean {
  const o = origin.toLowerCase();
  if (!pattern.includes('*')) return pattern === o;
  const m = /^https:\/\/\*\.(.+)$/.exec(pattern);
  if (!m?.[1] || !o.startsWith('https://')) return false;
  const host = o.slice('https://'.length);
  return host.endsWith(`.${m[1]}`) && host.length > m[1].length + 1;
}

export type PolicyDecision = { readonly allowed: true; readonly rule: PortalRule } | { readonly allowed: false; readonly reason: 'origin-not-listed' | 'action-not-allowed' | 'seal-type-not-allowed' | 'batch-disabled' | 'batch-too-large' };

/** Deny by default: the origin must be listed, with the action and (for sealing) the seal type. */
export function decide(policy: Policy, origin: string, action: PortalAction, sealType?: SealType, batchItems?: number): PolicyDecision {
  const rule = policy.portals.find((p) => originMatches(p.origin, origin));
  if (!rule) return { allowed: false, reason: 'origin-not-listed' };
  if (!rule.actions.includes(action)) return { allowed: false, reason: 'action-not-allowed' };
  if (sealType !== undefined && !rule.sealTypes.includes(sealType)) return { allowed: false, reason: 'seal-type-not-allowed' };
  if (action === 'seal.signBatch') {
    if (!policy.batch.enabled) return { allowed: false, reason: 'batch-disabled' };
    if (batchItems !== undefined && batchItems > policy.batch.maxItems) return { allowed: false, reason: 'batch-too-large' };
  }
  return { allowed: true, rule };
}
