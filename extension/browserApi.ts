// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The slice of the WebExtension API the extension uses, typed here, so the same code runs on
 * Chrome/Edge (`chrome.*`, promise-returning in MV3) and Firefox (`browser.*`).
 */
export interface RuntimeSender {
  readonly id?: string;
  readonly origin?: string;
  readonly url?: string;
  readonly tab?: { readonly id?: number };
}

export interface BrowserApi {
  readonly runtime: {
    readonly id: string;
    getManifest(): { version: string };
    getURL(path: string): string;
    sendMessage(message: unknown): Promise<unknown>;
    readonly onMessage: {
      addListener(listener: (message: unknown, sender: RuntimeSender, sendResponse: (response: unknown) => void) => boolean | undefined): void;
    };
  };
  readonly i18n: { getMessage(name: string, substitutions?: string | string[]): string };
}

export function browserApi(): BrowserApi {
  const g = globalThis as unknown as { browser?: BrowserApi; chrome?: BrowserApi };
  const api = g.browser ?? g.chrome;
  if (!api) throw new Error('WebExtension API unavailable');
  return api;
}
