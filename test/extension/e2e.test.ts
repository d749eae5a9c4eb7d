// SPDX-License-Identifier: Apache-2.0
// End to end in Debian Chromium: the built extension (unpacked = development install), the REAL
// agent (`eseal agent --dev` with a policy naming this test's portal), pairing through the
// options page with the code the agent printed, then a portal page served on localhost asks
// `eseal.status()` through the page SDK → connected; the demo page's own status check says
// connected; the content scripts are registered only for the policy's hosts, so a host the policy
// does not list sees no extension at all (ERR_EXTENSION_MISSING), and an unlisted origin on a
// listed host is refused with ERR_POLICY_DENIED; no window or prompt appears in either case.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../demo/server.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { registeredPortalMatches, waitForPortalScripts } from './contentScriptsSupport.js';
import { EXT_ORIGIN, freePort, startAgent, type StartedAgent } from '../agent/integration/harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('extension end to end (Chromium + real agent)', () => {
  let agent: StartedAgent;
  let context: BrowserContext;
  let worker: Worker;
  let server: Server;
  let demoPort = 0;
  let profile = '';
  let site = '';
  let extensionId = '';

  beforeAll(async () => {
    demoPort = await freePort();
    const portal = `http://localhost:${demoPort}`;
    agent = await startAgent({
      policy: {
        extensionOrigins: [EXT_ORIGIN],
        portals: [{ origin: portal, name: 'e2e portal', actions: ['status', 'seals.list', 'verify', 'events'], sealTypes: ['official'] }],
        development: { allowHttpLocalhost: true },
      },
    });
    // The portal: the demo pages plus a page that uses the SDK script the build produces.
    site = mkdtempSync(join(tmpdir(), 'eseal-e2e-site-'));
    cpSync(join(repoRoot, 'demo/public'), site, { recursive: true });
    const dir = builtExtensionDir('chrome');
    writeFileSync(join(site, 'eseal-sdk.js'), readFileSync(join(dir, 'eseal-sdk.js')));
    writeFileSync(join(site, 'sdk.html'), '<!doctype html><meta charset="utf-8"><title>sdk</title><script src="eseal-sdk.js"></script><p>SDK</p>');
    server = startDemoServer(demoPort, site);
    profile = mkdtempSync(join(tmpdir(), 'eseal-chromium-'));
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
    worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    extensionId = new URL(worker.url()).host;
    // Unpacked = development install: the local development policy applies (agent port, portal).
    await worker.evaluate(
      async (devPolicy) => {
        await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
      },
      { agentPort: agent.port, portals: [{ origin: portal, actions: ['status', 'seals.list', 'verify', 'events'], sealTypes: ['official'] }], development: { allowHttpLocalhost: true } },
    );
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await agent?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('pairs in the options page with the code the agent printed', async () => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/options.html`);
    // No managed policy + unpacked install → the local development policy. With managed_schema.json
    // in the manifest, Chromium answers the first storage.managed read of a session only after its
    // policy service has loaded (≈2.5 s), so the first answer may take that long.
    await expect.poll(() => page.textContent('#policySource'), { timeout: 15_000 }).toContain(`http://localhost:${demoPort}`);
    expect(await page.textContent('#policyOrigin')).toContain('storage.local devPolicy');
    await page.fill('#pairCode', agent.printedCode());
    await page.click('#pairButton');
    await expect.poll(() => page.getAttribute('#pairResult', 'class'), { timeout: 15_000 }).toBe('ok');
    await expect.poll(() => page.getAttribute('#pairingStatus', 'class')).toBe('ok');
    await expect.poll(() => page.getAttribute('#agentStatus', 'class')).toBe('ok');
    // The stored key never reaches the options page or its report.
    const report = await page.evaluate(async () => {
      const r = (await (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ report?: string }> } } }).chrome.runtime.sendMessage({ type: 'eseal:options', op: 'report' }));
      return r.report ?? '';
    });
    const stored = await worker.evaluate(async () => (await (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, { key: string }>> } } } }).chrome.storage.local.get('pairing'))['pairing']?.key ?? '');
    expect(stored.length).toBeGreaterThan(40);
    expect(report).toContain('"paired": true');
    expect(report).not.toContain(stored);
    // After "check again": the agent's version and the development token are shown.
    await page.click('#refreshButton');
    await expect.poll(() => page.getAttribute('#tokens', 'class'), { timeout: 15_000 }).toBe('ok');
    expect(await page.textContent('#agentStatus')).toMatch(/\d+\.\d+\.\d+/);
    // Chromium 156 answers the Local Network Access permission query (shown for the helpdesk).
    expect(await page.textContent('#lna')).toMatch(/loopback-network: (granted|prompt|denied)/);
    // The button copies the report and also shows what was copied on the page.
    await page.click('#copyReportButton');
    await expect.poll(() => page.textContent('#copyResult'), { timeout: 10_000 }).not.toBe('');
    const shown = await page.textContent('#reportPreview');
    const copied = JSON.parse(shown ?? '{}') as { pairing?: { paired?: boolean }; agent?: { tokens?: unknown[] }; policy?: { source?: string } };
    expect(copied).toMatchObject({ pairing: { paired: true }, policy: { source: 'development-local' } });
    expect(copied.agent?.tokens?.length).toBeGreaterThan(0);
    expect(shown).not.toContain(stored);
    await page.close();
  });

  it('eseal.status() from an allowed portal page → connected; listSeals works', async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${demoPort}/sdk.html`);
    const status = await page.evaluate(async () => {
      const w = window as unknown as { eseal: { status(): Promise<unknown>; listSeals(): Promise<{ seals: unknown[] }> } };
      const s = await w.eseal.status();
      const l = await w.eseal.listSeals();
      return { s, count: l.seals.length };
    });
    expect(status.s).toMatchObject({ agent: { connected: true, paired: true } });
    expect(status.count).toBeGreaterThan(0);
    await page.close();
  });

  it('eseal.verify() of an OFD (bytes from the page) returns the verification report of the agent', async () => {
    const bytes = [...readFileSync(join(repoRoot, 'test/fixtures/samples/ofd/gomain-jiangsu-tax-v4.ofd'))];
    const page = await context.newPage();
    await page.goto(`http://localhost:${demoPort}/sdk.html`);
    const report = await page.evaluate(async (b) => {
      const w = window as unknown as { eseal: { verify(r: unknown): Promise<Record<string, unknown>> } };
      return w.eseal.verify({ document: new Uint8Array(b), fileName: 'tax.ofd', includePictures: false });
    }, bytes);
    expect(report).toMatchObject({ schemaVersion: 1, documentType: 'ofd' });
    expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(report['indication']);
    await page.close();
  });

  it('the demo page reports the extension and the agent as connected', async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${demoPort}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toContain('已连接');
    await page.close();
  });

  it('content scripts are registered for the policy\'s hosts only', async () => {
    await waitForPortalScripts(worker, 'http://localhost/*');
    expect(await registeredPortalMatches(worker)).toEqual(['http://localhost/*']);
  });

  /** status() and sealData() from `url`: the codes and the time taken. */
  async function callsFrom(url: string): Promise<{ codes: string[]; ms: number }> {
    const page = await context.newPage();
    await page.goto(url);
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as { eseal: { status(): Promise<unknown>; sealData(i: unknown, o: unknown): Promise<unknown> } };
      const started = Date.now();
      const codes: string[] = [];
      for (const call of [() => w.eseal.status(), () => w.eseal.sealData({ propertyInfo: '/v/1', display: { title: 'x' }, digest: { alg: 'SM3', value: `${'A'.repeat(43)}=` } }, { sealId: 's1' })]) {
        try {
          await call();
          codes.push('resolved');
        } catch (e) {
          codes.push((e as { code: string }).code);
        }
      }
      return { codes, ms: Date.now() - started };
    });
    await page.close();
    return outcome;
  }

  it('a host the policy does not list gets no content script: the extension looks absent, no prompt', async () => {
    const pagesBefore = context.pages().length;
    const outcome = await callsFrom(`http://127.0.0.1:${demoPort}/sdk.html`);
    expect(outcome.codes).toEqual(['ERR_EXTENSION_MISSING', 'ERR_EXTENSION_MISSING']);
    expect(context.pages().length).toBe(pagesBefore);
  });

  it('an unlisted origin on a listed host (another port) is refused at once, without any prompt', async () => {
    const otherPort = await freePort();
    const other = startDemoServer(otherPort, site);
    try {
      const pagesBefore = context.pages().length;
      const outcome = await callsFrom(`http://localhost:${otherPort}/sdk.html`);
      expect(outcome.codes).toEqual(['ERR_POLICY_DENIED', 'ERR_POLICY_DENIED']);
      expect(outcome.ms).toBeLessThan(2000);
      expect(context.pages().length).toBe(pagesBefore);
    } finally {
      other.closeAllConnections(); // Chromium keeps idle sockets open; close() would wait for them
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
