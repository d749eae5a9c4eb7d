// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The one token interface (ARCHITECTURE decision 8). Agent code depends only on this; back ends are
 * PKCS#11 (pkcs11js, vendor SM2 profiles), SKF (koffi) and the development software token.
 *
 * Design rationale (specs/tokens.md §7): hashing is always done by us (SM3 with Z for SM2, SHA-256
 * for ECDSA/RSA), so `signDigest` receives the final digest `e`; tokens are selected by serial or
 * label, never by slot index; every failure is a SealError with an ERR_TOKEN_* code, mapped once per
 * back end; insert/remove events come from polling, never from a blocking wait on the event loop.
 */

export type KeyAlgorithm = 'SM2' | 'EC-P256' | 'RSA';

export interface TokenInfo {
  /** Stable identifier: back end + module + serial. */
  readonly id: string;
  readonly backend: 'pkcs11' | 'skf' | 'soft';
  readonly label: string;
  readonly serial: string;
  readonly manufacturer: string;
  readonly present: boolean;
  /** The key has its own PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH). */
  readonly pinPad: boolean;
  /** Retries left if the token reports it (SKF always, PKCS#11 only as low/final-try flags). */
  readonly pinRetriesLeft?: number;
  readonly pinLocked: boolean;
  /** Shown to the user when this is not a real USB KEY. */
  readonly developmentOnly: boolean;
}

export interface TokenCertificate {
  /** Identifier inside the token (CKA_ID hex, SKF container name, …). */
  readonly id: string;
  readonly label: string;
  /** DER X.509. */
  readonly der: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithm;
}

/** A seal stored on the token (PKCS#11 data object, SKF file) or in the agent's seal store. */
export interface TokenSeal {
  readonly id: string;
  /** DER SESeal, unchanged bytes. */
  readonly der: Uint8Array;
}

export interface TokenSession {
  readonly token: TokenInfo;
  /** Throws ERR_TOKEN_PIN_INCORRECT {retriesLeft} / ERR_TOKEN_PIN_LOCKED / ERR_TOKEN_REMOVED. */
  login(pin: string): Promise<void>;
  /** Login on the key's own PIN pad (no PIN passes through us). */
  loginWithPinPad(): Promise<void>;
  logout(): Promise<void>;
  changePin(oldPin: string, newPin: string): Promise<void>;
  listCertificates(): Promise<readonly TokenCertificate[]>;
  listSeals(): Promise<readonly TokenSeal[]>;
  /**
   * Signs a digest computed by the caller: for SM2 `e = SM3(Z ‖ M)` (32 bytes), for EC-P256 the
   * SHA-256 hash, for RSA the DER DigestInfo. Returns DER for SM2/ECDSA, the raw block for RSA.
   */
  signDigest(certificateId: string, digest: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export type TokenEvent = { readonly type: 'inserted' | 'removed'; readonly token: TokenInfo };

export interface TokenProvider {
  readonly backend: TokenInfo['backend'];
  list(): Promise<readonly TokenInfo[]>;
  /** Opens by serial or label; ERR_TOKEN_NOT_PRESENT when no such token is inserted. */
  open(selector: { readonly serial?: string; readonly label?: string }): Promise<TokenSession>;
  /** Polls presence; call `stop()` on shutdown. */
  watch(onEvent: (event: TokenEvent) => void, intervalMs?: number): { stop(): void };
  close(): Promise<void>;
}
