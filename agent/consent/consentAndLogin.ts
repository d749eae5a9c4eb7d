// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The consent → PIN → login sequence shared by the signing handlers: one consent, then PIN prompts
 * until the token accepts one, reports the PIN locked, or the user gives up. A wrong PIN is followed
 * by another `awaiting_pin` carrying `retriesLeft` and the previous error code.
 */
import { SealError } from '../../shared/errors/index.js';
import type { Policy } from '../../shared/policy/Policy.js';
import type { AuditEntry, AuditLog } from '../audit/AuditLog.js';
import type { TokenSession } from '../token/TokenProvider.js';
import type { ConsentBroker, ConsentTarget } from './ConsentBroker.js';

/** Upper bound on PIN prompts in one request (format errors do not count against the token). */
const MAX_PROMPTS = 12;

export interface ConsentAndLoginOptions {
  readonly broker: ConsentBroker;
  readonly target: ConsentTarget;
  readonly session: TokenSession;
  readonly policy: Policy;
  readonly audit: AuditLog;
  readonly origin: string;
  readonly method: string;
  /** What the consent window shows. */
  readonly consent: Record<string, unknown>;
}

/** Asks consent, then logs in; returns the PIN only when the batch policy allows caching it. */
export async function consentAndLogin(o: ConsentAndLoginOptions, cachePin = false): Promise<string | undefined> {
  if (o.policy.pin.entry === 'pinentry') throw new SealError('ERR_NOT_IMPLEMENTED', { feature: 'pin.entry = pinentry (GnuPG pinentry)' });
  if (o.policy.pin.entry === 'pinpad' || o.session.token.pinPad) {
    const reply = await o.broker.ask(o.target, 'awaiting_consent', { ...o.consent, pinPad: true });
    auditConsent(o, reply.approved);
    if (!reply.approved) throw new SealError('ERR_USER_CANCELLED');
    await o.session.loginWithPinPad();
    return undefined;
  }
  const reply = await o.broker.ask(o.target, 'awaiting_consent', { ...o.consent, retriesLeft: o.session.token.pinRetriesLeft ?? null });
  auditConsent(o, reply.approved);
  if (!reply.approved) throw new SealError('ERR_USER_CANCELLED');
  let pin = reply.pin;
  let lastError: string | undefined;
  let retriesLeft = o.session.token.pinRetriesLeft;
  for (let prompt = 0; prompt < MAX_PROMPTS; prompt++) {
    if (pin === undefined) {
      const answer = await o.broker.ask(o.target, 'awaiting_pin', {
        retriesLeft: retriesLeft ?? null,
        tokenLabel: o.session.token.label,
        ...(lastError !== undefined && { error: lastError }),
      });
      if (!answer.approved) throw new SealError('ERR_USER_CANCELLED');
      pin = answer.pin;
      if (pin === undefined) {
        lastError = 'ERR_TOKEN_PIN_INVALID';
        continue;
      }
    }
    try {
      await o.session.login(pin);
      noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'ok', requestId: o.target.requestId });
      return cachePin ? pin : undefined;
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      if (error.code === 'ERR_TOKEN_PIN_INCORRECT' || error.code === 'ERR_TOKEN_PIN_INVALID') {
        noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'error', errorCode: error.code, requestId: o.target.requestId });
        if (typeof error.details['retriesLeft'] === 'number') retriesLeft = error.details['retriesLeft'];
        lastError = error.code;
        pin = undefined; // drop the wrong PIN; the next round asks again
        continue;
      }
      noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'error', errorCode: error.code, requestId: o.target.requestId });
      throw error;
    }
  }
  throw new SealError('ERR_USER_CANCELLED');
}

/**
 * Decision records are queued, not awaited: the audit log commits in order, so they reach the disk
 * with (at the latest) the request's final record, which IS awaited before any result leaves; a
 * failed write closes the log and fails that final append, hence the request.
 */
function noteAudit(o: ConsentAndLoginOptions, entry: AuditEntry): void {
  o.audit.append(entry).catch(() => undefined);
}

function auditConsent(o: ConsentAndLoginOptions, approved: boolean): void {
  noteAudit(o, { origin: o.origin, method: `${o.method}.consent`, result: approved ? 'consented' : 'refused', requestId: o.target.requestId });
}
