// SPDX-License-Identifier: Apache-2.0
/**
 * A fake page window (EventTarget-based) for the page SDK and content-script relay unit tests:
 * `postMessage` delivers a structured clone asynchronously with `source` = this window, like a
 * browser; `inject` delivers anything (including values no browser could clone) from any source.
 */
import type { RelayPort, RelayRuntime, RelayWindow } from '../../extension/content/relay.js';

export interface FakePage {
  readonly win: RelayWindow;
  readonly posted: { message: unknown; targetOrigin: string }[];
  inject(data: unknown, source?: unknown): void;
}

export function fakePage(origin = 'https://zfzf.czj.example.gov.cn', secure = true): FakePage {
  const target = new EventTarget();
  const posted: { message: unknown; targetOrigin: string }[] = [];
  const inject = (data: unknown, source: unknown = win): void => {
    const event = new Event('message');
    Object.defineProperty(event, 'data', { value: data });
    Object.defineProperty(event, 'source', { value: source });
    target.dispatchEvent(event);
  };
  const win: RelayWindow = {
    location: { origin },
    isSecureContext: secure,
    addEventListener: (type, listener) => target.addEventListener(type, listener as unknown as (e: Event) => void),
    postMessage(message, targetOrigin) {
      posted.push({ message, targetOrigin });
      const copy = structuredClone(message);
      setTimeout(() => inject(copy), 0);
    },
  };
  return { win, posted, inject };
}

export interface FakeRuntime extends RelayRuntime {
  readonly sent: unknown[];
  readonly ports: { name: string; deliver(message: unknown): void }[];
}

/** A background that answers with `answer(message)`. */
export function fakeRuntime(answer: (message: unknown) => unknown): FakeRuntime {
  const sent: unknown[] = [];
  const ports: FakeRuntime['ports'] = [];
  return {
    sent,
    ports,
    sendMessage(message) {
      sent.push(structuredClone(message));
      return Promise.resolve().then(() => answer(message));
    },
    connect(info) {
      const listeners: ((m: unknown) => void)[] = [];
      const port: RelayPort = { onMessage: { addListener: (l) => listeners.push(l) }, onDisconnect: { addListener: () => undefined } };
      ports.push({ name: info.name, deliver: (m) => listeners.forEach((l) => l(m)) });
      return port;
    },
  };
}
