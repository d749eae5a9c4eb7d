// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The slice of the WebExtension API the extension uses, typed here, so the same code runs on
 * Chrome/Edge (`chrome.*`, promise-returning in MV3) and Firefox (`browser.*`).
 */
export interface RuntimeSender {
  readonly id?: string;
  /** The sending document's origin (Chrome ≥ 80); Firefox gives only `url`. */
  readonly origin?: string;
  readonly url?: string;
  readonly frameId?: number;
  readonly tab?: { readonly id?: number; readonly url?: string };
}

export interface RuntimePort {
  readonly name: string;
  readonly sender?: RuntimeSender;
  postMessage(message: unknown): void;
  disconnect(): void;
  readonly onMessage: { addListener(listener: (message: unknown) => void): void };
  readonly onDisconnect: { addListener(listener: () => void): void };
}

export interface StorageArea {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface BrowserApi {
  readonly runtime: {
    readonly id: string;
    getManifest(): { version: string };
    getURL(path: string): string;
    sendMessage(message: unknown): Promise<unknown>;
    connect(info: { name: string }): RuntimePort;
    readonly onMessage: {
      addListener(listener: (message: unknown, sender: RuntimeSender, sendResponse: (response: unknown) => void) => boolean | undefined): void;
    };
    readonly onConnect: { addListener(listener: (port: RuntimePort) => void): void };
  };
  readonly i18n: { getMessage(name: string, substitutions?: string | string[]): string; getUILanguage?(): string };
  readonly storage: {
    readonly local: StorageArea;
    /** Enterprise policy (Chrome/Edge `storage.managed`, Firefox policies.json 3rdparty). Read-only. */
    readonly managed?: Pick<StorageArea, 'get'>;
  };
  /** `getSelf` needs no permission; `installType === 'development'` for an unpacked extension. */
  readonly management?: { getSelf(): Promise<{ installType?: string }> };
}

export function browserApi(): BrowserApi {
  const g = globalThis as unknown as { browser?: BrowserApi; chrome?: BrowserApi };
  const api = g.browser ?? g.chrome;
  if (!api) throw new Error('WebExtension API unavailable');
  return api;
}
