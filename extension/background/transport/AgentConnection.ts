// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The only owner of the agent WebSocket (ARCHITECTURE decision 1). It speaks docs/protocol.md:
 *
 *   idle ──connect──▶ connecting ──open──▶ authenticating ──welcome ok, auth ok──▶ ready
 *     ▲                  │ error                 │ bad proof / not paired               │ close
 *     └──────────────────┴───────────────────────┴──────────(backoff, while work)◀──────┘
 *
 * - `hello` → `welcome`: the agent's proof is checked FIRST (shared/protocol `verifyWelcome`);
 *   a wrong proof is ERR_AGENT_IMPOSTOR and nothing more is sent on that socket (a program
 *   squatting on the port gets no request and no document). Then `auth` with our proof.
 * - `pair(code)`: first pairing with the one-time code (HKDF-SM3 keys, `pair` request, SM4-GCM
 *   sealed key; a key that does not open is ERR_AGENT_IMPOSTOR). The caller stores the key.
 * - requests get unique ids; `progress` frames go to the request's `onProgress`, `res` settles
 *   it, `evt` goes to `onEvent`. Each request has a timer (ERR_TIMEOUT, or ERR_AGENT_UNAVAILABLE
 *   when the agent is gone).
 * - while requests are pending (or a watch is on) a keepalive runs every 20 s: a `cancel` of a
 *   request id that does not exist — answered at once, not audited, and it keeps an MV3 service
 *   worker alive (WebSocket activity resets its idle timer, Chrome ≥ 116). No answer → the socket
 *   is treated as dead.
 * - when the socket drops with work pending it reconnects with exponential backoff and re-sends
 *   the pending requests with the SAME ids: the agent answers a repeated id of the same pairing
 *   from its result cache (or joins the running request), so nothing runs twice while the agent
 *   lives; after an agent restart the request runs again (and asks the user again).
 * - outgoing frames above MAX_FRAME_BYTES are refused before sending (ERR_PROTOCOL_TOO_LARGE);
 *   an incoming frame above it closes the socket.
 * - idle (nothing pending, no watch) for `idleCloseMs` → the socket is closed.
 *
 * `ws` is NOT imported here: the browser's WebSocket is the default; tests inject `ws` through
 * `createSocket` (dependency injection).
 */
import { deserializeError, SealError } from '../../../shared/errors/index.js';
import { base64Decode, base64Encode, randomBytes } from '../../../shared/crypto/index.js';
import {
  derivePairingKeys,
  extensionProof,
  MAX_FRAME_BYTES,
  openPairedKey,
  pairingProof,
  PROTOCOL_VERSIONS,
  verifyWelcome,
  type ProgressStage,
  type RequestContext,
} from '../../../shared/protocol/index.js';

/** The part of the WebSocket API used here (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: never) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface PairingCredentials {
  readonly keyId: string;
  /** The 256-bit pairing key K. Never leaves the background. */
  readonly key: Uint8Array;
  readonly instanceId?: string;
}

export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'ready';

export interface AgentConnectionOptions {
  readonly port: number;
  /** Our own origin as the agent sees it in the upgrade's Origin header (chrome-extension://id). */
  readonly origin: string;
  readonly createSocket?: WebSocketFactory;
  /** Where the pairing key comes from (storage.local in the extension). */
  readonly loadCredentials: () => Promise<PairingCredentials | undefined> | PairingCredentials | undefined;
  readonly extensionVersion?: string;
  readonly browser?: string;
  readonly handshakeTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepaliveMs?: number;
  readonly idleCloseMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly onEvent?: (event: string, data: unknown) => void;
  readonly onStateChange?: (state: ConnectionState, error?: SealError) => void;
}

export interface RequestOptions {
  readonly id?: string;
  readonly ctx?: RequestContext;
  readonly deadlineMs?: number;
  /** Local reply timer (default: deadlineMs + 5 s, or requestTimeoutMs). */
  readonly timeoutMs?: number;
  readonly onProgress?: (stage: ProgressStage, data: Readonly<Record<string, unknown>> | undefined) => void;
}

export interface AgentInfo {
  readonly agentVersion?: string;
  readonly instanceId?: string;
  readonly features?: readonly string[];
}

type Frame = Record<string, unknown>;

interface Pending {
  readonly id: string;
  readonly text: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: SealError) => void;
  readonly onProgress: RequestOptions['onProgress'];
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Socket generation it was last sent on. */
  sentOn: number;
}

const OPEN = 1;

/** One socket with a frame queue used during the handshake. */
class Channel {
  private readonly queue: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: SealError) => void } | undefined;
  closed = false;
  route: ((f: Frame) => void) | undefined;
  onClosed: (() => void) | undefined;

  constructor(readonly ws: WebSocketLike) {}

  /** Opens the socket; ERR_AGENT_UNAVAILABLE when nothing listens or it does not open in time. */
  open(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close(1000, 'open timeout');
        reject(new SealError('ERR_AGENT_UNAVAILABLE'));
      }, timeoutMs);
      this.ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      this.ws.onerror = () => undefined;
      this.ws.onclose = () => {
        clearTimeout(timer);
        this.markClosed();
        reject(new SealError('ERR_AGENT_UNAVAILABLE'));
      };
      this.ws.onmessage = (event) => this.receive(event.data);
    }).then(() => {
      this.ws.onclose = () => this.markClosed();
    });
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    if (typeof data !== 'string') return; // the agent sends text frames only
    if (data.length > MAX_FRAME_BYTES) {
      this.close(1009, 'frame too large');
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return;
    if (this.route) return this.route(frame as Frame);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(frame as Frame);
    } else if (this.queue.length < 16) this.queue.push(frame as Frame);
  }

  next(timeoutMs: number): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new SealError('ERR_AGENT_UNAVAILABLE'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new SealError('ERR_TIMEOUT'));
      }, timeoutMs);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  send(text: string): void {
    if (this.closed || this.ws.readyState !== OPEN) throw new SealError('ERR_AGENT_UNAVAILABLE');
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closing
    }
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.reject(new SealError('ERR_AGENT_UNAVAILABLE'));
    this.waiter = undefined;
    this.onClosed?.();
  }
}

function b64(bytes: Uint8Array): string {
  return base64Encode(bytes);
}

export class AgentConnection {
  private channel: Channel | undefined;
  private generation = 0;
  private connecting: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  /** Keepalive ids in flight with their dead-socket timers. */
  private readonly pings = new Map<string, ReturnType<typeof setTimeout>>();
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
  private watching = false;
  private seq = 0;
  private closedByUser = false;
  private currentState: ConnectionState = 'idle';
  private info: AgentInfo = {};
  /** The last error seen (for diagnostics; never contains a secret). */
  lastError: SealError | undefined;

  private readonly createSocket: WebSocketFactory;
  private readonly handshakeTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly keepaliveMs: number;
  private readonly idleCloseMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly options: AgentConnectionOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.keepaliveMs = options.keepaliveMs ?? 20_000;
    this.idleCloseMs = options.idleCloseMs ?? 30_000;
    this.backoffInitialMs = options.backoffInitialMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** What the last authenticated welcome said (nothing before authentication). */
  get agent(): AgentInfo {
    return this.info;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.options.port}`;
  }

  private setState(state: ConnectionState, error?: SealError): void {
    if (error) this.lastError = error;
    if (state === this.currentState && !error) return;
    this.currentState = state;
    this.options.onStateChange?.(state, error);
  }

  /** Connects and authenticates (single flight). Rejects with a coded SealError. */
  connect(): Promise<void> {
    this.closedByUser = false;
    if (this.currentState === 'ready' && this.channel && !this.channel.closed) return Promise.resolve();
    if (!this.connecting) {
      this.connecting = this.openAndAuthenticate().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async openChannel(): Promise<Channel> {
    this.setState('connecting');
    let ws: WebSocketLike;
    try {
      ws = this.createSocket(this.url);
    } catch {
      throw new SealError('ERR_AGENT_UNAVAILABLE');
    }
    const channel = new Channel(ws);
    await channel.open(this.handshakeTimeoutMs);
    this.setState('authenticating');
    return channel;
  }

  private async hello(channel: Channel, nonceC: Uint8Array, keyId?: string): Promise<Frame> {
    channel.send(
      JSON.stringify({
        v: 1,
        kind: 'hello',
        versions: PROTOCOL_VERSIONS,
        nonce: b64(nonceC),
        ...(keyId !== undefined && { keyId }),
        ...(this.options.extensionVersion !== undefined && { extensionVersion: this.options.extensionVersion.slice(0, 32) }),
        ...(this.options.browser !== undefined && { browser: this.options.browser.slice(0, 64) }),
      }),
    );
    const welcome = await channel.next(this.handshakeTimeoutMs);
    if (welcome['kind'] !== 'welcome') throw new SealError('ERR_AGENT_IMPOSTOR');
    if (welcome['error'] !== undefined) throw deserializeError(welcome['error']);
    return welcome;
  }

  private async openAndAuthenticate(): Promise<void> {
    let channel: Channel | undefined;
    try {
      const credentials = await this.options.loadCredentials();
      if (!credentials) throw new SealError('ERR_AGENT_NOT_PAIRED');
      channel = await this.openChannel();
      const nonceC = randomBytes(32);
      const welcome = await this.hello(channel, nonceC, credentials.keyId);
      // The agent proves itself first; a squatter without K fails here and gets nothing more.
      const { nonceA, instanceId } = verifyWelcome(welcome, credentials.key, nonceC);
      channel.send(JSON.stringify({ v: 1, kind: 'auth', proof: b64(extensionProof(credentials.key, nonceA, nonceC, this.options.origin)) }));
      const reply = await channel.next(this.handshakeTimeoutMs);
      if (reply['kind'] !== 'evt' || reply['event'] !== 'authenticated') {
        throw reply['kind'] === 'res' && reply['error'] !== undefined ? deserializeError(reply['error']) : new SealError('ERR_AGENT_AUTH_FAILED');
      }
      this.adopt(channel, { agentVersion: typeof welcome['agentVersion'] === 'string' ? welcome['agentVersion'] : undefined, instanceId, features: Array.isArray(welcome['features']) ? (welcome['features'] as string[]) : [] });
    } catch (error) {
      const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
      channel?.close(1000, e.code);
      if (this.channel === undefined || this.channel.closed) this.setState('idle', e);
      else this.lastError = e;
      throw e;
    }
  }

  /** Makes an authenticated channel the current one and re-sends what is pending. */
  private adopt(channel: Channel, info: AgentInfo): void {
    if (this.channel && this.channel !== channel) this.channel.close(1000, 'replaced');
    this.channel = channel;
    const generation = ++this.generation;
    this.info = info;
    this.reconnectAttempts = 0;
    channel.route = (f) => this.route(f);
    channel.onClosed = () => this.onChannelClosed(channel);
    this.setState('ready');
    for (const p of this.pending.values()) {
      if (p.sentOn === generation) continue;
      p.sentOn = generation;
      try {
        channel.send(p.text);
      } catch {
        // the close handler reconnects
      }
    }
    this.updateTimers();
  }

  /**
   * First pairing with the one-time code the agent shows (`eseal pair`). On success this socket
   * is authenticated and becomes the current one; the caller stores the returned key.
   */
  async pair(code: string, label?: string): Promise<PairingCredentials & { readonly instanceId: string; readonly agentVersion?: string }> {
    if (typeof code !== 'string' || !/^\d{8}$/.test(code)) throw new SealError('ERR_INPUT_INVALID', { name: 'code', reason: '8 digits' });
    if (this.connecting) await this.connecting.catch(() => undefined);
    let channel: Channel | undefined;
    try {
      channel = await this.openChannel();
      const nonceC = randomBytes(32);
      const welcome = await this.hello(channel, nonceC);
      const instanceId = welcome['instanceId'];
      let nonceA: Uint8Array;
      try {
        nonceA = base64Decode(String(welcome['nonce']));
      } catch {
        throw new SealError('ERR_AGENT_IMPOSTOR');
      }
      if (typeof instanceId !== 'string' || nonceA.length !== 32) throw new SealError('ERR_AGENT_IMPOSTOR');
      const keys = derivePairingKeys(code, nonceC, nonceA, this.options.origin, instanceId);
      const id = this.nextId('pair');
      channel.send(JSON.stringify({ v: 1, kind: 'req', id, method: 'pair', params: { proof: b64(pairingProof(keys, nonceA, nonceC)), ...(label !== undefined && { label: label.slice(0, 64) }) } }));
      const res = await channel.next(this.handshakeTimeoutMs);
      if (res['kind'] !== 'res' || res['id'] !== id) throw new SealError('ERR_AGENT_IMPOSTOR');
      if (res['ok'] !== true) throw deserializeError(res['error']);
      const r = (res['result'] ?? {}) as Record<string, unknown>;
      if (typeof r['keyId'] !== 'string' || typeof r['iv'] !== 'string' || typeof r['sealedKey'] !== 'string' || r['instanceId'] !== instanceId) throw new SealError('ERR_AGENT_IMPOSTOR');
      let iv: Uint8Array;
      let sealed: Uint8Array;
      try {
        iv = base64Decode(r['iv']);
        sealed = base64Decode(r['sealedKey']);
      } catch {
        throw new SealError('ERR_AGENT_IMPOSTOR');
      }
      // Opens only if the agent derived the same key from the same code: proves the agent too.
      const key = openPairedKey(keys, iv, sealed, r['keyId'], instanceId);
      keys.macKey.fill(0);
      keys.encKey.fill(0);
      const agentVersion = typeof welcome['agentVersion'] === 'string' ? welcome['agentVersion'] : undefined;
      this.adopt(channel, { agentVersion, instanceId, features: Array.isArray(welcome['features']) ? (welcome['features'] as string[]) : [] });
      return { keyId: r['keyId'], key, instanceId, ...(agentVersion !== undefined && { agentVersion }) };
    } catch (error) {
      const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
      channel?.close(1000, e.code);
      this.lastError = e;
      if (!this.channel || this.channel.closed) this.setState('idle', e);
      throw e;
    }
  }

  private nextId(prefix: string): string {
    let hex = '';
    for (const b of randomBytes(6)) hex += b.toString(16).padStart(2, '0');
    return `${prefix}-${++this.seq}-${hex}`;
  }

  /** Sends one request and resolves with its result; rejects with a coded SealError. */
  async request(method: string, params: Readonly<Record<string, unknown>>, o: RequestOptions = {}): Promise<unknown> {
    const id = o.id ?? this.nextId('x');
    if (this.pending.has(id)) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'request id in use' });
    const text = JSON.stringify({ v: 1, kind: 'req', id, method, params, ...(o.ctx !== undefined && { ctx: o.ctx }), ...(o.deadlineMs !== undefined && { deadlineMs: o.deadlineMs }) });
    // UTF-8 is at most 3 bytes per UTF-16 unit; measure exactly only near the cap.
    if (text.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(text).length > MAX_FRAME_BYTES) throw new SealError('ERR_PROTOCOL_TOO_LARGE', { limit: MAX_FRAME_BYTES });
    await this.connect();
    const timeoutMs = o.timeoutMs ?? (o.deadlineMs !== undefined ? o.deadlineMs + 5000 : this.requestTimeoutMs);
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = { id, text, resolve, reject, onProgress: o.onProgress, timer: undefined, sentOn: this.generation };
      p.timer = setTimeout(() => this.settle(id, undefined, new SealError(this.currentState === 'ready' ? 'ERR_TIMEOUT' : 'ERR_AGENT_UNAVAILABLE')), timeoutMs);
      this.pending.set(id, p);
      this.updateTimers();
      try {
        this.channel?.send(text);
      } catch {
        // the socket closed between connect() and here; the close handler reconnects and re-sends
        p.sentOn = -1;
        this.scheduleReconnect();
      }
    });
  }

  /** Asks the agent to cancel a running request (it then ends with ERR_USER_CANCELLED). */
  cancel(requestId: string): void {
    if (this.currentState !== 'ready') return;
    try {
      this.channel?.send(JSON.stringify({ v: 1, kind: 'req', id: this.nextId('cancel'), method: 'cancel', params: { requestId } }));
    } catch {
      // gone: nothing to cancel
    }
  }

  /** Keeps the connection (and keepalive) up for event subscribers, even with nothing pending. */
  setWatch(active: boolean): void {
    this.watching = active;
    if (active) this.connect().catch(() => this.scheduleReconnect());
    this.updateTimers();
  }

  /** Closes the socket and forgets pending work (each pending request rejects). */
  close(): void {
    this.closedByUser = true;
    this.watching = false;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, new SealError('ERR_AGENT_UNAVAILABLE'));
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const channel = this.channel;
    this.channel = undefined;
    channel?.close(1000, 'closed');
    this.updateTimers();
    this.setState('idle');
  }

  private route(frame: Frame): void {
    const kind = frame['kind'];
    const id = typeof frame['id'] === 'string' ? frame['id'] : undefined;
    if (kind === 'res') {
      const ping = id === undefined ? undefined : this.pings.get(id);
      if (id !== undefined && ping !== undefined) {
        clearTimeout(ping);
        this.pings.delete(id);
        this.keepalivesAnswered++;
        return;
      }
      if (id === undefined) {
        this.lastError = deserializeError(frame['error']);
        return;
      }
      if (frame['ok'] === true) this.settle(id, frame['result']);
      else this.settle(id, undefined, deserializeError(frame['error']));
      return;
    }
    if (kind === 'progress' && id !== undefined) {
      const p = this.pending.get(id);
      try {
        p?.onProgress?.(frame['stage'] as ProgressStage, (frame['data'] ?? undefined) as Record<string, unknown> | undefined);
      } catch {
        // a listener's bug must not break the transport
      }
      return;
    }
    if (kind === 'evt' && typeof frame['event'] === 'string' && frame['event'] !== 'authenticated') {
      try {
        this.options.onEvent?.(frame['event'], frame['data']);
      } catch {
        // idem
      }
    }
  }

  private settle(id: string, result: unknown, error?: SealError): void {
    const p = this.pending.get(id);
    if (!p) return; // keepalive answers and late replies
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(result);
    this.updateTimers();
  }

  private onChannelClosed(channel: Channel): void {
    if (channel !== this.channel) return;
    this.channel = undefined;
    this.setState('idle');
    this.updateTimers();
    if (!this.closedByUser && (this.pending.size > 0 || this.watching)) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closedByUser) return;
    const delay = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.min(this.reconnectAttempts, 16));
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.pending.size === 0 && !this.watching) return;
      this.connect().catch((error: unknown) => {
        const e = error instanceof SealError ? error : new SealError('ERR_AGENT_UNAVAILABLE');
        if (e.code === 'ERR_AGENT_UNAVAILABLE' || e.code === 'ERR_TIMEOUT') {
          this.scheduleReconnect();
          return;
        }
        // Not paired any more, or an impostor on the port: retrying cannot help.
        for (const id of [...this.pending.keys()]) this.settle(id, undefined, e);
      });
    }, delay);
  }

  /** Starts/stops the keepalive and the idle close according to the work at hand. */
  private updateTimers(): void {
    const busy = this.pending.size > 0 || this.watching;
    const ready = this.currentState === 'ready' && this.channel !== undefined;
    if (busy && ready && !this.keepaliveTimer) {
      this.keepaliveTimer = setInterval(() => this.keepalive(), this.keepaliveMs);
    } else if ((!busy || !ready) && this.keepaliveTimer) {
      clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = undefined;
    }
    if (busy || !ready) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    } else if (!this.idleTimer) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.pending.size === 0 && !this.watching) {
          const channel = this.channel;
          this.channel = undefined;
          channel?.close(1000, 'idle');
          this.setState('idle');
        }
      }, this.idleCloseMs);
    }
  }

  /** A no-op `cancel` the agent answers at once; no answer within the interval → socket dead. */
  private keepalive(): void {
    const channel = this.channel;
    if (!channel) return;
    const id = this.nextId('ka');
    this.pings.set(
      id,
      setTimeout(() => {
        this.pings.delete(id);
        if (this.channel === channel) channel.close(4000, 'keepalive timeout');
      }, this.keepaliveMs),
    );
    try {
      channel.send(JSON.stringify({ v: 1, kind: 'req', id, method: 'cancel', params: { requestId: 'keepalive' } }));
    } catch {
      clearTimeout(this.pings.get(id));
      this.pings.delete(id);
    }
  }

  /** Keepalive round trips answered so far (tests and diagnostics). */
  keepalivesAnswered = 0;
}
