// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Two duties the seal regulations put on the USB KEY holder, which the agent helps with:
 * - change the PIN periodically (policy `pin.maxAgeDays`): the agent remembers when it last changed
 *   each token's PIN through `pin.change` (or first saw the token) and reports `pinChangeDue`;
 * - remove the USB KEY when it is not in use (policy `token.idleRemovalReminderMinutes`): a token
 *   left inserted and unused that long gets a `token.idle` reminder event, once per idle period.
 *
 * Design rationale: the dates live in a small JSON file in the agent's state directory (written
 * atomically), keyed by the token id (back end + module + serial), so they survive restarts. Nothing
 * secret is stored. The clock is injectable for tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/Policy.js';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import type { TokenInfo } from '../token/TokenProvider.js';

interface TokenRecord {
  firstSeen: string;
  pinChanged?: string;
  lastUsed?: string;
  lastReminded?: string;
}

export interface PinAgeStatus {
  /** ISO date of the last PIN change we know of, or of the first time we saw the token. */
  readonly pinAgeSince: string;
  readonly pinAgeDays: number;
  /** True when the policy sets a maximum age and it has passed. */
  readonly pinChangeDue: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

export class TokenCare {
  private readonly file: string;
  private readonly records: Record<string, TokenRecord>;

  constructor(
    stateDir: string,
    private readonly policy: Policy,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = join(stateDir, 'token-care.json');
    this.records = TokenCare.load(this.file);
  }

  private static load(file: string): Record<string, TokenRecord> {
    if (!existsSync(file)) return {};
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, TokenRecord>) : {};
    } catch {
      return {}; // a damaged file only resets the reminders
    }
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify(this.records, null, 2));
    } catch {
      // Reminders are advisory: a write failure must not fail a signature.
    }
  }

  private record(token: TokenInfo): TokenRecord {
    let r = this.records[token.id];
    if (!r) {
      r = { firstSeen: this.now().toISOString() };
      this.records[token.id] = r;
      this.save();
    }
    return r;
  }

  /** Called after every operation that used the token. */
  noteUsed(token: TokenInfo): void {
    const r = this.record(token);
    r.lastUsed = this.now().toISOString();
    delete r.lastReminded;
    this.save();
  }

  notePinChanged(token: TokenInfo): void {
    const r = this.record(token);
    r.pinChanged = this.now().toISOString();
    this.save();
  }

  pinStatus(token: TokenInfo): PinAgeStatus {
    const r = this.record(token);
    const since = r.pinChanged ?? r.firstSeen;
    const days = Math.floor((this.now().getTime() - Date.parse(since)) / DAY);
    const max = this.policy.pin.maxAgeDays;
    return { pinAgeSince: since, pinAgeDays: days, pinChangeDue: max > 0 && days >= max };
  }

  /**
   * The present tokens that have sat unused for the policy's idle time and were not reminded in
   * this idle period; marks them reminded. Returns the idle minutes with each.
   */
  dueIdleReminders(present: readonly TokenInfo[]): { token: TokenInfo; idleMinutes: number }[] {
    const limit = this.policy.token.idleRemovalReminderMinutes;
    if (limit <= 0) return [];
    const now = this.now().getTime();
    const due: { token: TokenInfo; idleMinutes: number }[] = [];
    for (const token of present) {
      if (!token.present) continue;
      const r = this.record(token);
      const idleMs = now - Date.parse(r.lastUsed ?? r.firstSeen);
      if (idleMs >= limit * 60_000 && r.lastReminded === undefined) {
        r.lastReminded = new Date(now).toISOString();
        due.push({ token, idleMinutes: Math.floor(idleMs / 60_000) });
      }
    }
    if (due.length > 0) this.save();
    return due;
  }

  /** Forgets a removed token's idle clock: reinserting it starts a new idle period. */
  noteRemoved(token: TokenInfo): void {
    const r = this.records[token.id];
    if (!r) return;
    r.lastUsed = this.now().toISOString();
    delete r.lastReminded;
    this.save();
  }
}
