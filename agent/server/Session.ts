// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One connection's protocol state machine (no transport code: AgentServer feeds it text frames).
 *
 *   new ──hello──▶ hello ──auth (good proof)──▶ authenticated ──req…
 *                    └────pair (right code)───▶ authenticated
 *
 * Before authentication only `hello`, `auth` and the `pair` request are accepted; anything else is
 * ERR_AGENT_NOT_PAIRED (the hello named no known key) or ERR_AGENT_AUTH_FAILED. Every frame goes
 * through `parseClientFrame`; a bad frame gets a coded error and the connection keeps its state.
 * Three failed proofs close the connection (1008).
 */
import { randomBytes } from 'node:crypto';
import { SealError, serializeError } from '../../shared/errors/index.js';
import {
  agentProof,
  derivePairingKeys,
  extensionProof,
  macEquals,
  METHOD_NAMES,
  pairingProof,
  parseClientFrame,
  PROTOCOL_VERSIONS,
  sealPairedKey,
  type AgentFrame,
  type HelloFrame,
  type RequestFrame,
} from '../../shared/protocol/index.js';
import type { AuditLog } from '../audit/AuditLog.js';
import type { PairingStore } from '../pairing/PairingStore.js';
import { failure, type Dispatcher, type Peer } from './Dispatcher.js';

export interface SessionTransport {
  readonly originHeader: string;
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface SessionDeps {
  readonly pairings: PairingStore;
  readonly dispatcher: Dispatcher;
  readonly audit: AuditLog;
  readonly version: string;
}

const MAX_AUTH_FAILURES = 3;

export class Session implements Peer {
  private state: 'new' | 'hello' | 'authenticated' = 'new';
  private nonceC: Uint8Array | undefined;
  private nonceA: Uint8Array | undefined;
  private helloKeyId: string | undefined;
  private instanceId = '';
  private authFailures = 0;
  keyId = '';
  readonly inflight = new Set<string>();

  constructor(
    private readonly transport: SessionTransport,
    private readonly deps: SessionDeps,
  ) {}

  get originHeader(): string {
    return this.transport.originHeader;
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  send(frame: AgentFrame): void {
    this.transport.send(JSON.stringify(frame));
  }

  onText(text: string): void {
    let frame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      // A hello without a common version is answered in kind (the client is waiting for a welcome).
      if (error instanceof SealError && error.code === 'ERR_PROTOCOL_VERSION') return this.transport.send(JSON.stringify({ v: 1, kind: 'welcome', error: serializeError(error) }));
      // Echo the id when the frame had a readable one, so the client can match the error.
      return this.send(failure(readableId(text), error));
    }
    try {
      if (frame.kind === 'hello') return this.onHello(frame);
      if (frame.kind === 'auth') return this.onAuth(frame.proof);
      if (this.state === 'authenticated') return this.deps.dispatcher.handle(this, frame);
      if (frame.method === 'pair') return void this.onPair(frame);
      const unpaired = this.helloKeyId === undefined || this.deps.pairings.keyOf(this.helloKeyId) === undefined;
      return this.send(failure(frame.id, new SealError(unpaired ? 'ERR_AGENT_NOT_PAIRED' : 'ERR_AGENT_AUTH_FAILED', { reason: this.state === 'new' ? 'send hello first' : 'authenticate first' })));
    } catch (error) {
      this.send(failure('id' in frame ? frame.id : undefined, error));
    }
  }

  private onHello(hello: HelloFrame): void {
    if (this.state !== 'new') return this.send(failure(undefined, new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'hello already received' })));
    const v = Math.max(...PROTOCOL_VERSIONS.filter((x) => hello.versions.includes(x)));
    this.instanceId = this.deps.pairings.instanceId;
    this.nonceA = new Uint8Array(randomBytes(32));
    this.nonceC = hello.nonce === undefined ? undefined : new Uint8Array(Buffer.from(hello.nonce, 'base64'));
    this.helloKeyId = hello.keyId;
    this.state = 'hello';
    const known = hello.keyId === undefined ? undefined : this.deps.pairings.keyOf(hello.keyId);
    const proof = known && this.nonceC ? Buffer.from(agentProof(known.key, this.nonceC, this.nonceA, this.instanceId)).toString('base64') : undefined;
    this.send({
      v: v as 1,
      kind: 'welcome',
      agentVersion: this.deps.version,
      instanceId: this.instanceId,
      nonce: Buffer.from(this.nonceA).toString('base64'),
      paired: known !== undefined,
      ...(proof !== undefined && { proof }),
      pairingOpen: this.deps.pairings.currentCode() !== undefined,
      features: METHOD_NAMES,
    });
  }

  private onAuth(proofB64: string): void {
    if (this.state === 'authenticated') return this.send(failure(undefined, new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'already authenticated' })));
    if (this.state === 'new' || !this.nonceC || !this.nonceA) return this.send(failure(undefined, new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'auth needs a hello with a nonce first' })));
    const known = this.helloKeyId === undefined ? undefined : this.deps.pairings.keyOf(this.helloKeyId);
    if (!known) return this.send(failure(undefined, new SealError('ERR_AGENT_NOT_PAIRED')));
    const expected = extensionProof(known.key, this.nonceA, this.nonceC, this.transport.originHeader);
    if (!macEquals(expected, new Uint8Array(Buffer.from(proofB64, 'base64'))) || known.pairing.origin !== this.transport.originHeader) {
      this.authFailures++;
      void this.deps.audit.append({ origin: `extension:${this.transport.originHeader}`, method: 'auth', result: 'denied', errorCode: 'ERR_AGENT_AUTH_FAILED', extra: { keyId: known.pairing.keyId } }).catch(() => undefined);
      this.send(failure(undefined, new SealError('ERR_AGENT_AUTH_FAILED')));
      if (this.authFailures >= MAX_AUTH_FAILURES) this.transport.close(1008, 'ERR_AGENT_AUTH_FAILED');
      return;
    }
    this.keyId = known.pairing.keyId;
    this.state = 'authenticated';
    this.send({ v: 1, kind: 'evt', event: 'authenticated', data: { keyId: this.keyId } });
  }

  private async onPair(frame: RequestFrame): Promise<void> {
    const fail = (code: 'ERR_AGENT_NOT_PAIRED' | 'ERR_AGENT_AUTH_FAILED' | 'ERR_PROTOCOL_MALFORMED', details: Record<string, string | number> = {}): void => this.send(failure(frame.id, new SealError(code, details)));
    if (this.state !== 'hello' || !this.nonceC || !this.nonceA) return fail('ERR_PROTOCOL_MALFORMED', { reason: 'pair needs a hello with a nonce first' });
    const code = this.deps.pairings.currentCode();
    if (!code) return fail('ERR_AGENT_NOT_PAIRED', { reason: 'no pairing code is open: run eseal pair' });
    const keys = derivePairingKeys(code.code, this.nonceC, this.nonceA, this.transport.originHeader, this.instanceId);
    const expected = pairingProof(keys, this.nonceA, this.nonceC);
    const audit = (result: string, extra: Record<string, string | number>): Promise<unknown> => this.deps.audit.append({ origin: `extension:${this.transport.originHeader}`, method: 'pairing', result, requestId: frame.id, extra });
    if (!macEquals(expected, new Uint8Array(Buffer.from(String(frame.params['proof']), 'base64')))) {
      const attemptsLeft = this.deps.pairings.failAttempt();
      await audit('denied', { attemptsLeft }).catch(() => undefined);
      return fail('ERR_AGENT_AUTH_FAILED', { reason: attemptsLeft > 0 ? 'wrong pairing code' : 'wrong pairing code; the code is used up, run eseal pair again', attemptsLeft });
    }
    const label = typeof frame.params['label'] === 'string' ? frame.params['label'] : this.transport.originHeader;
    const minted = this.deps.pairings.add(this.transport.originHeader, label);
    this.deps.pairings.closeCode();
    try {
      await audit('ok', { keyId: minted.keyId });
    } catch (error) {
      this.deps.pairings.revoke(minted.keyId);
      return this.send(failure(frame.id, error));
    }
    const iv = new Uint8Array(randomBytes(12));
    const sealed = sealPairedKey(keys, iv, minted.key, minted.keyId, this.instanceId);
    minted.key.fill(0);
    this.keyId = minted.keyId;
    this.state = 'authenticated';
    this.send({ v: 1, kind: 'res', id: frame.id, ok: true, result: { keyId: minted.keyId, iv: Buffer.from(iv).toString('base64'), sealedKey: Buffer.from(sealed).toString('base64'), instanceId: this.instanceId } });
  }
}

function readableId(text: string): string | undefined {
  if (text.length > 1 << 20) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const id = (value as Record<string, unknown>)['id'];
      if (typeof id === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(id)) return id;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

