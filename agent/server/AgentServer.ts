// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The agent's WebSocket server on loopback: the only file that imports `ws`.
 *
 * Design rationale: the socket belongs to the extension, never to a web page (ARCHITECTURE
 * decision 1). It listens on 127.0.0.1 and [::1] only. Every check that can be made before the
 * upgrade is made in `verifyClient`: the Host header must name a loopback address with our port
 * (DNS-rebinding defence) and the Origin must be a configured extension origin (or the `eseal`
 * CLI's own origin, which no browser can send); a refusal is HTTP 403 with an `x-eseal-error`
 * header. `maxPayload` is MAX_FRAME_BYTES (8 MiB; ws's default 100 MiB is far too large): a larger
 * frame closes that connection with 1009. Plain HTTP gets 426 and nothing else. Socket errors are
 * contained per connection; the agent never crashes on one.
 *
 * The protocol itself (hello/auth/pair, requests) is in Session.ts and Dispatcher.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, type AgentFrame } from '../../shared/protocol/index.js';
import { SealError, serializeError } from '../../shared/errors/index.js';
import { Session, type SessionDeps } from './Session.js';

export interface AgentServerOptions {
  readonly port: number;
  /** Extension origins allowed to connect, e.g. `chrome-extension://<id>`. */
  readonly allowedOrigins: readonly string[];
  /** Listen on [::1] too (default true; skipped silently when the host has no IPv6 loopback). */
  readonly ipv6?: boolean;
  /**
   * Origins accepted besides `allowedOrigins`: Firefox gives every install a random
   * `moz-extension://<uuid>` origin that an administrator cannot list in advance, so such an origin
   * may connect while a pairing code is open, and afterwards once it holds a pairing.
   */
  readonly acceptOrigin?: (origin: string) => boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Host header must be a loopback name with our port; anything else may be a rebinding attack. */
export function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim());
  if (!match) return false;
  const host = (match[1] ?? '').toLowerCase();
  const hostPort = match[2] === undefined ? 80 : Number(match[2]);
  return LOOPBACK_HOSTS.has(host) && hostPort === port;
}

type VerifyDone = (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

export class AgentServer {
  private readonly servers: Server[] = [];
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly options: AgentServerOptions,
    private readonly deps: SessionDeps,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      verifyClient: (info: { origin: string; req: IncomingMessage }, done: VerifyDone) => {
        if (!isLoopbackHost(info.req.headers.host, this.options.port)) return done(false, 403, 'ERR_AGENT_HOST_REJECTED', { 'x-eseal-error': 'ERR_AGENT_HOST_REJECTED' });
        if (!this.options.allowedOrigins.includes(info.origin) && !(this.options.acceptOrigin?.(info.origin) ?? false)) return done(false, 403, 'ERR_AGENT_ORIGIN_REJECTED', { 'x-eseal-error': 'ERR_AGENT_ORIGIN_REJECTED' });
        done(true);
      },
    });
    this.wss.on('error', () => undefined);
  }

  get connections(): number {
    return this.sessions.size;
  }

  async listen(): Promise<void> {
    await this.listenOn('127.0.0.1');
    if (this.options.ipv6 !== false) {
      try {
        await this.listenOn('::1');
      } catch {
        // No IPv6 loopback on this host: 127.0.0.1 alone is fine.
      }
    }
  }

  private async listenOn(host: string): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ESeal agent: WebSocket only\n');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
    server.on('clientError', (_error, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve();
      });
    });
    this.servers.push(server);
  }

  /** Sends an event to every authenticated connection (token inserted/removed). */
  broadcast(frame: AgentFrame): void {
    for (const s of this.sessions) if (s.authenticated) s.send(frame);
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const session = new Session(
      {
        originHeader: req.headers.origin ?? '',
        send: (text) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(text, () => undefined);
        },
        close: (code, reason) => socket.close(code, reason),
      },
      this.deps,
    );
    this.sessions.add(session);
    // ws reports protocol violations (oversized frame, bad UTF-8, …) as 'error' and then closes with
    // the right code; without a listener Node would crash the whole agent.
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      this.sessions.delete(session);
      this.deps.dispatcher.disconnected(session);
    });
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (isBinary) return session.send({ v: 1, kind: 'res', ok: false, error: serializeError(new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'binary frame' })) });
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      try {
        session.onText(text);
      } catch (error) {
        session.send({ v: 1, kind: 'res', ok: false, error: serializeError(error) });
      }
    });
  }
}

/**
 * A minimal loopback client for the `eseal` command line (status, pairing checks): this file is the
 * only one allowed to import ws. Resolves once the socket is open.
 */
export interface LoopbackClient {
  send(frame: unknown): void;
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

export function openLoopbackClient(port: number, origin: string): Promise<LoopbackClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 5000 });
    const inbox: Record<string, unknown>[] = [];
    const waiters: ((m: Record<string, unknown>) => void)[] = [];
    ws.on('message', (data: Buffer) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = waiters.shift();
      if (w) w(m);
      else inbox.push(m);
    });
    ws.once('open', () =>
      resolve({
        send: (frame) => ws.send(JSON.stringify(frame)),
        next: (timeoutMs = 10_000) =>
          new Promise((res, rej) => {
            const m = inbox.shift();
            if (m) return res(m);
            const timer = setTimeout(() => rej(new SealError('ERR_TIMEOUT')), timeoutMs);
            waiters.push((x) => {
              clearTimeout(timer);
              res(x);
            });
          }),
        close: () => ws.close(),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new SealError(res.headers['x-eseal-error'] === 'ERR_AGENT_HOST_REJECTED' ? 'ERR_AGENT_HOST_REJECTED' : 'ERR_AGENT_ORIGIN_REJECTED', { origin, host: `127.0.0.1:${port}` })));
    ws.once('error', (error) => reject(new SealError('ERR_AGENT_UNAVAILABLE', {}, { cause: error })));
  });
}
