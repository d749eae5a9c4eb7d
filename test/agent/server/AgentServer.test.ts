// SPDX-License-Identifier: Apache-2.0
// Starts the real built agent on loopback and checks the transport-level behaviour; the protocol,
// pairing and signing are covered by test/agent/integration/*.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../agent/server/AgentServer.js';
import { startAgent, TestClient, type StartedAgent } from '../integration/harness.js';

let agent: StartedAgent;

beforeAll(async () => {
  agent = await startAgent();
});

afterAll(async () => {
  await agent.stop();
});

describe('agent server (real process on loopback)', () => {
  it('negotiates the protocol version in the welcome', async () => {
    const c = await TestClient.connect(agent.port);
    expect(await c.hello()).toMatchObject({ kind: 'welcome', v: 1, paired: false, agentVersion: expect.any(String) as string });
    c.close();
  });

  it('answers an unsupported version with ERR_PROTOCOL_VERSION', async () => {
    const c = await TestClient.connect(agent.port);
    expect(await c.roundTrip({ v: 1, kind: 'hello', versions: [99] })).toMatchObject({ kind: 'welcome', error: { code: 'ERR_PROTOCOL_VERSION' } });
    c.close();
  });

  it('refuses a web origin and a non-loopback Host before the upgrade', async () => {
    await expect(TestClient.connect(agent.port, { origin: 'https://evil.example' })).rejects.toThrow(/HTTP 403.*ERR_AGENT_ORIGIN_REJECTED/);
    await expect(TestClient.connect(agent.port, { host: `evil.example:${agent.port}` })).rejects.toThrow(/HTTP 403.*ERR_AGENT_HOST_REJECTED/);
  });

  it('serves nothing but the upgrade over plain HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${agent.port}/`);
    expect(res.status).toBe(426);
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
