// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Consent and PIN through the protocol. The agent never shows UI: it sends a `progress` frame with
 * stage `awaiting_consent` (what will be sealed, by whom, for which portal, with the SM3 fingerprint)
 * or `awaiting_pin` (retries left) and waits for the extension's consent window to answer with
 * `consent.reply {requestId, approved, pin?, newPin?}` over a connection authenticated with the
 * same pairing key. No answer before the request's deadline (or DEFAULT_USER_TIMEOUT_MS) is
 * ERR_TIMEOUT; `approved: false` is ERR_USER_CANCELLED.
 *
 * PIN handling: the PIN is passed to the token's login and the reference dropped at once; it is
 * never audited, logged or echoed. (JavaScript strings cannot be overwritten in place; the token
 * back ends wipe their own buffers.)
 */
import { SealError } from '../../shared/errors/index.js';
import { DEFAULT_USER_TIMEOUT_MS, type ProgressStage } from '../../shared/protocol/index.js';

export interface ConsentReply {
  readonly approved: boolean;
  readonly pin?: string;
  readonly newPin?: string;
}

/** What a handler gives the broker to reach the user of one request. */
export interface ConsentTarget {
  readonly requestId: string;
  readonly keyId: string;
  readonly signal: AbortSignal;
  progress(stage: ProgressStage, data?: Record<string, unknown>): void;
}

interface Pending {
  readonly stage: 'awaiting_consent' | 'awaiting_pin';
  readonly resolve: (reply: ConsentReply) => void;
}

export class ConsentBroker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly userTimeoutMs = DEFAULT_USER_TIMEOUT_MS) {}

  get waiting(): number {
    return this.pending.size;
  }

  ask(target: ConsentTarget, stage: 'awaiting_consent' | 'awaiting_pin', data: Record<string, unknown>): Promise<ConsentReply> {
    const key = `${target.keyId}|${target.requestId}`;
    if (target.signal.aborted) return Promise.reject(target.signal.reason as Error);
    return new Promise<ConsentReply>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        target.signal.removeEventListener('abort', onAbort);
        this.pending.delete(key);
      };
      const onAbort = (): void => {
        cleanup();
        reject(target.signal.reason as Error);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new SealError('ERR_TIMEOUT'));
      }, this.userTimeoutMs);
      timer.unref();
      target.signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(key, {
        stage,
        resolve: (reply) => {
          cleanup();
          resolve(reply);
        },
      });
      target.progress(stage, data);
    });
  }

  /** Handles a `consent.reply`; throws when no request of this pairing awaits an answer. */
  reply(keyId: string, params: { requestId: string; approved: boolean; pin?: string; newPin?: string }): { stage: string } {
    const pending = this.pending.get(`${keyId}|${params.requestId}`);
    if (!pending) throw new SealError('ERR_INPUT_INVALID', { name: 'requestId', reason: 'no request is waiting for consent or a PIN' });
    pending.resolve({ approved: params.approved, ...(params.pin !== undefined && { pin: params.pin }), ...(params.newPin !== undefined && { newPin: params.newPin }) });
    return { stage: pending.stage };
  }
}
