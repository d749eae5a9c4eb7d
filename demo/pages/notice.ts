// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * 通知盖章: the notice PDF shown with pdf.js; the user clicks where the seal goes (or types page and
 * millimetres from the top-left corner, or names a keyword), `eseal.sealPdf` stamps it (the agent
 * writes the PDF signature; the ESeal window shows the page with the seal drawn), then the stamped
 * file is offered for download and kept by the portal (/api/archive) for the verification page.
 */
import { $, checkEnvironment, downloadLink, el, errorText, eseal, fetchBytes, loadSeals, openPdf, renderPage, toBytes, type PdfDoc } from './common.js';

const SCALE = 0.9; // CSS px per point
const MM = 72 / 25.4;
const SEAL_MM = 40;
const NOTICE_URL = 'notice.pdf';
const FILE_NAME = '关于做好2026年度国库集中支付电子凭证试点工作的通知.pdf';

let original: Uint8Array | undefined;
let doc: PdfDoc | undefined;
let pageNo = 1;

const input = (id: string): HTMLInputElement => $(id) as HTMLInputElement;

function message(text: string, kind: 'ok' | 'bad' | 'info'): void {
  const m = $('#message');
  m.className = `message ${kind}`;
  m.textContent = text;
}

async function show(bytes: Uint8Array, n: number): Promise<void> {
  await doc?.destroy();
  doc = await openPdf(bytes);
  pageNo = Math.min(Math.max(1, n), doc.numPages);
  await renderPage(doc, pageNo, $('#preview') as HTMLCanvasElement, SCALE);
  $('#page-label').textContent = `第 ${pageNo} / ${doc.numPages} 页`;
  input('#place-page').max = String(doc.numPages);
  drawMarker();
}

/** The dashed 40 mm box where the seal will go, when the chosen page is the one shown. */
function drawMarker(): void {
  const marker = $('#marker');
  const page = Number(input('#place-page').value);
  const x = Number(input('#place-x').value);
  const y = Number(input('#place-y').value);
  const byKeyword = input('#mode-keyword').checked;
  if (byKeyword || page !== pageNo || !Number.isFinite(x) || !Number.isFinite(y)) {
    marker.hidden = true;
    return;
  }
  const size = SEAL_MM * MM * SCALE;
  marker.hidden = false;
  marker.style.width = `${size}px`;
  marker.style.height = `${size}px`;
  marker.style.left = `${x * MM * SCALE - size / 2}px`;
  marker.style.top = `${y * MM * SCALE - size / 2}px`;
}

async function stamp(): Promise<void> {
  const sdk = eseal();
  if (!sdk || !original) return;
  const result = $('#stamp-result');
  if (typeof sdk.sealPdf !== 'function') {
    result.dataset['state'] = 'failed';
    message('当前扩展版本不支持 PDF 盖章（eseal.sealPdf） / this extension has no sealPdf yet', 'bad');
    return;
  }
  const placement = input('#mode-keyword').checked
    ? {
        keyword: input('#place-keyword').value.trim(),
        ...(Number(input('#place-page').value) > 0 && { page: Number(input('#place-page').value) }),
        ...(Number(input('#place-occurrence').value) > 1 && { occurrence: Number(input('#place-occurrence').value) }),
      }
    : // whole millimetres, as the agent's placement takes them (a seal is 40 mm wide)
      { page: Number(input('#place-page').value), x: Math.round(Number(input('#place-x').value)), y: Math.round(Number(input('#place-y').value)) };
  const button = $('#stamp') as HTMLButtonElement;
  button.disabled = true;
  result.dataset['state'] = 'running';
  message('请在 ESeal 窗口中核对盖章位置并输入 PIN… / confirm the position and enter the PIN in the ESeal window', 'info');
  try {
    const r = await sdk.sealPdf(
      { document: original, fileName: FILE_NAME, title: '关于做好2026年度国库集中支付电子凭证试点工作的通知', placement },
      { sealId: ($('#seal-select') as HTMLSelectElement).value },
    );
    const stamped = toBytes(r.document);
    const name = FILE_NAME.replace(/\.pdf$/, '（已盖章）.pdf');
    downloadLink($('#download') as HTMLAnchorElement, stamped, name, 'application/pdf');
    const archived = await fetch(`/api/archive?name=${encodeURIComponent(name)}`, { method: 'POST', body: stamped as BlobPart, headers: { 'content-type': 'application/pdf' } });
    const saved = archived.ok ? ((await archived.json()) as { url: string }) : undefined;
    result.dataset['state'] = 'done';
    result.dataset['archive'] = saved?.url ?? '';
    const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
    const rect = Array.isArray(r['rect']) ? (r['rect'] as number[]).map((v) => v.toFixed(1)).join(', ') : '';
    $('#stamp-details').replaceChildren(
      el('li', { text: `签章格式 / format：${str(r['format'])}` }),
      el('li', { text: `签章域 / field：${str(r['fieldName'])}，第 ${str(r['page'])} 页，位置 [${rect}]` }),
      el('li', { text: `签章时间 / signed at：${str(r['signedAt'])}` }),
      el('li', { text: `审计序号 / audit #${str(r['auditSeq'])}` }),
    );
    message('盖章完成：可下载已盖章的 PDF，或前往“验证签章”页查看 / stamped: download it or verify it', 'ok');
    await show(stamped, Number(r['page']) || pageNo);
  } catch (error) {
    result.dataset['state'] = 'failed';
    message(`盖章未完成：${errorText(error)}`, 'bad');
  } finally {
    button.disabled = false;
  }
}

async function main(): Promise<void> {
  original = await fetchBytes(NOTICE_URL);
  await show(original, 1);
  $('#preview').addEventListener('click', (e) => {
    const canvas = e.currentTarget as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    input('#mode-position').checked = true;
    input('#place-page').value = String(pageNo);
    input('#place-x').value = ((e.clientX - box.left) / SCALE / MM).toFixed(0);
    input('#place-y').value = ((e.clientY - box.top) / SCALE / MM).toFixed(0);
    drawMarker();
  });
  for (const id of ['#place-page', '#place-x', '#place-y', '#mode-keyword', '#mode-position']) $(id).addEventListener('input', drawMarker);
  $('#page-prev').addEventListener('click', () => void (doc && pageNo > 1 && show(original as Uint8Array, pageNo - 1)));
  $('#page-next').addEventListener('click', () => void (doc && pageNo < doc.numPages && show(original as Uint8Array, pageNo + 1)));
  $('#stamp').addEventListener('click', () => void stamp());
  const { state } = await checkEnvironment();
  if (state === 'ready') {
    try {
      await loadSeals($('#seal-select') as HTMLSelectElement);
      ($('#stamp') as HTMLButtonElement).disabled = false;
      document.body.dataset['ready'] = 'true';
    } catch (error) {
      message(errorText(error), 'bad');
    }
  }
}

main().catch((error: unknown) => message(errorText(error), 'bad'));
