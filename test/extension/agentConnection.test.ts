// SPDX-License-Identifier: Apache-2.0
// The extension's AgentConnection against the REAL built agent process (`eseal agent --dev`), with
// `ws` injected as the WebSocket implementation (extension code never imports ws): pairing with
// the code the agent prints, authentication, status round trips, a squatting fake agent detected
// as ERR_AGENT_IMPOSTOR (and sent nothing), reconnect with backoff after the agent restarts,
// keepalive, frame size cap.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { AgentConnection, type AgentConnectionOptions, type PairingCredentials, type WebSocketLike } from '../../extension/background/transport/AgentConnection.js';
import type { SealError } from '../../shared/errors/index.js';
import { agentProof, MAX_FRAME_BYTES } from '../../shared/protocol/index.js';
import { EXT_ORIGIN, freePort, PORTAL, startAgent, type StartedAgent } from '../agent/integration/harness.js';

const wsFactory = (origin = EXT_ORIGIN) => (url: string) => new WebSocket(url, { origin }) as unknown as WebSocketLike;

function connection(port: number, credentials: () => PairingCredentials | undefined, extra: Partial<AgentConnectionOptions> = {}): AgentConnection {
  return new AgentConnection({ port, origin: EXT_ORIGIN, createSocket: wsFactory(), loadCredentials: credentials, extensionVersion: '0.1.0-test', browser: 'vitest', handshakeTimeoutMs: 3000, backoffInitialMs: 100, backoffMaxMs: 400, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<SealError> {
  try {
    await p;
  } catch (error) {
    return error as SealError;
  }
  throw new Error('expected a rejection');
}

async function until(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('AgentConnection ↔ real agent', () => {
  let agent: StartedAgent;
  /** The port the agent listens on (kept across restarts; the harness's `port` is its first choice). */
  let agentPort = 0;
  let credentials: PairingCredentials | undefined;

  /** Stops the agent and starts it again on the same port with the same state (pairings). */
  async function restartAgent(): Promise<void> {
    const { stateDir } = agent;
    await agent.stop();
    agent = await startAgent({ stateDir, args: ['--port', String(agentPort)] });
  }

  beforeAll(async () => {
    agent = await startAgent();
    agentPort = agent.port;
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('without a pairing: ERR_AGENT_NOT_PAIRED before anything is sent', async () => {
    const conn = connection(agentPort, () => undefined);
    expect((await rejection(conn.request('status', {}))).code).toBe('ERR_AGENT_NOT_PAIRED');
  });

  it('a wrong pairing code is ERR_AGENT_AUTH_FAILED with attempts left', async () => {
    const code = agent.printedCode();
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const e = await rejection(connection(agentPort, () => undefined).pair(wrong, 'vitest'));
    expect(e.code).toBe('ERR_AGENT_AUTH_FAILED');
    expect(e.details['attemptsLeft']).toBe(4);
  });

  it('pairs with the code the agent printed, then answers status on the same socket', async () => {
    const code = agent.printedCode();
    expect(code).toMatch(/^\d{8}$/);
    const conn = connection(agentPort, () => credentials);
    const paired = await conn.pair(code, 'vitest');
    expect(paired.keyId).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(paired.key).toHaveLength(32);
    credentials = { keyId: paired.keyId, key: paired.key, instanceId: paired.instanceId };
    expect(conn.state).toBe('ready');
    const status = (await conn.request('status', {})) as { agentVersion: string; development: boolean };
    expect(status.development).toBe(true);
    expect(conn.agent.instanceId).toBe(paired.instanceId);
    conn.close();
  });

  it('authenticates a fresh connection with the stored key; portal status with ctx.origin; policy denial is coded', async () => {
    const conn = connection(agentPort, () => credentials);
    const status = (await conn.request('status', {}, { ctx: { origin: PORTAL } })) as { agentVersion: string };
    expect(typeof status.agentVersion).toBe('string');
    expect(conn.agent.agentVersion).toBe(status.agentVersion);
    const denied = await rejection(conn.request('status', {}, { ctx: { origin: 'https://evil.example.com' } }));
    expect(denied.code).toBe('ERR_POLICY_DENIED');
    expect(denied.details['reason']).toBe('origin-not-listed');
    // Request ids are unique; many in parallel are routed to their own callers.
    const many = await Promise.all(Array.from({ length: 10 }, () => conn.request('status', {})));
    expect(many).toHaveLength(10);
    conn.close();
  });

  it('a key the agent does not know is ERR_AGENT_NOT_PAIRED; a wrong key for a known keyId is ERR_AGENT_IMPOSTOR', async () => {
    const unknown = connection(agentPort, () => ({ keyId: 'no-such-key', key: new Uint8Array(32) }));
    expect((await rejection(unknown.request('status', {}))).code).toBe('ERR_AGENT_NOT_PAIRED');
    // The real agent's proof does not verify under a different K: from the extension's view
    // that peer cannot prove it holds our key.
    const wrongKey = connection(agentPort, () => ({ keyId: credentials?.keyId ?? '', key: new Uint8Array(randomBytes(32)) }));
    expect((await rejection(wrongKey.request('status', {}))).code).toBe('ERR_AGENT_IMPOSTOR');
  });

  it('refuses a frame above the cap before sending it', async () => {
    const conn = connection(agentPort, () => credentials);
    const e = await rejection(conn.request('verify', { document: 'A'.repeat(MAX_FRAME_BYTES) }));
    expect(e.code).toBe('ERR_PROTOCOL_TOO_LARGE');
    expect(conn.state).toBe('idle');
  });

  it('keeps alive while watching and closes when idle', async () => {
    const conn = connection(agentPort, () => credentials, { keepaliveMs: 150, idleCloseMs: 300 });
    conn.setWatch(true);
    await until(() => conn.keepalivesAnswered >= 2);
    expect(conn.state).toBe('ready');
    conn.setWatch(false);
    await until(() => conn.state === 'idle', 3000);
  });

  it('reconnects with backoff after the agent restarts (same state dir and port)', async () => {
    const states: string[] = [];
    const conn = connection(agentPort, () => credentials, { onStateChange: (s) => states.push(s) });
    conn.setWatch(true);
    await until(() => conn.state === 'ready');
    await agent.stop();
    await until(() => conn.state !== 'ready');
    await restartAgent();
    await until(() => conn.state === 'ready', 20_000);
    expect(states.filter((s) => s === 'ready').length).toBeGreaterThanOrEqual(2);
    await expect(conn.request('status', {})).resolves.toMatchObject({ development: true });
    conn.close();
  });

  it('a request pending across an agent restart is re-sent with the same id (consent asked again), then cancelled', async () => {
    const conn = connection(agentPort, () => credentials);
    const { seals } = (await conn.request('seals.list', {}, { ctx: { origin: PORTAL } })) as { seals: { id: string }[] };
    expect(seals.length).toBeGreaterThan(0);
    const stages: string[] = [];
    const signing = conn.request('seal.sign', { sealId: seals[0]?.id ?? '', item: { digest: { alg: 'SM3', value: Buffer.alloc(32, 7).toString('base64') }, propertyInfo: '/vouchers/resend', display: { title: '重发测试' } } }, { id: 'resend-1', ctx: { origin: PORTAL }, onProgress: (stage) => stages.push(stage) });
    const outcome = rejection(signing);
    await until(() => stages.includes('awaiting_consent'));
    await restartAgent();
    await until(() => stages.filter((s) => s === 'awaiting_consent').length === 2, 20_000);
    conn.cancel('resend-1');
    expect((await outcome).code).toBe('ERR_USER_CANCELLED');
    conn.close();
  });

  it('an agent that is not running is ERR_AGENT_UNAVAILABLE, quickly', async () => {
    const port = await freePort();
    const started = Date.now();
    expect((await rejection(connection(port, () => credentials).request('status', {}))).code).toBe('ERR_AGENT_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('AgentConnection ↔ a squatting fake agent', () => {
  let server: WebSocketServer;
  let port: number;
  const received: string[] = [];
  let mode: 'bad-proof' | 'fake-pairing' = 'bad-proof';

  beforeAll(async () => {
    port = await freePort();
    server = new WebSocketServer({ host: '127.0.0.1', port });
    server.on('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        received.push(text);
        const frame = JSON.parse(text) as Record<string, unknown>;
        if (frame['kind'] === 'hello') {
          ws.send(JSON.stringify({ v: 1, kind: 'welcome', agentVersion: '9.9.9', instanceId: 'squatter', nonce: randomBytes(32).toString('base64'), paired: mode === 'bad-proof', ...(mode === 'bad-proof' && { proof: randomBytes(32).toString('base64') }), pairingOpen: true, features: [] }));
        } else if (frame['kind'] === 'req' && frame['method'] === 'pair') {
          // Without the code it cannot seal a key that opens.
          ws.send(JSON.stringify({ v: 1, kind: 'res', id: frame['id'], ok: true, result: { keyId: 'k1', iv: randomBytes(12).toString('base64'), sealedKey: randomBytes(48).toString('base64'), instanceId: 'squatter' } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a wrong welcome proof is ERR_AGENT_IMPOSTOR and the squatter receives nothing after hello', async () => {
    mode = 'bad-proof';
    received.length = 0;
    const conn = connection(port, () => ({ keyId: 'k1', key: new Uint8Array(randomBytes(32)) }));
    const e = await rejection(conn.request('seal.sign', { sealId: 's1', item: { digest: { alg: 'SM3', value: Buffer.alloc(32).toString('base64') }, propertyInfo: '/secret/doc', display: { title: '机密文件' } } }, { ctx: { origin: PORTAL } }));
    expect(e.code).toBe('ERR_AGENT_IMPOSTOR');
    expect(e.messageZh).toContain('不是可信的 ESeal 签章服务');
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0] ?? '{}')).toMatchObject({ kind: 'hello' });
    expect(received.join('')).not.toContain('机密文件');
    expect(conn.lastError?.code).toBe('ERR_AGENT_IMPOSTOR');
    expect(conn.state).toBe('idle');
  });

  it('pairing with a squatter fails: its sealed key does not open → ERR_AGENT_IMPOSTOR', async () => {
    mode = 'fake-pairing';
    const e = await rejection(connection(port, () => undefined).pair('12345678', 'vitest'));
    expect(e.code).toBe('ERR_AGENT_IMPOSTOR');
  });
});

describe('AgentConnection ↔ an agent that authenticates and then goes silent', () => {
  const key = new Uint8Array(randomBytes(32));
  let server: WebSocketServer;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    port = await freePort();
    server = new WebSocketServer({ host: '127.0.0.1', port });
    server.on('connection', (ws) => {
      connections++;
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        if (frame['kind'] === 'hello') {
          const nonceA = new Uint8Array(randomBytes(32));
          const nonceC = new Uint8Array(Buffer.from(String(frame['nonce']), 'base64'));
          ws.send(JSON.stringify({ v: 1, kind: 'welcome', agentVersion: 'silent', instanceId: 'i-silent', nonce: Buffer.from(nonceA).toString('base64'), paired: true, proof: Buffer.from(agentProof(key, nonceC, nonceA, 'i-silent')).toString('base64'), pairingOpen: false, features: [] }));
        } else if (frame['kind'] === 'auth') {
          ws.send(JSON.stringify({ v: 1, kind: 'evt', event: 'authenticated', data: { keyId: 'k1' } }));
        }
        // Requests (and keepalives) are never answered.
      });
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  });
  afterAll(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a request that gets no answer ends with ERR_TIMEOUT; an unanswered keepalive drops the socket and reconnects', async () => {
    const conn = connection(port, () => ({ keyId: 'k1', key }), { keepaliveMs: 200 });
    const e = await rejection(conn.request('status', {}, { timeoutMs: 700 }));
    expect(e.code).toBe('ERR_TIMEOUT');
    expect(conn.agent.agentVersion).toBe('silent');
    const before = connections;
    conn.setWatch(true);
    // keepalive at 200 ms, unanswered by 400 ms → socket closed → reconnect with backoff.
    await until(() => connections > before, 5000);
    expect(conn.keepalivesAnswered).toBe(0);
    conn.close();
  });
});
