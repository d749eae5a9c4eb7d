// SPDX-License-Identifier: Apache-2.0
/**
 * TypeScript declarations of the ESeal page SDK (`eseal-sdk.js`) for portal developers.
 * Copy this file into a portal project; see docs/sdk.md. There is no PIN parameter anywhere:
 * the PIN is entered in the ESeal window or on the USB KEY, never in the page.
 */
export {};

declare global {
  namespace ESealSdk {
    /** Every rejection: a coded error (docs/errors.md), messages rendered by the SDK's own table. */
    interface ESealError extends Error {
      /** `ERR_<AREA>_<REASON>`, e.g. ERR_EXTENSION_MISSING, ERR_AGENT_UNAVAILABLE, ERR_POLICY_DENIED. */
      readonly code: string;
      /** English message. */
      readonly message: string;
      /** Chinese message (show this to users). */
      readonly messageZh: string;
      readonly details: Readonly<Record<string, string | number | boolean>>;
    }

    interface CallOptions {
      /** Reply timer in ms (→ ERR_TIMEOUT); defaults per call. */
      readonly timeoutMs?: number;
      /** Progress of this call (never the PIN or other consent details). */
      readonly onProgress?: (progress: Progress) => void;
    }

    /** What a page learns while a sealing call runs. */
    interface Progress {
      /** Which SDK call: sealData, sealBatch, sealPdf. */
      readonly action: string;
      readonly stage: 'queued' | 'awaiting_consent' | 'awaiting_pin' | 'awaiting_pinpad' | 'signing' | 'item';
      /** stage `item` (batches): the item's outcome, in order. */
      readonly index?: number;
      readonly total?: number;
      readonly itemId?: string;
      readonly ok?: boolean;
      readonly signature?: string;
      readonly dataHash?: { readonly alg: string; readonly value: string };
      readonly signedAt?: string;
      readonly error?: { readonly code: string; readonly message: string; readonly messageZh: string };
    }

    /** Seal centre in whole mm from the top-left of the page as displayed (pages from 1), or a keyword. */
    type PdfPlacement = { readonly page: number; readonly x: number; readonly y: number } | { readonly keyword: string; readonly page?: number; readonly occurrence?: number };

    interface SealPdfRequest {
      /** The PDF (≤ 45 MiB; above 4 MiB the extension sends it to the agent in chunks): bytes or Base64 text. Give this or `url`. */
      readonly document?: Uint8Array | ArrayBuffer | string;
      /** Or a URL on the page's own origin (relative resolves against the page): the extension downloads it with the site's session (≤ 45 MiB). */
      readonly url?: string;
      readonly fileName?: string;
      /** Shown in the consent window. */
      readonly title: string;
      readonly docName?: string;
      readonly placement: PdfPlacement;
    }

    interface SealPdfOptions extends SealOptions {
      readonly reason?: string;
      readonly location?: string;
      /** SM2 seals: a GM/T 0010 CMS in /Contents instead of a GB/T 38540 SES_Signature. */
      readonly cms?: boolean;
    }

    interface SealPdfResult {
      /** The sealed PDF (the original plus one incremental update). */
      readonly document: Uint8Array;
      readonly fieldName: string;
      readonly sealId: string;
      readonly format: 'SES_Signature' | 'CMS';
      readonly cert: string;
      readonly signedAt: string;
      readonly dataHash: { readonly alg: string; readonly value: string } | string;
      readonly page: number;
      readonly rect: readonly [number, number, number, number];
      readonly auditSeq: number;
    }

    type SealType = 'official' | 'legal' | 'personal';

    interface SealItem {
      readonly itemId?: string;
      /** Either `digest` (SM3 or SHA-256 of the original, Base64 of 32 bytes) or `data`. */
      readonly digest?: { readonly alg: 'SM3' | 'SHA-256'; readonly value: string };
      /** The data to seal (≤ 4 MiB): Base64 text or bytes; the agent hashes it with SM3. */
      readonly data?: string | Uint8Array | ArrayBuffer;
      /** GB/T 38540 TBS_Sign.propertyInfo (printable ASCII, ≤ 256), e.g. `/vouchers/2026-0001`. */
      readonly propertyInfo: string;
      /** Shown to the user in the ESeal consent window. */
      readonly display: { readonly title: string; readonly docName?: string; readonly pages?: number };
    }

    interface SealOptions extends CallOptions {
      readonly sealId: string;
      readonly tokenSerial?: string;
    }

    interface StatusResult {
      readonly extensionVersion: string;
      readonly agent: {
        readonly connected: boolean;
        readonly paired: boolean;
        readonly agentVersion?: string;
        readonly error?: { readonly code: string; readonly message: string; readonly messageZh: string };
      };
      readonly tokens?: readonly { readonly label: string; readonly serial: string }[];
    }

    interface SealInfo {
      readonly id: string;
      readonly name: string;
      readonly sealType: SealType;
      readonly type: number;
      readonly esID: string;
      readonly validStart: string;
      readonly validEnd: string;
      readonly picture?: { readonly format: string; readonly dataBase64: string };
      readonly signer?: Readonly<Record<string, unknown>>;
    }

    interface SealResult {
      /** Base64 DER GB/T 38540 SES_Signature (v4). */
      readonly signature: string;
      readonly format: string;
      readonly sealId: string;
      readonly cert: string;
      readonly alg: Readonly<Record<string, string>>;
      readonly dataHash: string;
      readonly signedAt: string;
      readonly auditSeq: number;
    }

    interface BatchResult {
      readonly total: number;
      readonly signed: number;
      readonly complete: boolean;
      readonly stopped?: string;
      readonly items: readonly { readonly itemId: string; readonly ok: boolean; readonly signature?: string; readonly error?: { readonly code: string }; readonly attempted?: boolean }[];
      readonly auditSeq: number;
    }

    interface Client {
      readonly version: string;
      /** Resolves even when the agent is missing (`agent.connected === false` with its error). */
      status(options?: CallOptions): Promise<StatusResult>;
      listSeals(filter?: { readonly sealType?: SealType; readonly tokenSerial?: string; readonly includePictures?: boolean }, options?: CallOptions): Promise<{ readonly seals: readonly SealInfo[] }>;
      sealData(item: SealItem, options: SealOptions): Promise<SealResult>;
      /** One consent listing every item, one PIN, then per-item results (also as `item` progress). */
      sealBatch(items: readonly SealItem[], options: SealOptions): Promise<BatchResult>;
      /** Stamps the seal into a PDF after consent (the window previews the page with the seal) and PIN. */
      sealPdf(request: SealPdfRequest, options: SealPdfOptions): Promise<SealPdfResult>;
      /** Verification report (docs/verification-report.md). */
      verify(request: { readonly document: string | Uint8Array | ArrayBuffer; readonly fileName?: string; readonly includePictures?: boolean }, options?: CallOptions): Promise<Readonly<Record<string, unknown>>>;
      /** Opens the ESeal viewer in a new tab on a document the portal holds (≤ 4 MiB; needs the `verify` action). */
      openViewer(input: { readonly document: string | Uint8Array | ArrayBuffer; readonly fileName?: string }): Promise<{ readonly opened: true }>;
      /** `token.changed`: a USB KEY was inserted or removed. Returns the unsubscribe function. */
      on(event: 'token.changed', listener: (data: { readonly type?: 'inserted' | 'removed'; readonly present?: boolean; readonly label?: string; readonly serial?: string } & Readonly<Record<string, unknown>>) => void): () => void;
      /** `token.idle`: a USB KEY left inserted and unused (remind the user to remove it). */
      on(event: 'token.idle', listener: (data: { readonly label: string; readonly serial: string; readonly idleMinutes: number; readonly messageZh: string; readonly message: string }) => void): () => void;
      /** `progress`: of this page's running calls (no subscription needed). */
      on(event: 'progress', listener: (progress: Progress) => void): () => void;
    }
  }

  interface Window {
    readonly eseal?: ESealSdk.Client;
  }
}
