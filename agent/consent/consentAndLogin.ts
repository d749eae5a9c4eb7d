// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The consent → PIN → login sequence shared by the signing handlers: one consent, then PIN prompts
 * until the token accepts one, reports the PIN locked, or the user gives up. A wrong PIN is followed
 * by another `awaiting_pin` carrying `retriesLeft` and the previous error code.
 */
import { SealError } from '../../shared/errors/index.js';
import { DEFAULT_USER_TIMEOUT_MS } from '../../shared/protocol/index.js';
import type { Policy } from '../../shared/policy/Policy.js';
import type { AuditEntry, AuditLog } from '../audit/AuditLog.js';
import type { TokenSession } from '../token/TokenProvider.js';
import type { ConsentBroker, ConsentTarget } from './ConsentBroker.js';
import { askPinentry } from './pinentry.js';

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
  // A locked PIN cannot be entered: ask neither consent nor PIN (unlocking needs the SO PIN / admin).
  if (o.session.token.pinLocked) throw new SealError('ERR_TOKEN_PIN_LOCKED');
  if (o.policy.pin.entry === 'pinentry') return pinentryLogin(o);
  if (o.policy.pin.entry === 'pinpad' || o.session.token.pinPad) {
    const reply = await o.broker.ask(o.target, 'awaiting_consent', { ...o.consent, pinPad: true });
    auditConsent(o, reply.approved);
    if (!reply.approved) throw new SealError('ERR_USER_CANCELLED');
    o.target.progress('awaiting_pinpad', { tokenLabel: o.session.token.label, retriesLeft: o.session.token.pinRetriesLeft ?? null });
    try {
      // PKCS#11 C_Login is synchronous in pkcs11js: the agent's event loop waits while the pad does.
      await o.session.loginWithPinPad();
    } catch (error) {
      noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'error', errorCode: error instanceof SealError ? error.code : 'ERR_INTERNAL', requestId: o.target.requestId, extra: { entry: 'pinpad' } });
      throw error;
    }
    noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'ok', requestId: o.target.requestId, extra: { entry: 'pinpad' } });
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

/** What the pinentry window says: who asks, with which seal, for which document and fingerprint. */
function pinentryDescription(consent: Record<string, unknown>, retriesLeft: number | undefined): string {
  const seal = consent['seal'] as { name?: string } | undefined;
  const doc = consent['document'] as { title?: string } | undefined;
  const fp = consent['fingerprint'] as { short?: string } | undefined;
  const origin = typeof consent['origin'] === 'string' ? consent['origin'] : 'ESeal';
  const portal = typeof consent['portalName'] === 'string' ? `${consent['portalName']} ` : '';
  const items = typeof consent['items'] === 'number' && consent['items'] > 1 ? `（共 ${consent['items']} 份 / ${consent['items']} items）` : '';
  return [
    `${portal}${origin} 请求签章 / requests a seal`,
    ...(seal?.name ? [`印章 / seal: ${seal.name}`] : []),
    ...(doc?.title ? [`文档 / document: ${doc.title}${items}`] : items ? [items] : []),
    ...(fp?.short ? [`SM3: ${fp.short}`] : []),
    ...(retriesLeft !== undefined ? [`剩余次数 / attempts left: ${retriesLeft}`] : []),
  ].join('\n');
}

/**
 * `pin.entry: "pinentry"`: consent still comes from the extension's window, but the PIN is asked by
 * the native pinentry program; a PIN sent in `consent.reply` is ignored.
 */
async function pinentryLogin(o: ConsentAndLoginOptions): Promise<undefined> {
  const program = o.policy.pin.pinentryProgram;
  if (program === undefined) throw new SealError('ERR_POLICY_INVALID', { field: 'pin.pinentryProgram', reason: 'is required when pin.entry is pinentry' });
  const reply = await o.broker.ask(o.target, 'awaiting_consent', { ...o.consent, pinEntry: 'pinentry' });
  auditConsent(o, reply.approved);
  if (!reply.approved) throw new SealError('ERR_USER_CANCELLED');
  let retriesLeft = o.session.token.pinRetriesLeft;
  let error: string | undefined;
  for (let prompt = 0; prompt < MAX_PROMPTS; prompt++) {
    o.target.progress('awaiting_pin', { pinEntry: 'pinentry', retriesLeft: retriesLeft ?? null, ...(error !== undefined && { error }) });
    const pin = await askPinentry({
      program,
      title: 'ESeal 电子签章 / electronic seal',
      description: pinentryDescription(o.consent, retriesLeft),
      prompt: 'USB KEY PIN:',
      ...(error !== undefined && { error: retriesLeft !== undefined ? `PIN 错误，还可尝试 ${retriesLeft} 次 / wrong PIN, ${retriesLeft} attempts left` : 'PIN 错误 / wrong PIN' }),
      timeoutMs: DEFAULT_USER_TIMEOUT_MS,
      signal: o.target.signal,
    });
    if (pin === undefined) throw new SealError('ERR_USER_CANCELLED');
    try {
      await o.session.login(pin);
      noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'ok', requestId: o.target.requestId, extra: { entry: 'pinentry' } });
      return undefined;
    } catch (e) {
      if (!(e instanceof SealError)) throw e;
      noteAudit(o, { origin: o.origin, method: `${o.method}.login`, result: 'error', errorCode: e.code, requestId: o.target.requestId, extra: { entry: 'pinentry' } });
      if (e.code !== 'ERR_TOKEN_PIN_INCORRECT' && e.code !== 'ERR_TOKEN_PIN_INVALID') throw e;
      if (typeof e.details['retriesLeft'] === 'number') retriesLeft = e.details['retriesLeft'];
      error = e.code;
    }
  }
  throw new SealError('ERR_USER_CANCELLED');
}
