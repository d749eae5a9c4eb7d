// SPDX-License-Identifier: Apache-2.0
// The notice page's other placements, in Chromium with the extension and the real agent: at a
// keyword (the issuer line 某某市财政局 found by the agent in the PDF's text) and on page 2 chosen in
// the preview; the portal keeps each stamped file (/api/archive) and it verifies as valid.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConsent, freePort, launchWithExtension, pairExtension, startAgent, type Agent } from '../../demo/headless.js';
import { startDemoServer } from '../../demo/server.js';
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import { parseCertificates } from '../../shared/x509/index.js';
import { ensureAgentBuilt } from '../agent/integration/harness.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { testPkiDir } from '../support/testPki.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('notice page placements', () => {
  let server: Server;
  let portal = '';
  let agent: Agent;
  let context: BrowserContext;
  let page: Page;
  const dirs: string[] = [];

  beforeAll(async () => {
    builtExtensionDir('chrome');
    await ensureAgentBuilt();
    execFileSync(process.execPath, ['scripts/build.mjs', 'demo'], { cwd: repoRoot, stdio: 'inherit' });
    process.env['ESEAL_DEV_PKI'] = testPkiDir();
    const demoPort = await freePort();
    const agentPort = await freePort();
    portal = `http://localhost:${demoPort}`;
    server = startDemoServer(demoPort, join(repoRoot, 'demo/public'));
    const state = mkdtempSync(join(tmpdir(), 'eseal-notice-state-'));
    const profile = mkdtempSync(join(tmpdir(), 'eseal-notice-chromium-'));
    dirs.push(state, profile);
    agent = await startAgent(repoRoot, agentPort, state, portal, () => undefined);
    const launched = await launchWithExtension(CHROMIUM, builtExtensionDir('chrome'), profile, agentPort, portal);
    context = launched.context;
    await (await pairExtension(context, launched.extensionId, agent.code())).close();
    page = await context.newPage();
    await page.goto(`${portal}/notice.html`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', null, { timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await agent?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function stamp(): Promise<{ page: number; rect: number[]; pdf: Uint8Array }> {
    await page.evaluate(() => document.querySelector('#stamp-result')?.setAttribute('data-state', 'idle'));
    await answerConsent(
      context,
      () => page.locator('#stamp').click(),
      async () => ((await page.getAttribute('#stamp-result', 'data-state')) === 'failed' ? ((await page.textContent('#message')) ?? 'failed') : undefined),
      () => Promise.resolve(''),
      'consent',
    );
    await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('#stamp-result')?.getAttribute('data-state') ?? ''), null, { timeout: 60_000 });
    expect(await page.getAttribute('#stamp-result', 'data-state'), (await page.textContent('#message')) ?? '').toBe('done');
    const details = (await page.textContent('#stamp-details')) ?? '';
    const m = /第 (\d+) 页，位置 \[([^\]]+)\]/.exec(details);
    const url = (await page.getAttribute('#stamp-result', 'data-archive')) ?? '';
    const pdf = new Uint8Array(await (await fetch(`${portal}${url}`)).arrayBuffer());
    return { page: Number(m?.[1]), rect: (m?.[2] ?? '').split(',').map(Number), pdf };
  }

  async function valid(pdf: Uint8Array): Promise<string> {
    const pki = testPkiDir();
    const report = await verifyDocument(pdf, { trustAnchors: parseCertificates(readFileSync(join(pki, 'root.pem'))), intermediates: parseCertificates(readFileSync(join(pki, 'inter.pem'))) });
    return report.indication;
  }

  it('at a keyword: the date line by default; the 2nd 某某市财政局 (the issuer line, not the red header)', async () => {
    await page.check('#mode-keyword');
    expect(await page.inputValue('#place-keyword')).toBe('2026年11月20日');
    const date = await stamp();
    expect(date.page).toBe(1);
    const centre = (r: number[]): { x: number; yFromTop: number } => ({ x: ((r[0] ?? 0) + (r[2] ?? 0)) / 2 / (72 / 25.4), yFromTop: (841.89 - ((r[1] ?? 0) + (r[3] ?? 0)) / 2) / (72 / 25.4) });
    // The date line is one line (28 pt ≈ 9.9 mm) under the issuer line at 245.6 mm (noticePdf.ts).
    expect(centre(date.rect).x).toBeCloseTo(144.3, -1);
    expect(centre(date.rect).yFromTop).toBeCloseTo(255.5, -1);
    expect(await valid(date.pdf)).toBe('TOTAL_PASSED');

    await page.fill('#place-keyword', '某某市财政局');
    await page.fill('#place-occurrence', '2');
    const issuer = await stamp();
    expect(issuer.page).toBe(1);
    expect(centre(issuer.rect).x).toBeCloseTo(144.3, -1);
    expect(centre(issuer.rect).yFromTop).toBeCloseTo(245.6, -1);
    expect(await valid(issuer.pdf)).toBe('TOTAL_PASSED');
  }, 180_000);

  it('on page 2, clicked in the preview after turning the page', async () => {
    await page.check('#mode-position');
    await page.click('#page-next');
    await expect.poll(() => page.textContent('#page-label')).toContain('第 2 /');
    // 100 mm × 60 mm from the top-left at the preview's 0.9 px per point
    await page.locator('#preview').click({ position: { x: 100 * (72 / 25.4) * 0.9, y: 60 * (72 / 25.4) * 0.9 } });
    expect(await page.inputValue('#place-page')).toBe('2');
    expect(Number(await page.inputValue('#place-x'))).toBeCloseTo(100, -1);
    expect(Number(await page.inputValue('#place-y'))).toBeCloseTo(60, -1);
    const r = await stamp();
    expect(r.page).toBe(2);
    const [x1 = 0, , x2 = 0] = r.rect;
    expect((x1 + x2) / 2 / (72 / 25.4)).toBeCloseTo(100, 0);
    expect(await valid(r.pdf)).toBe('TOTAL_PASSED');
  }, 120_000);
});
