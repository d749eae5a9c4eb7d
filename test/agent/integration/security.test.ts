// SPDX-License-Identifier: Apache-2.0
// The real built agent, attacked and used as an extension would: pre-upgrade checks, pairing,
// mutual authentication, hostile frames, and a squatting fake agent.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { SealError } from '../../../shared/errors/index.js';
import { MAX_FRAME_BYTES, MAX_INFLIGHT_PER_CONNECTION } from '../../../shared/protocol/index.js';
import { cli, freePort, openPairingCode, pairedClient, startAgent, TestClient, type StartedAgent } from './harness.js';

let agent: StartedAgent;
let keyId: string;
let key: Uint8Array;

beforeAll(async () => {
  agent = await startAgent();
  const paired = await pairedClient(agent);
  keyId = paired.keyId;
  key = paired.key;
  paired.client.close();
});

afterAll(async () => {
  await agent.stop();
});

const req = (id: string, method: string, params: unknown = {}, extra: Record<string, unknown> = {}) => ({ v: 1, kind: 'req', id, method, params, ...extra });

describe('before the upgrade', () => {
  it('refuses a web origin, a missing origin and a foreign Host with 403 + x-eseal-error', async () => {
    await expect(TestClient.connect(agent.port, { origin: 'https://evil.example' })).rejects.toThrow(/403 ERR_AGENT_ORIGIN_REJECTED/);
    await expect(TestClient.connect(agent.port, { origin: 'null' })).rejects.toThrow(/403 ERR_AGENT_ORIGIN_REJECTED/);
    await expect(TestClient.connect(agent.port, { origin: 'moz-extension://0b7e8f3c-0000-4000-8000-000000000000' })).rejects.toThrow(/403 ERR_AGENT_ORIGIN_REJECTED/);
    await expect(TestClient.connect(agent.port, { host: `rebind.evil.example:${agent.port}` })).rejects.toThrow(/403 ERR_AGENT_HOST_REJECTED/);
  });
});

describe('unpaired and unauthenticated connections', () => {
  it('an unpaired client gets ERR_AGENT_NOT_PAIRED for everything but hello/pair, and may still pair', async () => {
    const c = await TestClient.connect(agent.port);
    expect(await c.roundTrip(req('a', 'status'))).toMatchObject({ id: 'a', ok: false, error: { code: 'ERR_AGENT_NOT_PAIRED' } });
    const welcome = await c.hello('000000000000000000000000');
    expect(welcome).toMatchObject({ kind: 'welcome', paired: false });
    expect(welcome['proof']).toBeUndefined();
    expect(await c.roundTrip(req('b', 'seal.sign', { sealId: 'dev-official', item: { digest: { alg: 'SM3', value: Buffer.alloc(32).toString('base64') }, propertyInfo: 'x', display: { title: 't' } } }))).toMatchObject({ id: 'b', error: { code: 'ERR_AGENT_NOT_PAIRED' } });
    expect(await c.roundTrip({ v: 1, kind: 'auth', proof: Buffer.alloc(32).toString('base64') })).toMatchObject({ error: { code: 'ERR_AGENT_NOT_PAIRED' } });
    expect(c.open).toBe(true);
    const code = openPairingCode(agent.stateDir);
    const minted = await c.pair(code);
    expect(minted.key).toHaveLength(32);
    expect(await c.roundTrip(req('c', 'status'))).toMatchObject({ id: 'c', ok: true });
    c.close();
  });

  it('a bad proof is ERR_AGENT_AUTH_FAILED, leaves the connection usable, and a right proof then works', async () => {
    const c = await TestClient.connect(agent.port);
    const wrongKey = new Uint8Array(randomBytes(32));
    // The agent proves itself first; our check passes with the real key only.
    await expect(c.authenticate(keyId, wrongKey)).rejects.toMatchObject({ code: 'ERR_AGENT_IMPOSTOR' });
    expect(await c.roundTrip({ v: 1, kind: 'auth', proof: Buffer.alloc(32, 9).toString('base64') })).toMatchObject({ error: { code: 'ERR_AGENT_AUTH_FAILED' } });
    expect(await c.roundTrip(req('d', 'status'))).toMatchObject({ id: 'd', error: { code: 'ERR_AGENT_AUTH_FAILED' } });
    expect(c.open).toBe(true);
    const c2 = await TestClient.connect(agent.port);
    await c2.authenticate(keyId, key);
    expect(await c2.roundTrip(req('e', 'status'))).toMatchObject({ id: 'e', ok: true });
    c.close();
    c2.close();
  });

  it('closes after three bad proofs (1008)', async () => {
    const c = await TestClient.connect(agent.port);
    await c.hello(keyId);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code: number) => resolve(code)));
    for (let i = 0; i < 3; i++) expect(await c.roundTrip({ v: 1, kind: 'auth', proof: Buffer.alloc(32, i).toString('base64') })).toMatchObject({ error: { code: 'ERR_AGENT_AUTH_FAILED' } });
    expect(await closed).toBe(1008);
  });

  it('a proof made for another Origin does not authenticate (bound to the Origin header)', async () => {
    const c = await TestClient.connect(agent.port);
    await expect(c.authenticate(keyId, key, 'chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({ code: 'ERR_AGENT_AUTH_FAILED' });
    c.close();
  });
});

describe('hostile frames after authentication', () => {
  it('answers each with its code and keeps the connection and its state', async () => {
    const c = await TestClient.connect(agent.port);
    await c.authenticate(keyId, key);
    const cases: [unknown, string, RegExp?][] = [
      ['{not json', 'ERR_PROTOCOL_MALFORMED', /not JSON/],
      [req('m1', 'token.initialize'), 'ERR_PROTOCOL_UNKNOWN_METHOD'],
      [req('m2', 'status', { path: '/etc/passwd' }), 'ERR_PROTOCOL_MALFORMED', /path is not a known field/],
      [req('m3', 'status', {}, { cookie: 'x' }), 'ERR_PROTOCOL_MALFORMED', /cookie is not a known field/],
      [req('m4', 'seal.sign', { sealId: 5, item: {} }), 'ERR_PROTOCOL_MALFORMED', /must be a string/],
      [req('m5', 'seals.list', { includePictures: 'yes' }), 'ERR_PROTOCOL_MALFORMED', /true or false/],
      [req('m6', 'seals.list', {}, { deadlineMs: -1 }), 'ERR_PROTOCOL_MALFORMED', /deadlineMs/],
      [{ v: 1, kind: 'hello', versions: [1] }, 'ERR_PROTOCOL_MALFORMED', /hello already/],
      [{ v: 1, kind: 'exec', cmd: 'rm' }, 'ERR_PROTOCOL_MALFORMED', /unknown kind/],
    ];
    for (const [frame, code, reason] of cases) {
      const reply = await c.roundTrip(frame);
      expect(reply).toMatchObject({ kind: 'res', ok: false, error: { code } });
      if (reason) expect(String((reply['error'] as { message: string }).message)).toMatch(reason);
      const id = typeof frame === 'object' && frame !== null ? (frame as { id?: string }).id : undefined;
      if (id) expect(reply['id']).toBe(id);
    }
    const binary = c.next();
    c.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary).toMatchObject({ error: { code: 'ERR_PROTOCOL_MALFORMED' } });
    expect(await c.roundTrip(req('ok', 'status'))).toMatchObject({ id: 'ok', ok: true });
    c.close();
  });

  it('closes a connection that sends an oversized frame (1009) and stays up for others', async () => {
    const c = await TestClient.connect(agent.port);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code: number) => resolve(code)));
    c.ws.send('x'.repeat(MAX_FRAME_BYTES + 1024));
    expect([1009, 1006]).toContain(await closed);
    const again = await TestClient.connect(agent.port);
    await again.authenticate(keyId, key);
    expect(await again.roundTrip(req('z', 'status'))).toMatchObject({ id: 'z', ok: true });
    again.close();
  });
});

describe('limits', () => {
  it('refuses more than the in-flight cap on one connection with ERR_PROTOCOL_BUSY, then cancels cleanly', async () => {
    const c = await TestClient.connect(agent.port);
    await c.authenticate(keyId, key);
    const item = { digest: { alg: 'SM3', value: Buffer.alloc(32, 1).toString('base64') }, propertyInfo: 'x', display: { title: 't' } };
    const finals = Array.from({ length: MAX_INFLIGHT_PER_CONNECTION }, (_, i) => {
      const done = c.next((f) => f['id'] === `busy-${i}` && f['kind'] === 'res', 30_000);
      c.send(req(`busy-${i}`, 'seal.sign', { sealId: 'dev-official', item }, { ctx: { origin: 'http://localhost:8080' } }));
      return done;
    });
    const busy = c.next((f) => f['id'] === 'one-too-many');
    c.send(req('one-too-many', 'status'));
    expect(await busy).toMatchObject({ id: 'one-too-many', error: { code: 'ERR_PROTOCOL_BUSY' } });
    for (let i = 0; i < MAX_INFLIGHT_PER_CONNECTION; i++) c.send(req(`cancel-${i}`, 'cancel', { requestId: `busy-${i}` }));
    for (const f of await Promise.all(finals)) expect(f).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    const after = c.next((f) => f['id'] === 'after');
    c.send(req('after', 'status'));
    expect(await after).toMatchObject({ id: 'after', ok: true });
    c.close();
  });
});

describe('pairing', () => {
  it('limits wrong codes: each is refused with attempts left; after five the code is burnt', async () => {
    const code = openPairingCode(agent.stateDir);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    for (let left = 4; left >= 0; left--) {
      const c = await TestClient.connect(agent.port);
      await expect(c.pair(wrong)).rejects.toMatchObject({ code: 'ERR_AGENT_AUTH_FAILED', details: { attemptsLeft: left } });
      c.close();
    }
    const c = await TestClient.connect(agent.port);
    await expect(c.pair(code)).rejects.toMatchObject({ code: 'ERR_AGENT_NOT_PAIRED' });
    c.close();
  });

  it('lists and revokes pairings; a revoked key is no longer accepted', async () => {
    const { client, keyId: id, key: k } = await pairedClient(agent);
    client.close();
    const list = JSON.parse(cli(['pair', '--list', '--json', '--state-dir', agent.stateDir])) as { keyId: string; origin: string }[];
    expect(list.map((p) => p.keyId)).toContain(id);
    cli(['pair', '--revoke', id, '--state-dir', agent.stateDir]);
    const c = await TestClient.connect(agent.port);
    await expect(c.authenticate(id, k)).rejects.toBeInstanceOf(SealError);
    expect(await c.roundTrip({ v: 1, kind: 'auth', proof: Buffer.alloc(32).toString('base64') })).toMatchObject({ error: { code: 'ERR_AGENT_NOT_PAIRED' } });
    c.close();
  });

  it('a Firefox origin (random per install) may connect only while a code is open, and later only if paired', async () => {
    const fx = 'moz-extension://3f2c1a4e-1111-4a2b-9c3d-000000000001';
    const other = 'moz-extension://3f2c1a4e-1111-4a2b-9c3d-000000000002';
    await expect(TestClient.connect(agent.port, { origin: fx })).rejects.toThrow(/403 ERR_AGENT_ORIGIN_REJECTED/);
    const code = openPairingCode(agent.stateDir);
    const c = await TestClient.connect(agent.port, { origin: fx });
    const minted = await c.pair(code, fx);
    c.close();
    const again = await TestClient.connect(agent.port, { origin: fx });
    await again.authenticate(minted.keyId, minted.key, fx);
    again.close();
    await expect(TestClient.connect(agent.port, { origin: other })).rejects.toThrow(/403 ERR_AGENT_ORIGIN_REJECTED/);
  });

  it('the key file is private to the user (0600)', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(`${agent.stateDir}/pairings.json`).mode & 0o777).toBe(0o600);
  });
});

describe('a squatting fake agent', () => {
  it('is detected by the client: its welcome proof cannot be made without K (ERR_AGENT_IMPOSTOR)', async () => {
    const port = await freePort();
    const fake = new WebSocketServer({ host: '127.0.0.1', port });
    const seen: string[] = [];
    fake.on('connection', (ws: WebSocket) => {
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { kind: string };
        seen.push(m.kind);
        if (m.kind === 'hello') ws.send(JSON.stringify({ v: 1, kind: 'welcome', agentVersion: '9.9.9', instanceId: 'fake', nonce: randomBytes(32).toString('base64'), paired: true, proof: randomBytes(32).toString('base64'), pairingOpen: false, features: [] }));
      });
    });
    await new Promise((r) => fake.once('listening', r));
    const c = await TestClient.connect(port);
    await expect(c.authenticate(keyId, key)).rejects.toMatchObject({ code: 'ERR_AGENT_IMPOSTOR' });
    // The extension never sent its proof (nor any request) to the squatter.
    expect(seen).toEqual(['hello']);
    c.close();
    await new Promise((r) => fake.close(r));
  });

  it('cannot obtain a pairing key either: a sealed key it makes without the code does not open', async () => {
    const port = await freePort();
    const fake = new WebSocketServer({ host: '127.0.0.1', port });
    fake.on('connection', (ws: WebSocket) => {
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { kind: string; id?: string };
        if (m.kind === 'hello') ws.send(JSON.stringify({ v: 1, kind: 'welcome', agentVersion: '9.9.9', instanceId: 'fake', nonce: randomBytes(32).toString('base64'), paired: false, pairingOpen: true, features: [] }));
        else ws.send(JSON.stringify({ v: 1, kind: 'res', id: m.id, ok: true, result: { keyId: 'k', iv: randomBytes(12).toString('base64'), sealedKey: randomBytes(48).toString('base64') } }));
      });
    });
    await new Promise((r) => fake.once('listening', r));
    const c = await TestClient.connect(port);
    await expect(c.pair('12345678')).rejects.toMatchObject({ code: 'ERR_AGENT_IMPOSTOR' });
    c.close();
    await new Promise((r) => fake.close(r));
  });
});
