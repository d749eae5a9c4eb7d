// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The agent protocol envelope (`{v, kind, id, method, params}`), shared by the extension and the
 * agent so both sides use one source of truth. The full method set, schemas, pairing proof and
 * deadlines arrive with the agent issue; this file fixes the version, the default port and the caps.
 */

/** Protocol versions this build speaks; `hello` offers them, `welcome` picks one. */
export const PROTOCOL_VERSIONS = [1] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** Default loopback port of the agent (configurable by machine policy and `--port`). */
export const DEFAULT_AGENT_PORT = 17_530;

/** Largest WebSocket frame the agent accepts: 8 MiB (a PDF goes in chunks above that). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export type EnvelopeKind = 'hello' | 'welcome' | 'auth' | 'req' | 'progress' | 'res' | 'evt';

export interface Envelope {
  readonly v: ProtocolVersion;
  readonly kind: EnvelopeKind;
  readonly id?: string;
  readonly method?: string;
  readonly params?: unknown;
}
