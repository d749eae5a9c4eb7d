// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The content scripts (SDK relay, PDF interception) run only on hosts the policy in force lists
 * (issue #6: "the content script runs only on policy-allowed origins"). They are not declared in
 * the manifest; the background registers them with `scripting.registerContentScripts` for the
 * policy's portal hosts and re-registers whenever the policy changes.
 *
 * Why host patterns, not origins: WebExtension match patterns carry no port (Firefox rejects
 * one, Chrome ignores it), and `https://*.gov.cn/*` also matches `gov.cn` itself. The pattern is
 * therefore the narrowest the browser can express; the background still decides every request
 * by the exact origin (`decide` in shared/policy), so a listed host on another port or the bare
 * parent domain of a wildcard is refused with ERR_POLICY_DENIED.
 *
 * A site the policy does not list gets no content script at all: to it the extension is
 * indistinguishable from absent (the SDK reports ERR_EXTENSION_MISSING), so unlisted sites cannot
 * detect or probe ESeal.
 */
import type { Policy } from '../../shared/policy/Policy.js';

export const CONTENT_SCRIPT_ID = 'eseal-portal';
export const CONTENT_SCRIPT_FILES = ['content.js', 'pdfIntercept.js'] as const;

interface RegisteredContentScript {
  id: string;
  matches?: string[];
  js?: string[];
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  allFrames?: boolean;
  persistAcrossSessions?: boolean;
}

/** The part of `chrome.scripting` / `browser.scripting` used here. */
export interface ScriptingApi {
  getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<RegisteredContentScript[]>;
  registerContentScripts(scripts: RegisteredContentScript[]): Promise<void>;
  updateContentScripts(scripts: RegisteredContentScript[]): Promise<void>;
  unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
}

/** Match patterns for the policy's portal origins: scheme and host, any path, sorted, unique. */
export function contentScriptMatches(policy: Pick<Policy, 'portals'>): string[] {
  const patterns = new Set<string>();
  for (const { origin } of policy.portals) {
    const m = /^(https?):\/\/((?:\*\.)?[^:/]+)(?::\d+)?$/.exec(origin);
    if (m?.[1] && m[2]) patterns.add(`${m[1]}://${m[2]}/*`);
  }
  return [...patterns].sort();
}

/**
 * Makes the registered content scripts match `policy`: registers, updates or (no portal listed)
 * unregisters them. Returns the patterns now in force. Errors propagate (the caller records them).
 */
export async function syncContentScripts(scripting: ScriptingApi, policy: Pick<Policy, 'portals'>): Promise<string[]> {
  const matches = contentScriptMatches(policy);
  const [current] = await scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] });
  if (matches.length === 0) {
    if (current) await scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] });
    return [];
  }
  const script: RegisteredContentScript = {
    id: CONTENT_SCRIPT_ID,
    matches,
    js: [...CONTENT_SCRIPT_FILES],
    runAt: 'document_start',
    // Top frames only, as before: a portal embedding the SDK in a frame is not a case we serve yet.
    allFrames: false,
    persistAcrossSessions: true,
  };
  if (!current) {
    await scripting.registerContentScripts([script]);
  } else if ((current.matches ?? []).slice().sort().join('\n') !== matches.join('\n')) {
    await scripting.updateContentScripts([{ id: CONTENT_SCRIPT_ID, matches }]);
  }
  return matches;
}
