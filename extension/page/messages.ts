// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The page ↔ content-script message protocol (window.postMessage), shared by the page SDK
 * (extension/page/sdk.ts) and the content script relay (extension/content/content.ts).
 *
 * Web eID's pattern (web-eid.js `Action.ts`, `WebExtensionService.ts`): every message is a plain
 * object whose `action` is an `eseal:`-prefixed string; a request `eseal:<kind>` is answered first
 * by `eseal:<kind>-ack` (at once, by the content script: "the extension is here") and then by
 * exactly one `eseal:<kind>-result` carrying `{ok: true, result}` or `{ok: false, error}` where
 * error is the wire form of a SealError `{code, message, messageZh, details}` (never a stack).
 * Events from the agent (key inserted/removed) come as `eseal:event`. Every message carries the
 * request `id` chosen by the SDK (1–64 of `[A-Za-z0-9._:-]`).
 *
 * Nothing here is trusted: any script on the page can post anything. The parsers below check
 * every field with `typeof` (an `action` object with a fake `startsWith` is not a string) and
 * cap the size; a message that fails is ignored, never thrown on.
 */

/** Prefix of every ESeal page message (the namespace). */

export const MESSAGE_PREFIX = 'eseal:';

/** The request kinds a page may send; each maps to one agent method in the background. */
export const PAGE_ACTIONS = ['status', 'listSeals', 'sealData', 'sealBatch', 'sealPdf', 'verify', 'subscribe'] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number];

/**
 * The page-visible events: forwarded agent `evt` frames (`token.changed`, `token.idle`) and the
 * progress of the page's own running request (`progress`, tagged with that request's id).
 */
export const PAGE_EVENTS = ['token.changed', 'token.idle', 'progress'] as const;

/** Agent events forwarded to subscribed pages (everything else stays in the extension). */
export const AGENT_PAGE_EVENTS: readonly string[] = ['token.changed', 'token.idle'];
export type PageEvent = (typeof PAGE_EVENTS)[number];

/** Same shape as agent request ids, so a page id can never smuggle anything into a log line. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Largest request a page may post, in UTF-16 code units of its JSON: a 4 MiB document is
 * 5.6 MiB of Base64 (MAX_INLINE_BYTES) plus the envelope. Anything larger is dropped unanswered
 * by the content script.
 */
export const MAX_PAGE_MESSAGE_CHARS = 6 * 1024 * 1024;

/**
 * Largest document a page may hand the extension for `sealPdf` (chunked to the agent when >
 * MAX_INLINE_BYTES, 4 MiB). Not 64 MiB: the content script → background leg is runtime messaging, which
 * Chromium caps at 64 MiB of JSON, and 45 MiB is 60 MiB of Base64 — the signed result returns the same way.
 */
export const MAX_PAGE_DOCUMENT_BYTES = 45 * 1024 * 1024;

/** `sealPdf` may carry a document up to MAX_PAGE_DOCUMENT_BYTES (the background chunks it to the agent). */
export const MAX_PAGE_SEALPDF_MESSAGE_CHARS = Math.ceil(MAX_PAGE_DOCUMENT_BYTES / 3) * 4 + 64 * 1024;

/** How long the SDK waits for the content script's ack before it says the extension is missing. */
export const ACK_TIMEOUT_MS = 1000;

/** Default reply timers per action (the user may take minutes to consent and type the PIN). */
export const REPLY_TIMEOUT_MS: Readonly<Record<PageAction, number>> = {
  status: 15_000,
  listSeals: 60_000,
  sealData: 5 * 60_000,
  sealBatch: 30 * 60_000,
  sealPdf: 10 * 60_000,
  verify: 2 * 60_000,
  subscribe: 15_000,
};

export interface PageRequest {
  readonly action: `eseal:${PageAction}`;
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly messageZh: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export type PageReply =
  | { readonly action: `eseal:${PageAction}-ack`; readonly id: string }
  | { readonly action: `eseal:${PageAction}-result`; readonly id: string; readonly ok: true; readonly result: unknown }
  | { readonly action: `eseal:${PageAction}-result`; readonly id: string; readonly ok: false; readonly error: WireError }
  | { readonly action: 'eseal:event'; readonly id: string; readonly event: PageEvent; readonly data: unknown };

export function isPageAction(value: unknown): value is PageAction {
  return typeof value === 'string' && (PAGE_ACTIONS as readonly string[]).includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** JSON size of a value, or undefined when it is not JSON-serialisable (cycles, BigInt, …). */
function jsonLength(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? text.length : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses what a page posted as a request. Returns undefined for anything that is not exactly a
 * well-formed, small ESeal request (replies, other libraries' messages, hostile junk): the
 * content script ignores those silently. Never throws.
 */
export function parsePageRequest(data: unknown): PageRequest | undefined {
  try {
    if (!isPlainObject(data)) return undefined;
    const action = data['action'];
    const id = data['id'];
    const params = data['params'];
    if (typeof action !== 'string' || action.length > 64 || !action.startsWith(MESSAGE_PREFIX)) return undefined;
    const kind = action.slice(MESSAGE_PREFIX.length);
    if (!isPageAction(kind)) return undefined;
    if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) return undefined;
    if (params !== undefined && !isPlainObject(params)) return undefined;
    for (const key of Object.keys(data)) if (key !== 'action' && key !== 'id' && key !== 'params') return undefined;
    const size = jsonLength(data);
    if (size === undefined || size > (kind === 'sealPdf' ? MAX_PAGE_SEALPDF_MESSAGE_CHARS : MAX_PAGE_MESSAGE_CHARS)) return undefined;
    // A JSON round trip drops getters, prototypes and anything non-data before it goes further.
    const clean = JSON.parse(JSON.stringify(params ?? {})) as Record<string, unknown>;
    return { action: `eseal:${kind}`, id, params: clean };
  } catch {
    return undefined;
  }
}

/**
 * Parses what arrived on the page as a reply (ack, result, event). The SDK then matches `id`
 * against its own pending requests. Never throws.
 */
export function parsePageReply(data: unknown): PageReply | undefined {
  try {
    if (!isPlainObject(data)) return undefined;
    const action = data['action'];
    const id = data['id'];
    if (typeof action !== 'string' || action.length > 64 || !action.startsWith(MESSAGE_PREFIX)) return undefined;
    if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) return undefined;
    const rest = action.slice(MESSAGE_PREFIX.length);
    if (rest === 'event') {
      const event = data['event'];
      if (typeof event !== 'string' || !(PAGE_EVENTS as readonly string[]).includes(event)) return undefined;
      return { action: 'eseal:event', id, event: event as PageEvent, data: data['data'] };
    }
    const m = /^([A-Za-z]+)-(ack|result)$/.exec(rest);
    if (!m?.[1] || !isPageAction(m[1])) return undefined;
    const kind = m[1];
    if (m[2] === 'ack') return { action: `eseal:${kind}-ack`, id };
    if (data['ok'] === true) return { action: `eseal:${kind}-result`, id, ok: true, result: data['result'] };
    if (data['ok'] === false) {
      const e = data['error'];
      const record = isPlainObject(e) ? e : {};
      const error: WireError = {
        code: typeof record['code'] === 'string' ? record['code'] : 'ERR_UNKNOWN',
        message: typeof record['message'] === 'string' ? record['message'] : '',
        messageZh: typeof record['messageZh'] === 'string' ? record['messageZh'] : '',
        details: isPlainObject(record['details']) ? (record['details'] as WireError['details']) : {},
      };
      return { action: `eseal:${kind}-result`, id, ok: false, error };
    }
    return undefined;
  } catch {
    return undefined;
  }
}
