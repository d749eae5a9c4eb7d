// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The consent window (contract C): what will be sealed, for which portal, with which seal and
 * certificate, and the PIN. Opened by the background (`consent.html#<session>`), fed over the
 * CONSENT_PORT (protocol.ts). Not web-accessible: no page can frame or open it.
 *
 * - everything shown goes through `textContent` (never HTML): titles come from the portal;
 * - the PIN: `type=password`, sent only on this port to the background with the decision, the
 *   field cleared at once, never logged, never stored;
 * - keyboard: focus starts on the PIN field (or Approve when the PIN is entered elsewhere), Enter
 *   approves when the PIN is filled, Esc rejects (or closes once the request has ended);
 * - closing the window is a rejection (the background sees the port go).
 */
import { browserApi } from '../browserApi.js';
import { loadPdfjs, pdfjsDocumentParams } from '../pdfjs/loadPdfjs.js';
import { CONSENT_PORT, type ConsentView, type PinMode, type ShownError, type ToWindow } from './protocol.js';

const api = browserApi();
const t = (name: string, subs?: string | string[]): string => api.i18n.getMessage(name, subs) || name;
// The language of the messages actually in use (a browser without the zh-CN UI locale shows en).
const lang = t('consent_lang');
const zh = lang.startsWith('zh');
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const pin = $<HTMLInputElement>('pin');
const approve = $<HTMLButtonElement>('approve');
const reject = $<HTMLButtonElement>('reject');
const message = $('message');

type State = 'loading' | 'review' | 'pin' | 'pinpad' | 'signing' | 'done' | 'error';

let view: ConsentView | undefined;
let pinMode: PinMode = 'extension';
/** A decision is awaited from the user (consent or a PIN round). */
let awaiting = false;
let ended = false;

for (const [id, key] of [
  ['heading', 'consent_heading'], ['origin-label', 'consent_origin'], ['doc-label', 'consent_document'], ['page-count-label', 'consent_pages'],
  ['seal-label', 'consent_seal'], ['seal-name-label', 'consent_sealName'], ['seal-type-label', 'consent_sealType'], ['signer-label', 'consent_signer'],
  ['fingerprint-label', 'consent_fingerprint'], ['pin-label', 'consent_pin'], ['approve', 'consent_approve'], ['reject', 'consent_reject'],
] as const) $(id).textContent = t(key);
document.title = t('consent_title');
document.documentElement.lang = lang;
message.textContent = t('consent_loading');
approve.disabled = true;

function setState(state: State): void {
  document.body.dataset['state'] = state;
}

function say(text: string, isError = false): void {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

function errorText(e: ShownError | undefined): string {
  if (!e) return '';
  return `${(zh ? e.messageZh : e.message) || e.message || e.messageZh} (${e.code})`;
}

function pinErrorText(code: string | undefined): string {
  if (code === 'ERR_TOKEN_PIN_INCORRECT') return t('consent_pinWrong');
  if (code === 'ERR_TOKEN_PIN_INVALID') return t('consent_pinInvalid');
  return code ?? '';
}

function showRetries(retriesLeft: number | undefined): void {
  $('retries').textContent = typeof retriesLeft === 'number' ? t('consent_retriesLeft', String(retriesLeft)) : '';
}

/** The fields of an X.500 subject string, e.g. `CN=某某市财政局, O=…`. */
function rdn(subject: string | undefined, key: string): string | undefined {
  if (!subject) return undefined;
  const m = new RegExp(`(?:^|[,/+]\\s*)${key}=([^,/+]+)`).exec(subject);
  return m?.[1]?.trim();
}

function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

function addRow(dl: HTMLElement, label: string, value: string): void {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dl.append(dt, dd);
}

const PICTURE_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', svg: 'image/svg+xml' };

function pictureUrl(v: ConsentView): string | undefined {
  const p = v.seal?.picture;
  const mime = p ? PICTURE_TYPES[p.format.toLowerCase()] : undefined;
  return p?.dataBase64 && mime ? `data:${mime};base64,${p.dataBase64}` : undefined;
}

function render(v: ConsentView): void {
  view = v;
  pinMode = v.pinMode;
  $('origin').textContent = v.origin;
  $('portal-name').textContent = v.portalName ? `（${v.portalName}）` : '';
  const batch = v.items > 1 || v.method === 'seal.signBatch';
  $('doc-title').textContent = batch ? t('consent_batchTitle', String(v.items)) : v.document.title + (v.document.docName ? ` — ${v.document.docName}` : '');
  $('page-count-label').textContent = batch ? t('consent_itemCount') : t('consent_pages');
  $('page-count').textContent = batch ? String(v.items) : v.document.pages !== undefined ? String(v.document.pages) : '—';
  const dev = $('dev-warning');
  dev.hidden = v.token?.developmentOnly !== true;
  dev.textContent = t('consent_devToken');
  const due = $('pin-change');
  due.hidden = v.token?.pinChangeDue !== true;
  due.textContent = t('consent_pinChangeDue', String(v.token?.pinAgeDays ?? '?'));

  // Seal
  $('seal-name').textContent = v.seal?.name ?? '—';
  $('seal-type').textContent = v.seal?.sealType ? `${t(`consent_sealType_${v.seal.sealType}`)}${v.seal.type !== undefined ? ` (GB/T 38540 type ${v.seal.type})` : ''}` : '—';
  const img = $<HTMLImageElement>('seal-picture');
  const url = pictureUrl(v);
  if (url) img.src = url;
  img.alt = v.seal ? t('consent_sealPictureAlt', v.seal.name) : '';

  // Signer certificate
  const signer = $('signer');
  signer.replaceChildren();
  const s = v.signer ?? {};
  addRow(signer, t('consent_subject'), [rdn(s.subject, 'CN'), rdn(s.subject, 'O')].filter(Boolean).join(' / ') || (s.subject ?? '—'));
  addRow(signer, t('consent_issuer'), s.issuer ? [rdn(s.issuer, 'CN'), rdn(s.issuer, 'O')].filter(Boolean).join(' / ') || s.issuer : '—');
  addRow(signer, t('consent_validity'), s.notBefore ? `${day(s.notBefore)} — ${day(s.notAfter)}` : t('consent_validUntil', day(s.notAfter)));
  addRow(signer, t('consent_serial'), s.serial ?? '—');
  if (v.token?.label) addRow(signer, t('consent_token'), `${v.token.label}${v.token.serial ? ` (${v.token.serial})` : ''}`);

  // What will be signed
  const fp = $('fingerprint');
  if (v.fingerprint) {
    fp.textContent = `${v.fingerprint.alg}  ${(v.fingerprint.hex.match(/.{1,4}/g) ?? []).join(' ')}`;
    fp.title = v.fingerprint.hex;
  } else fp.textContent = batch ? t('consent_batchFingerprints') : '—';

  // Batch list
  $('batch').hidden = !batch;
  const list = $('batch-list');
  list.replaceChildren();
  for (const e of v.list ?? []) {
    const li = document.createElement('li');
    li.dataset['itemId'] = e.itemId;
    li.dataset['status'] = 'pending';
    li.textContent = `${e.title}${e.fingerprint ? `  ${e.fingerprint}` : ''}`;
    list.append(li);
  }
  const progress = $<HTMLProgressElement>('progress');
  progress.max = Math.max(1, v.items);
  progress.value = 0;
  $('progress-text').textContent = `0 / ${v.items}`;

  // PIN
  $('pin-row').hidden = pinMode !== 'extension';
  showRetries(v.retriesLeft);
  awaiting = true;
  approve.disabled = false;
  reject.disabled = false;
  setState('review');
  say(pinMode === 'pinpad' ? t('consent_pinpadAfter') : pinMode === 'pinentry' ? t('consent_pinentryAfter') : t('consent_review'));
  (pinMode === 'extension' ? pin : approve).focus();
  if (v.preview && v.pdfBase64) void renderPreview(v).catch(() => say(t('consent_previewFailed'), true));
}

async function renderPreview(v: ConsentView): Promise<void> {
  const preview = v.preview;
  if (!preview || !v.pdfBase64) return;
  const binary = atob(v.pdfBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const getURL = (p: string): string => api.runtime.getURL(p);
  const pdfjs = loadPdfjs(getURL);
  const doc = await pdfjs.getDocument(pdfjsDocumentParams(getURL, bytes)).promise;
  try {
    const page = await doc.getPage(preview.page);
    const base = page.getViewport({ scale: 1 });
    const dpr = window.devicePixelRatio || 1;
    const fit = Math.min(460 / base.width, 340 / base.height, 2);
    const viewport = page.getViewport({ scale: fit * dpr });
    const canvas = $<HTMLCanvasElement>('preview');
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    canvas.style.width = `${Math.ceil(viewport.width / dpr)}px`;
    canvas.hidden = false;
    await page.render({ canvas, viewport }).promise;
    // The seal where it will go: the widget rect (user space) mapped to the rendered page.
    const [x1, y1, x2, y2] = viewport.convertToViewportRectangle([...preview.rect]) as [number, number, number, number];
    const left = Math.min(x1, x2);
    const top = Math.min(y1, y2);
    const w = Math.abs(x2 - x1);
    const h = Math.abs(y2 - y1);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const url = pictureUrl(v);
    if (url) {
      const img = new Image();
      img.src = url;
      await img.decode().catch(() => undefined);
      ctx.globalAlpha = 0.85;
      if (img.naturalWidth > 0) ctx.drawImage(img, left, top, w, h);
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = '#d01010';
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.strokeRect(left, top, w, h);
    canvas.dataset['rendered'] = `${preview.page}`;
  } finally {
    void doc.destroy();
  }
}

function itemElement(itemId: string): HTMLElement | null {
  return $('batch-list').querySelector(`li[data-item-id="${CSS.escape(itemId)}"]`);
}

function markItem(itemId: string, ok: boolean, error?: ShownError, attempted = true): void {
  const li = itemElement(itemId);
  if (!li) return;
  li.dataset['status'] = ok ? 'ok' : 'failed';
  if (!ok) li.title = attempted ? errorText(error) : t('consent_notAttempted');
}

function countDone(): void {
  const all = $('batch-list').querySelectorAll('li');
  const done = $('batch-list').querySelectorAll('li[data-status="ok"], li[data-status="failed"]').length;
  const progress = $<HTMLProgressElement>('progress');
  progress.value = done;
  $('progress-text').textContent = `${done} / ${view?.items ?? all.length}`;
}

function endWith(state: 'done' | 'error', text: string, isError: boolean): void {
  ended = true;
  awaiting = false;
  pin.value = '';
  $('pin-row').hidden = true;
  approve.hidden = true;
  reject.disabled = false;
  reject.textContent = t('consent_close');
  setState(state);
  say(text, isError);
  reject.focus();
}

function onMessage(m: ToWindow): void {
  switch (m.type) {
    case 'show':
      render(m.view);
      return;
    case 'pin':
      pinMode = m.pinMode;
      showRetries(m.retriesLeft);
      $('pin-row').hidden = pinMode !== 'extension';
      setState('pin');
      if (pinMode === 'extension') {
        awaiting = true;
        approve.disabled = false;
        reject.disabled = false;
        say(m.error ? `${pinErrorText(m.error)}${typeof m.retriesLeft === 'number' ? ` ${t('consent_retriesLeft', String(m.retriesLeft))}` : ''}` : t('consent_enterPin'), m.error !== undefined);
        pin.focus();
      } else say(t('consent_pinentryAfter'), m.error !== undefined);
      return;
    case 'pinpad':
      setState('pinpad');
      $('pin-row').hidden = true;
      showRetries(m.retriesLeft);
      approve.disabled = true;
      say(t('consent_pinpad'));
      return;
    case 'signing':
      awaiting = false;
      approve.disabled = true;
      $('pin-row').hidden = true;
      setState('signing');
      say(t('consent_signing'));
      return;
    case 'item':
      markItem(m.itemId, m.ok, m.error, m.attempted !== false);
      countDone();
      return;
    case 'done':
      if (!m.ok) return endWith('error', errorText(m.error), true);
      for (const it of m.items ?? []) markItem(it.itemId, it.ok, it.error, it.attempted !== false);
      if (m.items) countDone();
      if (m.stopped || (m.total !== undefined && m.signed !== undefined && m.signed < m.total)) {
        return endWith('done', `${t('consent_batchPartial', [String(m.signed ?? 0), String(m.total ?? 0)])}${m.stopped ? ` ${errorText(m.stopped)}` : ''}`, true);
      }
      return endWith('done', m.total !== undefined ? t('consent_batchDone', String(m.signed ?? m.total)) : t('consent_done'), false);
  }
}

const port = api.runtime.connect({ name: CONSENT_PORT });
port.onMessage.addListener((m) => onMessage(m as ToWindow));
port.onDisconnect.addListener(() => {
  if (!ended) endWith('error', t('consent_disconnected'), true);
});
port.postMessage({ type: 'hello', session: location.hash.slice(1) });

const PIN_PATTERN = /^[\x20-\x7e]{4,32}$/;

function decide(approved: boolean): void {
  if (!awaiting) return;
  if (approved && pinMode === 'extension') {
    const value = pin.value;
    if (value === '') {
      say(t('consent_enterPin'), true);
      pin.focus();
      return;
    }
    if (!PIN_PATTERN.test(value)) {
      say(t('consent_pinFormat'), true);
      pin.focus();
      return;
    }
    awaiting = false;
    pin.value = '';
    port.postMessage({ type: 'decision', approved: true, pin: value });
  } else {
    awaiting = false;
    pin.value = '';
    port.postMessage({ type: 'decision', approved });
  }
  approve.disabled = true;
  say(approved ? t('consent_checking') : t('consent_rejected'));
}

$<HTMLFormElement>('decision').addEventListener('submit', (event) => {
  event.preventDefault();
  decide(true);
});
reject.addEventListener('click', () => {
  if (awaiting) decide(false);
  window.close();
});
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  event.preventDefault();
  reject.click();
});
