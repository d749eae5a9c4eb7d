// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Messages between the background and the consent window (contract C), over one runtime Port
 * named CONSENT_PORT that the window opens. The background never trusts the page for any of
 * this: the origin shown is the one the background took from `sender`, the rest is what the
 * agent sent in `awaiting_consent`. The window answers with a decision and, only here, the PIN.
 */

/** Name of the runtime Port the consent window opens to the background. */
export const CONSENT_PORT = 'eseal-consent';

/** The page of the consent window, relative to the extension root. */
export const CONSENT_PAGE = 'consent.html';

export type PinMode = 'extension' | 'pinpad' | 'pinentry';

export interface ConsentSeal {
  readonly name: string;
  readonly sealType?: string;
  readonly type?: number;
  readonly esID?: string;
  readonly validEnd?: string;
  readonly picture?: { readonly format: string; readonly dataBase64?: string; readonly widthMm?: number; readonly heightMm?: number };
}

export interface ConsentSigner {
  readonly subject?: string;
  readonly issuer?: string;
  readonly serial?: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
}

export interface ConsentPreview {
  readonly page: number;
  readonly pageCount: number;
  readonly rect: readonly [number, number, number, number];
  readonly pageSize?: readonly [number, number];
  readonly rotate?: number;
}

export interface BatchEntry {
  readonly itemId: string;
  readonly title: string;
  readonly fingerprint?: string;
}

/** Everything the window shows for one request. */
export interface ConsentView {
  readonly origin: string;
  readonly portalName?: string;
  readonly method: string;
  readonly document: { readonly title: string; readonly docName?: string; readonly pages?: number };
  readonly seal?: ConsentSeal;
  readonly signer?: ConsentSigner;
  readonly token?: { readonly label?: string; readonly serial?: string; readonly developmentOnly?: boolean; readonly pinChangeDue?: boolean; readonly pinAgeDays?: number };
  readonly fingerprint?: { readonly alg: string; readonly hex: string; readonly short: string };
  readonly items: number;
  readonly list?: readonly BatchEntry[];
  readonly retriesLeft?: number;
  readonly pinMode: PinMode;
  readonly preview?: ConsentPreview;
  /** pdf.seal only: the PDF for the preview (Base64), held by the background for this request only. */
  readonly pdfBase64?: string;
}

export interface ShownError {
  readonly code: string;
  readonly message: string;
  readonly messageZh: string;
}

/** Background → window. */
export type ToWindow =
  | { readonly type: 'show'; readonly view: ConsentView }
  | { readonly type: 'pin'; readonly retriesLeft?: number; readonly error?: string; readonly pinMode: PinMode }
  | { readonly type: 'pinpad'; readonly retriesLeft?: number }
  | { readonly type: 'signing' }
  | { readonly type: 'item'; readonly index: number; readonly itemId: string; readonly ok: boolean; readonly error?: ShownError; readonly attempted?: boolean }
  | { readonly type: 'done'; readonly ok: true; readonly signed?: number; readonly total?: number; readonly stopped?: ShownError; readonly items?: readonly { readonly itemId: string; readonly ok: boolean; readonly attempted?: boolean; readonly error?: ShownError }[] }
  | { readonly type: 'done'; readonly ok: false; readonly error: ShownError };

/** Window → background. */
export type FromWindow = { readonly type: 'hello'; readonly session: string } | { readonly type: 'decision'; readonly approved: boolean; readonly pin?: string };

/** Session ids in the window's URL fragment: unguessable, checked on `hello`. */
export const SESSION_PATTERN = /^[0-9a-f]{32}$/;
