// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The pure pairing and authentication computations, shared by the agent and the extension (the
 * extension must not import agent/, so they live here). See docs/protocol.md §配对 / Pairing.
 *
 * Design rationale:
 * - Every MAC is HMAC-SM3 over a domain-separated, unambiguous message: an ASCII label, a 0x00
 *   byte, the two fixed-size 32-byte nonces, then a UTF-8 string (the only variable-length part,
 *   always last). The agent proof and the extension proof use different labels and nonce orders,
 *   so one can never be replayed as the other.
 * - First pairing: both sides derive keys from the one-time code with HKDF-SM3 (RFC 5869 with
 *   HMAC-SM3): IKM = code, salt = nonceC ‖ nonceA, info = label ‖ 0 ‖ origin ‖ 0 ‖ instanceId,
 *   L = 48 → macKey (32) ‖ encKey (16, SM4). The extension proves the code with
 *   HMAC-SM3(macKey, 'eseal-pair-ext-v1' ‖ 0 ‖ nonceA ‖ nonceC); the agent mints the 256-bit
 *   key K and returns it sealed with SM4-GCM under encKey (AAD = label ‖ keyId ‖ instanceId),
 *   which also proves to the extension that the peer knew the code.
 * - Every connection: agent proof = HMAC-SM3(K, 'eseal-agent-v1' ‖ 0 ‖ nonceC ‖ nonceA ‖ instanceId),
 *   extension proof = HMAC-SM3(K, 'eseal-ext-v1' ‖ 0 ‖ nonceA ‖ nonceC ‖ origin) where origin is
 *   the Origin header of the WebSocket upgrade (what the agent saw, not what a page claims).
 */
import { base64Decode, concatBytes, hmacSm3Parts, sm4GcmDecrypt, sm4GcmEncrypt, utf8Encode } from '../crypto/index.js';
import { SealError } from '../errors/index.js';

export const PAIRING_NONCE_BYTES = 32;
export const PAIRING_KEY_BYTES = 32;
/** Digits of the one-time pairing code. */
export const PAIRING_CODE_DIGITS = 8;

const ZERO = Uint8Array.of(0);

function checkNonce(name: string, nonce: Uint8Array): void {
  if (!(nonce instanceof Uint8Array) || nonce.length !== PAIRING_NONCE_BYTES) {
    throw new SealError('ERR_INPUT_INVALID', { name, reason: `must be ${PAIRING_NONCE_BYTES} bytes` });
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== PAIRING_KEY_BYTES) throw new SealError('ERR_INPUT_INVALID', { name: 'key', reason: `must be ${PAIRING_KEY_BYTES} bytes` });
}

/** HKDF (RFC 5869) with HMAC-SM3. */
export function hkdfSm3(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new SealError('ERR_INPUT_INVALID', { name: 'length', reason: '1..8160' });
  const prk = hmacSm3Parts(salt.length === 0 ? new Uint8Array(32) : salt, [ikm]);
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++) {
    previous = hmacSm3Parts(prk, [previous, info, Uint8Array.of(i)]);
    out.set(previous.subarray(0, Math.min(32, length - offset)), offset);
    offset += 32;
  }
  prk.fill(0);
  return out;
}

/** Constant-time comparison of two MACs. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** The agent's per-connection proof: HMAC-SM3(K, 'eseal-agent-v1' ‖ 0 ‖ nonceC ‖ nonceA ‖ instanceId). */
export function agentProof(key: Uint8Array, nonceC: Uint8Array, nonceA: Uint8Array, instanceId: string): Uint8Array {
  checkKey(key);
  checkNonce('nonceC', nonceC);
  checkNonce('nonceA', nonceA);
  return hmacSm3Parts(key, [utf8Encode('eseal-agent-v1'), ZERO, nonceC, nonceA, utf8Encode(instanceId)]);
}

/** The extension's per-connection proof: HMAC-SM3(K, 'eseal-ext-v1' ‖ 0 ‖ nonceA ‖ nonceC ‖ origin). */
export function extensionProof(key: Uint8Array, nonceA: Uint8Array, nonceC: Uint8Array, origin: string): Uint8Array {
  checkKey(key);
  checkNonce('nonceA', nonceA);
  checkNonce('nonceC', nonceC);
  return hmacSm3Parts(key, [utf8Encode('eseal-ext-v1'), ZERO, nonceA, nonceC, utf8Encode(origin)]);
}

export interface PairingKeys {
  /** Proves knowledge of the code (32 bytes). */
  readonly macKey: Uint8Array;
  /** Seals the minted key K (SM4, 16 bytes). */
  readonly encKey: Uint8Array;
}

/** Keys derived from the one-time code and both nonces (HKDF-SM3, see the module comment). */
export function derivePairingKeys(code: string, nonceC: Uint8Array, nonceA: Uint8Array, origin: string, instanceId: string): PairingKeys {
  checkNonce('nonceC', nonceC);
  checkNonce('nonceA', nonceA);
  const okm = hkdfSm3(utf8Encode(code), concatBytes(nonceC, nonceA), concatBytes(utf8Encode('eseal-pairing-v1'), ZERO, utf8Encode(origin), ZERO, utf8Encode(instanceId)), 48);
  return { macKey: okm.slice(0, 32), encKey: okm.slice(32, 48) };
}

/** The extension's proof that it knows the code: HMAC-SM3(macKey, 'eseal-pair-ext-v1' ‖ 0 ‖ nonceA ‖ nonceC). */
export function pairingProof(keys: PairingKeys, nonceA: Uint8Array, nonceC: Uint8Array): Uint8Array {
  return hmacSm3Parts(keys.macKey, [utf8Encode('eseal-pair-ext-v1'), ZERO, nonceA, nonceC]);
}

function keyAad(keyId: string, instanceId: string): Uint8Array {
  return concatBytes(utf8Encode('eseal-pair-key-v1'), ZERO, utf8Encode(keyId), ZERO, utf8Encode(instanceId));
}

/** Agent side: seals the freshly minted K for the extension. */
export function sealPairedKey(keys: PairingKeys, iv: Uint8Array, key: Uint8Array, keyId: string, instanceId: string): Uint8Array {
  checkKey(key);
  return sm4GcmEncrypt(keys.encKey, iv, key, keyAad(keyId, instanceId));
}

/**
 * Extension side: opens K. A wrong code on either side (or a peer that never knew it) fails the GCM
 * tag → ERR_AGENT_IMPOSTOR.
 */
export function openPairedKey(keys: PairingKeys, iv: Uint8Array, sealed: Uint8Array, keyId: string, instanceId: string): Uint8Array {
  try {
    const key = sm4GcmDecrypt(keys.encKey, iv, sealed, keyAad(keyId, instanceId));
    checkKey(key);
    return key;
  } catch {
    throw new SealError('ERR_AGENT_IMPOSTOR');
  }
}

/**
 * Extension side of every connection: checks the agent's `welcome` for the key we hold and returns
 * agent nonce and instance id for our own proof. A welcome that says "not paired" is
 * ERR_AGENT_NOT_PAIRED (re-pair with a code); one whose proof does not verify is ERR_AGENT_IMPOSTOR
 * (something else holds the port: send it nothing).
 */
export function verifyWelcome(welcome: unknown, key: Uint8Array, nonceC: Uint8Array): { nonceA: Uint8Array; instanceId: string } {
  const w = (welcome ?? {}) as Record<string, unknown>;
  if (w['kind'] !== 'welcome' || typeof w['nonce'] !== 'string' || typeof w['instanceId'] !== 'string') throw new SealError('ERR_AGENT_IMPOSTOR');
  if (w['paired'] === false) throw new SealError('ERR_AGENT_NOT_PAIRED');
  let nonceA: Uint8Array;
  let proof: Uint8Array;
  try {
    nonceA = base64Decode(w['nonce']);
    proof = typeof w['proof'] === 'string' ? base64Decode(w['proof']) : new Uint8Array(0);
  } catch {
    throw new SealError('ERR_AGENT_IMPOSTOR');
  }
  if (nonceA.length !== PAIRING_NONCE_BYTES || !macEquals(agentProof(key, nonceC, nonceA, w['instanceId']), proof)) throw new SealError('ERR_AGENT_IMPOSTOR');
  return { nonceA, instanceId: w['instanceId'] };
}
