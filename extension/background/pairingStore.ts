// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The pairing with the local agent, kept in `storage.local` under one key. Only the background
 * reads it: the key K never goes to a page, a content script, the options page or a diagnostic
 * report (those get `describePairing`, which has no key).
 */
import { base64Decode, base64Encode } from '../../shared/crypto/index.js';
import type { StorageArea } from '../browserApi.js';
import type { PairingCredentials } from './transport/AgentConnection.js';

const STORAGE_KEY = 'pairing';

export interface StoredPairing {
  readonly keyId: string;
  /** Base64 of K. */
  readonly key: string;
  readonly instanceId: string;
  readonly pairedAt: string;
  readonly agentVersion?: string;
}

/** What may be shown: no key. */
export interface PairingSummary {
  readonly paired: boolean;
  readonly keyId?: string;
  readonly instanceId?: string;
  readonly pairedAt?: string;
}

function isStoredPairing(value: unknown): value is StoredPairing {
  const v = value as Record<string, unknown> | null;
  return v !== null && typeof v === 'object' && typeof v['keyId'] === 'string' && typeof v['key'] === 'string' && typeof v['instanceId'] === 'string' && typeof v['pairedAt'] === 'string';
}

export class PairingStore {
  constructor(private readonly area: StorageArea) {}

  async load(): Promise<StoredPairing | undefined> {
    const got = await this.area.get(STORAGE_KEY);
    const value = got[STORAGE_KEY];
    return isStoredPairing(value) ? value : undefined;
  }

  async credentials(): Promise<PairingCredentials | undefined> {
    const p = await this.load();
    if (!p) return undefined;
    try {
      const key = base64Decode(p.key);
      return key.length === 32 ? { keyId: p.keyId, key, instanceId: p.instanceId } : undefined;
    } catch {
      return undefined;
    }
  }

  async save(credentials: PairingCredentials & { instanceId: string; agentVersion?: string }, now = new Date()): Promise<void> {
    const record: StoredPairing = {
      keyId: credentials.keyId,
      key: base64Encode(credentials.key),
      instanceId: credentials.instanceId,
      pairedAt: now.toISOString(),
      ...(credentials.agentVersion !== undefined && { agentVersion: credentials.agentVersion }),
    };
    await this.area.set({ [STORAGE_KEY]: record });
  }

  async clear(): Promise<void> {
    await this.area.remove(STORAGE_KEY);
  }

  async summary(): Promise<PairingSummary> {
    const p = await this.load();
    return p ? { paired: true, keyId: p.keyId, instanceId: p.instanceId, pairedAt: p.pairedAt } : { paired: false };
  }
}
