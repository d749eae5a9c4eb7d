// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The agent protocol envelope (`{v, kind, id, method, params}`), shared by the extension and the
 * agent so both sides use one source of truth: the version, the default port, the caps and the
 * frames the agent sends (welcome, progress, res, evt). What the extension sends is parsed by
 * `parseClientFrame` (parseMessage.ts); the pairing/auth proofs are in pairingProof.ts. The
 * protocol is described in docs/protocol.md.
 */
import type { SerializedError } from '../errors/index.js';

/** Protocol versions this build speaks; `hello` offers them, `welcome` picks one. */
export const PROTOCOL_VERSIONS = [1] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** Default loopback port of the agent (configurable by machine policy and `--port`). */
export const DEFAULT_AGENT_PORT = 17_530;

/**
 * Largest WebSocket frame the agent accepts: 8 MiB (a 4 MiB inline document is 5.6 MiB of Base64
 * plus the envelope; a PDF goes in chunks above that). Enforced by ws's `maxPayload` (close 1009).
 */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Requests one connection may have in flight; one more is answered ERR_PROTOCOL_BUSY. */
export const MAX_INFLIGHT_PER_CONNECTION = 64;

/** How long a finished request's response is kept for an idempotent retry of the same id. */
export const RESULT_CACHE_TTL_MS = 5 * 60 * 1000;

/** Default time the agent waits for the user (consent, PIN) when the request gives no deadlineMs. */
export const DEFAULT_USER_TIMEOUT_MS = 120_000;

/**
 * Stages reported in `progress` frames. `awaiting_pinpad`: the token has its own PIN pad; the user
 * types the PIN on the key (the agent never asks the extension for it).
 */
export type ProgressStage = 'queued' | 'awaiting_consent' | 'awaiting_pin' | 'awaiting_pinpad' | 'signing' | 'item';

export type EnvelopeKind = 'hello' | 'welcome' | 'auth' | 'req' | 'progress' | 'res' | 'evt';

export interface Envelope {
  readonly v: ProtocolVersion;
  readonly kind: EnvelopeKind;
  readonly id?: string;
  readonly method?: string;
  readonly params?: unknown;
}

/** Agent → extension: answer to `hello`. `proof` only when the hello named a known keyId. */
export interface WelcomeFrame {
  readonly v: ProtocolVersion;
  readonly kind: 'welcome';
  readonly agentVersion: string;
  /** Random per agent install; bound into the agent proof. */
  readonly instanceId: string;
  /** Base64 32-byte agent nonce (nonceA). */
  readonly nonce: string;
  /** Whether the hello's keyId names a pairing this agent holds. */
  readonly paired: boolean;
  /** Base64 HMAC-SM3 agent proof (pairingProof.ts agentProof). */
  readonly proof?: string;
  /** A one-time pairing code is currently shown by the agent. */
  readonly pairingOpen: boolean;
  readonly features: readonly string[];
  readonly error?: SerializedError;
}

export interface ProgressFrame {
  readonly v: ProtocolVersion;
  readonly kind: 'progress';
  readonly id: string;
  readonly stage: ProgressStage;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface ResultFrame {
  readonly v: ProtocolVersion;
  readonly kind: 'res';
  /** Echoes the request id; absent only when a frame was too broken to carry one. */
  readonly id?: string;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: SerializedError;
}

export interface EventFrame {
  readonly v: ProtocolVersion;
  readonly kind: 'evt';
  /** `token.idle`: a USB KEY left inserted and unused for the policy's idle time (remove it). */
  readonly event: 'authenticated' | 'token.changed' | 'token.idle';
  readonly data?: Readonly<Record<string, unknown>>;
}

export type AgentFrame = WelcomeFrame | ProgressFrame | ResultFrame | EventFrame;
