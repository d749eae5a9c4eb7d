// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Plugs Node's OpenSSL SM3 (`createHash('sm3')`) into `shared/crypto/sm3.ts` for the agent.
 *
 * Design rationale: the agent hashes whole PDFs and OFD packages, where OpenSSL's SM3 is ~2× the
 * pure-TypeScript code. The browser keeps the pure path; `shared/` cannot import `node:crypto`, so
 * the agent injects it at startup. If this Node build lacks SM3 (OpenSSL without SM3, or a FIPS
 * provider), nothing is registered and the pure path stays in use.
 */
import { createHash, getHashes } from 'node:crypto';
import { registerSm3Backend, type Sm3Backend } from '../../shared/crypto/sm3.js';

/** The Node back end, or undefined when this runtime has no SM3. */
export function nodeSm3Backend(): Sm3Backend | undefined {
  if (!getHashes().includes('sm3')) return undefined;
  return {
    create() {
      const h = createHash('sm3');
      return {
        update(d: Uint8Array) {
          h.update(d);
          return this;
        },
        digest: () => new Uint8Array(h.digest()),
      };
    },
  };
}

/** Registers Node's SM3 as the back end; returns whether it was available and passed the self-test. */
export function useNativeSm3(): boolean {
  const b = nodeSm3Backend();
  if (b === undefined) return false;
  try {
    registerSm3Backend(b);
    return true;
  } catch {
    return false;
  }
}
