// SPDX-License-Identifier: Apache-2.0
/**
 * The SKF back end against the project's soft SKF library (libsoftskf.so, test-tokens/skf) through
 * koffi: no mocks. Signatures are verified by the OpenSSL command line with the GM/T 0009 default ID.
 *
 * libsoftskf reads its configuration once per process (one device per process); vitest runs each
 * test file in its own worker, so this file owns one device and its tests run in order on it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkfTokenProvider } from '../../../../agent/token/skf/SkfTokenProvider.js';
import type { TokenSession } from '../../../../agent/token/TokenProvider.js';
import { sm2Digest } from '../../../../shared/crypto/sm2.js';
import { buildTestTokens, makeSoftSkfDir, publicPoint, removeDir, replug, tempDir, unplug, openssl } from '../../../test-tokens/testTokenSupport.js';

const PIN = '123456';
const SERIAL = 'SKF-0001';
const LABEL = 'ESeal SKF 测试';
const MESSAGE = new TextEncoder().encode('财政直接支付凭证 2026-0001 (SKF)');
const SEAL = Buffer.from('3003020104', 'hex');
const BIG_SEAL = Buffer.alloc(10_000, 0x5a); // read in several SKF_ReadFile chunks

let root = '';
let dir = '';
let provider: SkfTokenProvider;
let publicKey: Uint8Array;
let spkiPem = '';

/**
 * OpenSSL verifies the DER signature over M (SM3 with Z for ID 1234567812345678). Returns false only
 * for OpenSSL's own "Signature Verification Failure"; any other failure of the command is thrown with
 * its output, so an environment problem is never mistaken for a bad signature.
 */
function opensslVerifies(message: Uint8Array, signature: Uint8Array): boolean {
  const work = tempDir('eseal-skf-verify-');
  try {
    writeFileSync(join(work, 'pub.pem'), spkiPem);
    writeFileSync(join(work, 'msg'), message);
    writeFileSync(join(work, 'sig.der'), signature);
    const out = openssl(['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', join(work, 'pub.pem'), '-pkeyopt', 'distid:1234567812345678', '-in', join(work, 'msg'), '-sigfile', join(work, 'sig.der')]);
    return out.toString('utf8').includes('Signature Verified Successfully');
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const text = `${stdout?.toString('utf8') ?? ''}${stderr?.toString('utf8') ?? ''}`;
    if (text.includes('Signature Verification Failure')) return false;
    throw new Error(`openssl pkeyutl -verify failed: ${text || String(error)} (signature ${Buffer.from(signature).toString('hex')})`, { cause: error });
  } finally {
    removeDir(work);
  }
}

async function openSession(): Promise<TokenSession> {
  return provider.open({ serial: SERIAL });
}

beforeAll(() => {
  const libs = buildTestTokens();
  root = tempDir('eseal-skf-provider-');
  dir = join(root, 'dev');
  makeSoftSkfDir(dir, {
    devName: 'SoftSKF0', label: LABEL, serial: SERIAL, manufacturer: 'SoftSKF Test', application: 'ESEAL', pin: PIN, maxPinRetries: 3,
    keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '张三' }, { name: 'no-cert', curve: 'SM2', cn: 'unused' }],
    files: [{ name: 'eseal.official', value: SEAL }, { name: 'eseal.big', value: BIG_SEAL }, { name: 'readme.txt', value: Buffer.from('not a seal') }],
  });
  rmSync(join(dir, 'no-cert.cert.der')); // a container with a key pair but no signing certificate
  const point = publicPoint(join(dir, 'seal-sm2.key.pem'));
  publicKey = Uint8Array.from(Buffer.concat([Buffer.from([0x04]), point.x, point.y]));
  spkiPem = point.spkiPem;
  process.env.SOFTSKF_DIR = dir;
  provider = new SkfTokenProvider({ library: libs.skf });
});

afterAll(async () => {
  await provider.close();
  removeDir(root);
});

describe('SKF provider: devices', () => {
  it('lists the device with SKF_GetDevInfo label, serial, manufacturer and the PIN tries left', async () => {
    const tokens = await provider.list();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({
      backend: 'skf', label: LABEL, serial: SERIAL, manufacturer: 'SoftSKF Test', present: true, pinPad: false, pinRetriesLeft: 3, pinLocked: false, developmentOnly: false,
    });
    expect(tokens[0]?.id).toBe(`skf:libsoftskf.so:${SERIAL}`);
  });

  it('opens by serial, by label, by both; never by position', async () => {
    for (const selector of [{ serial: SERIAL }, { label: LABEL }, { serial: SERIAL, label: LABEL }]) {
      const session = await provider.open(selector);
      expect(session.token).toMatchObject({ serial: SERIAL, label: LABEL });
      await session.close();
      await session.close(); // idempotent
    }
    await expect(provider.open({ serial: 'SKF-9999' })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    await expect(provider.open({ serial: SERIAL, label: 'other' })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    await expect(provider.open({})).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('a configured application name that is not on the device is reported with the names found', async () => {
    const other = new SkfTokenProvider({ library: (provider as unknown as { options: { library: string } }).options.library, application: 'NOPE' });
    await expect(other.open({ serial: SERIAL })).rejects.toMatchObject({ code: 'ERR_TOKEN_LIBRARY', details: { reason: expect.stringContaining('found: ESEAL') as string } });
    await other.close();
  });
});

describe('SKF session', () => {
  it('lists certificates from containers: the signing certificate, SM2; a container without one is skipped', async () => {
    const session = await openSession();
    const certs = await session.listCertificates();
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({ id: 'seal-sm2', label: '张三', keyAlgorithm: 'SM2' });
    expect(Buffer.from(certs[0]?.der ?? [])).toEqual(readFileSync(join(dir, 'seal-sm2.cert.der')));
    await session.close();
  });

  it('signs e = SM3(Z‖M) with SKF_ECCSignData; OpenSSL verifies the DER signature over M', async () => {
    const session = await openSession();
    const e = sm2Digest(publicKey, MESSAGE);
    await expect(session.signDigest('seal-sm2', e)).rejects.toMatchObject({ code: 'ERR_TOKEN_LOGIN_REQUIRED' });
    await session.login(PIN);
    const signature = await session.signDigest('seal-sm2', e);
    expect(signature[0]).toBe(0x30);
    expect(opensslVerifies(MESSAGE, signature)).toBe(true);
    expect(opensslVerifies(new TextEncoder().encode('another message'), signature)).toBe(false);

    await expect(session.signDigest('seal-sm2', e.subarray(0, 31))).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    await expect(session.signDigest('no-such-container', e)).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_NOT_FOUND' });
    // Concurrent requests are serialised by the device queue and all succeed.
    const many = await Promise.all([1, 2, 3, 4, 5].map(() => session.signDigest('seal-sm2', e)));
    for (const s of many) expect(s[0]).toBe(0x30);
    expect(opensslVerifies(MESSAGE, many[4] ?? new Uint8Array())).toBe(true);

    // list() while the session is logged in does not disturb it (described from the session).
    expect((await provider.list())[0]).toMatchObject({ serial: SERIAL, present: true });
    expect(opensslVerifies(MESSAGE, await session.signDigest('seal-sm2', e))).toBe(true);

    await session.logout();
    await expect(session.signDigest('seal-sm2', e)).rejects.toMatchObject({ code: 'ERR_TOKEN_LOGIN_REQUIRED' });
    await session.close();
  });

  it('a wrong PIN reports the tries left; the right PIN resets them; malformed PINs cost no try', async () => {
    const session = await openSession();
    await expect(session.login('000000')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 2 } });
    expect(session.token.pinRetriesLeft).toBe(2);
    expect((await provider.list())[0]?.pinRetriesLeft).toBe(2);
    await expect(session.login('12\u00003456')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
    await expect(session.login('')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
    await expect(session.login('一二三四五六')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
    expect((await provider.list())[0]?.pinRetriesLeft).toBe(2);
    await session.login(PIN);
    expect(session.token.pinRetriesLeft).toBe(3);
    await expect(session.loginWithPinPad()).rejects.toMatchObject({ code: 'ERR_TOKEN_MECHANISM_UNSUPPORTED' });
    await session.close();
  });

  it('locks after the last try: ERR_TOKEN_PIN_LOCKED, even for the right PIN, also in list()', async () => {
    const session = await openSession();
    await expect(session.login('111111')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 2 } });
    await expect(session.login('222222')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 1 } });
    await expect(session.login('333333')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
    await expect(session.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
    expect(session.token).toMatchObject({ pinLocked: true, pinRetriesLeft: 0 });
    expect((await provider.list())[0]).toMatchObject({ pinLocked: true, pinRetriesLeft: 0 });
    await session.close();
    rmSync(join(dir, 'user-pin.state')); // the soft library's reset (a real KEY needs SKF_UnblockPIN)
    expect((await provider.list())[0]).toMatchObject({ pinLocked: false, pinRetriesLeft: 3 });
  });

  it('changes the PIN with SKF_ChangePIN and back', async () => {
    const session = await openSession();
    await expect(session.changePin(PIN, '12')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID', details: { function: 'SKF_ChangePIN' } });
    await expect(session.changePin('999999', '654321')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 2 } });
    await session.changePin(PIN, '654321');
    expect(session.token.pinRetriesLeft).toBe(3);
    await expect(session.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
    await session.login('654321');
    await session.changePin('654321', PIN);
    await session.login(PIN);
    await session.close();
  });

  it('lists seals from files named eseal.* (SKF_ReadFile in chunks), other files ignored', async () => {
    const session = await openSession();
    const seals = await session.listSeals();
    expect(seals.map((s) => s.id)).toEqual(['eseal.big', 'eseal.official']);
    expect(Buffer.from(seals[0]?.der ?? [])).toEqual(BIG_SEAL);
    expect(Buffer.from(seals[1]?.der ?? [])).toEqual(SEAL);
    await session.close();
    await expect(session.listSeals()).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' }); // closed
  });
});

describe('SKF removal (control file)', () => {
  it('a removal mid-sequence gives ERR_TOKEN_REMOVED cleanly; after reinsertion a new session works', async () => {
    const session = await openSession();
    await session.login(PIN);
    const e = sm2Digest(publicKey, MESSAGE);
    expect(opensslVerifies(MESSAGE, await session.signDigest('seal-sm2', e))).toBe(true);

    unplug(dir);
    await expect(session.signDigest('seal-sm2', e)).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
    await expect(session.listCertificates()).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
    await expect(session.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
    expect(session.token.present).toBe(false);
    await session.close();
    expect(await provider.list()).toEqual([]);
    await expect(provider.open({ serial: SERIAL })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });

    replug(dir);
    await expect(session.signDigest('seal-sm2', e)).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' }); // closed stays closed
    const again = await openSession();
    await expect(again.signDigest('seal-sm2', e)).rejects.toMatchObject({ code: 'ERR_TOKEN_LOGIN_REQUIRED' }); // the login went with the removal
    await again.login(PIN);
    expect(opensslVerifies(MESSAGE, await again.signDigest('seal-sm2', e))).toBe(true);
    await again.close();
  });
});
