// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { amountInWords, canonicalVoucherBytes, demoVouchers, formatAmount, voucherPropertyInfo } from '../../../demo/pages/voucherModel.js';

describe('amountInWords (金额大写)', () => {
  it.each([
    [0, '零元整'],
    [5, '伍分'],
    [50, '伍角'],
    [100, '壹元整'],
    [1005, '壹拾元零伍分'],
    [123456789, '壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'],
    [10000000, '壹拾万元整'],
    [10050000, '壹拾万零伍佰元整'],
    [100000100, '壹佰万零壹元整'],
    [101000000, '壹佰零壹万元整'],
    [100000000000, '壹拾亿元整'],
    [100005000000, '壹拾亿零伍万元整'],
    [200000150, '贰佰万零壹元伍角'],
    [1010, '壹拾元壹角'],
  ])('%i 分 → %s', (fen, words) => {
    expect(amountInWords(fen)).toBe(words);
  });

  it('refuses negative and fractional amounts', () => {
    expect(() => amountInWords(-1)).toThrow(RangeError);
    expect(() => amountInWords(1.5)).toThrow(RangeError);
  });
});

describe('demo vouchers', () => {
  it('are the same on every call, with distinct numbers and varied subjects', () => {
    const a = demoVouchers();
    expect(demoVouchers()).toEqual(a);
    expect(a).toHaveLength(24);
    expect(new Set(a.map((v) => v.voucherNo)).size).toBe(24);
    expect(new Set(a.map((v) => v.budgetSubject)).size).toBeGreaterThan(3);
    for (const v of a) {
      expect(Number.isSafeInteger(v.amountFen) && v.amountFen > 0).toBe(true);
      expect(v.date).toMatch(/^2026-11-\d\d$/);
      expect(voucherPropertyInfo(v)).toMatch(/^[\x20-\x7e]{1,256}$/);
    }
  });

  it('canonical bytes: fixed key order UTF-8 JSON with the amount in words; any change changes them', () => {
    const [v] = demoVouchers(1);
    if (!v) throw new Error('no voucher');
    const text = new TextDecoder().decode(canonicalVoucherBytes(v));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['voucherNo', 'date', 'payer', 'payee', 'payeeAccount', 'payeeBank', 'amountFen', 'amountInWords', 'budgetSubject', 'purpose']);
    expect(parsed['amountInWords']).toBe(amountInWords(v.amountFen));
    const other = new TextDecoder().decode(canonicalVoucherBytes({ ...v, amountFen: v.amountFen + 1 }));
    expect(other).not.toBe(text);
  });

  it('formatAmount groups thousands and keeps two decimals', () => {
    expect(formatAmount(123456789)).toBe('1,234,567.89');
    expect(formatAmount(5)).toBe('0.05');
  });
});
