// SPDX-License-Identifier: Apache-2.0
// Pairing primitives (shared/protocol/pairingProof.ts) against OpenSSL's HKDF/HMAC with SM3 (through
// node:crypto), and the agent's pairing store (file modes, code expiry and attempts, revocation).
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newPairingCode, PAIRING_CODE_ATTEMPTS, PairingStore } from '../../../agent/pairing/PairingStore.js';
import { agentProof, derivePairingKeys, extensionProof, hkdfSm3, macEquals, openPairedKey, pairingProof, sealPairedKey, verifyWelcome } from '../../../shared/protocol/index.js';

const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe('HKDF-SM3 and the proofs', () => {
  it('hkdfSm3 equals OpenSSL HKDF with SM3 for many lengths', () => {
    for (const length of [1, 16, 32, 33, 48, 64, 100, 255]) {
      const ikm = bytes(20);
      const salt = bytes(64);
      const info = bytes(30);
      expect(Buffer.from(hkdfSm3(ikm, salt, info, length))).toEqual(Buffer.from(hkdfSync('sm3', ikm, salt, info, length)));
    }
    // Empty salt = HashLen zeros (RFC 5869 §2.2).
    expect(Buffer.from(hkdfSm3(bytes(0).fill(0), new Uint8Array(0), new Uint8Array(0), 32))).toEqual(Buffer.from(hkdfSync('sm3', Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), 32)));
  });

  it('the agent and extension proofs are the documented HMAC-SM3 messages and differ from each other', () => {
    const key = bytes(32);
    const nC = bytes(32);
    const nA = bytes(32);
    const agent = agentProof(key, nC, nA, 'inst-1');
    const hmac = createHmac('sm3', key).update(Buffer.concat([Buffer.from('eseal-agent-v1'), Buffer.of(0), nC, nA, Buffer.from('inst-1')])).digest();
    expect(Buffer.from(agent)).toEqual(hmac);
    const ext = extensionProof(key, nA, nC, 'chrome-extension://x');
    expect(Buffer.from(ext)).toEqual(createHmac('sm3', key).update(Buffer.concat([Buffer.from('eseal-ext-v1'), Buffer.of(0), nA, nC, Buffer.from('chrome-extension://x')])).digest());
    expect(macEquals(agent, ext)).toBe(false);
    expect(() => agentProof(bytes(16), nC, nA, 'i')).toThrow(/32 bytes/);
    expect(() => agentProof(key, bytes(31), nA, 'i')).toThrow(/32 bytes/);
  });

  it('a sealed key opens only with the same code, nonces, origin, keyId and instance', () => {
    const nC = bytes(32);
    const nA = bytes(32);
    const keys = derivePairingKeys('12345678', nC, nA, 'chrome-extension://a', 'inst');
    const k = bytes(32);
    const iv = bytes(12);
    const sealed = sealPairedKey(keys, iv, k, 'kid', 'inst');
    expect(Buffer.from(openPairedKey(keys, iv, sealed, 'kid', 'inst'))).toEqual(Buffer.from(k));
    const variants = [
      derivePairingKeys('12345679', nC, nA, 'chrome-extension://a', 'inst'),
      derivePairingKeys('12345678', bytes(32), nA, 'chrome-extension://a', 'inst'),
      derivePairingKeys('12345678', nC, nA, 'chrome-extension://b', 'inst'),
    ];
    for (const other of variants) expect(() => openPairedKey(other, iv, sealed, 'kid', 'inst')).toThrow(expect.objectContaining({ code: 'ERR_AGENT_IMPOSTOR' }) as Error);
    expect(() => openPairedKey(keys, iv, sealed, 'kid2', 'inst')).toThrow(expect.objectContaining({ code: 'ERR_AGENT_IMPOSTOR' }) as Error);
    expect(macEquals(pairingProof(keys, nA, nC), pairingProof(variants[0] as typeof keys, nA, nC))).toBe(false);
  });
});

describe('verifyWelcome (the extension side of the agent proof)', () => {
  it('accepts the real agent and names squatters and unpaired agents', () => {
    const key = bytes(32);
    const nC = bytes(32);
    const nA = bytes(32);
    const good = { kind: 'welcome', nonce: Buffer.from(nA).toString('base64'), instanceId: 'i1', paired: true, proof: Buffer.from(agentProof(key, nC, nA, 'i1')).toString('base64') };
    expect(Buffer.from(verifyWelcome(good, key, nC).nonceA)).toEqual(Buffer.from(nA));
    const code = (w: unknown) => {
      try {
        verifyWelcome(w, key, nC);
        return 'accepted';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(code({ ...good, proof: Buffer.from(bytes(32)).toString('base64') })).toBe('ERR_AGENT_IMPOSTOR');
    expect(code({ ...good, instanceId: 'i2' })).toBe('ERR_AGENT_IMPOSTOR');
    expect(code({ ...good, proof: undefined })).toBe('ERR_AGENT_IMPOSTOR');
    expect(code({ ...good, nonce: '!!' })).toBe('ERR_AGENT_IMPOSTOR');
    expect(code({ ...good, paired: false })).toBe('ERR_AGENT_NOT_PAIRED');
    expect(code(null)).toBe('ERR_AGENT_IMPOSTOR');
    expect(code({ ...good, kind: 'res' })).toBe('ERR_AGENT_IMPOSTOR');
  });
});

describe('PairingStore', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'eseal-pairing-'));

  it('stores keys 0600, lists, finds and revokes them; keeps one instanceId', () => {
    const store = new PairingStore(dir());
    const id = store.instanceId;
    const { keyId, key } = store.add('chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp', 'Chrome');
    expect(key).toHaveLength(32);
    expect(statSync(join(store.directory, 'pairings.json')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(store.keyOf(keyId)?.key ?? [])).toEqual(Buffer.from(key));
    expect(store.list()).toHaveLength(1);
    expect(store.hasBrowserPairing()).toBe(true);
    expect(store.instanceId).toBe(id);
    expect(store.revoke(keyId)).toBe(true);
    expect(store.revoke(keyId)).toBe(false);
    expect(store.keyOf(keyId)).toBeUndefined();
    store.cliKey();
    expect(store.hasBrowserPairing()).toBe(false);
  });

  it('opens a one-time code that expires and burns after the allowed attempts', () => {
    const store = new PairingStore(dir());
    const code = store.openCode(new Date('2026-01-01T00:00:00Z'));
    expect(code.code).toMatch(/^\d{8}$/);
    expect(statSync(join(store.directory, 'pairing-code.json')).mode & 0o777).toBe(0o600);
    expect(store.currentCode(new Date('2026-01-01T00:04:59Z'))?.code).toBe(code.code);
    expect(store.currentCode(new Date('2026-01-01T00:05:01Z'))).toBeUndefined();
    store.openCode();
    for (let left = PAIRING_CODE_ATTEMPTS - 1; left >= 0; left--) expect(store.failAttempt()).toBe(left);
    expect(store.currentCode()).toBeUndefined();
  });

  it('draws codes without modulo bias (each digit roughly uniform)', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 2000; i++) for (const d of newPairingCode()) counts[Number(d)] = (counts[Number(d)] ?? 0) + 1;
    for (const c of counts) expect(c).toBeGreaterThan(1300); // 16000 digits / 10 = 1600 expected
  });
});
