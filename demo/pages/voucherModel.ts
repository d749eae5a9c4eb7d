// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The demo's 财政直接支付凭证 (treasury direct payment vouchers): generated deterministically (the
 * same list on every load and in every test), the amount in 大写 as printed on Chinese payment
 * documents, and the canonical bytes that get sealed (fixed key order, UTF-8 JSON).
 */

export interface Voucher {
  readonly voucherNo: string;
  readonly payer: string;
  readonly payee: string;
  readonly payeeAccount: string;
  readonly payeeBank: string;
  /** Amount in 分 (integer, no floating point for money). */
  readonly amountFen: number;
  readonly budgetSubject: string;
  readonly purpose: string;
  /** yyyy-mm-dd */
  readonly date: string;
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿', '万亿'];

/** 金额大写, e.g. 1234567 分 → 壹万贰仟叁佰肆拾伍元陆角柒分; whole yuan end in 整. */
export function amountInWords(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError('amount must be a non-negative integer number of fen');
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const f = fen % 10;
  let out = '';
  if (yuan > 0) {
    const groups: number[] = [];
    for (let y = yuan; y > 0; y = Math.floor(y / 10000)) groups.push(y % 10000);
    let zero = false;
    for (let g = groups.length - 1; g >= 0; g--) {
      const value = groups[g] as number;
      if (value === 0) {
        zero = out !== '';
        continue;
      }
      // a gap (a zero group, or a group under 1000 after a higher one) reads as one 零
      if (zero || (out !== '' && value < 1000)) out += '零';
      zero = false;
      let inner = '';
      let innerZero = false;
      for (let u = 3; u >= 0; u--) {
        const d = Math.floor(value / 10 ** u) % 10;
        if (d === 0) {
          innerZero = inner !== '';
          continue;
        }
        if (innerZero) inner += '零';
        innerZero = false;
        inner += (DIGITS[d] as string) + (UNITS[u] as string);
      }
      out += inner + (GROUPS[g] as string);
    }
    out += '元';
  }
  if (jiao === 0 && f === 0) return yuan === 0 ? '零元整' : `${out}整`;
  if (jiao > 0) out += `${DIGITS[jiao] as string}角`;
  else if (yuan > 0) out += '零';
  if (f > 0) out += `${DIGITS[f] as string}分`;
  return out;
}

/** 1234567 → "12,345.67" */
export function formatAmount(fen: number): string {
  const yuan = Math.floor(fen / 100).toLocaleString('en-US');
  return `${yuan}.${String(fen % 100).padStart(2, '0')}`;
}

const PAYEES: readonly [string, string][] = [
  ['某某市第一建筑工程有限公司', '中国工商银行某某分行'],
  ['某某市人民医院', '中国建设银行某某支行'],
  ['某某市实验小学', '中国农业银行某某支行'],
  ['某某信息技术股份有限公司', '中国银行某某分行'],
  ['某某市自来水有限公司', '交通银行某某分行'],
  ['某某市公共交通集团有限公司', '中国工商银行某某分行'],
  ['某某县农业技术推广中心', '中国农业银行某某县支行'],
  ['某某办公用品有限公司', '招商银行某某分行'],
];

const SUBJECTS = [
  '2050203 初中教育',
  '2100201 综合医院',
  '2120399 其他城乡社区公共设施支出',
  '2130101 行政运行',
  '2010301 政府办公厅（室）及相关机构事务 行政运行',
  '2140106 公路养护',
  '2080501 行政单位离退休',
  '2011308 招商引资',
];

const PURPOSES = ['工程进度款', '设备采购款', '办公用品采购', '信息系统运维费', '水费', '公交运营补贴', '农技推广项目经费', '物业服务费'];

/** The demo list: `count` vouchers, the same every time (a small linear congruential generator). */
export function demoVouchers(count = 24): Voucher[] {
  let seed = 20261120;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // the low bits of a power-of-two LCG repeat with a short period: use the high ones
    return Math.floor(seed / 256);
  };
  const list: Voucher[] = [];
  for (let i = 0; i < count; i++) {
    const p = next() % PAYEES.length;
    const [payee, bank] = PAYEES[p] as [string, string];
    const amountFen = (next() % 5_000_000) * 10 + (i % 3 === 0 ? 0 : next() % 10) + 10_000;
    const day = 2 + (i % 18);
    list.push({
      voucherNo: `2026-ZF-${String(101 + i).padStart(6, '0')}`,
      payer: '某某市财政局国库支付中心',
      payee,
      payeeAccount: `62220${String(100000000000 + ((next() * 7919) % 899999999999)).slice(0, 12)}`,
      payeeBank: bank,
      amountFen,
      budgetSubject: SUBJECTS[next() % SUBJECTS.length] as string,
      purpose: PURPOSES[p] as string,
      date: `2026-11-${String(day).padStart(2, '0')}`,
    });
  }
  return list;
}

/** What is sealed: the voucher as UTF-8 JSON with a fixed key order, plus its amount in words. */
export function canonicalVoucherBytes(v: Voucher): Uint8Array {
  const ordered = {
    voucherNo: v.voucherNo,
    date: v.date,
    payer: v.payer,
    payee: v.payee,
    payeeAccount: v.payeeAccount,
    payeeBank: v.payeeBank,
    amountFen: v.amountFen,
    amountInWords: amountInWords(v.amountFen),
    budgetSubject: v.budgetSubject,
    purpose: v.purpose,
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/** TBS_Sign.propertyInfo for a voucher (printable ASCII). */
export function voucherPropertyInfo(v: Voucher): string {
  return `/vouchers/${v.voucherNo}`;
}
