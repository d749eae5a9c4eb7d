// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The request pipeline after authentication: idempotency (result cache keyed by pairing + id),
 * per-connection in-flight cap (ERR_PROTOCOL_BUSY), deadlines (ERR_TIMEOUT), `cancel`,
 * `consent.reply`, the first policy check (deny by default), the handler, and the audit record —
 * written (fsync) before the response leaves; a failed audit write turns the response into
 * ERR_AUDIT_WRITE_FAILED.
 */
import { createHash } from 'node:crypto';
import { SealError, serializeError, type SerializedError } from '../../shared/errors/index.js';
import { decide } from '../../shared/policy/Policy.js';
import { MAX_INFLIGHT_PER_CONNECTION, METHODS, RESULT_CACHE_TTL_MS, type AgentFrame, type ProgressStage, type RequestFrame, type ResultFrame } from '../../shared/protocol/index.js';
import { HANDLERS, type AgentServices, type RequestScope } from '../handlers/index.js';
import type { AuditFacts } from '../handlers/types.js';
import { DocStore } from '../handlers/docStore.js';

/** What the dispatcher needs from a connection. */
export interface Peer {
  readonly keyId: string;
  /** The Origin header of the upgrade (chrome-extension://…, or the CLI). */
  readonly originHeader: string;
  readonly inflight: Set<string>;
  send(frame: AgentFrame): void;
}

interface CacheEntry {
  readonly fingerprint: string;
  readonly peers: Set<Peer>;
  readonly controller: AbortController;
  done?: ResultFrame;
  expires: number;
}

/**
 * Result cache bound: beyond it the oldest finished entries are dropped first (a retry older than
 * that is executed again, as after the TTL); only when every entry is still running is a new request
 * refused with ERR_PROTOCOL_BUSY.
 */
const MAX_CACHE_ENTRIES = 2048;

export class Dispatcher {
  private readonly entries = new Map<string, CacheEntry>();
  /** Chunked documents (doc.*), per connection. */
  readonly docs = new DocStore();

  constructor(private readonly services: AgentServices) {}

  handle(peer: Peer, frame: RequestFrame): void {
    if (frame.method === 'consent.reply') return this.consentReply(peer, frame);
    if (frame.method === 'cancel') return this.cancel(peer, frame);
    if (frame.method === 'pair') return peer.send(failure(frame.id, new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'already authenticated' })));

    const key = `${peer.keyId}|${frame.id}`;
    const fingerprint = createHash('sha256').update(JSON.stringify([frame.method, frame.params, frame.ctx ?? null])).digest('hex');
    this.sweep();
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) return peer.send(failure(frame.id, new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'id reused for a different request' })));
      if (existing.done) return peer.send(existing.done);
      existing.peers.add(peer);
      return;
    }
    if (peer.inflight.size >= MAX_INFLIGHT_PER_CONNECTION) return peer.send(failure(frame.id, new SealError('ERR_PROTOCOL_BUSY')));
    if (this.entries.size >= MAX_CACHE_ENTRIES && !this.evictOne()) return peer.send(failure(frame.id, new SealError('ERR_PROTOCOL_BUSY')));
    const entry: CacheEntry = { fingerprint, peers: new Set([peer]), controller: new AbortController(), expires: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    peer.inflight.add(frame.id);
    void this.run(peer, frame, entry).then((res) => {
      entry.done = res;
      entry.expires = Date.now() + RESULT_CACHE_TTL_MS;
      peer.inflight.delete(frame.id);
      for (const p of entry.peers) p.send(res);
      // A chunk read is cheap to repeat and large to keep: not cached for retries.
      if (frame.method === 'doc.get') this.entries.delete(key);
    });
  }

  /** The connection closed: its chunked documents are freed. */
  disconnected(peer: Peer): void {
    this.docs.dropOwner(peer);
  }

  /** Aborts every request of a pairing that is still running (agent shutdown). */
  abortAll(reason: SealError): void {
    for (const entry of this.entries.values()) if (!entry.done) entry.controller.abort(reason);
  }

  private async run(peer: Peer, frame: RequestFrame, entry: CacheEntry): Promise<ResultFrame> {
    const origin = frame.ctx?.origin;
    const auditOrigin = origin ?? `extension:${peer.originHeader}`;
    const facts: AuditFacts = {};
    const signal = entry.controller.signal;
    const scope: RequestScope = {
      requestId: frame.id,
      keyId: peer.keyId,
      method: frame.method,
      params: frame.params,
      origin,
      auditOrigin,
      lang: frame.ctx?.lang ?? 'zh-CN',
      audit: facts,
      docs: this.docs.view(peer),
      signal,
      progress: (stage: ProgressStage, data?: Record<string, unknown>) => {
        if (signal.aborted) return;
        for (const p of entry.peers) p.send({ v: 1, kind: 'progress', id: frame.id, stage, ...(data !== undefined && { data }) });
      },
    };
    const timer = frame.deadlineMs === undefined ? undefined : setTimeout(() => entry.controller.abort(new SealError('ERR_TIMEOUT')), frame.deadlineMs);
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      const aborted = new Promise<never>((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason as Error);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
      aborted.catch(() => undefined);
      const work = this.execute(scope, frame);
      work.catch(() => undefined);
      outcome = { ok: true, result: await Promise.race([work, aborted]) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      if (timer) clearTimeout(timer);
    }
    const wire: SerializedError | undefined = outcome.ok ? undefined : serializeError(outcome.error);
    const result = wire === undefined ? 'ok' : wire.code === 'ERR_POLICY_DENIED' ? 'denied' : wire.code === 'ERR_USER_CANCELLED' ? 'cancelled' : wire.code === 'ERR_TIMEOUT' ? 'timeout' : 'error';
    try {
      const record = await this.services.audit.append({
        origin: auditOrigin,
        method: frame.method,
        result,
        requestId: frame.id,
        ...(facts.sealId !== undefined && { sealId: facts.sealId }),
        ...(facts.certSerial !== undefined && { certSerial: facts.certSerial }),
        ...(facts.documentDigest !== undefined && { documentDigest: facts.documentDigest }),
        ...(wire !== undefined && { errorCode: wire.code }),
        ...(facts.extra !== undefined && { extra: facts.extra }),
      });
      if (outcome.ok) {
        const value = outcome.result;
        const withAudit = value !== null && typeof value === 'object' && !Array.isArray(value) && (frame.method === 'seal.sign' || frame.method === 'seal.signBatch' || frame.method === 'data.sign' || frame.method === 'pdf.seal') ? { ...(value as Record<string, unknown>), auditSeq: record.seq } : value;
        return { v: 1, kind: 'res', id: frame.id, ok: true, result: withAudit };
      }
    } catch (error) {
      return failure(frame.id, error instanceof SealError && error.code === 'ERR_AUDIT_WRITE_FAILED' ? error : new SealError('ERR_AUDIT_WRITE_FAILED', {}, { cause: error }));
    }
    return { v: 1, kind: 'res', id: frame.id, ok: false, error: wire };
  }

  private async execute(scope: RequestScope, frame: RequestFrame): Promise<unknown> {
    const spec = METHODS[frame.method];
    if (scope.origin !== undefined) {
      // A portal request: the extension checked the policy; the agent checks it again.
      if (spec.action === null) throw new SealError('ERR_POLICY_DENIED', { origin: scope.origin, action: frame.method });
      const items = Array.isArray(frame.params['items']) ? frame.params['items'].length : undefined;
      const decision = decide(this.services.policy, scope.origin, spec.action, undefined, items);
      if (!decision.allowed) throw new SealError('ERR_POLICY_DENIED', { origin: scope.origin, action: frame.method, reason: decision.reason });
    } else if (frame.method === 'seal.sign' || frame.method === 'seal.signBatch' || frame.method === 'data.sign' || frame.method === 'pdf.seal') {
      // Signing always happens on behalf of a portal origin taken from the browser.
      throw new SealError('ERR_POLICY_DENIED', { origin: '(none)', action: frame.method, reason: 'signing needs ctx.origin' });
    }
    const handler = HANDLERS[frame.method as keyof typeof HANDLERS];
    return handler(scope, this.services);
  }

  private consentReply(peer: Peer, frame: RequestFrame): void {
    try {
      const params = frame.params as { requestId: string; approved: boolean; pin?: string; newPin?: string };
      const { stage } = this.services.consent.reply(peer.keyId, params);
      peer.send({ v: 1, kind: 'res', id: frame.id, ok: true, result: { accepted: true, stage } });
    } catch (error) {
      peer.send(failure(frame.id, error));
    }
  }

  private cancel(peer: Peer, frame: RequestFrame): void {
    const requestId = String(frame.params['requestId']);
    const entry = this.entries.get(`${peer.keyId}|${requestId}`);
    const running = entry !== undefined && entry.done === undefined;
    if (running) entry.controller.abort(new SealError('ERR_USER_CANCELLED'));
    peer.send({ v: 1, kind: 'res', id: frame.id, ok: true, result: { cancelled: running } });
  }

  private lastSweep = 0;

  /** Drops the oldest finished entry (Map order = insertion order); false if all are running. */
  private evictOne(): boolean {
    for (const [key, entry] of this.entries) {
      if (entry.done) {
        this.entries.delete(key);
        return true;
      }
    }
    return false;
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.done && entry.expires < now) this.entries.delete(key);
  }
}

export function failure(id: string | undefined, error: unknown): ResultFrame {
  return { v: 1, kind: 'res', ...(id !== undefined && { id }), ok: false, error: serializeError(error) };
}
