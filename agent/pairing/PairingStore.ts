// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Paired browsers: one 256-bit shared key per paired extension install, kept in the agent's state
 * directory (`pairings.json`, mode 0600, written atomically), listable and revocable with
 * `eseal pair --list|--revoke`. The file also holds this install's random `instanceId`, which the
 * agent binds into its per-connection proof. The file is re-read on every `hello`, so a revocation
 * by the CLI takes effect on the next connection without restarting the agent.
 *
 * The one-time pairing code lives beside it (`pairing-code.json`, 0600): written by `eseal pair` or
 * by the agent at start when nothing is paired, consumed by the agent (attempt counter, expiry).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { SealError } from '../../shared/errors/index.js';
import { PAIRING_CODE_DIGITS, PAIRING_KEY_BYTES } from '../../shared/protocol/index.js';

const FILE = 'pairings.json';
const CODE_FILE = 'pairing-code.json';

/** How long a pairing code stays valid. */
export const PAIRING_CODE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes accepted before the code is burnt (a new one needs `eseal pair` again). */
export const PAIRING_CODE_ATTEMPTS = 5;
/** The Origin the `eseal` command line uses for its own loopback connection (no browser can send it). */
export const CLI_ORIGIN = 'eseal-cli://local';

export interface Pairing {
  readonly keyId: string;
  /** Base64 of the 32-byte key. */
  readonly key: string;
  /** The Origin header seen when pairing (chrome-extension://…, moz-extension://…, or the CLI). */
  readonly origin: string;
  readonly label: string;
  readonly createdAt: string;
}

interface PairingFile {
  readonly version: 1;
  readonly instanceId: string;
  readonly pairings: readonly Pairing[];
}

export interface PairingCode {
  readonly code: string;
  readonly expiresAt: string;
  readonly attemptsLeft: number;
}

/** Pairing keys and codes are secrets: owner-only files, written atomically. */
function writeAtomic(path: string, text: string): void {
  writeFileAtomic(path, text, 0o600);
  chmodSync(path, 0o600); // also when a stricter umask or an older file left other bits
}

/** A uniformly random decimal code (rejection sampling, no modulo bias). */
export function newPairingCode(): string {
  let code = '';
  while (code.length < PAIRING_CODE_DIGITS) {
    for (const b of randomBytes(16)) if (b < 250 && code.length < PAIRING_CODE_DIGITS) code += String(b % 10);
  }
  return code;
}

export class PairingStore {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  }

  private get path(): string {
    return join(this.directory, FILE);
  }

  private read(): PairingFile {
    if (!existsSync(this.path)) {
      const fresh: PairingFile = { version: 1, instanceId: randomBytes(16).toString('hex'), pairings: [] };
      writeAtomic(this.path, JSON.stringify(fresh, null, 2));
      return fresh;
    }
    try {
      const file = JSON.parse(readFileSync(this.path, 'utf8')) as PairingFile;
      if (file.version !== 1 || typeof file.instanceId !== 'string' || !Array.isArray(file.pairings)) throw new Error('bad shape');
      return file;
    } catch (error) {
      throw new SealError('ERR_INTERNAL', { reason: `pairing file ${this.path} is unreadable` }, { cause: error });
    }
  }

  get instanceId(): string {
    return this.read().instanceId;
  }

  list(): readonly Pairing[] {
    return this.read().pairings;
  }

  /** The 32-byte key of a pairing, or undefined when unknown (or revoked). */
  keyOf(keyId: string): { key: Uint8Array; pairing: Pairing } | undefined {
    const pairing = this.read().pairings.find((p) => p.keyId === keyId);
    if (!pairing) return undefined;
    const key = new Uint8Array(Buffer.from(pairing.key, 'base64'));
    return key.length === PAIRING_KEY_BYTES ? { key, pairing } : undefined;
  }

  /** Mints and stores a new key for `origin`. */
  add(origin: string, label: string): { keyId: string; key: Uint8Array } {
    const file = this.read();
    const keyId = randomBytes(12).toString('hex');
    const key = new Uint8Array(randomBytes(PAIRING_KEY_BYTES));
    const pairing: Pairing = { keyId, key: Buffer.from(key).toString('base64'), origin, label, createdAt: new Date().toISOString() };
    writeAtomic(this.path, JSON.stringify({ ...file, pairings: [...file.pairings, pairing] }, null, 2));
    return { keyId, key };
  }

  /** Removes a pairing; returns whether it existed. */
  revoke(keyId: string): boolean {
    const file = this.read();
    const rest = file.pairings.filter((p) => p.keyId !== keyId);
    if (rest.length === file.pairings.length) return false;
    writeAtomic(this.path, JSON.stringify({ ...file, pairings: rest }, null, 2));
    return true;
  }

  /** Browser pairings (the CLI's own key does not count as "paired"). */
  hasBrowserPairing(): boolean {
    return this.list().some((p) => p.origin !== CLI_ORIGIN);
  }

  /** The CLI's own key, created on first use. */
  cliKey(): { keyId: string; key: Uint8Array } {
    const existing = this.list().find((p) => p.origin === CLI_ORIGIN);
    if (existing) return { keyId: existing.keyId, key: new Uint8Array(Buffer.from(existing.key, 'base64')) };
    return this.add(CLI_ORIGIN, 'eseal 命令行 / eseal command line');
  }

  // ── one-time pairing code ────────────────────────────────────────────────────────────────

  private get codePath(): string {
    return join(this.directory, CODE_FILE);
  }

  /** Opens a new pairing code (replacing any earlier one). */
  openCode(now = new Date()): PairingCode {
    const code: PairingCode = { code: newPairingCode(), expiresAt: new Date(now.getTime() + PAIRING_CODE_TTL_MS).toISOString(), attemptsLeft: PAIRING_CODE_ATTEMPTS };
    writeAtomic(this.codePath, JSON.stringify(code));
    return code;
  }

  /** The open code, or undefined when none is open, it expired or its attempts are spent. */
  currentCode(now = new Date()): PairingCode | undefined {
    if (!existsSync(this.codePath)) return undefined;
    let code: PairingCode;
    try {
      code = JSON.parse(readFileSync(this.codePath, 'utf8')) as PairingCode;
    } catch {
      this.closeCode();
      return undefined;
    }
    if (typeof code.code !== 'string' || Date.parse(code.expiresAt) <= now.getTime() || !(code.attemptsLeft > 0)) {
      this.closeCode();
      return undefined;
    }
    return code;
  }

  /** Records one wrong attempt; burns the code at zero. Returns attempts left. */
  failAttempt(): number {
    const code = this.currentCode();
    if (!code) return 0;
    const attemptsLeft = code.attemptsLeft - 1;
    if (attemptsLeft <= 0) this.closeCode();
    else writeAtomic(this.codePath, JSON.stringify({ ...code, attemptsLeft }));
    return attemptsLeft;
  }

  closeCode(): void {
    rmSync(this.codePath, { force: true });
  }
}
