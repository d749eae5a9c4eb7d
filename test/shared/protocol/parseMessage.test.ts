// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, METHOD_NAMES, PAGE_METHODS, parseClientFrame } from '../../../shared/protocol/index.js';
import { SealError } from '../../../shared/errors/index.js';

const digest = { alg: 'SM3', value: Buffer.alloc(32, 7).toString('base64') };
const item = { digest, propertyInfo: '/vouchers/2026-0001', display: { title: '财政直接支付凭证 2026-0001' } };
const req = (method: string, params: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, kind: 'req', id: 'r-1', method, params, ctx: { origin: 'https://zfzf.czj.example.gov.cn' }, ...extra });

describe('parseClientFrame', () => {
  it('accepts a hello, an auth and well-formed requests of every kind', () => {
    expect(parseClientFrame(JSON.stringify({ v: 1, kind: 'hello', versions: [1], nonce: Buffer.alloc(32).toString('base64') }))).toMatchObject({ kind: 'hello' });
    expect(parseClientFrame(JSON.stringify({ v: 1, kind: 'auth', proof: Buffer.alloc(32, 1).toString('base64') }))).toMatchObject({ kind: 'auth' });
    expect(parseClientFrame(req('status', {}))).toMatchObject({ method: 'status' });
    expect(parseClientFrame(req('seal.sign', { sealId: 's1', item }))).toMatchObject({ method: 'seal.sign' });
    expect(parseClientFrame(req('seal.signBatch', { sealId: 's1', items: [{ ...item, itemId: 'a' }, { ...item, itemId: 'b' }] }))).toMatchObject({ method: 'seal.signBatch' });
    expect(parseClientFrame(req('consent.reply', { requestId: 'r-0', approved: true, pin: '123456' }))).toMatchObject({ method: 'consent.reply' });
  });

  it('keeps the PIN out of every page-facing method', () => {
    expect(PAGE_METHODS).not.toContain('consent.reply');
    expect(PAGE_METHODS).not.toContain('pin.change');
    expect(METHOD_NAMES).toContain('consent.reply');
    expect(() => parseClientFrame(req('seal.sign', { sealId: 's1', item, pin: '123456' }))).toThrow(/pin is not a known field/);
  });

  const hostile: [string, string, string, RegExp?][] = [
    ['not JSON', '{"v":1,', 'ERR_PROTOCOL_MALFORMED', /not JSON/],
    ['an array', '[1,2]', 'ERR_PROTOCOL_MALFORMED', /object/],
    ['null', 'null', 'ERR_PROTOCOL_MALFORMED'],
    ['unknown kind', JSON.stringify({ v: 1, kind: 'exec' }), 'ERR_PROTOCOL_MALFORMED', /unknown kind/],
    ['kind not a string', JSON.stringify({ v: 1, kind: { toString: 1 } }), 'ERR_PROTOCOL_MALFORMED'],
    ['unknown method', req('token.initialize', {}), 'ERR_PROTOCOL_UNKNOWN_METHOD'],
    ['prototype method', req('__proto__', {}), 'ERR_PROTOCOL_UNKNOWN_METHOD'],
    ['unknown envelope field', req('status', {}, { evil: 1 }), 'ERR_PROTOCOL_MALFORMED', /evil is not a known field/],
    ['unknown param field', req('status', { path: '/etc/passwd' }), 'ERR_PROTOCOL_MALFORMED', /path is not a known field/],
    ['wrong type', req('seal.sign', { sealId: 5, item }), 'ERR_PROTOCOL_MALFORMED', /sealId must be a string/],
    ['missing id', JSON.stringify({ v: 1, kind: 'req', method: 'status', params: {} }), 'ERR_PROTOCOL_MALFORMED', /id is required/],
    ['hostile id', req('status', {}, { id: '../../x y' }), 'ERR_PROTOCOL_MALFORMED', /id has the wrong form/],
    ['page-supplied origin not a URL', req('status', {}, { ctx: { origin: 'javascript:alert(1)' } }), 'ERR_PROTOCOL_MALFORMED', /ctx.origin/],
    ['digest and data both', req('seal.sign', { sealId: 's', item: { ...item, data: 'AAAA' } }), 'ERR_PROTOCOL_MALFORMED', /exactly one/],
    ['neither digest nor data', req('seal.sign', { sealId: 's', item: { propertyInfo: 'x', display: { title: 't' } } }), 'ERR_PROTOCOL_MALFORMED', /exactly one/],
    ['digest of the wrong size', req('seal.sign', { sealId: 's', item: { ...item, digest: { alg: 'SM3', value: 'A'.repeat(100) } } }), 'ERR_PROTOCOL_MALFORMED', /longer/],
    ['not base64', req('verify', { document: '<script>' }), 'ERR_PROTOCOL_MALFORMED', /wrong form/],
    ['duplicate batch item ids', req('seal.signBatch', { sealId: 's', items: [{ ...item, itemId: 'a' }, { ...item, itemId: 'a' }] }), 'ERR_PROTOCOL_MALFORMED', /duplicate/],
    ['empty batch', req('seal.signBatch', { sealId: 's', items: [] }), 'ERR_PROTOCOL_MALFORMED', /at least 1/],
    ['too many batch items', req('seal.signBatch', { sealId: 's', items: Array.from({ length: 1001 }, () => item) }), 'ERR_PROTOCOL_MALFORMED', /more than 1000/],
    ['unsupported version only', JSON.stringify({ v: 1, kind: 'hello', versions: [7] }), 'ERR_PROTOCOL_VERSION'],
    ['deadline out of range', req('status', {}, { deadlineMs: 1e12 }), 'ERR_PROTOCOL_MALFORMED', /deadlineMs/],
    ['deep nesting', req('status', { a: JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown }), 'ERR_PROTOCOL_MALFORMED'],
    ['oversized frame', 'x'.repeat(MAX_FRAME_BYTES + 1), 'ERR_PROTOCOL_TOO_LARGE'],
  ];
  it.each(hostile)('refuses %s with %s', (_label, text, code, reason) => {
    try {
      parseClientFrame(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SealError);
      expect((error as SealError).code).toBe(code);
      if (reason) expect((error as SealError).message).toMatch(reason);
    }
  });
});
