// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ERROR_TABLE,
  SealError,
  deserializeError,
  formatErrorMessage,
  serializeError,
  toSealError,
} from '../../../shared/errors/index.js';
import { renderErrorTable } from '../../../scripts/errorTable.js';

describe('error registry', () => {
  it('names every code ERR_<AREA>_<REASON> and gives both languages', () => {
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/);
      const spec = ERROR_TABLE[code];
      expect(spec.zh.length).toBeGreaterThan(0);
      expect(spec.en.length).toBeGreaterThan(0);
      // Chinese first: the zh message must contain CJK text.
      expect(spec.zh).toMatch(/[\u4e00-\u9fff]/);
      // Both languages use the same placeholders.
      const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(holes(spec.zh)).toEqual(holes(spec.en));
    }
  });

  it.each(ERROR_CODES.map((c) => [c]))('round-trips %s through the wire without a stack', (code) => {
    const original = new SealError(code, { name: 'x', reason: 'r', retriesLeft: 2, path: '/a', limit: 5 });
    const wire = serializeError(original);
    const json = JSON.stringify(wire);
    expect(Object.keys(wire).sort()).toEqual(['code', 'details', 'message', 'messageZh']);
    expect(json).not.toMatch(/stack|\\n\s+at /);
    const back = deserializeError(JSON.parse(json));
    expect(back).toBeInstanceOf(SealError);
    expect(back.code).toBe(code);
    expect(back.message).toBe(original.message);
    expect(back.messageZh).toBe(original.messageZh);
    expect(back.category).toBe(ERROR_TABLE[code].category);
    expect(back.retriable).toBe(ERROR_TABLE[code].retriable);
  });

  it('fills placeholders in both languages', () => {
    const e = new SealError('ERR_TOKEN_PIN_INCORRECT', { retriesLeft: 3 });
    expect(e.messageZh).toBe('PIN 码错误，还可尝试 3 次');
    expect(e.message).toBe('Wrong PIN; 3 attempts left');
    expect(e.bilingualMessage).toContain(' / ');
    expect(formatErrorMessage('ERR_INPUT_INVALID', 'en', { name: 'pin' })).toBe('Invalid argument pin: {reason}');
    // Optional segments disappear when their value is unknown (PKCS#11 tokens often do not say).
    expect(new SealError('ERR_TOKEN_PIN_INCORRECT').messageZh).toBe('PIN 码错误');
    expect(new SealError('ERR_TOKEN_PIN_INCORRECT').message).toBe('Wrong PIN');
  });

  it('turns foreign errors into ERR_INTERNAL without leaking their stack', () => {
    const wire = serializeError(new TypeError('boom'));
    expect(wire.code).toBe('ERR_INTERNAL');
    expect(JSON.stringify(wire)).not.toMatch(/TypeError|stack|\\n\s+at /);
    expect(toSealError('str').code).toBe('ERR_INTERNAL');
  });

  it.each([
    ['null', null],
    ['number', 42],
    ['unknown code', { code: 'ERR_NOPE', details: {} }],
    ['code not a string', { code: { toString: (): string => 'ERR_UNKNOWN' } }],
    ['prototype key', { code: '__proto__' }],
    ['hostile details', { code: 'ERR_INPUT_INVALID', details: { name: { nested: 1 }, reason: 'x'.repeat(10_000), 'bad key': 1, n: Infinity } }],
  ])('deserializes hostile input (%s) to a coded error', (_label, wire) => {
    const e = deserializeError(wire);
    expect(e).toBeInstanceOf(SealError);
    expect(e.code === 'ERR_UNKNOWN' || e.code === 'ERR_INPUT_INVALID').toBe(true);
    for (const [k, v] of Object.entries(e.details)) {
      expect(k).toMatch(/^[A-Za-z]\w*$/);
      expect(['string', 'number', 'boolean']).toContain(typeof v);
      if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(512);
      if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('keeps docs/errors.md in step with the registry', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorTable());
  });
});
