// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `eseal.openViewer({document, fileName})` for the page SDK: opens the ESeal viewer in a new tab on
 * a document the portal holds (at most 4 MiB, MAX_INLINE_BYTES). Same envelope as every SDK call
 * (`eseal:openViewer`, ack within ACK_TIMEOUT_MS, then `-result`); the content script
 * extension/viewer/openViewerRelay.ts answers it and the background checks the portal's `verify`
 * permission. To expose it on `window.eseal`, the SDK adds one line:
 * `openViewer: (input) => openViewer(window, input)`.
 */
import { deserializeError, SealError } from '../../shared/errors/index.js';
import { MAX_INLINE_BYTES } from '../../shared/protocol/methods.js';
import { ACK_TIMEOUT_MS } from './messages.js';

export interface OpenViewerInput {
  readonly document: Uint8Array | ArrayBuffer | string;
  readonly fileName?: string;
}

export interface OpenViewerWindowLike {
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  readonly location: { readonly origin: string };
}

const REPLY_TIMEOUT_MS = 60_000;
let counter = 0;

function toBase64(input: OpenViewerInput['document']): string {
  if (typeof input === 'string') return input;
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length > MAX_INLINE_BYTES) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_INLINE_BYTES });
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function openViewer(win: OpenViewerWindowLike, input: OpenViewerInput): Promise<{ opened: true }> {
  return new Promise((resolve, reject) => {
    let document: string;
    try {
      document = toBase64(input.document);
    } catch (error) {
      reject(error instanceof SealError ? error : new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'unreadable' }));
      return;
    }
    const id = `ov-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    let acked = false;
    const done = (): void => {
      clearTimeout(ackTimer);
      clearTimeout(replyTimer);
      win.removeEventListener('message', onMessage);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.source !== (win as unknown)) return;
      const d = event.data as { action?: unknown; id?: unknown; ok?: unknown; result?: unknown; error?: unknown } | null;
      if (d === null || typeof d !== 'object' || d.id !== id) return;
      if (d.action === 'eseal:openViewer-ack') acked = true;
      else if (d.action === 'eseal:openViewer-result') {
        done();
        if (d.ok === true) resolve({ opened: true });
        else reject(deserializeError(d.error));
      }
    };
    const ackTimer = setTimeout(() => {
      if (acked) return;
      done();
      reject(new SealError('ERR_EXTENSION_MISSING'));
    }, ACK_TIMEOUT_MS);
    const replyTimer = setTimeout(() => {
      done();
      reject(new SealError('ERR_TIMEOUT'));
    }, REPLY_TIMEOUT_MS);
    win.addEventListener('message', onMessage);
    win.postMessage({ action: 'eseal:openViewer', id, params: { document, ...(input.fileName !== undefined && { fileName: input.fileName }) } }, win.location.origin);
  });
}
