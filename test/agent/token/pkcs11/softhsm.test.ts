// SPDX-License-Identifier: Apache-2.0
/**
 * The PKCS#11 back end against SoftHSM2 2.6.1 (a real module, loaded with dlopen): ECDSA P-256 and
 * RSA-2048 keys imported by scripts/softhsm-setup.sh. Signatures are verified by the OpenSSL
 * command line and by Node's crypto. SoftHSM never locks a PIN and has no removal events; the C
 * test token (sm2testtoken.test.ts) covers those paths.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify as nodeVerify, constants as cryptoConstants } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11TokenProvider } from '../../../../agent/token/pkcs11/Pkcs11TokenProvider.js';
import type { Pkcs11Session } from '../../../../agent/token/pkcs11/Pkcs11Session.js';
import { REPO_ROOT, removeDir, tempDir } from '../../../test-tokens/testTokenSupport.js';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const LABEL = 'ESeal SoftHSM';
const PIN = '123456';
const MESSAGE = Buffer.from('ESeal SoftHSM message: 电子印章 ECDSA/RSA over PKCS#11', 'utf8');
/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

let dir = '';
let provider: Pkcs11TokenProvider;
let serial = '';

function opensslOk(args: string[]): boolean {
  try {
    return /Verified OK|Signature Verified Successfully/.test(execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch {
    return false;
  }
}

beforeAll(() => {
  dir = tempDir('eseal-softhsm-');
  execFileSync('bash', [join(REPO_ROOT, 'scripts/softhsm-setup.sh'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf'); // read by C_Initialize
  provider = new Pkcs11TokenProvider({ libraryPath: MODULE });
  writeFileSync(join(dir, 'msg'), MESSAGE);
  writeFileSync(join(dir, 'msg.sha256'), createHash('sha256').update(MESSAGE).digest());
});

afterAll(async () => {
  await provider?.close();
  removeDir(dir);
});

describe('SoftHSM2: tokens', () => {
  it('lists the initialised token only (not SoftHSM\'s extra empty slot), strings trimmed', async () => {
    const tokens = await provider.list();
    expect(tokens).toHaveLength(1);
    const [t] = tokens;
    expect(t).toMatchObject({ backend: 'pkcs11', label: LABEL, manufacturer: 'SoftHSM project', present: true, pinPad: false, pinLocked: false, developmentOnly: true });
    expect(t!.serial).toMatch(/^[0-9a-f]{16}$/);
    expect(t!.id).toBe(`pkcs11:${MODULE}:${t!.serial}`);
    expect(t!.pinRetriesLeft).toBeUndefined();
    serial = t!.serial;
  });

  it('opens by serial and by label (standard profile, chosen by manufacturer); unknown → ERR_TOKEN_NOT_PRESENT', async () => {
    const a = await provider.open({ serial });
    const b = await provider.open({ label: LABEL });
    expect(a.token.serial).toBe(serial);
    expect(b.token.serial).toBe(serial);
    expect(a.profile).toMatchObject({ rule: 'manufacturer', profile: { id: 'standard' } });
    await Promise.all([a.close(), b.close()]);
    await expect(provider.open({ serial: 'nope' })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    await expect(provider.open({ serial, label: 'other label' })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    await expect(provider.open({})).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });
});

describe('SoftHSM2: session', () => {
  let session: Pkcs11Session;
  beforeAll(async () => {
    session = await provider.open({ serial });
  });
  afterAll(async () => {
    await session.close();
  });

  it('before login: certificates listed (from their public keys), signing needs a login', async () => {
    const certs = await session.listCertificates();
    expect(certs.map((c) => [c.id, c.label, c.keyAlgorithm])).toEqual(expect.arrayContaining([['01', 'seal-ec', 'EC-P256'], ['02', 'seal-rsa', 'RSA']]));
    await expect(session.signDigest('01', new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TOKEN_LOGIN_REQUIRED' });
  });

  it('wrong PIN → ERR_TOKEN_PIN_INCORRECT (SoftHSM only says "count low": no retriesLeft); empty PIN refused; right PIN works', async () => {
    const wrong = await session.login('999999').catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { ckr: 'CKR_PIN_INCORRECT', pinCountLow: true } });
    expect((wrong as { details: Record<string, unknown> }).details.retriesLeft).toBeUndefined();
    await expect(session.login('')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
    await session.login(PIN);
    await session.login(PIN); // again: CKR_USER_ALREADY_LOGGED_IN is handled by verifying anew
    expect((await provider.list())[0]?.pinLocked).toBe(false);
  });

  it('lists the certificates with matching private keys (CKA_ID) and their algorithms, DER unchanged', async () => {
    const certs = await session.listCertificates();
    expect(certs).toHaveLength(2);
    const ec = certs.find((c) => c.id === '01')!;
    const rsa = certs.find((c) => c.id === '02')!;
    expect(ec.keyAlgorithm).toBe('EC-P256');
    expect(rsa.keyAlgorithm).toBe('RSA');
    expect(Buffer.from(ec.der).equals(readFileSync(join(dir, 'ec.cert.der')))).toBe(true);
    expect(Buffer.from(rsa.der).equals(readFileSync(join(dir, 'rsa.cert.der')))).toBe(true);
  });

  it('ECDSA P-256: signs the SHA-256 hash with CKM_ECDSA → DER; openssl pkeyutl, openssl dgst and Node verify it', async () => {
    const hash = createHash('sha256').update(MESSAGE).digest();
    const sig = await session.signDigest('01', hash);
    expect(sig[0]).toBe(0x30);
    writeFileSync(join(dir, 'ec.sig'), sig);
    expect(opensslOk(['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'ec.pub.pem'), '-in', join(dir, 'msg.sha256'), '-sigfile', join(dir, 'ec.sig')])).toBe(true);
    expect(opensslOk(['dgst', '-sha256', '-verify', join(dir, 'ec.pub.pem'), '-signature', join(dir, 'ec.sig'), join(dir, 'msg')])).toBe(true);
    const pub = createPublicKey(readFileSync(join(dir, 'ec.pub.pem')));
    expect(nodeVerify('sha256', MESSAGE, pub, sig)).toBe(true);
    expect(nodeVerify('sha256', Buffer.from('another message'), pub, sig)).toBe(false); // control
  });

  it('RSA: CKM_RSA_PKCS over the caller\'s DigestInfo = PKCS#1 v1.5; openssl and Node verify it', async () => {
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(MESSAGE).digest()]);
    const sig = await session.signDigest('02', digestInfo);
    expect(sig).toHaveLength(256);
    writeFileSync(join(dir, 'rsa.sig'), sig);
    expect(opensslOk(['dgst', '-sha256', '-verify', join(dir, 'rsa.pub.pem'), '-signature', join(dir, 'rsa.sig'), join(dir, 'msg')])).toBe(true);
    const pub = createPublicKey(readFileSync(join(dir, 'rsa.pub.pem')));
    expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: cryptoConstants.RSA_PKCS1_PADDING }, sig)).toBe(true);
  });

  it('refuses bad inputs with coded errors before touching the token', async () => {
    await expect(session.signDigest('01', new Uint8Array(20))).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    await expect(session.signDigest('02', new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' }); // not a DigestInfo
    await expect(session.signDigest('0a0b', new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_NOT_FOUND' });
    await expect(session.signDigest('not hex', new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('serialises concurrent requests on the token: 20 signatures at once all verify', async () => {
    const pub = createPublicKey(readFileSync(join(dir, 'ec.pub.pem')));
    const messages = Array.from({ length: 20 }, (_, i) => Buffer.from(`concurrent ${i}`));
    const sigs = await Promise.all(messages.map((m) => session.signDigest('01', createHash('sha256').update(m).digest())));
    sigs.forEach((sig, i) => expect(nodeVerify('sha256', messages[i]!, pub, sig)).toBe(true));
  });

  it('lists seals stored as CKO_DATA objects with CKA_APPLICATION "ESeal"', async () => {
    const seals = await session.listSeals();
    expect(seals).toHaveLength(1);
    expect(seals[0]?.id).toBe('seal-1');
    expect(Buffer.from(seals[0]!.der).toString('hex')).toBe('3003020104');
  });

  it('changes the PIN with C_SetPIN and back (round trip); a wrong old PIN is ERR_TOKEN_PIN_INCORRECT', async () => {
    await session.changePin(PIN, '654321');
    await session.logout();
    await expect(session.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
    await session.login('654321');
    await expect(session.changePin('000000', PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
    await session.changePin('654321', PIN);
    await session.logout();
    await session.login(PIN);
    await expect(session.signDigest('01', createHash('sha256').update(MESSAGE).digest())).resolves.toBeInstanceOf(Uint8Array);
  });
});

describe('scripts/softhsm-setup.sh', () => {
  it('is idempotent: a second run keeps the token and prints the environment', async () => {
    const out = execFileSync('bash', [join(REPO_ROOT, 'scripts/softhsm-setup.sh'), dir], { encoding: 'utf8' });
    expect(out).toContain(`export SOFTHSM2_CONF='${join(dir, 'softhsm2.conf')}'`);
    expect(out).toContain(`export PKCS11_MODULE='${MODULE}'`);
    expect((await provider.list()).map((t) => t.serial)).toEqual([serial]);
  });
});

describe('SoftHSM2: module lifetime', () => {
  it('two providers share one loaded module; close() finalises only after the last one', async () => {
    const second = new Pkcs11TokenProvider({ libraryPath: MODULE });
    expect((await second.list())[0]?.serial).toBe(serial);
    await second.close();
    expect((await provider.list())[0]?.serial).toBe(serial); // still initialised for the first
    await expect(second.list()).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });

  it('a library that cannot be loaded is ERR_TOKEN_LIBRARY (native), not a crash', async () => {
    const missing = new Pkcs11TokenProvider({ libraryPath: join(dir, 'no-such-module.so') });
    const error = await missing.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_LIBRARY' });
    expect(String((error as { details: { reason: string } }).details.reason)).toMatch(/^native: /);
    await missing.close();
    expect(() => new Pkcs11TokenProvider({ libraryPath: '' })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
  });
});
