// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * 财政直接支付凭证: the list, sealing one voucher (`eseal.sealData` over its canonical bytes) or the
 * checked ones in one batch (`eseal.sealBatch`: one consent, one PIN, per-item results). The sealed
 * state (signature, time, audit number) is kept in sessionStorage for the tab's lifetime.
 */
import { $, checkEnvironment, el, errorCode, errorText, eseal, formatTime, loadSeals } from './common.js';
import { amountInWords, canonicalVoucherBytes, demoVouchers, formatAmount, voucherPropertyInfo, type Voucher } from './voucherModel.js';

interface SealRecord {
  readonly signature: string;
  readonly signedAt?: string;
  readonly auditSeq?: number;
  readonly error?: string;
}

const STORE = 'eseal-demo-vouchers';
const vouchers = demoVouchers();
const records: Record<string, SealRecord> = JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Record<string, SealRecord>;
const save = (): void => sessionStorage.setItem(STORE, JSON.stringify(records));

const message = (text: string, kind: 'ok' | 'bad' | 'info'): void => {
  const m = $('#message');
  m.className = `message ${kind}`;
  m.textContent = text;
};

function item(v: Voucher): Record<string, unknown> {
  return {
    itemId: v.voucherNo,
    data: canonicalVoucherBytes(v),
    propertyInfo: voucherPropertyInfo(v),
    display: { title: `财政直接支付凭证 ${v.voucherNo}：${v.payee} ${formatAmount(v.amountFen)} 元`, docName: `${v.voucherNo}.json` },
  };
}

function statusCell(v: Voucher): HTMLElement {
  const r = records[v.voucherNo];
  if (r?.signature) {
    return el('span', { class: 'badge ok', title: `SES_Signature ${r.signature.length} 字符 / chars`, text: `已签章 ${formatTime(r.signedAt)}${r.auditSeq !== undefined ? ` · 审计 #${r.auditSeq}` : ''}` });
  }
  if (r?.error) return el('span', { class: 'badge bad', title: r.error, text: '签章失败' });
  return el('span', { class: 'badge', text: '待审核' });
}

function render(): void {
  const body = $('#vouchers tbody');
  body.replaceChildren(
    ...vouchers.map((v) => {
      const sealed = Boolean(records[v.voucherNo]?.signature);
      const box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': `选择 ${v.voucherNo}` });
      box.disabled = sealed;
      const button = el('button', { type: 'button', class: 'seal-one', text: sealed ? '已签章' : '审核并签章' });
      button.disabled = sealed;
      button.addEventListener('click', () => void sealOne(v, button));
      const row = el(
        'tr',
        { 'data-voucher': v.voucherNo, 'data-status': sealed ? 'sealed' : records[v.voucherNo]?.error ? 'failed' : 'pending' },
        el('td', {}, box),
        el('td', { class: 'mono', text: v.voucherNo }),
        el('td', {}, v.payee, el('div', { class: 'sub', text: `${v.payeeBank} ${v.payeeAccount}` })),
        el('td', { class: 'num', text: formatAmount(v.amountFen) }),
        el('td', { class: 'words', text: amountInWords(v.amountFen) }),
        el('td', {}, v.budgetSubject, el('div', { class: 'sub', text: v.purpose })),
        el('td', { class: 'mono', text: v.date }),
        el('td', { class: 'state' }, statusCell(v)),
        el('td', {}, button),
      );
      return row;
    }),
  );
  updateBatchButton();
}

function picked(): Voucher[] {
  const nos = new Set([...document.querySelectorAll<HTMLInputElement>('#vouchers tbody input.pick:checked')].map((b) => b.closest('tr')?.dataset['voucher']));
  return vouchers.filter((v) => nos.has(v.voucherNo));
}

function updateBatchButton(): void {
  const n = picked().length;
  const b = $('#seal-batch') as HTMLButtonElement;
  b.textContent = `批量签章（${n}）`;
  b.disabled = n === 0;
}

function sealId(): string {
  return ($('#seal-select') as HTMLSelectElement).value;
}

async function sealOne(v: Voucher, button: HTMLButtonElement): Promise<void> {
  const sdk = eseal();
  if (!sdk) return;
  button.disabled = true;
  message(`凭证 ${v.voucherNo}：请在 ESeal 窗口中核对并输入 PIN… / confirm in the ESeal window`, 'info');
  try {
    const r = await sdk.sealData(item(v), { sealId: sealId() });
    records[v.voucherNo] = { signature: String(r['signature']), signedAt: r['signedAt'] as string, auditSeq: r['auditSeq'] as number };
    message(`凭证 ${v.voucherNo} 已签章 / sealed`, 'ok');
  } catch (error) {
    if (errorCode(error) !== 'ERR_USER_CANCELLED') records[v.voucherNo] = { signature: '', error: errorText(error) };
    message(`凭证 ${v.voucherNo}：${errorText(error)}`, 'bad');
  }
  save();
  render();
}

async function sealBatch(): Promise<void> {
  const sdk = eseal();
  const list = picked();
  if (!sdk || list.length === 0) return;
  const out = $('#batch-result');
  out.dataset['state'] = 'running';
  out.replaceChildren(el('p', { text: `批量签章 ${list.length} 张凭证：请在 ESeal 窗口中核对并输入一次 PIN… / one consent and one PIN for the batch` }));
  ($('#seal-batch') as HTMLButtonElement).disabled = true;
  try {
    const r = (await sdk.sealBatch(list.map(item), { sealId: sealId() })) as {
      total: number;
      signed: number;
      complete: boolean;
      stopped?: string;
      auditSeq?: number;
      items: { itemId: string; ok: boolean; signature?: string; error?: { code: string; messageZh?: string } }[];
    };
    const now = new Date().toISOString();
    const rows = r.items.map((it) => {
      if (it.ok && it.signature) records[it.itemId] = { signature: it.signature, signedAt: now, ...(r.auditSeq !== undefined && { auditSeq: r.auditSeq }) };
      else records[it.itemId] = { signature: '', error: it.error?.code ?? 'not attempted' };
      return el('li', { 'data-item': it.itemId, 'data-ok': String(it.ok), class: it.ok ? 'ok' : 'bad', text: `${it.itemId}：${it.ok ? '已签章 / sealed' : `未签章 ${it.error?.code ?? ''}`}` });
    });
    out.dataset['state'] = r.complete ? 'done' : 'partial';
    out.dataset['signed'] = String(r.signed);
    out.dataset['total'] = String(r.total);
    out.replaceChildren(
      el('p', { class: r.complete ? 'ok' : 'bad', text: `批量签章结果：共 ${r.total} 张，成功 ${r.signed} 张${r.complete ? '' : `，已停止（${r.stopped ?? ''}）`} / ${r.signed} of ${r.total} sealed` }),
      el('ol', { class: 'batch-items' }, ...rows),
    );
  } catch (error) {
    out.dataset['state'] = 'failed';
    out.dataset['error'] = errorCode(error);
    out.replaceChildren(el('p', { class: 'bad', text: `批量签章未完成：${errorText(error)}` }));
  }
  save();
  render();
}

async function main(): Promise<void> {
  render();
  $('#vouchers tbody').addEventListener('change', updateBatchButton);
  $('#select-all').addEventListener('change', (e) => {
    const on = (e.target as HTMLInputElement).checked;
    for (const b of document.querySelectorAll<HTMLInputElement>('#vouchers tbody input.pick')) if (!b.disabled) b.checked = on;
    updateBatchButton();
  });
  $('#seal-batch').addEventListener('click', () => void sealBatch());
  $('#reset').addEventListener('click', () => {
    for (const k of Object.keys(records)) delete records[k];
    save();
    render();
  });
  const { state } = await checkEnvironment();
  if (state === 'ready') {
    try {
      const seals = await loadSeals($('#seal-select') as HTMLSelectElement);
      if (seals.length === 0) message('没有可用的印章（请插入 USB KEY） / no seal available', 'bad');
      document.body.dataset['ready'] = 'true';
    } catch (error) {
      message(errorText(error), 'bad');
    }
  }
}

void main();
