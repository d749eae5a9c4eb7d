// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The agent's WebSocket server on loopback (skeleton of issue 4).
 *
 * Design rationale: the socket belongs to the extension, never to a web page (ARCHITECTURE decision 1).
 * Every check that can be made before the upgrade is made in `verifyClient`: the Origin must be a
 * configured extension origin, and the Host header must name a loopback address (DNS-rebinding
 * defence). `maxPayload` is set explicitly; ws's default (100 MiB) is far too large.
 * Pairing, the per-method schemas and the token operations arrive with the agent issue.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, PROTOCOL_VERSIONS } from '../../shared/protocol/index.js';
import { SealError, serializeError } from '../../shared/errors/index.js';

export interface AgentServerOptions {
  readonly port: number;
  /** Extension origins allowed to connect, e.g. `chrome-extension://<id>`. */
  readonly allowedOrigins: readonly string[];
  readonly version: string;
  /** A short description of the token in use, reported by `status`. */
  readonly tokenDescription: string;
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

export class AgentServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  constructor(private readonly options: AgentServerOptions) {
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ESeal agent: WebSocket only\n');
    });
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: MAX_FRAME_BYTES,
      verifyClient: (info: { origin: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void) => {
        if (!isLoopbackHost(info.req.headers.host, this.options.port)) return done(false, 403, 'ERR_AGENT_HOST_REJECTED', { 'x-eseal-error': 'ERR_AGENT_HOST_REJECTED' });
        if (!this.options.allowedOrigins.includes(info.origin)) return done(false, 403, 'ERR_AGENT_ORIGIN_REJECTED', { 'x-eseal-error': 'ERR_AGENT_ORIGIN_REJECTED' });
        done(true);
      },
    });
    this.wss.on('connection', (socket) => this.onConnection(socket));
    this.wss.on('error', () => undefined); // errors of the listening socket surface through listen()
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, '127.0.0.1', () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    // ws reports protocol violations (oversized frame, bad UTF-8, …) as an 'error' event and then
    // closes with the right code; without a listener Node would crash the whole agent.
    socket.on('error', () => socket.terminate());
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (isBinary) return this.send(socket, { v: 1, kind: 'res', error: serializeError(new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'binary frame' })) });
      let message: unknown;
      try {
        message = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8'));
      } catch {
        return this.send(socket, { v: 1, kind: 'res', error: serializeError(new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'not JSON' })) });
      }
      this.handle(socket, message);
    });
  }

  private handle(socket: WebSocket, message: unknown): void {
    const m = (message ?? {}) as Record<string, unknown>;
    if (m['kind'] === 'hello') {
      const offered = Array.isArray(m['versions']) ? (m['versions'] as unknown[]) : [];
      const common = PROTOCOL_VERSIONS.filter((v) => offered.includes(v));
      if (common.length === 0) {
        return this.send(socket, { v: 1, kind: 'welcome', error: serializeError(new SealError('ERR_PROTOCOL_VERSION', { supported: PROTOCOL_VERSIONS.join(',') })) });
      }
      return this.send(socket, { v: Math.max(...common), kind: 'welcome', agentVersion: this.options.version });
    }
    const id = typeof m['id'] === 'string' ? m['id'].slice(0, 64) : undefined;
    if (m['kind'] === 'req' && m['method'] === 'status') {
      return this.send(socket, { v: 1, kind: 'res', id, result: { agentVersion: this.options.version, token: this.options.tokenDescription } });
    }
    const method = typeof m['method'] === 'string' ? m['method'].slice(0, 64) : String(m['kind']);
    this.send(socket, { v: 1, kind: 'res', id, error: serializeError(new SealError('ERR_PROTOCOL_UNKNOWN_METHOD', { method })) });
  }

  private send(socket: WebSocket, message: unknown): void {
    socket.send(JSON.stringify(message));
  }
}
