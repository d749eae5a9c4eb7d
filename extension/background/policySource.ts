// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Where the extension's policy comes from. Deny by default: with no valid policy, no portal may
 * do anything.
 *
 * 1. `storage.managed` (Chrome/Edge enterprise policy through `managed_schema.json`; Firefox
 *    `policies.json` → `3rdparty.Extensions["eseal@eseal.example.cn"]`), validated with the shared
 *    `parsePolicy` (Firefox does not validate against a schema, and Chrome only checks the shape —
 *    see scripts/managedSchema.ts — so we always do). Invalid → deny all, and the error (with the
 *    field) is shown in the options page.
 * 2. Only when no managed policy exists AND the extension is loaded unpacked
 *    (`management.getSelf().installType === 'development'`): a development policy — the one in
 *    `storage.local` under `devPolicy` when present (validated the same way), else the built-in
 *    one below, which allows only the demo portal `http://localhost:8080`. A store-installed or
 *    policy-installed extension never uses it.
 * 3. Otherwise: an empty policy (every portal refused).
 *
 * "No managed policy" means: `storage.managed.get` rejects (Firefox without a policies.json entry,
 * Chrome without a schema) or resolves with no keys (Chrome with a schema and nothing pushed; also
 * when Chrome dropped every pushed field as not matching the schema's shape).
 *
 * Why the result is cached: with a `managed_schema` in the manifest, Chromium answers the first
 * `storage.managed.get` of a browser session only after its policy service has loaded the
 * extension's policy domain — measured 2.5 s on Chromium 156 — while without a schema it answers
 * at once. Every page request and options call used to read it again, so the first ones after
 * start-up waited seconds (the end-to-end test's options page gave up before the development
 * policy appeared, which looked like "the fallback stopped working"). One shared read per change
 * (`storage.onChanged` for `managed`, or `devPolicy` in `local`) removes the repeated waits; the
 * read is bounded so a browser that never answers cannot hang every request.
 */
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { parsePolicy, type Policy } from '../../shared/policy/Policy.js';
import type { BrowserApi } from '../browserApi.js';

export type PolicySourceName = 'managed' | 'managed-invalid' | 'development' | 'development-local' | 'none';

export interface LoadedPolicy {
  readonly policy: Policy;
  readonly source: PolicySourceName;
  /** Where it came from, for the options page: the browser's enterprise policy, storage.local, built in. */
  readonly origin?: 'storage.managed' | 'storage.local devPolicy' | 'built-in development policy';
  /** Top-level fields the managed policy set (names only; shows what the administrator pushed). */
  readonly fields?: readonly string[];
  readonly error?: SerializedError;
}

/** The demo portal of `eseal agent --dev` (agent/dev/devSetup.ts devPolicy), every action. */
export const DEV_POLICY_INPUT = {
  portals: [
    {
      origin: 'http://localhost:8080',
      name: 'ESeal 演示门户 / demo portal',
      actions: ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'pdf.seal', 'data.sign', 'verify', 'events'],
      sealTypes: ['official', 'legal', 'personal'],
    },
  ],
  batch: { enabled: true, maxItems: 1000 },
  development: { allowHttpLocalhost: true },
} as const;

/** Upper bound for one `storage.managed` read (Chromium's first read waits for its policy service). */
export const MANAGED_READ_TIMEOUT_MS = 15_000;

const DENY_ALL = parsePolicy({});

async function isDevelopmentInstall(api: BrowserApi): Promise<boolean> {
  try {
    const self = await api.management?.getSelf();
    return self?.installType === 'development';
  } catch {
    return false;
  }
}

type ManagedRead = { readonly kind: 'absent' } | { readonly kind: 'present'; readonly value: Record<string, unknown> } | { readonly kind: 'timeout' };

async function readManaged(api: BrowserApi, timeoutMs: number): Promise<ManagedRead> {
  const area = api.storage.managed;
  if (!area) return { kind: 'absent' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ManagedRead>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const read = area.get(null).then(
    (value): ManagedRead => {
      // A non-object answer is not a policy anybody pushed; an empty object is "nothing pushed".
      if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return { kind: 'absent' };
      return { kind: 'present', value };
    },
    // Rejects when there is no managed storage (Firefox without policies.json, Chrome without schema).
    (): ManagedRead => ({ kind: 'absent' }),
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function asSealError(error: unknown): SealError {
  return error instanceof SealError ? error : new SealError('ERR_POLICY_INVALID', { field: '(root)', reason: 'unreadable' });
}

/** Reads and validates the policy once, without the cache. */
export async function readPolicy(api: BrowserApi, options: { timeoutMs?: number } = {}): Promise<LoadedPolicy> {
  const managed = await readManaged(api, options.timeoutMs ?? MANAGED_READ_TIMEOUT_MS);
  if (managed.kind === 'timeout') {
    // Unknown whether an administrator set a policy: refuse everything (and do not cache this).
    return { policy: DENY_ALL, source: 'none', origin: 'storage.managed', error: serializeError(new SealError('ERR_TIMEOUT')) };
  }
  if (managed.kind === 'present') {
    const fields = Object.keys(managed.value).sort();
    try {
      return { policy: parsePolicy(managed.value), source: 'managed', origin: 'storage.managed', fields };
    } catch (error) {
      return { policy: DENY_ALL, source: 'managed-invalid', origin: 'storage.managed', fields, error: serializeError(asSealError(error)) };
    }
  }
  if (await isDevelopmentInstall(api)) {
    const local: Record<string, unknown> = await api.storage.local.get('devPolicy').catch(() => ({}));
    const devPolicy = local['devPolicy'];
    if (devPolicy !== undefined) {
      try {
        return { policy: parsePolicy(devPolicy), source: 'development-local', origin: 'storage.local devPolicy' };
      } catch (error) {
        return { policy: DENY_ALL, source: 'development-local', origin: 'storage.local devPolicy', error: serializeError(asSealError(error)) };
      }
    }
    return { policy: parsePolicy(DEV_POLICY_INPUT), source: 'development', origin: 'built-in development policy' };
  }
  return { policy: DENY_ALL, source: 'none' };
}

interface StorageChanges {
  addListener(listener: (changes: Record<string, unknown>, areaName: string) => void): void;
}

const cache = new WeakMap<BrowserApi, Promise<LoadedPolicy>>();
const watched = new WeakSet<BrowserApi>();

/** Drops the cached policy so the next loadPolicy reads it again. */
export function invalidatePolicy(api: BrowserApi): void {
  cache.delete(api);
}

function watch(api: BrowserApi): boolean {
  if (watched.has(api)) return true;
  const onChanged = (api.storage as { onChanged?: StorageChanges }).onChanged;
  if (!onChanged || typeof onChanged.addListener !== 'function') return false;
  onChanged.addListener((changes, areaName) => {
    if (areaName === 'managed' || (areaName === 'local' && 'devPolicy' in changes)) invalidatePolicy(api);
  });
  watched.add(api);
  return true;
}

/**
 * The policy in force: one shared read until the managed policy or the development policy
 * changes. Without `storage.onChanged` (tests, odd browsers) every call reads again.
 */
export function loadPolicy(api: BrowserApi): Promise<LoadedPolicy> {
  const cached = cache.get(api);
  if (cached) return cached;
  const pending = readPolicy(api);
  if (!watch(api)) return pending;
  cache.set(api, pending);
  void pending.then((loaded) => {
    // A timed-out read is not an answer: ask again next time.
    if (loaded.error?.code === 'ERR_TIMEOUT' && cache.get(api) === pending) cache.delete(api);
  });
  return pending;
}
