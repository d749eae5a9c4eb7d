// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSoftToken, SoftTokenProvider } from '../../../agent/token/soft/SoftToken.js';
import { sm2Digest, sm2GenerateKeyPair } from '../../../shared/crypto/sm2.js';
import type { TokenEvent } from '../../../agent/token/TokenProvider.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-softtoken-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SubjectPublicKeyInfo for an SM2 point, so OpenSSL can verify independently. */
function sm2PublicKeyPem(point: Uint8Array): string {
  const prefix = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');
  const der = Buffer.concat([prefix, Buffer.from(point)]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
}

function makeToken(name: string, maxRetries = 3) {
  const key = sm2GenerateKeyPair();
  const path = join(dir, `${name}.json`);
  createSoftToken({
    path,
    pin: '12345678',
    label: '测试令牌',
    serial: `SN-${name}`,
    keys: [{ certificateId: 'c1', label: '张三', privateKey: key.privateKey, certificateDer: new Uint8Array([0x30, 0x00]) }],
    seals: [{ id: 'seal-1', der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x04]) }],
    maxRetries,
    kdfCost: 2 ** 12,
  });
  return { path, key, provider: new SoftTokenProvider(path) };
}

describe('software token (development only)', () => {
  it('is listed as development-only and opened by serial, never by position', async () => {
    const { provider } = makeToken('list');
    const [info] = await provider.list();
    expect(info).toMatchObject({ backend: 'soft', serial: 'SN-list', label: '测试令牌', developmentOnly: true, present: true, pinRetriesLeft: 3, pinLocked: false });
    await expect(provider.open({ serial: 'other' })).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    const session = await provider.open({ serial: 'SN-list' });
    expect((await session.listSeals())[0]?.id).toBe('seal-1');
    expect(readFileSync(join(dir, 'list.json'), 'utf8')).toContain('不可用于生产');
  });

  it('signs e = SM3(Z‖M) after login, and OpenSSL verifies the signature over M', async () => {
    const { provider, key } = makeToken('sign');
    const session = await provider.open({ serial: 'SN-sign' });
    const message = new TextEncoder().encode('财政直接支付凭证 2026-0001');
    await expect(session.signDigest('c1', sm2Digest(key.publicKey, message))).rejects.toMatchObject({ code: 'ERR_TOKEN_LOGIN_REQUIRED' });
    await session.login('12345678');
    const signature = await session.signDigest('c1', sm2Digest(key.publicKey, message));
    await expect(session.signDigest('nope', sm2Digest(key.publicKey, message))).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_NOT_FOUND' });
    writeFileSync(join(dir, 'pub.pem'), sm2PublicKeyPem(key.publicKey));
    writeFileSync(join(dir, 'msg.bin'), message);
    writeFileSync(join(dir, 'sig.der'), signature);
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', join(dir, 'pub.pem'), '-pkeyopt', 'distid:1234567812345678', '-in', join(dir, 'msg.bin'), '-sigfile', join(dir, 'sig.der')], { encoding: 'utf8' });
    expect(out).toContain('Signature Verified Successfully');
    await session.close();
  });

  it('counts wrong PINs, persists the counter, locks, and resets it on success', async () => {
    const { provider, path } = makeToken('pin', 3);
    const session = await provider.open({ serial: 'SN-pin' });
    await expect(session.login('00000000')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT', details: { retriesLeft: 2 } });
    await session.login('12345678');
    expect((await provider.list())[0]?.pinRetriesLeft).toBe(3);
    await expect(session.login('00000000')).rejects.toMatchObject({ details: { retriesLeft: 2 } });
    // A new provider (agent restart) sees the persisted counter.
    const again = await new SoftTokenProvider(path).open({ serial: 'SN-pin' });
    await expect(again.login('11111111')).rejects.toMatchObject({ details: { retriesLeft: 1 } });
    await expect(again.login('22222222')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
    await expect(again.login('12345678')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_LOCKED' });
    expect((await provider.list())[0]?.pinLocked).toBe(true);
  });

  it('changes the PIN', async () => {
    const { provider } = makeToken('change');
    const session = await provider.open({ serial: 'SN-change' });
    await session.changePin('12345678', 'abcdefgh');
    await session.logout();
    await expect(session.login('12345678')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INCORRECT' });
    await session.login('abcdefgh');
    await expect(session.changePin('abcdefgh', '123')).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
  });

  it.each([['empty', ''], ['too long', 'x'.repeat(33)], ['non-ASCII', '密码密码密码'], ['control char', '1234567\n']])('refuses a %s PIN without counting it', async (_l, pin) => {
    const { provider } = makeToken(`bad-${_l.replace(/\W/g, '')}`);
    const session = await provider.open({ serial: `SN-bad-${_l.replace(/\W/g, '')}` });
    await expect(session.login(pin)).rejects.toMatchObject({ code: 'ERR_TOKEN_PIN_INVALID' });
    expect((await provider.list())[0]?.pinRetriesLeft).toBe(3);
  });

  it('reports removal and reinsertion by polling, and fails cleanly when removed mid-session', async () => {
    const { provider, path, key } = makeToken('remove');
    const session = await provider.open({ serial: 'SN-remove' });
    await session.login('12345678');
    const events: TokenEvent['type'][] = [];
    const watcher = provider.watch((e) => events.push(e.type), 20);
    const saved = readFileSync(path);
    unlinkSync(path);
    await expect(session.signDigest('c1', sm2Digest(key.publicKey, new Uint8Array(1)))).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
    await expect.poll(() => events).toEqual(['removed']);
    writeFileSync(path, saved);
    await expect.poll(() => events).toEqual(['removed', 'inserted']);
    watcher.stop();
  });

  it.each([
    ['not JSON', '{'],
    ['another format', JSON.stringify({ format: 'x' })],
  ])('treats a corrupt token file (%s) as a coded driver error', async (_l, content) => {
    const path = join(dir, `corrupt-${_l.replace(/\W/g, '')}.json`);
    writeFileSync(path, content);
    const provider = new SoftTokenProvider(path);
    expect(await provider.list()).toEqual([]);
    await expect(provider.open({})).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_PRESENT' });
  });
});
