// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenCare } from '../../../agent/reminders/TokenCare.js';
import { parsePolicy } from '../../../shared/policy/Policy.js';
import type { TokenInfo } from '../../../agent/token/TokenProvider.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stateDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'eseal-care-'));
  dirs.push(d);
  return d;
};

const token = (serial: string, present = true): TokenInfo => ({
  id: `pkcs11:/lib/x.so:${serial}`, backend: 'pkcs11', label: '财务 USB KEY', serial, manufacturer: 'T', present, pinPad: false, pinLocked: false, developmentOnly: false,
});

function clock(start: string): { now: () => Date; advance: (ms: number) => void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe('TokenCare', () => {
  it('reports the PIN as due after pin.maxAgeDays, counted from the last change (or first sight)', () => {
    const c = clock('2026-01-01T00:00:00Z');
    const care = new TokenCare(stateDir(), parsePolicy({ pin: { maxAgeDays: 90 } }), c.now);
    const k = token('A1');
    expect(care.pinStatus(k)).toMatchObject({ pinAgeDays: 0, pinChangeDue: false, pinAgeSince: '2026-01-01T00:00:00.000Z' });
    c.advance(89 * DAY);
    expect(care.pinStatus(k).pinChangeDue).toBe(false);
    c.advance(DAY);
    expect(care.pinStatus(k)).toMatchObject({ pinAgeDays: 90, pinChangeDue: true });
    care.notePinChanged(k);
    expect(care.pinStatus(k)).toMatchObject({ pinAgeDays: 0, pinChangeDue: false });
  });

  it('never reports a PIN as due when the policy sets no maximum age', () => {
    const c = clock('2026-01-01T00:00:00Z');
    const care = new TokenCare(stateDir(), parsePolicy({ pin: { maxAgeDays: 0 } }), c.now);
    c.advance(5000 * DAY);
    expect(care.pinStatus(token('A1')).pinChangeDue).toBe(false);
  });

  it('reminds once per idle period to remove an unused USB KEY, and not a removed one', () => {
    const c = clock('2026-03-01T08:00:00Z');
    const care = new TokenCare(stateDir(), parsePolicy({ token: { idleRemovalReminderMinutes: 30 } }), c.now);
    const k = token('B2');
    expect(care.dueIdleReminders([k])).toEqual([]);
    c.advance(29 * MIN);
    expect(care.dueIdleReminders([k])).toEqual([]);
    c.advance(2 * MIN);
    expect(care.dueIdleReminders([k])).toEqual([{ token: k, idleMinutes: 31 }]);
    c.advance(10 * MIN);
    expect(care.dueIdleReminders([k])).toEqual([]); // already reminded in this idle period
    care.noteUsed(k);
    c.advance(31 * MIN);
    expect(care.dueIdleReminders([k]).map((d) => d.idleMinutes)).toEqual([31]);
    expect(care.dueIdleReminders([token('C3', false)])).toEqual([]);
  });

  it('is off when the policy sets no idle time', () => {
    const c = clock('2026-03-01T08:00:00Z');
    const care = new TokenCare(stateDir(), parsePolicy({ token: { idleRemovalReminderMinutes: 0 } }), c.now);
    c.advance(1000 * MIN);
    expect(care.dueIdleReminders([token('B2')])).toEqual([]);
  });

  it('keeps its dates across restarts and survives a damaged file', () => {
    const dir = stateDir();
    const c = clock('2026-01-01T00:00:00Z');
    new TokenCare(dir, parsePolicy({}), c.now).notePinChanged(token('D4'));
    c.advance(10 * DAY);
    expect(new TokenCare(dir, parsePolicy({}), c.now).pinStatus(token('D4')).pinAgeDays).toBe(10);
    writeFileSync(join(dir, 'token-care.json'), '{not json');
    expect(new TokenCare(dir, parsePolicy({}), c.now).pinStatus(token('D4')).pinAgeDays).toBe(0);
  });
});
