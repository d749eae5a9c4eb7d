// SPDX-License-Identifier: Apache-2.0
// The content scripts are registered by the background for the policy's hosts
// (extension/background/contentScripts.ts) after a policy change; a test that has just set a
// development policy waits here until the registration includes the host it will open.
import type { Worker } from 'playwright-core';

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
  // A plain loop: expect.poll is not available in beforeAll hooks.
  const deadline = Date.now() + timeout;
  let matches: string[] = [];
  while (Date.now() < deadline) {
    matches = await registeredPortalMatches(worker);
    if (matches.includes(pattern)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`content scripts not registered for ${pattern} within ${timeout} ms (registered: ${matches.join(', ') || 'none'})`);
}
