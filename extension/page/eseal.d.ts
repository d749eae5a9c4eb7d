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
      sealBatch(items: readonly SealItem[], options: SealOptions): Promise<BatchResult>;
      /** Verification report (docs/verification-report.md). */
      verify(request: { readonly document: string | Uint8Array | ArrayBuffer; readonly fileName?: string; readonly includePictures?: boolean }, options?: CallOptions): Promise<Readonly<Record<string, unknown>>>;
      /** `token.changed`: a USB KEY was inserted or removed. Returns the unsubscribe function. */
      on(event: 'token.changed', listener: (data: { readonly present?: boolean; readonly tokenLabel?: string } & Readonly<Record<string, unknown>>) => void): () => void;
    }
  }

  interface Window {
    readonly eseal?: ESealSdk.Client;
  }
}
