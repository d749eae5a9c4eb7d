// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The ESeal viewer page (`viewer.html`): opens a PDF or OFD, shows every seal with a badge
 * (`.seal-badge[data-status=valid|invalid|unknown]`) and the signature panel (`#signature-panel`,
 * one `.signature-entry` per signature) with the verification report in plain Chinese or English.
 *
 * Where verification runs (decision): here, in the browser, with shared/verify `verifyDocument`
 * — the same code as the agent and `eseal verify` — so the viewer works without the agent and the
 * document never leaves the browser. The extension's policy carries no certificates (its
 * `trust.roots` are file paths on the agent's machine), so in the browser certificate chains stay
 * "cannot be judged" (INDETERMINATE → unknown badge) however good the cryptography. When the agent
 * is running and paired, the viewer then asks the agent's `verify` through the background (the
 * machine's trust anchors and CRLs apply) and shows that report instead, saying so; documents above
 * the agent's inline limit (4 MiB) stay with the browser's report. If the agent fails, the browser's
 * report stays: verification never depends on the agent being there.
 *
 * State for tests and scripts: `body[data-state]` ∈ starting | empty | loading | verifying | ready | error;
 * `body[data-verified-by]` ∈ browser | agent; `body[data-kind]` ∈ pdf | ofd | other.
 */
import { SealError, formatErrorMessage, toSealError } from '../../shared/errors/index.js';
import { MAX_INLINE_BYTES } from '../../shared/protocol/index.js';
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../shared/verify/VerificationReport.js';
import { loadPolicy } from '../background/policySource.js';
import { browserApi } from '../browserApi.js';
import { layoutPdf, renderFirstPage, type PdfLayout } from './pdfView.js';
import { documentKind, fetchDocument, readLocalFile, type DocumentKind, type LoadedDocument } from './source.js';
import { messagesFrom, panelModel, type BadgeStatus, type Messages, type MessagesJson, type PanelEntry } from './viewModel.js';
import { ofdSealPreviewPdf } from './vectorSeal.js';
import { VIEWER_MESSAGE } from './viewerBackground.js';

const api = browserApi();
const params = new URLSearchParams(location.search);
const catalogs = new Map<'zh-CN' | 'en', Messages>();
let lang: 'zh-CN' | 'en' = params.get('lang') === 'en' || (params.get('lang') === null && !(api.i18n.getUILanguage?.() ?? 'zh-CN').toLowerCase().startsWith('zh')) ? 'en' : 'zh-CN';
let m: Messages = (key) => api.i18n.getMessage(key) || key;

let current: { doc: LoadedDocument; kind: DocumentKind; report: VerificationReport; verifiedBy: 'browser' | 'agent' } | undefined;
let layout: PdfLayout | undefined;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

async function messages(l: 'zh-CN' | 'en'): Promise<Messages> {
  const cached = catalogs.get(l);
  if (cached) return cached;
  const res = await fetch(api.runtime.getURL(`_locales/${l === 'zh-CN' ? 'zh_CN' : 'en'}/messages.json`));
  const fn = messagesFrom((await res.json()) as MessagesJson);
  catalogs.set(l, fn);
  return fn;
}

function setState(state: 'empty' | 'loading' | 'verifying' | 'ready' | 'error', line = ''): void {
  document.body.dataset['state'] = state;
  $('status-line').textContent = line;
}

function staticTexts(): void {
  document.documentElement.lang = lang;
  document.title = `${m('viewer_title')} — ESeal`;
  $('title').textContent = m('viewer_title');
  $('open-file-text').textContent = m('viewer_open_file');
  $('lang-toggle').textContent = m('viewer_switch_language');
  $('panel-title').textContent = m('viewer_panel_title');
  $('document-checks-title').textContent = m('viewer_document_checks');
}

function errorText(e: SealError): string {
  return `${formatErrorMessage(e.code, lang, e.details)} (${e.code})`;
}

function badge(status: BadgeStatus, id: string, label: string): HTMLElement {
  const b = document.createElement('div');
  b.className = 'seal-badge';
  b.dataset['status'] = status;
  b.dataset['signatureId'] = id;
  b.tabIndex = 0;
  b.setAttribute('role', 'button');
  b.title = label;
  const l = document.createElement('span');
  l.className = 'badge-label';
  l.textContent = `${status === 'valid' ? '✓' : status === 'invalid' ? '✗' : '?'} ${label}`;
  b.appendChild(l);
  const focusEntry = (): void => {
    const entry = document.querySelector<HTMLElement>(`.signature-entry[data-signature-id="${CSS.escape(id)}"]`);
    if (!entry) return;
    document.querySelectorAll('.signature-entry.highlight').forEach((e) => e.classList.remove('highlight'));
    entry.classList.add('highlight');
    entry.scrollIntoView({ block: 'nearest' });
  };
  b.addEventListener('click', focusEntry);
  b.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') focusEntry();
  });
  return b;
}

function sealCard(entry: PanelEntry, note?: string): HTMLElement {
  const card = document.createElement('figure');
  card.className = 'seal-card';
  const b = badge(entry.status, entry.id, entry.statusText);
  if (entry.picture) {
    const img = document.createElement('img');
    img.className = 'seal-picture';
    img.alt = entry.title;
    img.src = `data:${entry.picture.mime};base64,${entry.picture.dataBase64}`;
    b.prepend(img);
  } else if (entry.vectorPicture) {
    const img = document.createElement('img');
    img.className = 'seal-picture';
    img.alt = entry.title;
    b.prepend(img);
    const v = entry.vectorPicture;
    void (async () => {
      try {
        const bin = atob(v.dataBase64);
        const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
        img.src = await renderFirstPage(ofdSealPreviewPdf(bytes, v.widthMm, v.heightMm), (p) => api.runtime.getURL(p), 320);
      } catch {
        const note = document.createElement('div');
        note.className = 'picture-note';
        note.textContent = m('viewer_picture_vector');
        img.replaceWith(note);
      }
    })();
  } else if (entry.pictureNotShown) {
    const note = document.createElement('div');
    note.className = 'picture-note';
    note.textContent = m('viewer_picture_vector');
    b.prepend(note);
  }
  card.appendChild(b);
  const cap = document.createElement('figcaption');
  cap.textContent = note === undefined ? entry.title : `${entry.title} ${note}`;
  card.appendChild(cap);
  return card;
}

function renderPanel(): void {
  if (!current) return;
  const model = panelModel(current.report, m);
  const overall = $('overall');
  overall.dataset['status'] = model.status;
  overall.textContent = model.headline;
  $('verified-by').textContent = m(current.verifiedBy === 'agent' ? 'viewer_verified_by_agent' : 'viewer_verified_by_browser');
  document.body.dataset['verifiedBy'] = current.verifiedBy;
  const err = $('report-error');
  err.hidden = model.error === undefined;
  err.textContent = model.error ?? '';
  const list = $('signature-list');
  list.textContent = '';
  for (const e of model.entries) {
    const li = document.createElement('li');
    li.className = 'signature-entry';
    li.dataset['signatureId'] = e.id;
    li.dataset['status'] = e.status;
    li.dataset['change'] = e.change;
    const h = document.createElement('h3');
    const t = document.createElement('span');
    t.textContent = e.title;
    const chip = document.createElement('span');
    chip.className = 'status-chip';
    chip.dataset['status'] = e.status;
    chip.textContent = e.statusText;
    h.append(t, chip);
    const dl = document.createElement('dl');
    for (const r of e.rows) {
      const dt = document.createElement('dt');
      dt.textContent = r.label;
      const dd = document.createElement('dd');
      dd.dataset['row'] = r.key;
      dd.className = r.tone;
      dd.textContent = r.value;
      dl.append(dt, dd);
    }
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = m('viewer_checks');
    const ul = document.createElement('ul');
    for (const c of e.checks) {
      const item = document.createElement('li');
      item.dataset['check'] = c.status;
      item.textContent = c.text;
      ul.appendChild(item);
    }
    details.append(summary, ul);
    li.append(h, dl, details);
    list.appendChild(li);
  }
  const docChecks = $('document-checks');
  docChecks.hidden = model.documentChecks.length === 0;
  const dul = docChecks.querySelector('ul');
  if (dul) {
    dul.textContent = '';
    for (const c of model.documentChecks) {
      const item = document.createElement('li');
      item.dataset['check'] = c.status;
      item.textContent = c.text;
      dul.appendChild(item);
    }
  }
  renderBadges(model.entries);
}

/** Badges over PDF widgets; a card in the gallery for OFD seals and for signatures without a widget. */
function renderBadges(entries: readonly PanelEntry[]): void {
  document.querySelectorAll('.seal-badge').forEach((b) => b.remove());
  const gallery = $('seal-gallery');
  gallery.textContent = '';
  const placed = new Set<string>();
  if (current?.kind === 'pdf' && layout) {
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const w of layout.widgets) {
      const e = byId.get(w.fieldName);
      if (e && placed.has(e.id)) continue;
      const layer = layout.pages[w.page]?.querySelector('.badge-layer');
      if (!layer) continue;
      // A signature widget the report does not list (an unsigned field, or one the verifier could not
      // read) still gets a badge: a seal picture on the page must never look verified by default.
      const b = e ? badge(e.status, e.id, e.statusText) : badge('unknown', w.fieldName, m('viewer_unsigned_field'));
      if (!e) b.dataset['unsigned'] = 'true';
      const [x, y, wd, ht] = w.box;
      Object.assign(b.style, { left: `${x}px`, top: `${y}px`, width: `${Math.max(wd, 16)}px`, height: `${Math.max(ht, 16)}px` });
      layer.appendChild(b);
      placed.add(e?.id ?? w.fieldName);
    }
  }
  for (const e of entries) {
    if (placed.has(e.id)) continue;
    gallery.appendChild(sealCard(e, current?.kind === 'pdf' ? m('viewer_invisible') : undefined));
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The agent's report, when the agent is there and paired; undefined otherwise (never throws). */
async function agentReport(doc: LoadedDocument): Promise<VerificationReport | undefined> {
  if (doc.bytes.length > MAX_INLINE_BYTES) return undefined;
  try {
    const r = (await api.runtime.sendMessage({ type: VIEWER_MESSAGE, op: 'verify', document: toBase64(doc.bytes), fileName: doc.fileName })) as { ok?: boolean; result?: VerificationReport } | undefined;
    return r?.ok === true && r.result?.schemaVersion === 1 ? r.result : undefined;
  } catch {
    return undefined;
  }
}

async function show(doc: LoadedDocument): Promise<void> {
  layout?.destroy();
  layout = undefined;
  $('pages').textContent = '';
  current = undefined;
  const kind = documentKind(doc.bytes);
  document.body.dataset['kind'] = kind;
  $('source').textContent = m('viewer_source', [doc.source === 'file' ? doc.fileName : doc.source]);
  setState('verifying', m('viewer_verifying'));
  // Our own copy of the bytes is verified; pdf.js gets another copy.
  const local = await verifyDocument(doc.bytes, { fileName: doc.fileName, includePictures: true });
  current = { doc, kind, report: local, verifiedBy: 'browser' };
  if (kind === 'pdf') {
    setState('verifying', m('viewer_rendering'));
    try {
      layout = await layoutPdf(doc.bytes, $('pages'), (p) => api.runtime.getURL(p));
    } catch (error) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = errorText(toSealError(error));
      $('pages').appendChild(p);
    }
  } else if (kind === 'ofd') {
    const p = document.createElement('p');
    p.textContent = m('viewer_ofd_note');
    $('pages').appendChild(p);
  }
  renderPanel();
  const fromAgent = await agentReport(doc);
  if (fromAgent && current?.doc === doc) {
    current = { ...current, report: fromAgent, verifiedBy: 'agent' };
    renderPanel();
  }
  await layout?.firstPageDrawn;
  // Another document may have been opened meanwhile; its own run sets the state.
  if (current?.doc === doc) setState('ready');
}

async function open(load: () => Promise<LoadedDocument>): Promise<void> {
  setState('loading', m('viewer_loading'));
  try {
    await show(await load());
  } catch (error) {
    setState('error', errorText(toSealError(error)));
  }
}

async function fromSession(id: string): Promise<LoadedDocument> {
  const area = (api.storage as unknown as { session?: { get(k: string): Promise<Record<string, unknown>>; remove(k: string): Promise<void> } }).session;
  const key = `viewerDoc:${id}`;
  const stored = (await area?.get(key))?.[key] as { document?: unknown; fileName?: unknown; origin?: unknown } | undefined;
  await area?.remove(key);
  if (!stored || typeof stored.document !== 'string') throw new SealError('ERR_INPUT_INVALID', { name: 'doc', reason: 'expired or unknown' });
  const bin = atob(stored.document);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return { bytes, fileName: typeof stored.fileName === 'string' ? stored.fileName : 'document', source: typeof stored.origin === 'string' ? stored.origin : 'portal' };
}

async function main(): Promise<void> {
  m = await messages(lang);
  staticTexts();
  $('lang-toggle').addEventListener('click', () => {
    void (async () => {
      lang = lang === 'zh-CN' ? 'en' : 'zh-CN';
      m = await messages(lang);
      staticTexts();
      if (current) {
        $('source').textContent = m('viewer_source', [current.doc.source === 'file' ? current.doc.fileName : current.doc.source]);
        renderPanel();
      }
    })();
  });
  $<HTMLInputElement>('file-input').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void open(() => readLocalFile(file));
  });
  const src = params.get('src');
  const docId = params.get('doc');
  if (src !== null) {
    await open(async () => fetchDocument((await loadPolicy(api)).policy, src));
  } else if (docId !== null && /^[A-Za-z0-9_-]{8,64}$/.test(docId)) {
    await open(() => fromSession(docId));
  } else {
    setState('empty', m('viewer_empty'));
  }
}

void main();
