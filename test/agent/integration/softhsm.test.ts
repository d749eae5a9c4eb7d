// SPDX-License-Identifier: Apache-2.0
// data.sign format `cms` (RFC 5652 SignedData) through the real agent on SoftHSM2 2.6.1, named by the
// policy's token.pkcs11Libraries: ECDSA P-256 (CKM_ECDSA over SHA-256 of the signed attributes) and
// RSA-2048 (CKM_RSA_PKCS over the DigestInfo), detached and attached. Each signature is checked by
// `openssl cms -verify` (the certificate as its own trust anchor) and by shared/cms. A wrong PIN on
// SoftHSM comes back through the protocol as another awaiting_pin with ERR_TOKEN_PIN_INCORRECT.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import { REPO_ROOT, removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { EXT_ORIGIN, pairedClient, PORTAL, startAgent, type StartedAgent, type TestClient } from './harness.js';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const PIN = '123456';
const ctx = { origin: PORTAL };
let dir = '';
let agent: StartedAgent;
let client: TestClient;
let serial = '';

beforeAll(async () => {
  dir = tempDir('eseal-agent-softhsm-');
  execFileSync('bash', [join(REPO_ROOT, 'scripts/softhsm-setup.sh'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, actions: ['status', 'data.sign'], sealTypes: [] }],
      token: { pkcs11Libraries: [MODULE] },
      development: { allowHttpLocalhost: true },
    },
    env: { SOFTHSM2_CONF: join(dir, 'softhsm2.conf') },
  });
  client = (await pairedClient(agent)).client;
  const tokens = (await client.request('tokens.list', {})).res['result'] as { tokens: { serial: string; label: string; backend: string }[] };
  serial = tokens.tokens.find((t) => t.backend === 'pkcs11' && t.label === 'ESeal SoftHSM')?.serial ?? '';
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  removeDir(dir);
});

const DATA = Buffer.from('{"voucher":"2026-0042","amount":"9,876.54","payee":"某某公司"} — RFC 5652 over PKCS#11', 'utf8');

function opensslCmsVerify(tmp: string, sig: Uint8Array, certPem: string, detached: boolean): string {
  writeFileSync(join(tmp, 'sig.der'), sig);
  writeFileSync(join(tmp, 'data.bin'), DATA);
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(tmp, 'sig.der'), '-CAfile', certPem, '-purpose', 'any', '-out', join(tmp, 'out.bin')];
  if (detached) args.push('-content', join(tmp, 'data.bin'));
  // OpenSSL prints "CMS Verification successful" on stderr and exits 0 only when the signature,
  // the messageDigest and the certificate path (to the given anchor) all check out.
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/CMS Verification successful/);
  expect(readFileSync(join(tmp, 'out.bin')).equals(DATA)).toBe(true);
  if (process.env['ESEAL_SHOW_OPENSSL'] === '1') console.log(`openssl ${args.join(' ')}\n→ ${run.stderr.trim()}`);
  return run.stderr;
}

function opensslCmsVerifyFails(tmp: string, sig: Uint8Array, certPem: string): boolean {
  writeFileSync(join(tmp, 'sig.der'), sig);
  writeFileSync(join(tmp, 'tampered.bin'), Buffer.concat([DATA, Buffer.from('!')]));
  try {
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(tmp, 'sig.der'), '-content', join(tmp, 'tampered.bin'), '-CAfile', certPem, '-purpose', 'any', '-out', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return false;
  } catch {
    return true;
  }
}

describe('data.sign format cms on SoftHSM2 through the agent', () => {
  it('finds the SoftHSM token through the policy', () => {
    expect(serial).toMatch(/^[0-9a-f]{16}$/);
  });

  for (const [name, certId, certFile, sign] of [
    ['ECDSA P-256', '01', 'ec.cert.pem', 'ECDSA-P256'],
    ['RSA-2048', '02', 'rsa.cert.pem', 'RSA'],
  ] as const) {
    it(`${name}: detached and attached SignedData verified by openssl cms -verify and shared/cms`, async () => {
      const tmp = tempDir('eseal-softhsm-cms-');
      const certPem = join(dir, certFile);
      const anchor = parseCertificate(new Uint8Array(readFileSync(join(dir, certFile.replace('.pem', '.der')))));
      for (const detached of [true, false]) {
        const { res, progress } = await client.request('data.sign', { certId, tokenSerial: serial, format: 'cms', detached, item: { data: DATA.toString('base64'), propertyInfo: 'voucher.json', display: { title: '凭证数据 (CMS)' } } }, { ctx, consent: { pins: [PIN] } });
        expect(res).toMatchObject({ ok: true, result: { format: 'cms', detached, alg: { sign, hash: 'SHA-256' } } });
        expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pin', 'signing']);
        // The consent window shows the digest CMS signs: SHA-256 of the data.
        expect((progress[0]?.['data'] as { fingerprint: { alg: string; hex: string } }).fingerprint).toMatchObject({ alg: 'SHA-256', hex: createHash('sha256').update(DATA).digest('hex').toUpperCase() });
        const der = new Uint8Array(Buffer.from((res['result'] as { signature: string }).signature, 'base64'));

        opensslCmsVerify(tmp, der, certPem, detached);
        if (detached) expect(opensslCmsVerifyFails(tmp, der, certPem)).toBe(true);
        // The signed attributes OpenSSL sees: contentType, messageDigest, signingCertificateV2.
        const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(tmp, 'sig.der')], { encoding: 'utf8' });
        expect(printed).toMatch(/contentType/);
        expect(printed).toMatch(/messageDigest/);
        expect(printed).toMatch(/id-smime-aa-signingCertificateV2|signingCertificateV2/);
        expect(printed).toMatch(sign === 'RSA' ? /sha256WithRSAEncryption/ : /ecdsa-with-SHA256/);

        const report = await verifyCmsSignedData(der, { ...(detached && { content: new Uint8Array(DATA) }), trustAnchors: [anchor] });
        expect(report).toMatchObject({ format: expect.stringContaining('CMS') as string, detached, signedAttributes: true, digestAlgorithm: '2.16.840.1.101.3.4.2.1' /* SHA-256 */ });
        expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
        expect(report.indication).toBe('TOTAL_PASSED');
        if (detached) {
          const tampered = await verifyCmsSignedData(der, { content: new Uint8Array(Buffer.from('tampered')), trustAnchors: [anchor] });
          expect(tampered.indication).toBe('TOTAL_FAILED');
        }
      }
      removeDir(tmp);
    });
  }

  it('a wrong PIN on SoftHSM → awaiting_pin again with ERR_TOKEN_PIN_INCORRECT, then the right one signs', async () => {
    const { res, progress } = await client.request('data.sign', { certId: '01', tokenSerial: serial, format: 'cms', item: { data: DATA.toString('base64'), propertyInfo: 'x', display: { title: 't' } } }, { ctx, consent: { pins: ['000000', PIN] } });
    expect(res).toMatchObject({ ok: true, result: { format: 'cms', detached: true } });
    expect(progress.filter((p) => p['stage'] === 'awaiting_pin').map((p) => (p['data'] as { error?: string }).error)).toEqual([undefined, 'ERR_TOKEN_PIN_INCORRECT']);
  });

  it('refuses cms with an unknown key and sm2-raw with an ECDSA key', async () => {
    const item = { data: DATA.toString('base64'), propertyInfo: 'x', display: { title: 't' } };
    const missing = await client.request('data.sign', { certId: '99', tokenSerial: serial, format: 'cms', item }, { ctx, consent: { pins: [PIN] } });
    expect(missing.res).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_KEY_NOT_FOUND' } });
    const sm2 = await client.request('data.sign', { certId: '01', tokenSerial: serial, format: 'sm2-raw', item }, { ctx, consent: { pins: [PIN] } });
    expect(sm2.res).toMatchObject({ ok: false, error: { code: 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED' } });
  });
});
