// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The headless demo (`bash scripts/start.sh --headless-demo [DIR]`, or `node dist/demo/headless.mjs
 * [DIR]`): on a machine without a display, the whole product runs once in Debian Chromium with the
 * built extension loaded, against the real agent on the development software token:
 *
 *  1. starts the agent (`eseal agent --dev`, fresh state directory, a policy naming this demo portal
 *     and trusting the development PKI) and the demo portal;
 *  2. pairs the extension in its options page with the code the agent printed;
 *  3. seals one payment voucher, then a batch of 20, answering the ESeal consent window with the
 *     development PIN as a user would (consent.html: `input#pin`, `button#approve`,
 *     `document.body.dataset.state`);
 *  4. stamps the notice PDF at the issuer line (clicked on the page preview), downloads it;
 *  5. verifies it (and a shared OFD sample) through the verification page;
 *  6. opens the stamped PDF in the extension's viewer (viewer.html?src=…, `.seal-badge`).
 *
 * It leaves in DIR: the stamped PDF, the verification reports (JSON and text), a screenshot of each
 * step and summary.json / summary.txt. Exit status 0 when every step passed, 1 otherwise (the
 * summary names the failed step and why), 2 for a usage error or missing build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { VerificationReport } from '../shared/verify/VerificationReport.js';
import { renderReportText } from '../shared/verify/renderReportText.js';
import { startDemoServer } from './server.js';

export const DEV_PIN = '123456';
const ALL_ACTIONS = ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'pdf.seal', 'data.sign', 'verify', 'events'];
const SEAL_TYPES = ['official', 'legal', 'personal'];
/** The notice's issuer line (demo/notice/noticePdf.ts issuerMm): where the seal goes. */
const ISSUER_MM = { page: 1, x: 144.3, y: 245.6 };
/** demo/pages/notice.ts: CSS pixels per PDF point in the preview. */
const PREVIEW_SCALE = 0.9;

export interface HeadlessOptions {
  readonly outDir: string;
  readonly chromium?: string;
  /** Repository root holding dist/ (default: found from this file). */
  readonly root?: string;
  readonly agentPort?: number;
  readonly demoPort?: number;
  /** Batch size (the issue asks for 20). */
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

export interface StepResult {
  readonly name: string;
  readonly titleZh: string;
  ok: boolean;
  ms: number;
  detail: string;
  screenshots: string[];
}

export interface HeadlessSummary {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outDir: string;
  readonly steps: StepResult[];
  readonly files: string[];
  readonly verification?: { readonly indication: string; readonly sealValid: boolean; readonly signatures: number };
  readonly failure?: string;
}

export function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'build.mjs'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The stamped notice counts as sealed and valid when every signature in it passes. */
export function sealIsValid(report: Pick<VerificationReport, 'indication' | 'signatures'>): boolean {
  if (report.signatures.length === 0) return false;
  return report.signatures.every((s) => s.indication === 'TOTAL_PASSED');
}

class DemoError extends Error {}

export interface Agent {
  readonly proc: ChildProcess;
  readonly port: number;
  output(): string;
  code(): string;
  stop(): Promise<void>;
}

/**
 * The development policy (agent/dev/devSetup.ts devPolicy) for a demo portal origin, also trusting the
 * development PKI, so that verifying what the demo sealed says "valid" rather than "chain unknown".
 * The intermediate is listed too: a signature carries only the signer's certificate.
 */
export function demoPolicy(extensionId: string, portal: string, pkiDir: string): Record<string, unknown> {
  return {
    extensionOrigins: [`chrome-extension://${extensionId}`],
    portals: [{ origin: portal, name: 'ESeal 演示门户 / demo portal', actions: ALL_ACTIONS, sealTypes: SEAL_TYPES }],
    batch: { enabled: true, maxItems: 1000, cachePin: true, ttlSeconds: 600 },
    development: { allowHttpLocalhost: true },
    trust: { roots: [join(pkiDir, 'root.pem'), join(pkiDir, 'inter.pem')] },
  };
}

/** Starts `eseal agent --dev` with a policy for `portal` (fresh `stateDir`: it prints a pairing code). */
export async function startAgent(root: string, port: number, stateDir: string, portal: string, log: (l: string) => void): Promise<Agent> {
  const pkiDir = process.env['ESEAL_DEV_PKI'] ?? join(stateDir, 'dev', 'pki');
  const policy = demoPolicy(readFileSync(join(root, 'extension', 'EXTENSION_ID'), 'utf8').trim(), portal, pkiDir);
  const policyPath = join(stateDir, 'demo-policy.json');
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  const proc = spawn(process.execPath, [join(root, 'dist/agent/eseal.mjs'), 'agent', '--dev', '--port', String(port), '--state-dir', stateDir, '--policy', policyPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new DemoError(`签章服务 90 秒内未启动 / the agent did not start within 90 s:\n${out}`)), 90_000);
    const check = (): void => {
      if (out.includes('ws://127.0.0.1')) {
        clearTimeout(timer);
        ok();
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new DemoError(`签章服务退出 / the agent exited (${String(code)}):\n${out}`));
    });
  });
  log(`签章服务已启动 / agent on ws://127.0.0.1:${port}`);
  return {
    proc,
    port,
    output: () => out,
    code: () => /pairing code: (\d{8})/.exec(out)?.[1] ?? '',
    stop: () =>
      new Promise<void>((ok) => {
        if (proc.exitCode !== null) return ok();
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(t);
          ok();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Debian Chromium (new headless) with the built extension loaded unpacked — a development install,
 * whose local development policy is set to the agent port and `portal`.
 */
export async function launchWithExtension(exe: string, extDir: string, profile: string, agentPort: number, portal: string): Promise<{ context: BrowserContext; extensionId: string }> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: false,
    locale: 'zh-CN',
    viewport: { width: 1366, height: 900 },
    // On Linux Chromium takes its UI language (the extension's locale) from the environment, where
    // the zh_CN locale is installed (without it, e.g. in a bare container, it stays en-US).
    env: { ...process.env, LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8' },
    acceptDownloads: true,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`, '--lang=zh-CN',
    ],
  });
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    const extensionId = new URL(worker.url()).host;
    // The extension checks the policy, the agent checks it again.
    await worker.evaluate(
      async (devPolicy) => {
        await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
      },
      { agentPort, portals: [{ origin: portal, actions: ALL_ACTIONS, sealTypes: SEAL_TYPES }], batch: { enabled: true, maxItems: 1000 }, development: { allowHttpLocalhost: true } },
    );
    // The extension registers its content script for the policy's portal hosts when the policy
    // changes: a page opened before that would see no extension at all.
    const host = new URL(portal).hostname;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const matches = await worker.evaluate(async () => {
        const scripting = (globalThis as unknown as { chrome: { scripting?: { getRegisteredContentScripts(): Promise<{ matches?: string[] }[]> } } }).chrome.scripting;
        // Builds without run-time registration inject from the manifest: nothing to wait for.
        if (!scripting) return ['*'];
        return (await scripting.getRegisteredContentScripts()).flatMap((c) => c.matches ?? []);
      });
      if (matches.some((m) => m === '*' || m.includes(`//${host}`))) break;
      if (Date.now() > deadline) throw new DemoError(`扩展没有为 ${host} 注册内容脚本 / the extension registered no content script for ${host}: ${matches.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { context, extensionId };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Pairs in the extension's options page with the code the agent printed; returns the options page. */
export async function pairExtension(context: BrowserContext, extensionId: string, code: string): Promise<Page> {
  if (!/^\d{8}$/.test(code)) throw new DemoError('签章服务没有打印配对码 / the agent printed no pairing code');
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/options.html`);
  await page.fill('#pairCode', code);
  await page.click('#pairButton');
  await page.waitForFunction(() => ['ok', 'error'].includes(document.querySelector('#pairResult')?.className ?? ''), null, { timeout: 20_000 });
  if ((await page.getAttribute('#pairResult', 'class')) !== 'ok') throw new DemoError(`配对失败 / pairing failed: ${(await page.textContent('#pairResult')) ?? ''}`);
  await page.waitForFunction(() => document.querySelector('#agentStatus')?.className === 'ok', null, { timeout: 15_000 }).catch(() => undefined);
  return page;
}

/**
 * Answers the ESeal consent window the way a user would: waits for it to open (after `trigger`),
 * screenshots it, types the PIN where asked and approves, until it reports done or closes.
 * `pageFailure` reports an error the portal page already shows (e.g. no consent window exists).
 */
export async function answerConsent(
  context: BrowserContext,
  trigger: () => Promise<void>,
  pageFailure: () => Promise<string | undefined>,
  shot: (p: Page, name: string) => Promise<string>,
  shotName: string,
): Promise<{ screenshots: string[]; states: string[] }> {
  const screenshots: string[] = [];
  const states: string[] = [];
  const opened = context.waitForEvent('page', { predicate: (p) => p.url().includes('/consent.html'), timeout: 30_000 }).catch(() => undefined);
  await trigger();
  let failure: string | undefined;
  const popup = await Promise.race([
    opened,
    (async () => {
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        failure = await pageFailure();
        if (failure) return undefined;
      }
      return undefined;
    })(),
  ]);
  if (!popup) throw new DemoError(failure ? `门户页面报告 / the portal page reports: ${failure}` : 'ESeal 同意窗口未打开 / the consent window (consent.html) did not open');
  await popup.waitForLoadState('domcontentloaded');
  const state = async (): Promise<string> => (popup.isClosed() ? 'closed' : await popup.evaluate(() => document.body.dataset['state'] ?? '').catch(() => 'closed'));
  const waitState = async (not: string, ms: number): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await state();
      if (s !== not && s !== '') return s;
      if (Date.now() > end) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let s = await waitState('', 20_000);
  let shotTaken = false;
  for (let round = 0; round < 10; round++) {
    states.push(s);
    if (s === 'closed' || s === 'done') break;
    if (s === 'error') {
      const msg = await popup.locator('#message').textContent().catch(() => '');
      screenshots.push(await shot(popup, `${shotName}-error`));
      throw new DemoError(`同意窗口报告错误 / the consent window shows an error: ${msg ?? ''}`);
    }
    if (s === 'review' || s === 'pin') {
      if (!shotTaken) {
        // pdf.js draws the preview asynchronously: give it a moment before the screenshot.
        await popup.waitForTimeout(400);
        screenshots.push(await shot(popup, shotName));
        shotTaken = true;
      }
      const pin = popup.locator('input#pin');
      if ((await pin.count()) > 0 && (await pin.isVisible()) && (await pin.isEnabled())) await pin.fill(DEV_PIN);
      await popup.locator('button#approve').click({ timeout: 10_000 });
      s = await waitState(s, 60_000);
      continue;
    }
    if (s === 'pinpad') throw new DemoError('同意窗口要求在 USB KEY 的 PIN 键盘上输入 / the consent window waits for a PIN pad');
    // signing: wait for the outcome
    const before = s;
    s = await waitState(before, 120_000);
    if (s === before) throw new DemoError(`同意窗口停在 ${before} 状态 / the consent window stays in state ${before}`);
  }
  if (!popup.isClosed() && (await state()) === 'done') {
    screenshots.push(await shot(popup, `${shotName}-done`).catch(() => ''));
  }
  return { screenshots: screenshots.filter(Boolean), states };
}

export async function runHeadlessDemo(o: HeadlessOptions): Promise<HeadlessSummary> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const root = o.root ?? findRepoRoot();
  const outDir = resolve(o.outDir);
  const exe = o.chromium ?? process.env['ESEAL_CHROMIUM'] ?? '/usr/bin/chromium';
  const batchSize = o.batchSize ?? 20;
  const startedAt = new Date().toISOString();
  const steps: StepResult[] = [];
  const files: string[] = [];
  let verification: HeadlessSummary['verification'];

  const extDir = join(root, 'dist/extension/chrome');
  const missing = [
    [join(extDir, 'manifest.json'), 'node scripts/build.mjs extension'],
    [join(root, 'dist/agent/eseal.mjs'), 'node scripts/build.mjs agent'],
    [join(root, 'dist/demo/js/vouchers.js'), 'node scripts/build.mjs demo'],
    [join(root, 'dist/sdk/eseal-sdk.js'), 'node scripts/build.mjs extension'],
    [exe, 'apt-get install chromium'],
  ].filter(([p]) => !existsSync(p as string));
  if (missing.length > 0) {
    throw new DemoError(`缺少 / missing: ${missing.map(([p, fix]) => `${p as string}（${fix as string}）`).join('; ')}`);
  }
  mkdirSync(outDir, { recursive: true });

  const stateDir = mkdtempSync(join(tmpdir(), 'eseal-demo-state-'));
  const profile = mkdtempSync(join(tmpdir(), 'eseal-demo-chromium-'));
  let agent: Agent | undefined;
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let failure: string | undefined;
  let shotNo = 0;
  const shot = async (p: Page, name: string): Promise<string> => {
    const file = `${String(++shotNo).padStart(2, '0')}-${name}.png`;
    await p.screenshot({ path: join(outDir, file), fullPage: true });
    files.push(file);
    return file;
  };

  const step = async (name: string, titleZh: string, run: (r: StepResult) => Promise<void>): Promise<void> => {
    if (failure) return;
    const r: StepResult = { name, titleZh, ok: false, ms: 0, detail: '', screenshots: [] };
    steps.push(r);
    log(`▶ ${titleZh} / ${name}`);
    const t0 = performance.now();
    try {
      await run(r);
      r.ok = true;
    } catch (error) {
      r.detail = error instanceof Error ? error.message : String(error);
      failure = `${titleZh} / ${name}: ${r.detail}`;
      for (const p of context?.pages() ?? []) {
        if (!p.isClosed() && !p.url().startsWith('about:')) r.screenshots.push(await shot(p, `${name}-failed`).catch(() => ''));
      }
    }
    r.ms = Math.round(performance.now() - t0);
    log(`  ${r.ok ? '✓' : '✗'} ${r.detail} (${r.ms} ms)`);
  };

  try {
    const agentPort = o.agentPort ?? (await freePort());
    const demoPort = o.demoPort ?? (await freePort());
    const portal = `http://localhost:${demoPort}`;
    let extensionId = '';
    let archiveUrl = '';

    await step('start', '启动签章服务、演示门户与 Chromium', async (r) => {
      agent = await startAgent(root, agentPort, stateDir, portal, log);
      server = startDemoServer(demoPort, join(root, 'demo', 'public'));
      const launched = await launchWithExtension(exe, extDir, profile, agentPort, portal);
      context = launched.context;
      extensionId = launched.extensionId;
      r.detail = `agent ws://127.0.0.1:${agentPort}, portal ${portal}, extension ${extensionId}`;
    });

    await step('pair', '在扩展选项页输入配对码', async (r) => {
      const c = context as BrowserContext;
      const code = agent?.code() ?? '';
      if (!/^\d{8}$/.test(code)) throw new DemoError(`签章服务没有打印配对码 / no pairing code printed:\n${agent?.output() ?? ''}`);
      const page = await pairExtension(c, extensionId, code);
      r.screenshots.push(await shot(page, 'options-paired'));
      r.detail = `配对码 ${code} 已接受 / paired`;
      await page.close();
    });

    let vouchers: Page | undefined;
    const openPortal = async (path: string): Promise<Page> => {
      const page = await (context as BrowserContext).newPage();
      await page.goto(`${portal}/${path}`);
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#env')?.dataset['state'] !== 'checking', null, { timeout: 20_000 });
      const state = await page.evaluate(() => document.querySelector<HTMLElement>('#env')?.dataset['state']);
      if (state !== 'ready') throw new DemoError(`门户显示 / the portal shows [${String(state)}]: ${(await page.textContent('#env')) ?? ''}`);
      await page.waitForFunction(() => document.body.dataset['ready'] === 'true', null, { timeout: 20_000 });
      return page;
    };

    await step('voucher', '审核并签章一张支付凭证', async (r) => {
      const page = (vouchers = await openPortal('vouchers.html'));
      r.screenshots.push(await shot(page, 'vouchers'));
      const row = page.locator('#vouchers tbody tr').first();
      const no = (await row.getAttribute('data-voucher')) ?? '';
      const consent = await answerConsent(
        context as BrowserContext,
        () => row.locator('button.seal-one').click(),
        async () => ((await row.getAttribute('data-status')) === 'failed' ? ((await page.textContent('#message')) ?? 'failed') : undefined),
        shot,
        'consent-voucher',
      );
      r.screenshots.push(...consent.screenshots);
      await page.waitForFunction((n) => { const s = document.querySelector(`tr[data-voucher="${n}"]`)?.getAttribute('data-status'); return s === 'sealed' || s === 'failed'; }, no, { timeout: 60_000 });
      if ((await row.getAttribute('data-status')) !== 'sealed') throw new DemoError(`凭证 ${no} 未签章 / not sealed: ${(await page.textContent('#message')) ?? ''}`);
      r.screenshots.push(await shot(page, 'voucher-sealed'));
      r.detail = `凭证 ${no} 已签章（同意窗口状态 ${consent.states.join(' → ')}） / sealed`;
    });

    await step('batch', `批量签章 ${batchSize} 张支付凭证`, async (r) => {
      const page = vouchers as Page;
      const pending = page.locator('#vouchers tbody tr[data-status="pending"] input.pick');
      if ((await pending.count()) < batchSize) throw new DemoError(`待签凭证不足 ${batchSize} 张 / fewer than ${batchSize} pending vouchers`);
      for (let i = 0; i < batchSize; i++) await pending.nth(i).check();
      const consent = await answerConsent(
        context as BrowserContext,
        () => page.locator('#seal-batch').click(),
        async () => ((await page.getAttribute('#batch-result', 'data-state')) === 'failed' ? ((await page.textContent('#batch-result')) ?? 'failed') : undefined),
        shot,
        'consent-batch',
      );
      r.screenshots.push(...consent.screenshots);
      await page.waitForFunction(() => ['done', 'partial', 'failed'].includes(document.querySelector('#batch-result')?.getAttribute('data-state') ?? ''), null, { timeout: 120_000 });
      const state = await page.getAttribute('#batch-result', 'data-state');
      const signed = Number(await page.getAttribute('#batch-result', 'data-signed'));
      r.screenshots.push(await shot(page, 'batch-result'));
      if (state !== 'done' || signed !== batchSize) throw new DemoError(`批量签章结果 / batch result: ${state ?? ''}, ${signed}/${batchSize}: ${(await page.textContent('#batch-result')) ?? ''}`);
      r.detail = `${signed}/${batchSize} 张已签章 / sealed (一次同意、一次 PIN / one consent, one PIN)`;
    });

    await step('stamp', '在通知 PDF 上盖章并下载', async (r) => {
      const page = await openPortal('notice.html');
      // Click the issuer line on the preview: the page turns the click into mm from the top-left.
      await page.locator('#preview').click({ position: { x: ISSUER_MM.x * (72 / 25.4) * PREVIEW_SCALE, y: ISSUER_MM.y * (72 / 25.4) * PREVIEW_SCALE } });
      const x = Number(await page.inputValue('#place-x'));
      const y = Number(await page.inputValue('#place-y'));
      r.screenshots.push(await shot(page, 'notice-position'));
      const consent = await answerConsent(
        context as BrowserContext,
        () => page.locator('#stamp').click(),
        async () => ((await page.getAttribute('#stamp-result', 'data-state')) === 'failed' ? ((await page.textContent('#message')) ?? 'failed') : undefined),
        shot,
        'consent-pdf',
      );
      r.screenshots.push(...consent.screenshots);
      await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('#stamp-result')?.getAttribute('data-state') ?? ''), null, { timeout: 120_000 });
      if ((await page.getAttribute('#stamp-result', 'data-state')) !== 'done') throw new DemoError(`盖章失败 / stamping failed: ${(await page.textContent('#message')) ?? ''}`);
      archiveUrl = (await page.getAttribute('#stamp-result', 'data-archive')) ?? '';
      await page.waitForTimeout(300);
      r.screenshots.push(await shot(page, 'notice-stamped'));
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.locator('#download').click()]);
      await download.saveAs(join(outDir, 'notice-stamped.pdf'));
      files.push('notice-stamped.pdf');
      const size = readFileSync(join(outDir, 'notice-stamped.pdf')).length;
      r.detail = `第 ${ISSUER_MM.page} 页 (${x} mm, ${y} mm) 盖章，已下载 notice-stamped.pdf（${size} 字节） / stamped and downloaded`;
    });

    await step('verify', '验证已盖章的通知与 OFD 样例', async (r) => {
      const page = await openPortal('verify.html');
      const verifyCard = async (selector: string): Promise<VerificationReport> => {
        const card = page.locator(selector).first();
        await card.locator('button.verify').click();
        await page.waitForFunction((sel) => !['running', 'none'].includes(document.querySelector(`${sel} .report`)?.getAttribute('data-indication') ?? 'none'), selector, { timeout: 60_000 });
        const key = (await card.getAttribute('data-doc')) ?? '';
        const report = await page.evaluate((k) => (window as unknown as { esealDemoReports?: Record<string, unknown> }).esealDemoReports?.[k], key);
        if (!report) throw new DemoError(`验证未完成 / no report: ${(await card.locator('.report').textContent()) ?? ''}`);
        return report as VerificationReport;
      };
      const pdf = await verifyCard('section.doc[data-doc^="archive-"]');
      const ofd = await verifyCard('section.doc[data-doc="ofd-sample"]');
      await page.waitForTimeout(300);
      r.screenshots.push(await shot(page, 'verify'));
      const strip = (k: string, v: unknown): unknown => (k === 'dataBase64' ? undefined : v);
      writeFileSync(join(outDir, 'verification-report.json'), JSON.stringify(pdf, strip, 2) + '\n');
      writeFileSync(join(outDir, 'verification-report.txt'), `${renderReportText(pdf, 'zh-CN')}\n${renderReportText(pdf, 'en')}`);
      writeFileSync(join(outDir, 'verification-report-ofd-sample.json'), JSON.stringify(ofd, strip, 2) + '\n');
      writeFileSync(join(outDir, 'verification-report-ofd-sample.txt'), `${renderReportText(ofd, 'zh-CN')}\n${renderReportText(ofd, 'en')}`);
      files.push('verification-report.json', 'verification-report.txt', 'verification-report-ofd-sample.json', 'verification-report-ofd-sample.txt');
      verification = { indication: pdf.indication, sealValid: sealIsValid(pdf), signatures: pdf.signatures.length };
      if (!verification.sealValid) throw new DemoError(`已盖章通知的验证结论 / the stamped notice verifies as ${pdf.indication}: ${pdf.signatures.map((s) => s.subIndications.join(',')).join('; ')}`);
      r.detail = `通知：${pdf.indication}（${pdf.signatures.length} 个签章）；OFD 样例：${ofd.indication} / notice ${pdf.indication}, OFD sample ${ofd.indication}`;
    });

    await step('viewer', '在扩展查看器中打开已盖章的通知', async (r) => {
      const page = await (context as BrowserContext).newPage();
      const open = async (src: string, name: string): Promise<string[]> => {
        const res = await page.goto(`chrome-extension://${extensionId}/viewer.html?src=${encodeURIComponent(src)}`).catch((e: unknown) => e);
        if (res instanceof Error) throw new DemoError(`查看器无法打开 / the viewer does not open: ${res.message}`);
        await page.waitForSelector('.seal-badge', { timeout: 30_000 }).catch(() => {
          throw new DemoError('查看器中没有印章标记 / no .seal-badge in the viewer');
        });
        await page.waitForTimeout(500);
        r.screenshots.push(await shot(page, name));
        return page.locator('.seal-badge').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['status'] ?? ''));
      };
      const pdfBadges = await open(`${portal}${archiveUrl}`, 'viewer-notice');
      const ofdBadges = await open(`${portal}/samples/ofdrw-v4-seal.ofd`, 'viewer-ofd-sample').catch((e: unknown) => [`(${e instanceof Error ? e.message : String(e)})`]);
      if (!pdfBadges.includes('valid')) throw new DemoError(`查看器中的印章标记 / viewer badges: ${pdfBadges.join(', ')}`);
      r.detail = `通知印章标记 / notice badges: ${pdfBadges.join(', ')}；OFD 样例 / OFD sample: ${ofdBadges.join(', ')}`;
    });
  } catch (error) {
    failure ??= error instanceof Error ? error.message : String(error);
  } finally {
    await context?.close().catch(() => undefined);
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (agent) {
      writeFileSync(join(outDir, 'agent.log'), agent.output());
      files.push('agent.log');
      await agent.stop();
    }
    rmSync(profile, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }

  const summary: HeadlessSummary = {
    ok: failure === undefined && steps.every((s) => s.ok),
    startedAt,
    finishedAt: new Date().toISOString(),
    outDir,
    steps,
    files: [...files.filter(Boolean), 'summary.json', 'summary.txt'],
    ...(verification && { verification }),
    ...(failure !== undefined && { failure }),
  };
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(outDir, 'summary.txt'), summaryText(summary));
  return summary;
}

export function summaryText(s: HeadlessSummary): string {
  const lines = [
    `ESeal 无界面演示 / headless demo — ${s.ok ? '成功 / PASSED' : '失败 / FAILED'}`,
    `${s.startedAt} → ${s.finishedAt}`,
    `输出目录 / output: ${s.outDir}`,
    '',
    ...s.steps.map((st) => `${st.ok ? '✓' : '✗'} ${st.titleZh} / ${st.name} (${st.ms} ms)\n    ${st.detail}${st.screenshots.length ? `\n    截图 / screenshots: ${st.screenshots.join(', ')}` : ''}`),
  ];
  if (s.verification) lines.push('', `验证结论 / verification: ${s.verification.indication}, 印章有效 / seal valid: ${s.verification.sealValid ? '是 yes' : '否 no'}`);
  if (s.failure) lines.push('', `失败原因 / failure: ${s.failure}`);
  lines.push('', `文件 / files: ${s.files.join(', ')}`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--policy-json') {
    // For scripts/start.sh: the same policy for the interactive demo (PORTAL PKI_DIR).
    const [, portal = 'http://localhost:8080', pki = ''] = args;
    process.stdout.write(JSON.stringify(demoPolicy(readFileSync(join(findRepoRoot(), 'extension', 'EXTENSION_ID'), 'utf8').trim(), portal, pki), null, 2) + '\n');
    return;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('用法 / usage: node dist/demo/headless.mjs [输出目录 OUTPUT-DIR]\n');
    return;
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const outDir = args[0] ?? `eseal-demo-output-${stamp}`;
  let summary: HeadlessSummary;
  try {
    summary = await runHeadlessDemo({ outDir });
  } catch (error) {
    process.stderr.write(`无界面演示无法开始 / the headless demo cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(summaryText(summary));
  process.exitCode = summary.ok ? 0 : 1;
}

// Run as a program only as itself (the bench bundles this module too).
if (process.argv[1] && /headless\.(mjs|ts)$/.test(process.argv[1]) && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
