// SPDX-License-Identifier: Apache-2.0
// The demo portal tells the user what is wrong, in Chinese, for each state the SDK distinguishes:
// no extension (plain Chromium), extension but no agent, agent but not paired — then ready after
// pairing. Real Chromium, the built extension, the real agent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchWithExtension, pairExtension, startAgent, type Agent } from '../../demo/headless.js';
import { startDemoServer } from '../../demo/server.js';
import { ensureAgentBuilt } from '../agent/integration/harness.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { testPkiDir } from '../support/testPki.js';

const CHROMIUM = '/usr/bin/chromium';

async function envState(page: Page, path = 'vouchers.html'): Promise<{ state: string; text: string }> {
  await page.goto(`${new URL(page.url()).origin}/${path}`);
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#env')?.dataset['state'] !== 'checking', null, { timeout: 20_000 });
  return page.evaluate(() => {
    const env = document.querySelector<HTMLElement>('#env');
    return { state: env?.dataset['state'] ?? '', text: env?.textContent ?? '' };
  });
}

describe.skipIf(!existsSync(CHROMIUM))('demo portal states', () => {
  let server: Server;
  let portal = '';
  let agentPort = 0;
  let stateDir = '';
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  let agent: Agent | undefined;

  beforeAll(async () => {
    builtExtensionDir('chrome');
    await ensureAgentBuilt();
    execFileSync(process.execPath, ['scripts/build.mjs', 'demo'], { cwd: repoRoot, stdio: 'inherit' });
    process.env['ESEAL_DEV_PKI'] = testPkiDir();
    const demoPort = await freePort();
    portal = `http://localhost:${demoPort}`;
    server = startDemoServer(demoPort, join(repoRoot, 'demo/public'));
    agentPort = await freePort();
    stateDir = mkdtempSync(join(tmpdir(), 'eseal-demo-states-'));
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await agent?.stop();
    await new Promise<void>((r) => server.close(() => r()));
    for (const p of [...profiles, stateDir]) rmSync(p, { recursive: true, force: true });
  });

  const profile = (): string => {
    const p = mkdtempSync(join(tmpdir(), 'eseal-demo-states-chromium-'));
    profiles.push(p);
    return p;
  };

  it('without the extension: says to install it', async () => {
    const context = await chromium.launchPersistentContext(profile(), { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal}/`);
    const { state, text } = await envState(page);
    expect(state).toBe('no-extension');
    expect(text).toContain('未检测到 ESeal 浏览器扩展');
    expect(text).toContain('dist/extension/chrome');
    // Nothing to seal with: the batch button stays disabled, no seal is listed.
    expect(await page.isDisabled('#seal-batch')).toBe(true);
    expect(await page.locator('#seal-select option').count()).toBe(0);
  });

  it('with the extension: not paired → says to pair; paired → ready; agent stopped → says to start it', async () => {
    const { context, extensionId } = await launchWithExtension(CHROMIUM, builtExtensionDir('chrome'), profile(), agentPort, portal);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal}/`);
    // No pairing stored yet: pairing is what the user must do first (agent running or not).
    const unpaired = await envState(page);
    expect(unpaired.state).toBe('not-paired');
    expect(unpaired.text).toContain('配对码');

    agent = await startAgent(repoRoot, agentPort, stateDir, portal, () => undefined);
    expect((await envState(page)).state).toBe('not-paired');
    await (await pairExtension(context, extensionId, agent.code())).close();
    await expect.poll(async () => (await envState(page)).state, { timeout: 30_000, interval: 1000 }).toBe('ready');
    const ready = await envState(page, 'notice.html');
    expect(ready.text).toContain('已连接');
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', null, { timeout: 20_000 });
    expect(await page.isEnabled('#stamp')).toBe(true);

    await agent.stop();
    await expect.poll(async () => (await envState(page)).state, { timeout: 30_000, interval: 1000 }).toBe('no-agent');
    const missing = await envState(page, 'notice.html');
    expect(missing.state).toBe('no-agent');
    expect(missing.text).toContain('签章服务未运行');
    expect(missing.text).toContain('scripts/start.sh');
    expect(await page.isDisabled('#stamp')).toBe(true);
  }, 180_000);
});
