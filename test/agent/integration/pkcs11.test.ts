// SPDX-License-Identifier: Apache-2.0
// The agent on a real PKCS#11 module: ESeal's SM2 test token (libsm2testtoken, vendor profile A)
// named by the policy's token.pkcs11Libraries, holding an SM2 key, its certificate and a GB/T 38540
// seal bound to it as a data object. seal.sign goes through the same protocol, consent and PIN as
// with the soft token; OpenSSL checks the TBS_Sign signature.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySesSignature } from '../../../shared/seal/index.js';
import { buildTestTokens, makeSm2TestTokenDir, removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { digestItem, EXT_ORIGIN, pairedClient, PORTAL, startAgent, type StartedAgent, type TestClient } from './harness.js';
import { makeBoundSeal, opensslVerifyTbsSign } from './sealFixtures.js';

const SERIAL = 'E000000000000001';
const PIN = '123456';
let dir = '';
let certDer: Buffer;
let agent: StartedAgent;
let client: TestClient;

beforeAll(async () => {
  const libraryPath = buildTestTokens().pkcs11;
  dir = tempDir('eseal-agent-p11-');
  makeSm2TestTokenDir(dir, { label: 'ESeal P11 测试', serial: SERIAL, profile: 'A', pin: PIN, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '某某市财政局 (PKCS#11)' }] });
  certDer = readFileSync(join(dir, 'seal-sm2.cert.der'));
  const sealDer = await makeBoundSeal(new Uint8Array(certDer), '某某市财政局（PKCS#11）');
  const header = `#sm2testtoken-data\nlabel.hex=${Buffer.from('p11-official').toString('hex')}\napplication.hex=${Buffer.from('ESeal').toString('hex')}\n\n`;
  writeFileSync(join(dir, 'seal1.data'), Buffer.concat([Buffer.from(header), sealDer]));
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, actions: ['status', 'seals.list', 'seal.sign'], sealTypes: ['official'] }],
      token: { pkcs11Libraries: [libraryPath] },
      development: { allowHttpLocalhost: true },
    },
    env: { SM2TESTTOKEN_DIR: dir },
  });
  client = (await pairedClient(agent)).client;
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  removeDir(dir);
});

describe('agent on a PKCS#11 token', () => {
  it('lists the token and its seal', async () => {
    const tokens = await client.request('tokens.list', {});
    expect((tokens.res['result'] as { tokens: { serial: string; backend: string }[] }).tokens).toEqual(expect.arrayContaining([expect.objectContaining({ serial: SERIAL, backend: 'pkcs11' })]));
    // PIN age per policy pin.maxAgeDays (default 90): a token first seen now is not due.
    expect((tokens.res['result'] as { tokens: Record<string, unknown>[] }).tokens).toEqual(expect.arrayContaining([expect.objectContaining({ serial: SERIAL, pinAgeDays: 0, pinChangeDue: false })]));
    const seals = await client.request('seals.list', { tokenSerial: SERIAL }, { ctx: { origin: PORTAL } });
    expect(seals.res).toMatchObject({ ok: true, result: { seals: [{ id: 'p11-official', sealType: 'official', tokenSerial: SERIAL, signer: { subject: expect.stringContaining('PKCS#11') as string } }] } });
  });

  it('seal.sign with consent and PIN on the token (wrong PIN first); OpenSSL verifies the TBS_Sign signature', async () => {
    const { res, progress } = await client.request('seal.sign', { sealId: 'p11-official', tokenSerial: SERIAL, item: digestItem(7) }, { ctx: { origin: PORTAL }, consent: { pins: ['000000', PIN] } });
    expect(res).toMatchObject({ ok: true, result: { sealId: 'p11-official' } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => (p['data'] as { error?: string }).error)).toEqual([undefined, 'ERR_TOKEN_PIN_INCORRECT']);
    const der = new Uint8Array(Buffer.from((res['result'] as { signature: string }).signature, 'base64'));
    const report = await verifySesSignature(der, { trustAnchors: [], documentHash: new Uint8Array(32).fill(7) });
    expect(report.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(report.checks.find((c) => c.id === 'signature.signer-in-seal')?.status).toBe('passed');
    expect(report.checks.find((c) => c.id === 'signature.data-hash')?.status).toBe('passed');
    expect(opensslVerifyTbsSign(der, new Uint8Array(certDer))).toMatch(/Signature Verified Successfully/);
  });
});
