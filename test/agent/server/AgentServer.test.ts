// SPDX-License-Identifier: Apache-2.0
// Starts the real built agent on loopback and connects as an extension (and as attackers) would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isLoopbackHost } from '../../../agent/server/AgentServer.js';
import { builtAgentPath } from '../../support/builtArtifacts.js';

const ORIGIN = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let agent: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  agent = spawn(process.execPath, [builtAgentPath(), 'agent', '--dev', '--port', String(port), '--allow-origin', ORIGIN], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('agent did not start')), 15_000);
    agent.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ws://127.0.0.1')) {
        clearTimeout(timer);
        resolve();
      }
    });
    agent.once('exit', (code) => reject(new Error(`agent exited ${String(code)}`)));
  });
});

afterAll(() => {
  agent.kill('SIGTERM');
});

function connect(headers: { origin?: string; host?: string } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin: headers.origin ?? ORIGIN, headers: headers.host ? { host: headers.host } : {} });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${String(res.statusCode)} ${String(res.headers['x-eseal-error'])}`)));
    ws.once('error', reject);
  });
}

function request(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('agent server (real process on loopback)', () => {
  it('negotiates the protocol version and answers status', async () => {
    const ws = await connect();
    const welcome = await request(ws, { v: 1, kind: 'hello', versions: [1] });
    expect(welcome).toMatchObject({ kind: 'welcome', v: 1 });
    const status = await request(ws, { v: 1, kind: 'req', id: 'a1', method: 'status' });
    expect(status).toMatchObject({ kind: 'res', id: 'a1', result: { agentVersion: expect.any(String) as string } });
    ws.close();
  });

  it('refuses a web origin before the upgrade', async () => {
    await expect(connect({ origin: 'https://evil.example' })).rejects.toThrow(/HTTP 403.*ERR_AGENT_ORIGIN_REJECTED/);
  });

  it('refuses a non-loopback Host header (DNS rebinding) before the upgrade', async () => {
    await expect(connect({ host: `evil.example:${port}` })).rejects.toThrow(/HTTP 403.*ERR_AGENT_HOST_REJECTED/);
  });

  it('answers an unsupported version with ERR_PROTOCOL_VERSION', async () => {
    const ws = await connect();
    const reply = await request(ws, { v: 1, kind: 'hello', versions: [99] });
    expect(reply).toMatchObject({ kind: 'welcome', error: { code: 'ERR_PROTOCOL_VERSION' } });
    ws.close();
  });

  it('answers malformed JSON and unknown methods with coded errors and keeps the connection', async () => {
    const ws = await connect();
    expect(await request(ws, '{not json')).toMatchObject({ error: { code: 'ERR_PROTOCOL_MALFORMED' } });
    expect(await request(ws, { v: 1, kind: 'req', id: 'x', method: 'no.such' })).toMatchObject({ id: 'x', error: { code: 'ERR_PROTOCOL_UNKNOWN_METHOD', details: { method: 'no.such' } } });
    expect(await request(ws, { v: 1, kind: 'req', id: 'y', method: 'status' })).toMatchObject({ id: 'y', kind: 'res' });
    ws.close();
  });

  it('closes a connection that sends an oversized frame (1009) and stays up for others', async () => {
    const ws = await connect();
    ws.on('error', () => undefined); // the server may reset while we are still sending
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.send('x'.repeat(9 * 1024 * 1024));
    // 1009 "message too big" when the close frame arrives, 1006 when the reset wins the race.
    expect([1009, 1006]).toContain(await closed);
    const again = await connect();
    expect(await request(again, { v: 1, kind: 'req', id: 'z', method: 'status' })).toMatchObject({ id: 'z' });
    again.close();
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:17530', true],
    ['localhost:17530', true],
    ['[::1]:17530', true],
    ['LOCALHOST:17530', true],
    ['127.0.0.1:80', false],
    ['127.0.0.1', false],
    ['evil.example:17530', false],
    ['127.0.0.1.evil.example:17530', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host, 17530)).toBe(expected);
  });
});
