// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Where the extension's policy comes from. Deny by default: with no valid policy, no portal may
 * do anything.
 *
 * 1. `storage.managed` (Chrome/Edge enterprise policy; Firefox `policies.json` →
 *    `3rdparty.Extensions["eseal@eseal.example.cn"]`), validated with the shared `parsePolicy`
 *    (Firefox does not validate against a schema, so we always do). Invalid → deny all, and the
 *    error is shown in the options page.
 * 2. Only when no managed policy exists AND the extension is loaded unpacked
 *    (`management.getSelf().installType === 'development'`): a development policy — the one in
 *    `storage.local` under `devPolicy` when present (validated the same way), else the built-in
 *    one below, which allows only the demo portal `http://localhost:8080`. A store-installed or
 *    policy-installed extension never uses it.
 * 3. Otherwise: an empty policy (every portal refused).
 */
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { parsePolicy, type Policy } from '../../shared/policy/Policy.js';
import type { BrowserApi } from '../browserApi.js';

export type PolicySourceName = 'managed' | 'managed-invalid' | 'development' | 'development-local' | 'none';

export interface LoadedPolicy {
  readonly policy: Policy;
  readonly source: PolicySourceName;
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

const DENY_ALL = parsePolicy({});

async function isDevelopmentInstall(api: BrowserApi): Promise<boolean> {
  try {
    const self = await api.management?.getSelf();
    return self?.installType === 'development';
  } catch {
    return false;
  }
}

export async function loadPolicy(api: BrowserApi): Promise<LoadedPolicy> {
  let managed: Record<string, unknown>;
  try {
    managed = (await api.storage.managed?.get(null)) ?? {};
  } catch {
    // No managed storage (no schema in the manifest, or none pushed): treated as absent.
    managed = {};
  }
  if (Object.keys(managed).length > 0) {
    try {
      return { policy: parsePolicy(managed), source: 'managed' };
    } catch (error) {
      return { policy: DENY_ALL, source: 'managed-invalid', error: serializeError(error instanceof SealError ? error : new SealError('ERR_POLICY_INVALID', { field: '(root)', reason: 'unreadable' })) };
    }
  }
  if (await isDevelopmentInstall(api)) {
    const local: Record<string, unknown> = await api.storage.local.get('devPolicy').catch(() => ({}));
    const devPolicy = local['devPolicy'];
    if (devPolicy !== undefined) {
      try {
        return { policy: parsePolicy(devPolicy), source: 'development-local' };
      } catch (error) {
        return { policy: DENY_ALL, source: 'development-local', error: serializeError(error) };
      }
    }
    return { policy: parsePolicy(DEV_POLICY_INPUT), source: 'development' };
  }
  return { policy: DENY_ALL, source: 'none' };
}
