// SPDX-License-Identifier: Apache-2.0
/**
 * The PKCS#11 back end against ESeal's C test token libsm2testtoken.so (test-tokens/): SM2 under
 * the vendor numbers of profile A (Sansec/swpkcs11) and profile B (IBM), PIN lockout, PIN pad and
 * removal through the control file. Every SM2 signature is verified over the message M by
 * `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`, never by Node.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11TokenProvider } from '../../../../agent/token/pkcs11/Pkcs11TokenProvider.js';
import type { Pkcs11Session } from '../../../../agent/token/pkcs11/Pkcs11Session.js';
import type { TokenEvent } from '../../../../agent/token/TokenProvider.js';
import { sm2Digest } from '../../../../shared/crypto/index.js';
import { parseCertificate } from '../../../../shared/x509/index.js';
import {
  buildTestTokens, makeSm2TestTokenDir, opensslVerify, removeDir, replug, spkiPemFromPoint, tempDir, unplug,
} from '../../../test-tokens/testTokenSupport.js';

const PIN = '123456';
const MESSAGE = Buffer.from('ESeal SM2 message: 财政直接支付凭证 2026-0001', 'utf8');
const SEAL_DER = Buffer.from('3003020104', 'hex');
const SERIAL = { a: 'A000000000000001', b: 'B000000000000001', lock: 'L000000000000001', rem: 'R000000000000001', pad: 'P000000000000001' };
/** CKA_ID of the test token's objects is the file name; listCertificates gives it in hex. */
const idOf = (name: string) => Buffer.from(name, 'utf8').toString('hex');

let root = '';
let libraryPath = '';
let provider: Pkcs11TokenProvider;
const dirs: Record<'a' | 'b' | 'lock' | 'rem' | 'twin1' | 'twin2' | 'pad', string> = { a: '', b: '', lock: '', rem: '', twin1: '', twin2: '', pad: '' };

/** SM2 public key PEM and point of a certificate as the token returned it. */
function sm2Key(der: Uint8Array): { point: Uint8Array; pem: string } {
  const point = parseCertificate(der).publicKey.point!;
  return { point, pem: spkiPemFromPoint('SM2', Buffer.from(point.subarray(1, 33)), Buffer.from(point.subarray(33, 65))) };
}

/** `openssl pkeyutl -verify -rawin -digest sm3 … distid:1234567812345678` over the message. */
function pkeyutlVerifySm2(pem: string, message: Buffer, sigDer: Uint8Array): boolean {
  const d = tempDir('eseal-p11verify-');
  try {
    writeFileSync(join(d, 'pub.pem'), pem);
    writeFileSync(join(d, 'msg'), message);
    writeFileSync(join(d, 'sig'), sigDer);
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', join(d, 'pub.pem'), '-pkeyopt', 'distid:1234567812345678', '-in', join(d, 'msg'), '-sigfile', join(d, 'sig')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.includes('Signature Verified Successfully');
  } catch {
    return false;
  } finally {
    removeDir(d);
  }
}

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(() => {
  libraryPath = buildTestTokens().pkcs11;
  root = tempDir('eseal-p11-sm2tt-');
  for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = join(root, k);
  makeSm2TestTokenDir(dirs.a, {
    label: 'SM2 Token A', serial: SERIAL.a, profile: 'A',
    keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '张三 (SM2)' }, { name: 'seal-p256', curve: 'P-256', cn: 'P-256 key' }],
    data: [
      { file: 'seal1', label: 'seal-A-1', application: 'ESeal', value: SEAL_DER },
      { file: 'seal2', label: 'ESeal:seal-A-2', application: '', value: SEAL_DER },
      { file: 'other', label: 'not-a-seal', application: 'Other App', value: Buffer.from('x') },
    ],
  });
  // profile B, SM2 keys reported as CKK_EC without CKA_EC_PARAMS: the curve comes from the certificate
  makeSm2TestTokenDir(dirs.b, { label: 'SM2 Token B', serial: SERIAL.b, profile: 'B', sm2KeyType: 'ec', sm2EcParams: false, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '李四 (SM2, B)' }] });
  makeSm2TestTokenDir(dirs.lock, { label: 'Lock Token', serial: SERIAL.lock, profile: 'A', maxPinRetries: 3, keys: [{ name: 'k', curve: 'SM2', cn: 'lock' }] });
  makeSm2TestTokenDir(dirs.rem, { label: 'Removable', serial: SERIAL.rem, profile: 'B', keys: [{ name: 'k', curve: 'SM2', cn: 'removable' }] });
  makeSm2TestTokenDir(dirs.twin1, { label: 'Twin', serial: 'T000000000000001' });
  makeSm2TestTokenDir(dirs.twin2, { label: 'Twin', serial: 'T000000000000002' });
  makeSm2TestTokenDir(dirs.pad, { label: 'PIN Pad', serial: SERIAL.pad, profile: 'A', pinpad: true, keys: [{ name: 'k', curve: 'SM2', cn: 'pinpad' }] });
  process.env.SM2TESTTOKEN_DIR = Object.values(dirs).join(':'); // read by C_Initialize
  provider = new Pkcs11TokenProvider({ libraryPath });
});

afterAll(async () => {
  await provider?.close();
  removeDir(root);
});

describe('test token: tokens and profiles', () => {
  it('lists every token with trimmed strings and decoded flags', async () => {
    const tokens = await provider.list();
    expect(tokens.map((t) => t.serial).sort()).toEqual([SERIAL.a, SERIAL.b, SERIAL.lock, SERIAL.pad, SERIAL.rem, 'T000000000000001', 'T000000000000002']);
    expect(tokens.find((t) => t.serial === SERIAL.a)).toMatchObject({ label: 'SM2 Token A', manufacturer: 'ESeal Test', pinPad: false, pinLocked: false, developmentOnly: true, present: true });
    expect(tokens.find((t) => t.serial === SERIAL.pad)?.pinPad).toBe(true);
  });

  it('an ambiguous label is a coded error; the serial disambiguates', async () => {
    await expect(provider.open({ label: 'Twin' })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'label' } });
    const s = await provider.open({ label: 'Twin', serial: 'T000000000000002' });
    expect(s.token.serial).toBe('T000000000000002');
    await s.close();
  });

  it('detects profile A and B by probing the mechanism list; configuration overrides', async () => {
    const a = await provider.open({ serial: SERIAL.a });
    const b = await provider.open({ serial: SERIAL.b });
    expect([a.profile.profile.id, a.profile.rule, a.sm2Mechanism?.name]).toEqual(['A', 'probe', 'CKM_SM2_SIGN']);
    expect([b.profile.profile.id, b.profile.rule, b.sm2Mechanism?.name]).toEqual(['B', 'probe', 'CKM_IBM_SM2']);
    await Promise.all([a.close(), b.close()]);

    const configured = new Pkcs11TokenProvider({ libraryPath, profile: 'standard' }); // shares the loaded module
    try {
      const s = await configured.open({ serial: SERIAL.a });
      expect(s.profile.rule).toBe('configured');
      await s.login(PIN);
      await expect(s.signDigest(idOf('seal-sm2'), new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TOKEN_MECHANISM_UNSUPPORTED' });
      await expect(s.signSm2Message(idOf('seal-sm2'), MESSAGE)).rejects.toMatchObject({ code: 'ERR_TOKEN_MECHANISM_UNSUPPORTED' });
      await s.close();
    } finally {
      await configured.close();
    }
  });
});

describe('test token: SM2 signing (verified by openssl with distid 1234567812345678)', () => {
  let a: Pkcs11Session;
  let b: Pkcs11Session;
  beforeAll(async () => {
    a = await provider.open({ serial: SERIAL.a });
    b = await provider.open({ serial: SERIAL.b });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('profile A: login, certificates (vendor CKK_SM2 → SM2, CKK_EC P-256), e = sm2Digest(pub, M) signed with CKM_SM2_SIGN', async () => {
    await a.login(PIN);
    const certs = await a.listCertificates();
    expect(certs.map((c) => [c.label, c.keyAlgorithm]).sort()).toEqual([['seal-p256', 'EC-P256'], ['seal-sm2', 'SM2']]);
    const cert = certs.find((c) => c.label === 'seal-sm2')!;
    expect(cert.id).toBe(idOf('seal-sm2'));
    const { point, pem } = sm2Key(cert.der);
    const sig = await a.signDigest(cert.id, sm2Digest(point, MESSAGE));
    expect(sig[0]).toBe(0x30);
    expect(pkeyutlVerifySm2(pem, MESSAGE, sig)).toBe(true);
    expect(pkeyutlVerifySm2(pem, Buffer.from('another message'), sig)).toBe(false); // control
    expect(opensslVerify('SM2', pem, MESSAGE, Buffer.from(sig))).toBe(true); // openssl dgst -sm3 -sigopt distid:…
  });

  it('profile A: a P-256 key on the same token signs with CKM_ECDSA', async () => {
    const cert = (await a.listCertificates()).find((c) => c.keyAlgorithm === 'EC-P256')!;
    const point = parseCertificate(cert.der).publicKey.point!;
    const pem = spkiPemFromPoint('P-256', Buffer.from(point.subarray(1, 33)), Buffer.from(point.subarray(33)));
    const { createHash } = await import('node:crypto');
    const sig = await a.signDigest(cert.id, createHash('sha256').update(MESSAGE).digest());
    expect(opensslVerify('P-256', pem, MESSAGE, Buffer.from(sig))).toBe(true);
  });

  it('profile B: CKK_EC without CKA_EC_PARAMS is recognised as SM2; CKM_IBM_SM2 r‖s is normalised to DER', async () => {
    await b.login(PIN);
    const [cert] = await b.listCertificates();
    expect(cert?.keyAlgorithm).toBe('SM2');
    const { point, pem } = sm2Key(cert!.der);
    const sig = await b.signDigest(cert!.id, sm2Digest(point, MESSAGE));
    expect(sig[0]).toBe(0x30);
    expect(pkeyutlVerifySm2(pem, MESSAGE, sig)).toBe(true);
  });

  it('SM2 needs the 32-byte e', async () => {
    await expect(a.signDigest(idOf('seal-sm2'), new Uint8Array(31))).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('fallback signSm2Message: the token hashes with Z inside (A: CKM_SM3_SM2_APPID1, B: CKM_IBM_SM2_SM3) → DER that openssl verifies', async () => {
    for (const s of [a, b]) {
      const cert = (await s.listCertificates()).find((c) => c.keyAlgorithm === 'SM2')!;
      const { pem } = sm2Key(cert.der);
      const sig = await s.signSm2Message(cert.id, MESSAGE);
      expect(sig[0]).toBe(0x30);
      expect(pkeyutlVerifySm2(pem, MESSAGE, sig)).toBe(true);
    }
    await expect(a.signSm2Message(idOf('seal-p256'), MESSAGE)).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('lists seals: CKA_APPLICATION "ESeal" and the "ESeal:" label prefix, nothing else', async () => {
    const seals = await a.listSeals();
    expect(seals.map((s) => s.id).sort()).toEqual(['ESeal:seal-A-2', 'seal-A-1']);
    for (const s of seals) expect(Buffer.from(s.der).equals(SEAL_DER)).toBe(true);
  });

  it('changes the PIN and back', async () => {
    await a.changePin(PIN, '24680');
    await a.logout();
    await expect(a.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
    await a.login('24680');
    await a.changePin('24680', PIN);
    await a.login(PIN);
  });
});

describe('test token: PIN retries, lockout, PIN pad', () => {
  it('wrong PINs: count low (tries unknown) → final try (1 left) → ERR_TOKEN_PIN_LOCKED, also for the right PIN', async () => {
    const s = await provider.open({ serial: SERIAL.lock });
    try {
      const first = await s.login('1111').catch((e: unknown) => e);
      expect(first).toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { pinCountLow: true } });
      expect((first as { details: Record<string, unknown> }).details.retriesLeft).toBeUndefined();
      await expect(s.login('2222')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 1 } });
      expect((await provider.list()).find((t) => t.serial === SERIAL.lock)).toMatchObject({ pinRetriesLeft: 1, pinLocked: false });
      expect(s.token.pinRetriesLeft).toBe(1);
      await expect(s.login('3333')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
      await expect(s.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
      expect((await provider.list()).find((t) => t.serial === SERIAL.lock)).toMatchObject({ pinRetriesLeft: 0, pinLocked: true });
    } finally {
      await s.close();
    }
  });

  it('PIN pad: nothing typed → ERR_USER_CANCELLED; typed on the pad → logged in; not offered on other tokens', async () => {
    const s = await provider.open({ serial: SERIAL.pad });
    const other = await provider.open({ serial: SERIAL.b });
    try {
      await expect(s.loginWithPinPad()).rejects.toMatchObject({ code: 'ERR_USER_CANCELLED' });
      writeFileSync(join(dirs.pad, 'pinpad-input'), PIN);
      await s.loginWithPinPad();
      const [cert] = await s.listCertificates();
      const { point, pem } = sm2Key(cert!.der);
      expect(pkeyutlVerifySm2(pem, MESSAGE, await s.signDigest(cert!.id, sm2Digest(point, MESSAGE)))).toBe(true);
      await expect(other.loginWithPinPad()).rejects.toMatchObject({ code: 'ERR_TOKEN_MECHANISM_UNSUPPORTED' });
    } finally {
      await Promise.all([s.close(), other.close()]);
    }
  });
});

describe('test token: removal and reinsertion (control file)', () => {
  it('removed before login: the login answers ERR_TOKEN_REMOVED and the session stays dead after reinsertion', async () => {
    const s = await provider.open({ serial: SERIAL.rem });
    try {
      unplug(dirs.rem);
      await expect(s.login(PIN)).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
      replug(dirs.rem);
      await expect(s.listCertificates()).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
    } finally {
      replug(dirs.rem);
      await s.close();
    }
  });

  it('unplugged during a sequence of signatures: ERR_TOKEN_REMOVED, no crash, no hang; watch() reports removed then inserted; a new session works', async () => {
    const events: TokenEvent[] = [];
    const watcher = provider.watch((e) => events.push(e), 20);
    const s = await provider.open({ serial: SERIAL.rem });
    try {
      await s.login(PIN);
      const [cert] = await s.listCertificates();
      const { point, pem } = sm2Key(cert!.der);
      const e = sm2Digest(point, MESSAGE);

      const pending = Array.from({ length: 10 }, () => s.signDigest(cert!.id, e));
      void pending[2]!.then(() => unplug(dirs.rem));
      const settled = await Promise.race([
        Promise.allSettled(pending),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('signatures hung after removal')), 5000)),
      ]);
      const fulfilled = settled.filter((r): r is PromiseFulfilledResult<Uint8Array> => r.status === 'fulfilled');
      const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled.length).toBeGreaterThanOrEqual(3);
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      expect(settled.findIndex((r) => r.status === 'rejected')).toBe(fulfilled.length); // all successes came before the removal
      for (const r of rejected) expect(r.reason).toMatchObject({ code: 'ERR_TOKEN_REMOVED' });
      for (const r of fulfilled) expect(pkeyutlVerifySm2(pem, MESSAGE, r.value)).toBe(true);
      await expect(s.signDigest(cert!.id, e)).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' }); // stays dead

      await until(() => events.some((ev) => ev.type === 'removed' && ev.token.serial === SERIAL.rem));
      expect((await provider.list()).map((t) => t.serial)).not.toContain(SERIAL.rem);
      await expect(provider.open({ serial: SERIAL.rem })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });

      replug(dirs.rem);
      await until(() => events.some((ev) => ev.type === 'inserted' && ev.token.serial === SERIAL.rem));
      expect(events.filter((ev) => ev.token.serial === SERIAL.rem).map((ev) => ev.type)).toEqual(['removed', 'inserted']);
      await expect(s.signDigest(cert!.id, e)).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' }); // old session stays dead

      const again = await provider.open({ serial: SERIAL.rem });
      try {
        await again.login(PIN);
        expect(pkeyutlVerifySm2(pem, MESSAGE, await again.signDigest(cert!.id, e))).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      watcher.stop();
      replug(dirs.rem);
      await s.close();
    }
  });
});
