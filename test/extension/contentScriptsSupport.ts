// SPDX-License-Identifier: Apache-2.0
// The content scripts are registered by the background for the policy's hosts
// (extension/background/contentScripts.ts) after a policy change; a test that has just set a
// development policy waits here until the registration includes the host it will open.
import type { Worker } from 'playwright-core';
import { expect } from 'vitest';

/** Registered match patterns of the portal content script (empty when none). */
export function registeredPortalMatches(worker: Worker): Promise<string[]> {
  return worker.evaluate(async () => {
    const s = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(f: unknown): Promise<{ matches?: string[] }[]> } } }).chrome.scripting;
    const [script] = await s.getRegisteredContentScripts({ ids: ['eseal-portal'] });
    return script?.matches ?? [];
  });
}

/** Waits until the content scripts are registered for `pattern` (e.g. `http://localhost/*`). */
export async function waitForPortalScripts(worker: Worker, pattern: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => registeredPortalMatches(worker), { timeout, interval: 100 }).toContain(pattern);
}
