// SPDX-License-Identifier: Apache-2.0
// The agent on a real SKF (GM/T 0016) library: ESeal's soft SKF device (libsoftskf) named by the
// policy's token.skfLibraries, holding an SM2 container (key + certificate) and a GB/T 38540 seal as
// the file `eseal.official`. seal.sign goes through the same protocol, consent and PIN as with the
// soft token; OpenSSL checks the TBS_Sign signature.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySesSignature } from '../../../shared/seal/index.js';
import { buildTestTokens, makeSoftSkfDir, removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { digestItem, EXT_ORIGIN, pairedClient, PORTAL, startAgent, type StartedAgent, type TestClient } from './harness.js';
import { makeBoundSeal, opensslVerifyTbsSign } from './sealFixtures.js';

const SERIAL = 'SKF0000000000001';
const PIN = '123456';
let dir = '';
let certDer: Buffer;
let agent: StartedAgent;
let client: TestClient;

beforeAll(async () => {
  const libraryPath = buildTestTokens().skf;
  dir = tempDir('eseal-agent-skf-');
  makeSoftSkfDir(dir, { devName: 'SoftSKF0', label: 'ESeal SKF 测试', serial: SERIAL, manufacturer: 'SoftSKF Test', application: 'ESEAL', pin: PIN, maxPinRetries: 5, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '某某市财政局 (SKF)' }] });
  certDer = readFileSync(join(dir, 'seal-sm2.cert.der'));
  const sealDer = await makeBoundSeal(new Uint8Array(certDer), '某某市财政局（SKF）');
  writeFileSync(join(dir, 'files', 'eseal.official'), sealDer);
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, actions: ['status', 'seals.list', 'seal.sign'], sealTypes: ['official'] }],
      token: { skfLibraries: [libraryPath] },
      development: { allowHttpLocalhost: true },
    },
    env: { SOFTSKF_DIR: dir },
  });
  client = (await pairedClient(agent)).client;
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  removeDir(dir);
});

describe('agent on an SKF device', () => {
  it('lists the token and its seal', async () => {
    const tokens = await client.request('tokens.list', {});
    expect((tokens.res['result'] as { tokens: { serial: string; backend: string }[] }).tokens).toEqual(expect.arrayContaining([expect.objectContaining({ serial: SERIAL, backend: 'skf' })]));
    const seals = await client.request('seals.list', { tokenSerial: SERIAL }, { ctx: { origin: PORTAL } });
    expect(seals.res).toMatchObject({ ok: true, result: { seals: [{ id: 'eseal.official', sealType: 'official', tokenSerial: SERIAL, signer: { subject: expect.stringContaining('SKF') as string } }] } });
  });

  it('seal.sign with consent and PIN on the device (wrong PIN first); OpenSSL verifies the TBS_Sign signature', async () => {
    const { res, progress } = await client.request('seal.sign', { sealId: 'eseal.official', tokenSerial: SERIAL, item: digestItem(7) }, { ctx: { origin: PORTAL }, consent: { pins: ['000000', PIN] } });
    expect(res).toMatchObject({ ok: true, result: { sealId: 'eseal.official' } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => (p['data'] as { error?: string }).error)).toEqual([undefined, 'ERR_TOKEN_PIN_INCORRECT']);
    const der = new Uint8Array(Buffer.from((res['result'] as { signature: string }).signature, 'base64'));
    const report = await verifySesSignature(der, { trustAnchors: [], documentHash: new Uint8Array(32).fill(7) });
    expect(report.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(report.checks.find((c) => c.id === 'signature.signer-in-seal')?.status).toBe('passed');
    expect(report.checks.find((c) => c.id === 'signature.data-hash')?.status).toBe('passed');
    expect(opensslVerifyTbsSign(der, new Uint8Array(certDer))).toMatch(/Signature Verified Successfully/);
  });
});
