// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Where the viewer's document comes from, and the limits on it:
 *
 * - `viewer.html?src=<url>` (a link, or an intercepted PDF navigation): fetched by the viewer itself,
 *   only from an origin the policy allows to use verification (`decide(policy, origin, 'verify')`,
 *   deny by default), http(s) only, the final URL after redirects checked again. The request carries
 *   the browser's own session for that allowed portal (so a logged-in portal's documents open) but
 *   nothing from the page: no cookies, headers or file paths are ever taken from a web page.
 * - `viewer.html?doc=<id>`: bytes a portal handed over through the SDK, parked by the background in
 *   `storage.session` under a one-time random id (see viewerBackground.ts); read once and deleted.
 * - a local file chosen with the file picker (read in the page; nothing is uploaded).
 *
 * Every document is capped at {@link MAX_VIEWER_BYTES} (checked against Content-Length first, then
 * while streaming, so an endless response cannot exhaust memory) → ERR_INPUT_TOO_LARGE.
 */
import { SealError } from '../../shared/errors/index.js';
import { decide, type Policy } from '../../shared/policy/Policy.js';

/** Largest document the viewer opens (bytes). pdf.js and the verifier both hold it in memory. */
export const MAX_VIEWER_BYTES = 100 * 1024 * 1024;

/** How long a download may take before it is abandoned. */
export const FETCH_TIMEOUT_MS = 60_000;

export interface LoadedDocument {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  /** Where it came from, for display: the URL's origin + path, `local file` or the portal origin. */
  readonly source: string;
}

/** The http(s) origin of a URL, or undefined. */
export function httpOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Throws ERR_VIEWER_SOURCE_DENIED unless the policy lets `url`'s origin use verification. */
export function assertSourceAllowed(policy: Policy, url: string): string {
  const origin = httpOrigin(url);
  if (origin === undefined) throw new SealError('ERR_VIEWER_SOURCE_DENIED', { origin: url.slice(0, 80), reason: 'not-http' });
  if (!decide(policy, origin, 'verify').allowed) throw new SealError('ERR_VIEWER_SOURCE_DENIED', { origin });
  return origin;
}

/** A file name for display from a URL path (last segment, decoded, at most 200 characters). */
export function fileNameFromUrl(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'document';
    let name = last;
    try {
      name = decodeURIComponent(last);
    } catch {
      // keep the raw segment
    }
    return name.replace(/[\\/\0]/g, '_').slice(0, 200) || 'document';
  } catch {
    return 'document';
  }
}

function tooLarge(): SealError {
  return new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: `${MAX_VIEWER_BYTES / 1024 / 1024} MiB` });
}

/** Reads a response body with the size cap enforced while streaming. */
export async function readCapped(response: Response, limit = MAX_VIEWER_BYTES): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Fetches `url` with the browser's session for that site and a FETCH_TIMEOUT_MS deadline covering
 * the body too; `check(finalUrl)` runs on the address after redirects before the body is read; a
 * non-2xx status is ERR_VIEWER_FETCH_FAILED. Shared by the viewer and the background's `sealPdf({url})`.
 */
export async function fetchChecked<T>(url: string, fetchImpl: typeof fetch, check: (finalUrl: string) => void, read: (response: Response) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { credentials: 'include', redirect: 'follow', signal: abort.signal, cache: 'no-store' });
    } catch (error) {
      throw new SealError(abort.signal.aborted ? 'ERR_TIMEOUT' : 'ERR_VIEWER_FETCH_FAILED', {}, { cause: error });
    }
    try {
      check(response.url || url);
    } catch (error) {
      await response.body?.cancel().catch(() => undefined);
      throw error;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new SealError('ERR_VIEWER_FETCH_FAILED', { status: response.status });
    }
    return await read(response);
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads `url` after the policy check; coded errors for every failure. */
export async function fetchDocument(policy: Policy, url: string, fetchImpl: typeof fetch = fetch): Promise<LoadedDocument> {
  assertSourceAllowed(policy, url);
  return fetchChecked(
    url,
    fetchImpl,
    // A redirect may not carry the viewer to an origin the policy does not allow.
    (finalUrl) => {
      if (finalUrl !== url) assertSourceAllowed(policy, finalUrl);
    },
    async (response) => {
      const bytes = await readCapped(response);
      return { bytes, fileName: fileNameFromUrl(response.url || url), source: (response.url || url).replace(/[?#].*$/, '') };
    },
  );
}

/** Reads a file the user picked; the same cap. */
export async function readLocalFile(file: File): Promise<LoadedDocument> {
  if (file.size > MAX_VIEWER_BYTES) throw tooLarge();
  return { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name.slice(0, 200), source: 'file' };
}

export type DocumentKind = 'pdf' | 'ofd' | 'other';

/** PDF by its header (within the first KiB, as readers accept), OFD by a ZIP signature. */
export function documentKind(bytes: Uint8Array): DocumentKind {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(1024, bytes.length)));
  if (head.includes('%PDF-')) return 'pdf';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'ofd';
  // Vendor bytes before the ZIP (some OFD producers): an end-of-central-directory record near the end.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65_557); i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) return 'ofd';
  }
  return 'other';
}
