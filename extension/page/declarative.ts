// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The declarative form of the page SDK, for portals that cannot change their scripts: an element
 * marked with `data-eseal-*` attributes seals or verifies on click.
 *
 * ```html
 * <input type="hidden" id="signed" name="signedPdf">
 * <button data-eseal-action="seal-pdf" data-eseal-document="/notices/42.pdf"
 *         data-eseal-seal-type="official" data-eseal-page="1" data-eseal-at="150,230"
 *         data-eseal-target="signed" data-eseal-callback="onSealed">盖章</button>
 * ```
 *
 * Attributes (strict: an unknown `data-eseal-*` attribute, or one that does not apply to the
 * action, is an error — a typo must not silently seal somewhere else):
 * - `data-eseal-action`: `seal-pdf` | `seal-data` | `verify` (required);
 * - `data-eseal-document`: URL of the document, same origin as the page only (required);
 * - `data-eseal-seal-type`: `official` | `legal` | `personal` (sealing actions, required);
 * - `data-eseal-seal-id`: a specific seal (optional; default: the first seal of that type);
 * - `data-eseal-page`: 1-based page (seal-pdf; default 1);
 * - `data-eseal-at="x,y"` in millimetres from the page's top-left corner, or
 *   `data-eseal-keyword` (seal-pdf: exactly one of the two);
 * - `data-eseal-title`: shown in the consent window (default: the page title);
 * - `data-eseal-target`: id of an `<input type="hidden">` that receives the Base64 result (the
 *   sealed PDF, the SES signature, or the verification report as JSON);
 * - `data-eseal-callback`: name of a global function called with `(result, element)`.
 *   At least one of target and callback.
 *
 * Failures are dispatched as a DOM event `eseal:error` on the element (bubbling), `detail` =
 * `{code, message, messageZh, details, action}`; success as `eseal:result` with `detail` =
 * `{action, result}`. Nothing is thrown into the page.
 */
import { SealError, serializeError } from '../../shared/errors/index.js';
import type { ESealClient, SealType } from './sdk.js';

export const DECLARATIVE_ACTIONS = ['seal-pdf', 'seal-data', 'verify'] as const;
export type DeclarativeAction = (typeof DECLARATIVE_ACTIONS)[number];

const SEAL_TYPES: readonly SealType[] = ['official', 'legal', 'personal'];
/** The inline document limit of the page protocol (4 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const MAX_PAGE = 100_000;
/** Larger than any paper size in millimetres (A0 long side is 1189 mm). */
const MAX_MM = 5000;

const ATTRIBUTES: Readonly<Record<DeclarativeAction, readonly string[]>> = {
  'seal-pdf': ['action', 'document', 'seal-type', 'seal-id', 'page', 'at', 'keyword', 'title', 'target', 'callback'],
  'seal-data': ['action', 'document', 'seal-type', 'seal-id', 'title', 'target', 'callback'],
  verify: ['action', 'document', 'target', 'callback'],
};

export interface DeclarativeRequest {
  readonly action: DeclarativeAction;
  readonly documentUrl: string;
  readonly sealType?: SealType;
  readonly sealId?: string;
  readonly placement?: { readonly page: number; readonly x: number; readonly y: number } | { readonly keyword: string; readonly page?: number };
  readonly title: string;
  readonly target?: string;
  readonly callback?: string;
}

const bad = (attribute: string, reason: string) => new SealError('ERR_DECLARATIVE_ATTRIBUTE', { attribute: `data-eseal-${attribute}`, reason });

/** The element's `data-eseal-*` attributes as a name → value map (names without the prefix). */
function esealAttributes(el: Element): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of Array.from(el.attributes)) {
    if (a.name.startsWith('data-eseal-')) out.set(a.name.slice('data-eseal-'.length), a.value.trim());
  }
  return out;
}

/**
 * Reads and checks an element's attributes (no network, no DOM changes). `pageOrigin` is the
 * page's origin, `baseUrl` the document's base URL for relative links.
 */
export function parseDeclarative(el: Element, pageOrigin: string, baseUrl: string, pageTitle = ''): DeclarativeRequest {
  const attrs = esealAttributes(el);
  const action = attrs.get('action') ?? '';
  if (!(DECLARATIVE_ACTIONS as readonly string[]).includes(action)) throw bad('action', `must be one of ${DECLARATIVE_ACTIONS.join(', ')}`);
  const kind = action as DeclarativeAction;
  for (const name of attrs.keys()) {
    if (!ATTRIBUTES[kind].includes(name)) throw bad(name, `is not used by ${kind} (allowed: ${ATTRIBUTES[kind].map((n) => `data-eseal-${n}`).join(', ')})`);
  }

  const documentAttr = attrs.get('document') ?? '';
  if (documentAttr === '') throw bad('document', 'is required');
  if (documentAttr.length > 2048) throw bad('document', 'is longer than 2048 characters');
  let url: URL;
  try {
    url = new URL(documentAttr, baseUrl);
  } catch {
    throw bad('document', 'is not a URL');
  }
  // Same origin only: the page may only hand over its own documents (and fetch sends its cookies).
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== pageOrigin) throw bad('document', `must be on this site (${pageOrigin})`);
  url.hash = '';

  let sealType: SealType | undefined;
  if (kind !== 'verify') {
    const st = attrs.get('seal-type') ?? '';
    if (!(SEAL_TYPES as readonly string[]).includes(st)) throw bad('seal-type', `must be one of ${SEAL_TYPES.join(', ')}`);
    sealType = st as SealType;
  }
  const sealId = attrs.get('seal-id');
  if (sealId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(sealId)) throw bad('seal-id', 'must be 1 to 128 printable ASCII characters');

  let placement: DeclarativeRequest['placement'];
  if (kind === 'seal-pdf') {
    const pageText = attrs.get('page');
    let page: number | undefined;
    if (pageText !== undefined) {
      if (!/^[1-9]\d{0,5}$/.test(pageText) || Number(pageText) > MAX_PAGE) throw bad('page', `must be a whole number from 1 to ${MAX_PAGE}`);
      page = Number(pageText);
    }
    const at = attrs.get('at');
    const keyword = attrs.get('keyword');
    if ((at === undefined) === (keyword === undefined)) throw bad('at', 'give exactly one of data-eseal-at="x,y" (mm) and data-eseal-keyword');
    if (at !== undefined) {
      const m = /^(\d{1,4}(?:\.\d{1,3})?)\s*,\s*(\d{1,4}(?:\.\d{1,3})?)$/.exec(at);
      const x = Number(m?.[1]);
      const y = Number(m?.[2]);
      if (!m || x > MAX_MM || y > MAX_MM) throw bad('at', `must be "x,y" in millimetres from the top-left corner, each 0 to ${MAX_MM}`);
      placement = { page: page ?? 1, x, y };
    } else {
      const k = keyword ?? '';
      if (k.length === 0 || k.length > 64 || /\p{Cc}/u.test(k)) throw bad('keyword', 'must be 1 to 64 characters of text');
      placement = { keyword: k, ...(page !== undefined && { page }) };
    }
  }

  const titleAttr = attrs.get('title');
  if (titleAttr !== undefined && (titleAttr.length === 0 || titleAttr.length > 200)) throw bad('title', 'must be 1 to 200 characters');
  const title = (titleAttr ?? pageTitle.trim()).slice(0, 200) || fileNameOf(url) || url.pathname;

  const target = attrs.get('target');
  if (target !== undefined && !/^[A-Za-z][\w:.-]{0,127}$/.test(target)) throw bad('target', 'must be the id of an <input type="hidden">');
  const callback = attrs.get('callback');
  if (callback !== undefined && !/^[A-Za-z_$][\w$]{0,127}$/.test(callback)) throw bad('callback', 'must be the name of a global function');
  if (target === undefined && callback === undefined) throw bad('target', 'give data-eseal-target or data-eseal-callback (where the result goes)');

  return { action: kind, documentUrl: url.href, ...(sealType && { sealType }), ...(sealId !== undefined && { sealId }), ...(placement && { placement }), title, ...(target !== undefined && { target }), ...(callback !== undefined && { callback }) };
}

/** The last path segment, decoded (`报告.ofd`, not `%E6%8A%A5…`); empty when there is none. */
function fileNameOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last).replace(/\p{Cc}/gu, '').slice(0, 128);
  } catch {
    return last.slice(0, 128);
  }
}

/** Where the result goes, checked before anything is fetched or signed. */
function resolveOutputs(req: DeclarativeRequest, doc: Document, win: Window): { input?: HTMLInputElement; fn?: (result: unknown, el: Element) => unknown } {
  let input: HTMLInputElement | undefined;
  if (req.target !== undefined) {
    const el = doc.getElementById(req.target);
    if (!el || el.tagName !== 'INPUT' || (el as HTMLInputElement).type !== 'hidden') throw bad('target', `no <input type="hidden" id="${req.target}"> on the page`);
    input = el as HTMLInputElement;
  }
  let fn: ((result: unknown, el: Element) => unknown) | undefined;
  if (req.callback !== undefined) {
    const value = (win as unknown as Record<string, unknown>)[req.callback];
    if (typeof value !== 'function') throw bad('callback', `window.${req.callback} is not a function`);
    fn = value as (result: unknown, el: Element) => unknown;
  }
  return { ...(input && { input }), ...(fn && { fn }) };
}

async function fetchDocument(url: string, fetchFn: typeof fetch): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url, { credentials: 'same-origin', redirect: 'error', cache: 'no-store' });
  } catch {
    throw new SealError('ERR_DECLARATIVE_FETCH', { reason: 'network error or redirect' });
  }
  if (!response.ok) throw new SealError('ERR_DECLARATIVE_FETCH', { reason: `HTTP ${response.status}` });
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_DOCUMENT_BYTES) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'data-eseal-document', limit: `${MAX_DOCUMENT_BYTES} bytes` });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'data-eseal-document', limit: `${MAX_DOCUMENT_BYTES} bytes` });
  if (bytes.length === 0) throw new SealError('ERR_DECLARATIVE_FETCH', { reason: 'empty document' });
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function pickSeal(client: ESealClient, req: DeclarativeRequest): Promise<string> {
  if (req.sealId !== undefined) return req.sealId;
  const { seals } = await client.listSeals({ sealType: req.sealType });
  const first = seals.find((s): s is { id: string } => typeof (s as { id?: unknown }).id === 'string');
  if (!first) throw new SealError('ERR_DECLARATIVE_NO_SEAL', { sealType: req.sealType ?? '' });
  return first.id;
}

/** Runs one request; resolves with what the target input receives and what the callback gets. */
export async function runDeclarative(req: DeclarativeRequest, client: ESealClient, fetchFn: typeof fetch): Promise<{ value: string; result: unknown }> {
  const bytes = await fetchDocument(req.documentUrl, fetchFn);
  const fileName = fileNameOf(new URL(req.documentUrl)) || 'document';
  switch (req.action) {
    case 'verify': {
      const report = await client.verify({ document: bytes, fileName });
      return { value: JSON.stringify(report), result: report };
    }
    case 'seal-data': {
      const sealId = await pickSeal(client, req);
      // propertyInfo names what was sealed: the document's path on this site (printable ASCII).
      const u = new URL(req.documentUrl);
      const propertyInfo = `${u.pathname}${u.search}`.replace(/[^\x21-\x7e]/g, '').slice(0, 256) || '/';
      const result = await client.sealData({ data: bytes, propertyInfo, display: { title: req.title, docName: fileName } }, { sealId });
      const signature = (result as { signature?: unknown }).signature;
      return { value: typeof signature === 'string' ? signature : JSON.stringify(result), result };
    }
    case 'seal-pdf': {
      const sealId = await pickSeal(client, req);
      if (!req.placement) throw bad('at', 'give exactly one of data-eseal-at="x,y" (mm) and data-eseal-keyword');
      const result = await client.sealPdf({ document: bytes, fileName, title: req.title, docName: fileName, placement: req.placement }, { sealId });
      return { value: toBase64(result.document), result };
    }
  }
}

function dispatch(el: Element, type: 'eseal:error' | 'eseal:result', detail: unknown): void {
  el.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
}

export interface DeclarativeEnv {
  readonly document: Document;
  readonly window: Window;
  readonly client: () => ESealClient | undefined;
  readonly fetch: typeof fetch;
}

const busy = new WeakSet<Element>();

/** Handles a click on (or inside) a `data-eseal-action` element. */
export async function handleDeclarativeClick(el: Element, env: DeclarativeEnv): Promise<void> {
  if (busy.has(el)) return; // a double click must not start a second consent
  busy.add(el);
  el.setAttribute('aria-busy', 'true');
  let action = el.getAttribute('data-eseal-action') ?? '';
  try {
    const req = parseDeclarative(el, env.window.location.origin, env.document.baseURI, env.document.title);
    action = req.action;
    const outputs = resolveOutputs(req, env.document, env.window);
    const client = env.client();
    if (!client) throw new SealError('ERR_EXTENSION_MISSING');
    const { value, result } = await runDeclarative(req, client, env.fetch);
    if (outputs.input) {
      outputs.input.value = value;
      outputs.input.dispatchEvent(new Event('change', { bubbles: true }));
    }
    dispatch(el, 'eseal:result', { action, result });
    try {
      outputs.fn?.(result, el);
    } catch {
      // the portal's callback failing is the portal's business; the result is already delivered
    }
  } catch (error) {
    const e = error instanceof SealError ? error : new SealError('ERR_INTERNAL', { reason: 'declarative form' });
    dispatch(el, 'eseal:error', { ...serializeError(e), action });
  } finally {
    busy.delete(el);
    el.removeAttribute('aria-busy');
  }
}

/** Installs the click handler once per document (event delegation: later elements work too). */
export function installDeclarative(env: DeclarativeEnv): void {
  const marker = '__esealDeclarative';
  const holder = env.document as unknown as Record<string, unknown>;
  if (holder[marker]) return;
  Object.defineProperty(holder, marker, { value: true });
  env.document.addEventListener('click', (event) => {
    const start = event.target instanceof Element ? event.target : null;
    const el = start?.closest('[data-eseal-action]');
    if (!el) return;
    // A sealing button inside a form must not also submit it (or follow a link).
    event.preventDefault();
    void handleDeclarativeClick(el, env);
  });
}

if (typeof document !== 'undefined' && typeof window !== 'undefined') {
  installDeclarative({ document, window, client: () => (window as unknown as { eseal?: ESealClient }).eseal, fetch: (input, init) => fetch(input, init) });
}
