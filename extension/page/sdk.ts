// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The page SDK: what a portal calls (`eseal.status()`, `eseal.listSeals()`, `eseal.sealData()`,
 * `eseal.sealBatch()`, `eseal.sealPdf()`, `eseal.verify()`, `eseal.on()`). It talks to the ESeal content script by
 * `window.postMessage` only (messages.ts); the extension takes the portal origin from the browser,
 * never from these messages.
 *
 * Design rationale (web-eid.js `WebExtensionService`):
 * - two timers per call: an ack timer (1 s; no ack → ERR_EXTENSION_MISSING, the extension is not
 *   installed or not active on this page) and a reply timer (→ ERR_TIMEOUT). "Agent missing" is a
 *   coded reply from the extension (ERR_AGENT_UNAVAILABLE), so the two cases are told apart;
 * - one pending call per kind: a second `sealData` while one runs is refused with
 *   ERR_ACTION_PENDING — it would only queue a second consent;
 * - every rejection is a SealError rebuilt by `deserializeError` from the code: `{code, message
 *   (English), messageZh, details}`; the text comes from our own table, never from the wire;
 * - there is no PIN parameter anywhere: the PIN is typed in the extension's consent window or on
 *   the key, never in the page. Parameters are copied field by field, so extra fields (a `pin`
 *   someone adds) are never sent.
 */
import { openViewer, type OpenViewerInput } from './openViewer.js';
import { deserializeError, SealError } from '../../shared/errors/index.js';
import { ACK_TIMEOUT_MS, MAX_PAGE_DOCUMENT_BYTES, MESSAGE_PREFIX, parsePageReply, REPLY_TIMEOUT_MS, type PageAction, type PageEvent } from './messages.js';

/** The part of `window` the SDK uses (a fake one in tests). */
export interface PageWindow {
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  readonly location: { readonly origin: string; readonly href?: string };
}

export interface CallOptions {
  /** Reply timer in ms (default per action, see REPLY_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Progress of this call (`awaiting_consent`, `signing`, batch `item` with its result, …). */
  readonly onProgress?: (progress: Progress) => void;
}

/** What a page learns while a call runs: the stage, and for batch items the item's outcome. */
export interface Progress {
  readonly stage: 'queued' | 'awaiting_consent' | 'awaiting_pin' | 'awaiting_pinpad' | 'signing' | 'item';
  /** Which SDK call it belongs to. */
  readonly action?: PageAction;
  readonly index?: number;
  readonly total?: number;
  readonly itemId?: string;
  readonly ok?: boolean;
  readonly signature?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly messageZh: string };
  readonly [key: string]: unknown;
}

export type SealType = 'official' | 'legal' | 'personal';

export interface Digest {
  readonly alg: 'SM3' | 'SHA-256';
  /** Base64 of the 32-byte digest. */
  readonly value: string;
}

export interface SealItem {
  readonly itemId?: string;
  /** Hash of the original (give either digest or data). */
  readonly digest?: Digest;
  /** The data to seal, hashed by the agent with SM3: Base64 text or bytes (≤ 4 MiB). */
  readonly data?: string | Uint8Array | ArrayBuffer;
  /** GB/T 38540 TBS_Sign.propertyInfo: names what the signature protects (printable ASCII). */
  readonly propertyInfo: string;
  /** Shown to the user in the consent window. */
  readonly display: { readonly title: string; readonly docName?: string; readonly pages?: number };
}

export interface SealOptions extends CallOptions {
  readonly sealId: string;
  readonly tokenSerial?: string;
}

/** Where the seal goes: its centre in whole mm from the page's top-left as displayed, or a keyword. */
export type PdfPlacement = { readonly page: number; readonly x: number; readonly y: number } | { readonly keyword: string; readonly page?: number; readonly occurrence?: number };

export interface SealPdfRequest {
  /** The PDF: bytes or Base64 text (≤ 45 MiB; above 4 MiB the extension sends it to the agent in chunks). Give this or `url`. */
  readonly document?: string | Uint8Array | ArrayBuffer;
  /** Or a URL on the page's own origin (relative URLs resolve against the page): the extension downloads it with the site's session. */
  readonly url?: string;
  readonly fileName?: string;
  /** Shown in the consent window. */
  readonly title: string;
  readonly docName?: string;
  readonly placement: PdfPlacement;
}

export interface SealPdfOptions extends SealOptions {
  readonly reason?: string;
  readonly location?: string;
  /** SM2 seals: a GM/T 0010 CMS signature instead of an SES_Signature. */
  readonly cms?: boolean;
}

export interface SealPdfResult {
  /** The sealed PDF. */
  readonly document: Uint8Array;
  readonly fieldName: string;
  readonly sealId: string;
  readonly format: string;
  readonly cert: string;
  readonly signedAt: string;
  readonly dataHash: unknown;
  readonly page: number;
  readonly rect: readonly number[];
  readonly [key: string]: unknown;
}

export interface ListSealsFilter {
  readonly sealType?: SealType;
  readonly tokenSerial?: string;
  readonly includePictures?: boolean;
}

export interface VerifyRequest {
  /** The PDF, OFD or bare seal/signature file: Base64 text or bytes (≤ 4 MiB). */
  readonly document: string | Uint8Array | ArrayBuffer;
  readonly fileName?: string;
  readonly includePictures?: boolean;
}

export interface StatusResult {
  readonly extensionVersion: string;
  readonly agent: {
    readonly connected: boolean;
    readonly paired: boolean;
    readonly agentVersion?: string;
    readonly error?: { readonly code: string; readonly message: string; readonly messageZh: string };
  };
  readonly tokens?: readonly { readonly label: string; readonly serial: string }[];
}

export type EventListener = (data: unknown) => void;

export interface ESealClient {
  /** SDK version. */
  readonly version: string;
  status(options?: CallOptions): Promise<StatusResult>;
  listSeals(filter?: ListSealsFilter, options?: CallOptions): Promise<{ seals: unknown[] }>;
  sealData(item: SealItem, options: SealOptions): Promise<Record<string, unknown>>;
  sealBatch(items: readonly SealItem[], options: SealOptions): Promise<Record<string, unknown>>;
  /** Stamps the seal into a PDF after the user's consent and PIN; resolves with the sealed PDF. */
  sealPdf(request: SealPdfRequest, options: SealPdfOptions): Promise<SealPdfResult>;
  verify(request: VerifyRequest, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Opens the ESeal viewer in a new tab on a document the portal holds (extension/page/openViewer.ts). */
  openViewer(input: OpenViewerInput): Promise<{ opened: true }>;
  /**
   * Subscribes to an event: `token.changed` (a USB KEY inserted or removed), `token.idle` (a key left
   * inserted unused: remind the user to remove it), `progress` (of this page's running calls).
   * Returns the function that unsubscribes.
   */
  on(event: PageEvent, listener: EventListener): () => void;
}

declare const __ESEAL_VERSION__: string | undefined;
const SDK_VERSION = typeof __ESEAL_VERSION__ === 'string' ? __ESEAL_VERSION__ : 'dev';

interface Pending {
  readonly id: string;
  readonly onProgress: CallOptions['onProgress'];
  acked: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: SealError) => void;
  readonly timers: ReturnType<typeof setTimeout>[];
}

function randomId(kind: string): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return `${kind}.${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function toBase64(value: string | Uint8Array | ArrayBuffer, name: string): string {
  if (typeof value === 'string') return value;
  const bytes = value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
  if (!bytes) throw new SealError('ERR_INPUT_INVALID', { name, reason: 'Base64 string, Uint8Array or ArrayBuffer' });
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Copies an item field by field (nothing else reaches the extension). */
function itemParams(item: SealItem, name: string): Record<string, unknown> {
  if (item === null || typeof item !== 'object') throw new SealError('ERR_INPUT_INVALID', { name, reason: 'an object' });
  const display: Partial<SealItem['display']> = item.display ?? {};
  return {
    ...(item.itemId !== undefined && { itemId: item.itemId }),
    ...(item.digest !== undefined && { digest: { alg: item.digest.alg, value: item.digest.value } }),
    ...(item.data !== undefined && { data: toBase64(item.data, `${name}.data`) }),
    propertyInfo: item.propertyInfo,
    display: { title: display.title, ...(display.docName !== undefined && { docName: display.docName }), ...(display.pages !== undefined && { pages: display.pages }) },
  };
}

/** Creates a client bound to a window (the global `eseal` is `createESealClient(window)`). */
export function createESealClient(win: PageWindow): ESealClient {
  const pending = new Map<PageAction, Pending>();
  const listeners = new Map<PageEvent, Set<EventListener>>();
  let subscription: string | undefined;

  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== (win as unknown)) return;
    const reply = parsePageReply(event.data);
    if (!reply) return;
    if (reply.action === 'eseal:event' && reply.event === 'progress') {
      // Progress of one of our own running calls (the content script tags it with the call's id).
      for (const [kind, p] of pending) {
        if (p.id !== reply.id) continue;
        const data = { ...(reply.data !== null && typeof reply.data === 'object' ? (reply.data as Record<string, unknown>) : {}), action: kind } as Progress;
        for (const listener of [...(p.onProgress ? [p.onProgress as EventListener] : []), ...(listeners.get('progress') ?? [])]) {
          try {
            listener(data);
          } catch {
            // a portal listener's bug must not break the call
          }
        }
      }
      return;
    }
    if (reply.action === 'eseal:event') {
      if (reply.id !== subscription) return;
      for (const listener of listeners.get(reply.event) ?? []) {
        try {
          listener(reply.data);
        } catch {
          // a portal listener's bug must not break the others
        }
      }
      return;
    }
    const kind = reply.action.slice(MESSAGE_PREFIX.length).replace(/-(ack|result)$/, '') as PageAction;
    const p = pending.get(kind);
    // Replies for another id (a replay, a stale answer, another library) are ignored.
    if (!p || p.id !== reply.id) return;
    if (reply.action.endsWith('-ack')) {
      p.acked = true;
      return;
    }
    finish(kind, p);
    if ('ok' in reply && reply.ok) p.resolve(reply.result);
    else if ('error' in reply) p.reject(deserializeError(reply.error));
  });

  function finish(kind: PageAction, p: Pending): void {
    for (const t of p.timers) clearTimeout(t);
    if (pending.get(kind) === p) pending.delete(kind);
  }

  function call<T>(kind: PageAction, params: Record<string, unknown>, options: CallOptions = {}, id = randomId(kind)): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (pending.has(kind)) {
        reject(new SealError('ERR_ACTION_PENDING', { action: kind }));
        return;
      }
      const replyMs = typeof options.timeoutMs === 'number' && options.timeoutMs > 0 ? options.timeoutMs : REPLY_TIMEOUT_MS[kind];
      const p: Pending = { id, onProgress: typeof options.onProgress === 'function' ? options.onProgress : undefined, acked: false, resolve: resolve as (v: unknown) => void, reject, timers: [] };
      pending.set(kind, p);
      p.timers.push(
        setTimeout(() => {
          if (p.acked) return;
          finish(kind, p);
          reject(new SealError('ERR_EXTENSION_MISSING'));
        }, ACK_TIMEOUT_MS),
        setTimeout(() => {
          finish(kind, p);
          reject(new SealError('ERR_TIMEOUT'));
        }, replyMs),
      );
      try {
        win.postMessage({ action: `${MESSAGE_PREFIX}${kind}`, id: p.id, params }, win.location.origin);
      } catch (error) {
        finish(kind, p);
        reject(new SealError('ERR_INPUT_INVALID', { name: 'params', reason: error instanceof Error ? error.message.slice(0, 100) : 'not cloneable' }));
      }
    });
  }

  /** Runs `build` and turns its throw into a rejection (argument errors reject, never throw). */
  function guarded<T>(build: () => Promise<T>): Promise<T> {
    try {
      return build();
    } catch (error) {
      return Promise.reject(error instanceof SealError ? error : new SealError('ERR_INPUT_INVALID', { name: 'arguments', reason: 'malformed' }));
    }
  }

  return {
    version: SDK_VERSION,
    status: (options) => call<StatusResult>('status', {}, options),
    listSeals: (filter = {}, options) =>
      guarded(() =>
        call('listSeals', {
          ...(filter.sealType !== undefined && { sealType: filter.sealType }),
          ...(filter.tokenSerial !== undefined && { tokenSerial: filter.tokenSerial }),
          ...(filter.includePictures !== undefined && { includePictures: filter.includePictures }),
        }, options),
      ),
    sealData: (item, options) =>
      guarded(() => call('sealData', { sealId: options.sealId, ...(options.tokenSerial !== undefined && { tokenSerial: options.tokenSerial }), item: itemParams(item, 'item') }, options)),
    sealBatch: (items, options) =>
      guarded(() => {
        if (!Array.isArray(items)) throw new SealError('ERR_INPUT_INVALID', { name: 'items', reason: 'an array' });
        return call('sealBatch', { sealId: options.sealId, ...(options.tokenSerial !== undefined && { tokenSerial: options.tokenSerial }), items: (items as readonly SealItem[]).map((it, i) => itemParams(it, `items[${i}]`)) }, options);
      }),
    sealPdf: (request, options) =>
      guarded(async () => {
        if (request === null || typeof request !== 'object') throw new SealError('ERR_INPUT_INVALID', { name: 'request', reason: 'an object' });
        const pl = (request.placement ?? {}) as Partial<{ page: number; x: number; y: number; keyword: string; occurrence: number }>;
        const placement = {
          ...(pl.page !== undefined && { page: pl.page }),
          ...(pl.x !== undefined && { x: pl.x }),
          ...(pl.y !== undefined && { y: pl.y }),
          ...(pl.keyword !== undefined && { keyword: pl.keyword }),
          ...(pl.occurrence !== undefined && { occurrence: pl.occurrence }),
        };
        if ((request.document === undefined) === (request.url === undefined)) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'give exactly one of document and url' });
        let source: { document: string } | { url: string };
        if (request.url !== undefined) {
          if (typeof request.url !== 'string') throw new SealError('ERR_INPUT_INVALID', { name: 'url', reason: 'a string' });
          let href: string;
          try {
            href = new URL(request.url, win.location.href ?? `${win.location.origin}/`).href;
          } catch {
            throw new SealError('ERR_INPUT_INVALID', { name: 'url', reason: 'not a URL' });
          }
          source = { url: href };
        } else {
          const document = toBase64(request.document ?? '', 'document');
          // Refused here, coded: the content script drops oversized messages unanswered.
          if (document.length > Math.ceil(MAX_PAGE_DOCUMENT_BYTES / 3) * 4) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_PAGE_DOCUMENT_BYTES });
          source = { document };
        }
        const r = await call<Record<string, unknown>>('sealPdf', {
          sealId: options.sealId,
          ...(options.tokenSerial !== undefined && { tokenSerial: options.tokenSerial }),
          ...source,
          ...(request.fileName !== undefined && { fileName: request.fileName }),
          display: { title: request.title, ...(request.docName !== undefined && { docName: request.docName }) },
          placement,
          ...(options.reason !== undefined && { reason: options.reason }),
          ...(options.location !== undefined && { location: options.location }),
          ...(options.cms !== undefined && { cms: options.cms }),
        }, options);
        if (typeof r['document'] !== 'string') throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'no document in the result' });
        return { ...r, document: fromBase64(r['document']) } as unknown as SealPdfResult;
      }),
    verify: (request, options) =>
      guarded(() =>
        call('verify', {
          document: toBase64(request.document, 'document'),
          ...(request.fileName !== undefined && { fileName: request.fileName }),
          ...(request.includePictures !== undefined && { includePictures: request.includePictures }),
        }, options),
      ),
    openViewer: (input) => openViewer(window, input),
    on(event, listener) {
      if (typeof listener !== 'function') throw new SealError('ERR_INPUT_INVALID', { name: 'listener', reason: 'a function' });
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      // `progress` needs no subscription: it comes with this page's own calls.
      if (subscription === undefined && event !== 'progress') {
        // One subscription per page; its request id tags every event the content script forwards.
        const id = randomId('subscribe');
        subscription = id;
        call('subscribe', {}, {}, id).catch(() => {
          if (subscription === id) subscription = undefined;
        });
      }
      return () => set.delete(listener);
    },
  };
}
