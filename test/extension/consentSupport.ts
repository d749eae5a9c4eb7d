// SPDX-License-Identifier: Apache-2.0
/**
 * Shared set-up of the consent end-to-end tests (e2e.test.ts style): Debian Chromium with the
 * built extension (unpacked = development install), the REAL agent (`eseal agent --dev`, its soft
 * token, optionally the C PKCS#11 test token), a tiny portal on localhost serving the SDK script,
 * pairing through the options page with the code the agent printed, and helpers to catch the
 * consent window and to record every message the portal page can see.
 */
import { waitForPortalScripts } from './contentScriptsSupport.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { EXT_ORIGIN, freePort, startAgent, type StartedAgent } from '../agent/integration/harness.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(repoRoot, 'test-artifacts');
export const SIGN_ACTIONS = ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'pdf.seal', 'verify', 'events'];

export interface ConsentRig {
  readonly agent: StartedAgent;
  /**
   * Stops the agent and starts it again on the same state directory (pairing kept) with extra
   * policy fields; `edit` runs on the state directory in between. The extension is pointed at the
   * new port.
   */
  restartAgent(o: { policy?: Record<string, unknown>; edit?: (stateDir: string) => void }): Promise<void>;
  readonly context: BrowserContext;
  readonly worker: Worker;
  readonly extensionId: string;
  /** The allowed portal, `http://localhost:<port>`. */
  readonly portal: string;
  /** The same server under an origin the policy does not list, `http://127.0.0.1:<port>`. */
  readonly otherOrigin: string;
  pair(): Promise<void>;
  /** A portal page with the SDK loaded; every message the page sees is recorded in `window.__seen`. */
  portalPage(origin?: string): Promise<Page>;
  /** Paths (with the Cookie header) the portal server was asked for, oldest first. */
  readonly served: { readonly path: string; readonly cookie: string }[];
  /** The next consent window the extension opens. */
  nextConsentWindow(timeoutMs?: number): Promise<Page>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly agentPolicy?: Record<string, unknown>;
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Extra files the portal serves (path → PDF bytes), e.g. for `sealPdf({url})`. */
  readonly files?: Readonly<Record<string, Uint8Array>>;
}

/** The portal's pages: an empty page with the SDK script. */
function startPortal(port: number, sdk: Buffer, files: Readonly<Record<string, Uint8Array>> = {}, served: { path: string; cookie: string }[] = []): Server {
  const server = createServer((req, res): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    served.push({ path, cookie: req.headers.cookie ?? '' });
    const file = files[path];
    if (file) {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': file.length });
      res.end(file);
      return;
    }
    if (path === '/eseal-sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(sdk);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>门户</title><script src="/eseal-sdk.js"></script><p>portal</p>');
  });
  server.listen(port, '127.0.0.1');
  return server;
}

export async function startConsentRig(o: RigOptions = {}): Promise<ConsentRig> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  const portal = `http://localhost:${port}`;
  const portalRule = { origin: portal, name: '某某市财政局 e2e', actions: SIGN_ACTIONS, sealTypes: ['official', 'legal', 'personal'] };
  const agentPolicy = {
    extensionOrigins: [EXT_ORIGIN],
    portals: [portalRule],
    batch: { enabled: true, maxItems: 1000, cachePin: false },
    development: { allowHttpLocalhost: true },
    ...o.agentPolicy,
  };
  let agent = await startAgent({ policy: agentPolicy, ...(o.agentEnv && { env: o.agentEnv }) });
  const dir = builtExtensionDir('chrome');
  const served: { path: string; cookie: string }[] = [];
  const server = startPortal(port, readFileSync(join(dir, 'eseal-sdk.js')), o.files, served);
  const profile = mkdtempSync(join(tmpdir(), 'eseal-consent-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    locale: 'zh-CN',
    // Real window sizes: the consent popup is screenshotted as the user would see it (520×760).
    viewport: null,
    // Chromium on Linux takes its UI language (chrome.i18n) from LANGUAGE; it applies only when the
    // browser ships that locale (Debian's chromium without chromium-l10n has en-US only).
    env: { ...process.env, LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8' },
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--lang=zh-CN',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  const extensionId = new URL(worker.url()).host;
  const setDevPolicy = (agentPort: number): Promise<void> =>
    worker.evaluate(
      async (devPolicy) => {
        await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
      },
      { agentPort, portals: [{ origin: portal, actions: SIGN_ACTIONS, sealTypes: ['official', 'legal', 'personal'] }], batch: { enabled: true, maxItems: 1000 }, development: { allowHttpLocalhost: true } },
    );
  await setDevPolicy(agent.port);
  await waitForPortalScripts(worker, 'http://localhost/*');
  const consentUrl = `chrome-extension://${extensionId}/consent.html`;
  if (process.env['ESEAL_E2E_DEBUG']) {
    context.on('console', (m) => console.log(`[console] ${m.text()}`));
    context.on('page', (p) => console.log(`[page] ${p.url()}`));
  }
  return {
    get agent() {
      return agent;
    },
    async restartAgent(r) {
      const stateDir = agent.stateDir;
      await agent.stop();
      r.edit?.(stateDir);
      agent = await startAgent({ stateDir, policy: { ...agentPolicy, ...r.policy }, ...(o.agentEnv && { env: o.agentEnv }) });
      await setDevPolicy(agent.port);
    },
    context,
    worker,
    extensionId,
    portal,
    served,
    otherOrigin: `http://127.0.0.1:${port}`,
    async pair() {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/options.html`);
      await page.waitForFunction(() => (document.getElementById('policySource')?.textContent ?? '').includes('localhost'), undefined, { timeout: 15_000 });
      await page.fill('#pairCode', agent.printedCode());
      await page.click('#pairButton');
      await page.waitForSelector('#pairResult.ok', { timeout: 15_000 });
      await page.close();
    },
    async portalPage(origin = portal) {
      const page = await context.newPage();
      // Before any page script: record every message this page can observe (what a hostile
      // portal script could read).
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { __seen: string[] }).__seen = seen;
        window.addEventListener('message', (e) => seen.push(JSON.stringify(e.data)), true);
      });
      await page.goto(`${origin}/index.html`);
      await page.waitForFunction(() => 'eseal' in window);
      return page;
    },
    nextConsentWindow(timeoutMs = 15_000) {
      // A window from windows.create may first report about:blank: wait for its URL, not the event's.
      return new Promise<Page>((resolve, reject) => {
        const timer = setTimeout(() => {
          context.off('page', onPage);
          reject(new Error(`no consent window within ${timeoutMs} ms`));
        }, timeoutMs);
        const onPage = (p: Page): void => {
          p.waitForURL((u) => u.href.startsWith(consentUrl), { timeout: timeoutMs, waitUntil: 'commit' }).then(
            () => {
              clearTimeout(timer);
              context.off('page', onPage);
              resolve(p);
            },
            () => undefined,
          );
        };
        context.on('page', onPage);
      });
    },
    async close() {
      await context.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Text of an element in the consent window. */
export async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

export async function state(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.body.dataset['state']);
}

/**
 * The extension's message for `key` in the language the consent window runs in (`<html lang>`),
 * with `$1`… filled: the assertions hold whether this Chromium has the zh-CN UI locale or not.
 */
export async function message(page: Page, key: string, ...subs: string[]): Promise<string> {
  const lang = await page.evaluate(() => document.documentElement.lang);
  const file = join(repoRoot, 'extension/_locales', lang.startsWith('zh') ? 'zh_CN' : 'en', 'messages.json');
  const entry = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { message: string; placeholders?: Record<string, { content: string }> }>)[key];
  if (!entry) throw new Error(`no message ${key}`);
  let out = entry.message;
  for (const [name, ph] of Object.entries(entry.placeholders ?? {})) {
    const n = Number(ph.content.slice(1)) - 1;
    out = out.split(`$${name.toUpperCase()}$`).join(subs[n] ?? '');
  }
  return out;
}
