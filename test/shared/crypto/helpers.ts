// SPDX-License-Identifier: Apache-2.0
/**
 * Test helpers for the crypto suites: vector loading, coded-error capture, OpenSSL invocation and
 * PEM builders for SM2 keys. Tests may use node:* (they are outside shared/).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { SealError, type ErrorCode } from '../../../shared/errors/index.js';
import { base64Encode, bytesToHex, hexToBytes } from '../../../shared/crypto/bytes.js';

/** Parsed JSON from test/vectors/<rel>. */
export function loadVectors<T>(rel: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/${rel}`, import.meta.url), 'utf8')) as T;
}

/** The SealError code `fn` throws ('no error' if it returns). Non-SealErrors fail the test. */
export function codeOf(fn: () => unknown): ErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SealError);
    return (e as SealError).code;
  }
  return 'no error';
}

/** Same as `codeOf` for async functions. */
export async function codeOfAsync(fn: () => Promise<unknown>): Promise<ErrorCode | 'no error'> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SealError);
    return (e as SealError).code;
  }
  return 'no error';
}

/** Deterministic pseudo-random bytes (xorshift32) so failures reproduce; not for keys. */
export function seededBytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Runs openssl with args; returns stdout bytes. Throws (with stderr) on a non-zero exit. */
export function openssl(args: string[], input?: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** Whether openssl exits 0 for these args. */
export function opensslOk(args: string[]): boolean {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return true;
  } catch {
    return false;
  }
}

function pem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** SubjectPublicKeyInfo PEM (id-ecPublicKey, curve sm2p256v1 1.2.156.10197.1.301) for a 65-byte point. */
export function sm2PublicKeyPem(publicKey: Uint8Array): string {
  return pem('PUBLIC KEY', hexToBytes(`3059301306072a8648ce3d020106082a811ccf5501822d034200${bytesToHex(publicKey)}`));
}

/** SEC1 ECPrivateKey PEM on curve sm2p256v1. */
export function sm2PrivateKeyPem(privateKey: Uint8Array, publicKey: Uint8Array): string {
  return pem('EC PRIVATE KEY', hexToBytes(`30770201010420${bytesToHex(privateKey)}a00a06082a811ccf5501822da144034200${bytesToHex(publicKey)}`));
}

/** Private scalar and public point of an OpenSSL key, read from `openssl pkey -text`. */
export function readOpensslSm2Key(pemPath: string): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const text = new TextDecoder().decode(openssl(['pkey', '-in', pemPath, '-text', '-noout']));
  const hexAfter = (label: string, until: string): string => {
    const start = text.indexOf(label);
    const end = text.indexOf(until, start + label.length);
    return text.slice(start + label.length, end === -1 ? undefined : end).replace(/[^0-9a-f]/gi, '');
  };
  const priv = BigInt(`0x${hexAfter('priv:', 'pub:')}`);
  const pub = hexAfter('pub:', 'ASN1 OID');
  return { privateKey: hexToBytes(priv.toString(16).padStart(64, '0')), publicKey: hexToBytes(pub) };
}
