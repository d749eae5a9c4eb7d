// SPDX-License-Identifier: Apache-2.0
// PIN change through the protocol, token insert/remove events, and the CLI talking to the running agent.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, cli, DEV_PIN, digestItem, freePort, pairedClient, PORTAL, startAgent, type StartedAgent, type TestClient } from './harness.js';

let agent: StartedAgent;
let client: TestClient;

beforeAll(async () => {
  agent = await startAgent();
  client = (await pairedClient(agent)).client;
});

afterAll(async () => {
  client.close();
  await agent.stop();
});

async function changePin(oldPin: string, newPin: string, wrongFirst = false): Promise<Record<string, unknown>> {
  const id = `pin-${oldPin}-${newPin}`;
  client.send({ v: 1, kind: 'req', id, method: 'pin.change', params: {} });
  let first = true;
  for (;;) {
    const f = await client.next((x) => x['id'] === id);
    if (f['kind'] === 'res') return f;
    expect(f).toMatchObject({ stage: 'awaiting_pin', data: { change: true } });
    const pin = wrongFirst && first ? '000000' : oldPin;
    first = false;
    client.send({ v: 1, kind: 'req', id: `${id}-r${Math.random().toString(36).slice(2, 8)}`, method: 'consent.reply', params: { requestId: id, approved: true, pin, newPin } });
  }
}

describe('pin.change', () => {
  it('changes the PIN through awaiting_pin (wrong old PIN asked again), the new PIN signs, and it changes back', async () => {
    expect(await changePin(DEV_PIN, '24681357', true)).toMatchObject({ ok: true, result: { changed: true } });
    const withNew = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(1) }, { ctx: { origin: PORTAL }, consent: { pins: ['24681357'], pinWithConsent: true } });
    expect(withNew.res).toMatchObject({ ok: true });
    expect(await changePin('24681357', DEV_PIN)).toMatchObject({ ok: true });
  });

  it('is refused for a portal', async () => {
    const { res, progress } = await client.request('pin.change', {}, { ctx: { origin: PORTAL } });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    expect(progress).toEqual([]);
  });
});

describe('token events and the command line', () => {
  it('tells authenticated clients when the key is removed and inserted', async () => {
    const token = join(agent.stateDir, 'dev', 'soft-token.json');
    const removed = client.next((f) => f['kind'] === 'evt' && f['event'] === 'token.changed', 10_000);
    renameSync(token, `${token}.out`);
    expect(await removed).toMatchObject({ data: { type: 'removed', present: false } });
    const { res } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(2) }, { ctx: { origin: PORTAL } });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_NOT_PRESENT' } });
    const inserted = client.next((f) => f['kind'] === 'evt' && f['event'] === 'token.changed', 10_000);
    renameSync(`${token}.out`, token);
    expect(await inserted).toMatchObject({ data: { type: 'inserted', present: true } });
  });

  it('eseal status and eseal token list report the running agent and the dev token', () => {
    const status = JSON.parse(cli(['status', '--json', '--port', String(agent.port), '--state-dir', agent.stateDir])) as Record<string, unknown>;
    expect(status).toMatchObject({ development: true, tokens: [{ backend: 'soft', developmentOnly: true }] });
    const tokens = JSON.parse(cli(['token', 'list', '--json', '--state-dir', agent.stateDir])) as unknown[];
    expect(tokens).toMatchObject([{ serial: 'DEV0000000000001', developmentOnly: true }]);
  });
});

function runAgent(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [AGENT, ...args], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, output: stdout + stderr });
    });
  });
}

describe('port already taken', () => {
  it('a second agent on the same state directory or port says one is already running; a squatter is named as such', async () => {
    const samePortOtherDir = await runAgent(['agent', '--dev', '--port', String(agent.port), '--state-dir', mkdtempSync(join(tmpdir(), 'eseal-second-'))]);
    expect(samePortOtherDir.status).not.toBe(0);
    // Another state dir has another CLI key, which our agent does not know: from there it looks like a squatter.
    expect(samePortOtherDir.output).toMatch(/ERR_AGENT_IMPOSTOR|already running/);
    const second = await runAgent(['agent', '--dev', '--port', String(agent.port), '--state-dir', agent.stateDir]);
    expect(second.status).not.toBe(0);
    expect(second.output).toMatch(/already running/);
    const port = await freePort();
    const squatter = createServer((_q, r) => r.end('hi'));
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const otherState = mkdtempSync(join(tmpdir(), 'eseal-squat-'));
    const third = await runAgent(['agent', '--dev', '--port', String(port), '--state-dir', otherState]);
    await new Promise((r) => squatter.close(r));
    expect(third.status).not.toBe(0);
    expect(third.output).toMatch(/ERR_AGENT_IMPOSTOR/);
  });
});

describe('audit failure', () => {
  it('a failed audit write fails the request: no signature leaves the agent', async () => {
    // Make the next append fail: the current log file becomes a directory (root ignores chmod).
    const log = join(agent.stateDir, 'audit', 'audit.log');
    renameSync(log, `${log}.saved`);
    mkdirSync(log);
    const { res } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(3) }, { ctx: { origin: PORTAL }, consent: { pins: [DEV_PIN], pinWithConsent: true } });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_AUDIT_WRITE_FAILED' } });
    expect(JSON.stringify(res)).not.toContain('signature');
  });
});
