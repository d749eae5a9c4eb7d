// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * What every demo page shares: the SDK handle, the environment banner (extension missing / agent
 * missing / not paired / refused by policy / ready, each with what to do, in Chinese first), the
 * seal picker and small byte helpers. The banner's `data-state` is what the headless run waits on.
 */

export interface SdkError {
  readonly code: string;
  readonly message: string;
  readonly messageZh?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface SealInfo {
  readonly id: string;
  readonly name: string;
  readonly sealType: string;
  readonly picture?: { readonly format: string; readonly dataBase64: string };
}

export interface StatusResult {
  readonly extensionVersion: string;
  readonly agent: { readonly connected: boolean; readonly paired: boolean; readonly agentVersion?: string; readonly error?: SdkError };
  readonly tokens?: readonly { readonly label: string; readonly serial: string }[];
}

/** The part of `window.eseal` the demo uses; sealPdf and openViewer are newer than some builds. */
export interface Eseal {
  readonly version: string;
  status(): Promise<StatusResult>;
  listSeals(filter?: Record<string, unknown>): Promise<{ seals: SealInfo[] }>;
  sealData(item: Record<string, unknown>, options: { sealId: string }): Promise<Record<string, unknown>>;
  sealBatch(items: readonly Record<string, unknown>[], options: { sealId: string }): Promise<Record<string, unknown>>;
  sealPdf?(request: Record<string, unknown>, options: { sealId: string }): Promise<Record<string, unknown> & { document: Uint8Array }>;
  verify(request: Record<string, unknown>): Promise<Record<string, unknown>>;
  openViewer?(request: { document: Uint8Array | string; fileName?: string }): Promise<unknown>;
}

export function eseal(): Eseal | undefined {
  return (window as unknown as { eseal?: Eseal }).eseal;
}

export function $(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/** Chinese first, the English after: how every error shows. */
export function errorText(error: unknown): string {
  const e = error as Partial<SdkError> | undefined;
  if (e && typeof e.code === 'string') return `${e.messageZh ?? ''}（${e.code}）${e.message ? ` / ${e.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

export function errorCode(error: unknown): string {
  const e = error as Partial<SdkError> | undefined;
  return e && typeof e.code === 'string' ? e.code : 'ERR_UNKNOWN';
}

export type EnvState = 'checking' | 'ready' | 'no-sdk' | 'no-extension' | 'no-agent' | 'not-paired' | 'denied' | 'error';

const HINTS: Record<Exclude<EnvState, 'checking' | 'ready'>, [string, string]> = {
  'no-sdk': [
    '页面 SDK（eseal-sdk.js）未能加载：请先运行 <code>node scripts/build.mjs all</code>（或 <code>bash scripts/start.sh</code>）。',
    'The page SDK (eseal-sdk.js) did not load: build first.',
  ],
  'no-extension': [
    '未检测到 ESeal 浏览器扩展。请在 Chrome/Edge 打开 <code>chrome://extensions</code>，开启“开发者模式”，点击“加载已解压的扩展程序”，选择 <code>dist/extension/chrome</code>；然后刷新本页。',
    'The ESeal extension is not installed or not active on this page: load dist/extension/chrome unpacked, then reload.',
  ],
  'no-agent': [
    '已检测到扩展，但签章服务未运行。请运行 <code>bash scripts/start.sh</code>（或 <code>node dist/agent/eseal.mjs agent --dev</code>），然后刷新本页。',
    'The extension is here but the signing agent is not running: start it, then reload.',
  ],
  'not-paired': [
    '浏览器尚未与签章服务配对。请打开扩展的“选项”页，输入签章服务启动时在控制台显示的 8 位配对码（也可运行 <code>eseal pair</code> 获取新的配对码）。',
    'This browser is not paired with the agent: open the extension options and enter the 8-digit code the agent printed.',
  ],
  denied: [
    '策略不允许本门户使用电子印章。请管理员在策略的 <code>portals</code> 中加入本站来源及所需操作。',
    'The policy does not allow this portal: ask the administrator to add this origin.',
  ],
  error: ['检测 ESeal 状态时出错：', 'Could not check the ESeal status:'],
};

/** Checks the SDK, the extension, the agent and the pairing; fills `#env`; resolves to the state. */
export async function checkEnvironment(): Promise<{ state: EnvState; status?: StatusResult }> {
  const box = $('#env');
  const show = (state: EnvState, html: string): void => {
    box.dataset['state'] = state;
    box.className = `env env-${state === 'ready' ? 'ok' : state === 'checking' ? 'info' : 'bad'}`;
    box.innerHTML = html;
  };
  const hint = (state: Exclude<EnvState, 'checking' | 'ready'>, extra = ''): void => {
    const [zh, en] = HINTS[state];
    show(state, `<strong>${zh}</strong>${extra}<br><span class="en">${en}</span>`);
  };
  show('checking', '正在检测 ESeal 扩展与签章服务… <span class="en">checking the ESeal extension and agent…</span>');
  const sdk = eseal();
  if (!sdk) {
    hint('no-sdk');
    return { state: 'no-sdk' };
  }
  let status: StatusResult;
  try {
    status = await sdk.status();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ERR_EXTENSION_MISSING') hint('no-extension');
    else if (code === 'ERR_POLICY_DENIED') hint('denied');
    else hint('error', ` ${escapeHtml(errorText(error))}`);
    return { state: code === 'ERR_EXTENSION_MISSING' ? 'no-extension' : code === 'ERR_POLICY_DENIED' ? 'denied' : 'error' };
  }
  const agentError = status.agent.error?.code;
  if (agentError === 'ERR_AGENT_NOT_PAIRED' || (status.agent.connected && !status.agent.paired)) {
    hint('not-paired');
    return { state: 'not-paired', status };
  }
  if (!status.agent.connected) {
    if (agentError && agentError !== 'ERR_AGENT_UNAVAILABLE') {
      hint('error', ` ${escapeHtml(errorText(status.agent.error))}`);
      return { state: 'error', status };
    }
    hint('no-agent');
    return { state: 'no-agent', status };
  }
  const tokens = status.tokens?.map((t) => `${t.label}（${t.serial}）`).join('、') || '未插入 / none';
  show('ready', `<strong>已连接</strong>：扩展 ${escapeHtml(status.extensionVersion)}，签章服务 ${escapeHtml(status.agent.agentVersion ?? '')}，USB KEY / 令牌：${escapeHtml(tokens)} <span class="en">connected</span>`);
  return { state: 'ready', status };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Fills `#seal-select` with the seals the policy allows here (official first). */
export async function loadSeals(select: HTMLSelectElement): Promise<SealInfo[]> {
  const sdk = eseal();
  if (!sdk) return [];
  const { seals } = await sdk.listSeals({ includePictures: true });
  select.replaceChildren(...seals.map((s) => el('option', { value: s.id, text: `${s.name}（${sealTypeZh(s.sealType)}）` })));
  const official = seals.find((s) => s.sealType === 'official');
  if (official) select.value = official.id;
  return seals;
}

export function sealTypeZh(t: string): string {
  return ({ official: '公章', legal: '法定代表人章', personal: '个人章' } as Record<string, string>)[t] ?? t;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return base64ToBytes(value);
  throw new Error('not bytes');
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The extension's viewer for a document URL (contract: viewer.html?src=<url>); Chrome build id. */
export async function viewerUrl(src: string): Promise<string | undefined> {
  try {
    const cfg = (await (await fetch('/api/config')).json()) as { extensionId?: string };
    if (!cfg.extensionId) return undefined;
    return `chrome-extension://${cfg.extensionId}/viewer.html?src=${encodeURIComponent(new URL(src, location.href).href)}`;
  } catch {
    return undefined;
  }
}

export function formatTime(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('zh-CN', { hour12: false });
}

/** Loads pdf.js from the demo server (node_modules, never a CDN) once. */
let pdfjs: Promise<PdfJs> | undefined;
export interface PdfJs {
  GlobalWorkerOptions: { workerSrc: string };
  getDocument(src: { data: Uint8Array; cMapUrl: string; cMapPacked: boolean }): { promise: Promise<PdfDoc> };
}
export interface PdfDoc {
  numPages: number;
  getPage(n: number): Promise<PdfPage>;
  destroy(): Promise<void>;
}
export interface PdfPage {
  getViewport(o: { scale: number }): { width: number; height: number };
  render(o: { canvas: HTMLCanvasElement; canvasContext: CanvasRenderingContext2D; viewport: unknown }): { promise: Promise<void> };
}
export function loadPdfJs(): Promise<PdfJs> {
  const url = '/vendor/pdfjs/build/pdf.min.mjs';
  pdfjs ??= (import(/* webpackIgnore: true */ url) as Promise<PdfJs>).then((m) => {
    m.GlobalWorkerOptions.workerSrc = '/vendor/pdfjs/build/pdf.worker.min.mjs';
    return m;
  });
  return pdfjs;
}

export async function openPdf(bytes: Uint8Array): Promise<PdfDoc> {
  const lib = await loadPdfJs();
  // pdf.js may transfer the buffer to its worker: give it a copy.
  return lib.getDocument({ data: bytes.slice(), cMapUrl: '/vendor/pdfjs/cmaps/', cMapPacked: true }).promise;
}

/** Renders one page into `canvas` at `scale` CSS pixels per point; returns the viewport size. */
export async function renderPage(doc: PdfDoc, n: number, canvas: HTMLCanvasElement, scale: number): Promise<{ width: number; height: number }> {
  const page = await doc.getPage(n);
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  canvas.width = Math.round(viewport.width);
  canvas.height = Math.round(viewport.height);
  canvas.style.width = `${Math.round(viewport.width / ratio)}px`;
  canvas.style.height = `${Math.round(viewport.height / ratio)}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  await page.render({ canvas, canvasContext: ctx, viewport }).promise;
  return { width: viewport.width / ratio, height: viewport.height / ratio };
}

/** Offers bytes as a download (an `<a download>` the user — or the headless run — clicks). */
export function downloadLink(a: HTMLAnchorElement, bytes: Uint8Array, fileName: string, type: string): void {
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  a.download = fileName;
  a.hidden = false;
}
