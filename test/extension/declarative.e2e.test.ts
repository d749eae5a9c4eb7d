// SPDX-License-Identifier: Apache-2.0
// The declarative form (extension/page/declarative.ts) in Debian Chromium: a demo-style portal
// page whose only ESeal code is the SDK <script> and data-eseal-* attributes, the built extension,
// the REAL agent (`eseal agent --dev`, its soft token) and pairing through the options page.
// - verify: the OFD sample → the verification report lands in the hidden input and the callback;
// - seal-pdf: the request reaches the agent with the element's parameters — the consent window
//   shows the agent's view of it (title, page count) — then PIN, and the sealed PDF lands in the
//   hidden input with the seal where data-eseal-at put it; the agent verifies it;
// - seal-data: the fetched data sealed after consent, an SES_Signature (DER) in the hidden input;
// - strict attributes: every bad attribute gives `eseal:error` with the attribute named, no
//   request, no window.
import { waitForPortalScripts } from './contentScriptsSupport.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { DEV_PIN, EXT_ORIGIN, freePort, startAgent, type StartedAgent } from '../agent/integration/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ACTIONS = ['status', 'seals.list', 'seal.sign', 'pdf.seal', 'verify', 'events'];
const TITLE = '关于开展年度检查的通知';

const FORM = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>某某市财政局 — 声明式盖章</title>
<script src="/eseal-sdk.js"></script>
<script>
  window.__events = [];
  for (const type of ['eseal:error', 'eseal:result']) document.addEventListener(type, (e) => window.__events.push({ type, id: e.target.id, detail: e.detail }));
  window.onVerified = (report, el) => { window.__verified = { documentType: report.documentType, by: el.id }; };
  window.onSealed = (result) => { window.__sealed = { page: result.page, rect: result.rect, fieldName: result.fieldName }; };
  window.notAFunction = 42;
  /** Adds an element with these attributes, clicks it, resolves with the event it raised. */
  window.__click = (attrs) => new Promise((resolve) => {
    const b = document.createElement('button');
    b.id = 'b' + Math.random().toString(16).slice(2);
    for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
    b.addEventListener('eseal:error', (e) => resolve({ error: e.detail }));
    b.addEventListener('eseal:result', (e) => resolve({ result: e.detail }));
    document.body.append(b);
    b.click();
  });
</script>
<h1>公文盖章</h1>
<input type="hidden" id="report"><input type="hidden" id="signed"><input type="hidden" id="sig"><input type="text" id="visible">
<button id="verify" data-eseal-action="verify" data-eseal-document="/samples/seal.ofd" data-eseal-target="report" data-eseal-callback="onVerified">验证</button>
<form action="/must-not-submit"><button id="sealPdf" data-eseal-action="seal-pdf" data-eseal-document="notice.pdf#x" data-eseal-seal-type="official"
  data-eseal-page="2" data-eseal-at="150,200" data-eseal-title="${TITLE}" data-eseal-target="signed" data-eseal-callback="onSealed">盖章</button></form>
<button id="sealData" data-eseal-action="seal-data" data-eseal-document="/vouchers/2026-0001.xml" data-eseal-seal-type="official" data-eseal-title="财政直接支付凭证 2026-0001" data-eseal-target="sig">签章</button>
</html>`;

function startPortal(port: number, files: Record<string, { type: string; body: Buffer | string }>): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const f = files[path];
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': f.type });
    res.end(f.body);
  });
  server.listen(port, '127.0.0.1');
  return server;
}

describe.skipIf(!existsSync(CHROMIUM))('declarative form (data-eseal-*) in Chromium with the real agent', () => {
  let agent: StartedAgent;
  let context: BrowserContext;
  let server: Server;
  let portal = '';
  let other = '';
  let profile = '';
  let extensionId = '';
  const notice = readFileSync(join(repoRoot, 'demo/public/notice.pdf'));

  beforeAll(async () => {
    const port = await freePort();
    portal = `http://localhost:${port}`;
    other = `http://127.0.0.1:${port}`;
    agent = await startAgent({ policy: { extensionOrigins: [EXT_ORIGIN], portals: [{ origin: portal, name: '某某市财政局', actions: ACTIONS, sealTypes: ['official'] }], development: { allowHttpLocalhost: true } } });
    const dir = builtExtensionDir('chrome');
    server = startPortal(port, {
      '/eseal-sdk.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(dir, 'eseal-sdk.js')) },
      '/form.html': { type: 'text/html; charset=utf-8', body: FORM },
      '/notice.pdf': { type: 'application/pdf', body: notice },
      '/samples/seal.ofd': { type: 'application/ofd', body: readFileSync(join(repoRoot, 'test/fixtures/samples/ofd/gomain-jiangsu-tax-v4.ofd')) },
      '/vouchers/2026-0001.xml': { type: 'application/xml', body: '<?xml version="1.0" encoding="UTF-8"?><voucher no="2026-0001"><payee>某某公司</payee><amount>12800.00</amount></voucher>' },
      '/empty.pdf': { type: 'application/pdf', body: '' },
    });
    profile = mkdtempSync(join(tmpdir(), 'eseal-declarative-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false,
      locale: 'zh-CN',
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--lang=zh-CN',
      ],
    });
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    extensionId = new URL(worker.url()).host;
    await worker.evaluate(async (devPolicy) => {
      await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
    }, { agentPort: agent.port, portals: [{ origin: portal, actions: ACTIONS, sealTypes: ['official'] }], development: { allowHttpLocalhost: true } });
    await waitForPortalScripts(worker, 'http://localhost/*');
    const options = await context.newPage();
    await options.goto(`chrome-extension://${extensionId}/options.html`);
    await options.waitForFunction(() => (document.getElementById('policySource')?.textContent ?? '').includes('localhost'), undefined, { timeout: 15_000 });
    await options.fill('#pairCode', agent.printedCode());
    await options.click('#pairButton');
    await options.waitForSelector('#pairResult.ok', { timeout: 15_000 });
    await options.close();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await agent?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function form(origin = portal): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${origin}/form.html`);
    await page.waitForFunction(() => 'eseal' in window);
    return page;
  }

  const consentUrl = () => `chrome-extension://${extensionId}/consent.html`;

  it('verify: the OFD the element names → report in the hidden input and the callback', async () => {
    const page = await form();
    await page.click('#verify');
    await page.waitForFunction(() => (document.getElementById('report') as HTMLInputElement).value !== '', undefined, { timeout: 30_000 });
    const report = JSON.parse(await page.inputValue('#report')) as Record<string, unknown>;
    expect(report).toMatchObject({ schemaVersion: 1, documentType: 'ofd' });
    expect(await page.evaluate(() => (window as unknown as { __verified: unknown }).__verified)).toEqual({ documentType: 'ofd', by: 'verify' });
    expect(await page.evaluate(() => (window as unknown as { __events: { type: string; id: string }[] }).__events.map((e) => `${e.type} ${e.id}`))).toEqual(['eseal:result verify']);
    await page.close();
  });

  it('seal-pdf: consent shows what the agent received; after the PIN the sealed PDF is in the hidden input, seal at data-eseal-at', async () => {
    const page = await form();
    const windowOpened = context.waitForEvent('page', { predicate: (p) => p.url().startsWith(consentUrl()), timeout: 20_000 });
    await page.click('#sealPdf');
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review', undefined, { timeout: 20_000 });
    // The agent's awaiting_consent view: the title and page count come back from the agent.
    expect(await win.textContent('#doc-title')).toContain(TITLE);
    expect(await win.textContent('#page-count')).toContain('2');
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    await page.waitForFunction(() => (document.getElementById('signed') as HTMLInputElement).value !== '', undefined, { timeout: 60_000 });
    const signed = Buffer.from(await page.inputValue('#signed'), 'base64');
    expect(signed.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(signed.subarray(0, notice.length).equals(notice)).toBe(true); // incremental: original bytes untouched
    expect(signed.toString('latin1')).toContain('/ByteRange');
    const sealed = await page.evaluate(() => (window as unknown as { __sealed: { page: number; rect: number[] } }).__sealed);
    expect(sealed.page).toBe(2);
    // Centre at (150 mm, 200 mm) from the top-left of an A4 page (595.28 × 841.89 pt).
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = sealed.rect;
    const mm = 72 / 25.4;
    expect(Math.abs((x1 + x2) / 2 - 150 * mm)).toBeLessThan(1);
    expect(Math.abs((y1 + y2) / 2 - (841.89 - 200 * mm))).toBeLessThan(1);
    // The form was not submitted by the click.
    expect(page.url()).toBe(`${portal}/form.html`);
    // And the agent verifies what came back.
    const report = await page.evaluate(async (b64) => (window as unknown as { eseal: { verify(r: unknown): Promise<{ documentType: string; signatures: unknown[] }> } }).eseal.verify({ document: b64, fileName: 'sealed.pdf' }), signed.toString('base64'));
    expect(report.documentType).toBe('pdf');
    expect(report.signatures).toHaveLength(1);
    await page.close();
  }, 120_000);

  it('seal-data: the fetched voucher sealed after consent, an SES_Signature in the hidden input', async () => {
    const page = await form();
    const windowOpened = context.waitForEvent('page', { predicate: (p) => p.url().startsWith(consentUrl()), timeout: 20_000 });
    await page.click('#sealData');
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review', undefined, { timeout: 20_000 });
    expect(await win.textContent('#doc-title')).toContain('财政直接支付凭证 2026-0001');
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    await page.waitForFunction(() => (document.getElementById('sig') as HTMLInputElement).value !== '', undefined, { timeout: 60_000 });
    const der = Buffer.from(await page.inputValue('#sig'), 'base64');
    expect(der[0]).toBe(0x30); // DER SEQUENCE
    expect(der.length).toBeGreaterThan(200);
    await page.close();
  }, 120_000);

  it.each([
    ['a document on another origin', { 'data-eseal-action': 'verify', 'data-eseal-document': 'OTHER/notice.pdf', 'data-eseal-target': 'report' }, 'data-eseal-document'],
    ['a javascript: URL', { 'data-eseal-action': 'verify', 'data-eseal-document': 'javascript:alert(1)', 'data-eseal-target': 'report' }, 'data-eseal-document'],
    ['an unknown action', { 'data-eseal-action': 'sign-everything', 'data-eseal-document': '/notice.pdf', 'data-eseal-target': 'report' }, 'data-eseal-action'],
    ['an unknown attribute (a typo)', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-taget': 'report' }, 'data-eseal-taget'],
    ['an attribute the action does not use', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-page': '1', 'data-eseal-target': 'report' }, 'data-eseal-page'],
    ['a seal type not in the list', { 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/notice.pdf', 'data-eseal-seal-type': 'boss', 'data-eseal-at': '1,1', 'data-eseal-target': 'signed' }, 'data-eseal-seal-type'],
    ['both a position and a keyword', { 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/notice.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-at': '1,1', 'data-eseal-keyword': '盖章处', 'data-eseal-target': 'signed' }, 'data-eseal-at'],
    ['neither a position nor a keyword', { 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/notice.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-target': 'signed' }, 'data-eseal-at'],
    ['a malformed position', { 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/notice.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-at': '150;-2', 'data-eseal-target': 'signed' }, 'data-eseal-at'],
    ['page 0', { 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/notice.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-page': '0', 'data-eseal-at': '1,1', 'data-eseal-target': 'signed' }, 'data-eseal-page'],
    ['a visible input as target', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-target': 'visible' }, 'data-eseal-target'],
    ['a missing target element', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-target': 'nowhere' }, 'data-eseal-target'],
    ['no target and no callback', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf' }, 'data-eseal-target'],
    ['a callback that is code', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-callback': 'alert(1)' }, 'data-eseal-callback'],
    ['a callback that is not a function', { 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-callback': 'notAFunction' }, 'data-eseal-callback'],
  ])('refuses %s: eseal:error naming the attribute, no request, no window', async (_name, attrs, attribute) => {
    const page = await form();
    const pagesBefore = context.pages().length;
    const fixed = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v.replace('OTHER', other)]));
    const outcome = await page.evaluate(async (a) => (window as unknown as { __click(x: unknown): Promise<{ error?: { code: string; details: { attribute?: string }; messageZh: string } }> }).__click(a), fixed);
    expect(outcome.error).toMatchObject({ code: 'ERR_DECLARATIVE_ATTRIBUTE', details: { attribute } });
    expect(outcome.error?.messageZh).toContain(attribute);
    expect(context.pages().length).toBe(pagesBefore);
    await page.close();
  });

  it('a document that is missing or empty → ERR_DECLARATIVE_FETCH; a host not in the policy has no extension (ERR_EXTENSION_MISSING), as events', async () => {
    const page = await form();
    const run = (attrs: Record<string, string>) => page.evaluate(async (a) => (window as unknown as { __click(x: unknown): Promise<{ error?: { code: string } }> }).__click(a), attrs);
    expect((await run({ 'data-eseal-action': 'verify', 'data-eseal-document': '/missing.pdf', 'data-eseal-target': 'report' })).error?.code).toBe('ERR_DECLARATIVE_FETCH');
    expect((await run({ 'data-eseal-action': 'verify', 'data-eseal-document': '/empty.pdf', 'data-eseal-target': 'report' })).error?.code).toBe('ERR_DECLARATIVE_FETCH');
    await page.close();
    const denied = await form(other);
    const outcome = await denied.evaluate(async () => (window as unknown as { __click(x: unknown): Promise<{ error?: { code: string } }> }).__click({ 'data-eseal-action': 'verify', 'data-eseal-document': '/notice.pdf', 'data-eseal-target': 'report' }));
    expect(outcome.error?.code).toBe('ERR_EXTENSION_MISSING');
    await denied.close();
  });
});
