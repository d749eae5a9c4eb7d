// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The development software token: SM2 keys in a file encrypted under the PIN. NOT FOR PRODUCTION —
 * it says so in the file, in `tokens.list` (`developmentOnly`) and in the consent window.
 *
 * Design rationale: the private keys are sealed with SM4-GCM under a key derived from the PIN by
 * scrypt (N = 2^15, r = 8, p = 1: ~100 ms per attempt, a slow KDF against guessing); the GCM tag is
 * what tells a right PIN from a wrong one. The retry counter lives beside the ciphertext and is
 * rewritten atomically (temp file + fsync + rename) before the result of an attempt is returned, so
 * a crash cannot give an attacker a free guess. Someone who can edit the file can reset the counter:
 * that is inherent to a software token and one more reason it is for development only.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../fs/writeFileAtomic.js';
import { SealError } from '../../../shared/errors/index.js';
import { sm2SignDigest } from '../../../shared/crypto/sm2.js';
import { sm4GcmDecrypt, sm4GcmEncrypt } from '../../../shared/crypto/sm4.js';
import type { TokenCertificate, TokenEvent, TokenInfo, TokenProvider, TokenSeal, TokenSession } from '../TokenProvider.js';

const FORMAT = 'eseal-soft-token/1';
const WARNING = '开发测试用软件令牌，不可用于生产 / development software token, NOT for production';
const MAX_FILE_BYTES = 4 * 1024 * 1024;

interface KdfParams {
  readonly alg: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

interface SoftTokenFile {
  readonly format: typeof FORMAT;
  readonly warning: string;
  readonly label: string;
  readonly serial: string;
  readonly kdf: KdfParams;
  readonly cipher: 'SM4-GCM';
  readonly iv: string;
  /** SM4-GCM(ciphertext ‖ tag) of the JSON `{ keys: [{ certificateId, privateKey (hex) }] }`. */
  readonly sealed: string;
  readonly certificates: readonly { id: string; label: string; der: string }[];
  readonly seals: readonly { id: string; der: string }[];
  readonly pin: { readonly maxRetries: number; readonly retriesLeft: number };
}

interface SealedKeys {
  readonly keys: readonly { certificateId: string; privateKey: string }[];
}

export interface SoftTokenKey {
  readonly certificateId: string;
  readonly label: string;
  /** 32-byte SM2 private key. */
  readonly privateKey: Uint8Array;
  readonly certificateDer: Uint8Array;
}

export interface CreateSoftTokenOptions {
  readonly path: string;
  readonly pin: string;
  readonly label?: string;
  readonly serial?: string;
  readonly keys: readonly SoftTokenKey[];
  readonly seals?: readonly TokenSeal[];
  readonly maxRetries?: number;
  /** scrypt cost; tests may lower it, never below 2^12. */
  readonly kdfCost?: number;
}

function checkPin(pin: string, name = 'pin'): void {
  if (typeof pin !== 'string' || pin.length < 6 || pin.length > 32 || !/^[\x20-\x7e]+$/.test(pin)) {
    throw new SealError('ERR_TOKEN_PIN_INVALID', { reason: `${name}: 6 to 32 printable ASCII characters` });
  }
}

function deriveKey(pin: string, kdf: KdfParams): Uint8Array {
  return new Uint8Array(scryptSync(pin, Buffer.from(kdf.salt, 'base64'), 16, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r }));
}

function writeAtomically(path: string, file: SoftTokenFile): void {
  writeFileAtomic(path, JSON.stringify(file, null, 2));
}

function seal(pin: string, keys: SealedKeys, kdfCost: number): Pick<SoftTokenFile, 'kdf' | 'iv' | 'sealed' | 'cipher'> {
  const kdf: KdfParams = { alg: 'scrypt', N: kdfCost, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
  const iv = randomBytes(12);
  const sealed = sm4GcmEncrypt(deriveKey(pin, kdf), iv, new TextEncoder().encode(JSON.stringify(keys)), new TextEncoder().encode(FORMAT));
  return { kdf, cipher: 'SM4-GCM', iv: iv.toString('base64'), sealed: Buffer.from(sealed).toString('base64') };
}

/** Writes a new software token file. */
export function createSoftToken(options: CreateSoftTokenOptions): void {
  checkPin(options.pin);
  const kdfCost = options.kdfCost ?? 2 ** 15;
  if (!Number.isInteger(Math.log2(kdfCost)) || kdfCost < 2 ** 12) throw new SealError('ERR_INPUT_INVALID', { name: 'kdfCost', reason: 'a power of two ≥ 4096' });
  const keys: SealedKeys = { keys: options.keys.map((k) => ({ certificateId: k.certificateId, privateKey: Buffer.from(k.privateKey).toString('hex') })) };
  const maxRetries = options.maxRetries ?? 5;
  writeAtomically(options.path, {
    format: FORMAT,
    warning: WARNING,
    label: options.label ?? 'ESeal 开发令牌',
    serial: options.serial ?? randomBytes(8).toString('hex').toUpperCase(),
    ...seal(options.pin, keys, kdfCost),
    certificates: options.keys.map((k) => ({ id: k.certificateId, label: k.label, der: Buffer.from(k.certificateDer).toString('base64') })),
    seals: (options.seals ?? []).map((s) => ({ id: s.id, der: Buffer.from(s.der).toString('base64') })),
    pin: { maxRetries, retriesLeft: maxRetries },
  });
}

function readTokenFile(path: string): SoftTokenFile {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new SealError('ERR_TOKEN_NOT_PRESENT');
  }
  if (size > MAX_FILE_BYTES) throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'software token file too large' });
  let file: SoftTokenFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as SoftTokenFile;
  } catch {
    throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'software token file is not valid JSON' });
  }
  if (file.format !== FORMAT || file.cipher !== 'SM4-GCM' || file.kdf?.alg !== 'scrypt' || typeof file.sealed !== 'string' || !Array.isArray(file.certificates)) {
    throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'not an ESeal software token file' });
  }
  return file;
}

function infoOf(path: string, file: SoftTokenFile | undefined): TokenInfo {
  return {
    id: `soft:${file?.serial ?? path}`,
    backend: 'soft',
    label: file?.label ?? '',
    serial: file?.serial ?? '',
    manufacturer: 'ESeal (development)',
    present: file !== undefined,
    pinPad: false,
    pinRetriesLeft: file?.pin.retriesLeft ?? 0,
    pinLocked: (file?.pin.retriesLeft ?? 1) <= 0,
    developmentOnly: true,
  };
}

class SoftTokenSession implements TokenSession {
  private keys: Map<string, Uint8Array> | undefined;

  constructor(
    private readonly path: string,
    public token: TokenInfo,
  ) {}

  login(pin: string): Promise<void> {
    return Promise.resolve().then(() => {
      checkPin(pin);
      const file = readTokenFile(this.path);
      if (file.pin.retriesLeft <= 0) throw new SealError('ERR_TOKEN_PIN_LOCKED');
      let plain: Uint8Array;
      try {
        plain = sm4GcmDecrypt(deriveKey(pin, file.kdf), Buffer.from(file.iv, 'base64'), Buffer.from(file.sealed, 'base64'), new TextEncoder().encode(FORMAT));
      } catch (error) {
        if (!(error instanceof SealError) || error.code !== 'ERR_CRYPTO_DECRYPT_FAILED') throw error;
        const retriesLeft = file.pin.retriesLeft - 1;
        writeAtomically(this.path, { ...file, pin: { ...file.pin, retriesLeft } });
        this.token = infoOf(this.path, { ...file, pin: { ...file.pin, retriesLeft } });
        if (retriesLeft <= 0) throw new SealError('ERR_TOKEN_PIN_LOCKED');
        throw new SealError('ERR_TOKEN_PIN_INCORRECT', { retriesLeft });
      }
      if (file.pin.retriesLeft !== file.pin.maxRetries) writeAtomically(this.path, { ...file, pin: { ...file.pin, retriesLeft: file.pin.maxRetries } });
      const sealed = JSON.parse(new TextDecoder().decode(plain)) as SealedKeys;
      plain.fill(0);
      this.keys = new Map(sealed.keys.map((k) => [k.certificateId, new Uint8Array(Buffer.from(k.privateKey, 'hex'))]));
      this.token = infoOf(this.path, readTokenFile(this.path));
    });
  }

  loginWithPinPad(): Promise<void> {
    return Promise.reject(new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: 'PIN pad' }));
  }

  logout(): Promise<void> {
    for (const key of this.keys?.values() ?? []) key.fill(0);
    this.keys = undefined;
    return Promise.resolve();
  }

  changePin(oldPin: string, newPin: string): Promise<void> {
    return this.login(oldPin).then(() => {
      checkPin(newPin, 'newPin');
      const file = readTokenFile(this.path);
      const keys: SealedKeys = { keys: [...(this.keys ?? new Map<string, Uint8Array>()).entries()].map(([certificateId, k]) => ({ certificateId, privateKey: Buffer.from(k).toString('hex') })) };
      writeAtomically(this.path, { ...file, ...seal(newPin, keys, file.kdf.N) });
    });
  }

  listCertificates(): Promise<readonly TokenCertificate[]> {
    return Promise.resolve().then(() =>
      readTokenFile(this.path).certificates.map((c) => ({ id: c.id, label: c.label, der: new Uint8Array(Buffer.from(c.der, 'base64')), keyAlgorithm: 'SM2' as const })),
    );
  }

  listSeals(): Promise<readonly TokenSeal[]> {
    return Promise.resolve().then(() => readTokenFile(this.path).seals.map((s) => ({ id: s.id, der: new Uint8Array(Buffer.from(s.der, 'base64')) })));
  }

  signDigest(certificateId: string, digest: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve().then(() => {
      readTokenFile(this.path); // a removed (deleted) token file fails here with ERR_TOKEN_NOT_PRESENT
      if (!this.keys) throw new SealError('ERR_TOKEN_LOGIN_REQUIRED');
      const key = this.keys.get(certificateId);
      if (!key) throw new SealError('ERR_TOKEN_KEY_NOT_FOUND');
      return sm2SignDigest(key, digest);
    });
  }

  close(): Promise<void> {
    return this.logout();
  }
}

/** A provider over one software token file. */
export class SoftTokenProvider implements TokenProvider {
  readonly backend = 'soft' as const;

  constructor(private readonly path: string) {}

  private current(): TokenInfo {
    try {
      return infoOf(this.path, readTokenFile(this.path));
    } catch {
      return infoOf(this.path, undefined);
    }
  }

  list(): Promise<readonly TokenInfo[]> {
    return Promise.resolve().then(() => [this.current()].filter((t) => t.present));
  }

  open(selector: { readonly serial?: string; readonly label?: string }): Promise<TokenSession> {
    return Promise.resolve().then(() => {
      const info = this.current();
      const matches = info.present && (selector.serial === undefined || selector.serial === info.serial) && (selector.label === undefined || selector.label === info.label);
      if (!matches) throw new SealError('ERR_TOKEN_NOT_PRESENT');
      return new SoftTokenSession(this.path, info);
    });
  }

  watch(onEvent: (event: TokenEvent) => void, intervalMs = 1000): { stop(): void } {
    let last = this.current();
    const timer = setInterval(() => {
      const now = this.current();
      if (now.present !== last.present) onEvent({ type: now.present ? 'inserted' : 'removed', token: now.present ? now : last });
      last = now;
    }, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
