// SPDX-License-Identifier: Apache-2.0
// Managed (enterprise) policy in Debian Chromium, delivered the way an administrator does it on
// Linux: a JSON file in /etc/chromium/policies/managed with "3rdparty" → "extensions" → <id>.
//
// Copies of the built Chrome extension are loaded, each with its own manifest key (so its own
// extension ID, which no other test or helper uses — the policy file cannot reach their browsers):
// - "valid": a managed policy naming one localhost portal and an agent port → the options page
//   says enterprise policy from storage.managed; the portal gets an answer, an origin that only the
//   (ignored) development policy in storage.local lists is refused: managed wins over the fallback;
// - "invalid": a policy that Chrome's shape schema lets through but the shared validator refuses
//   (an http origin without development.allowHttpLocalhost) → everything denied, and the options
//   page and the diagnostic report name the field;
// - "template": the admin template's policy (docs/admin/templates) arrives whole and is in force;
// - "strict" vs "invalidShape": the same half-bad policy under a full JSON Schema (Chrome drops the
//   whole portals list silently) and under the shape schema we ship (delivered, refused, named).
// Needs root (the policy directory is root-owned); the file is uniquely named and always removed.
import { generateKeyPairSync, createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../demo/server.js';
import { POLICY_SCHEMA } from '../../shared/policy/Policy.js';
import { toJsonSchema } from '../../shared/schema/schema.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { freePort } from '../agent/integration/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const POLICY_DIR = '/etc/chromium/policies/managed';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skipReason = !existsSync(CHROMIUM) ? 'no /usr/bin/chromium' : !isRoot ? 'not root: cannot write /etc/chromium/policies/managed' : '';
if (skipReason) console.warn(`managed policy test skipped: ${skipReason}`);

/** A fresh manifest key and the extension ID Chromium derives from it (SHA-256 of the key, a–p). */
function newExtensionKey(): { key: string; id: string } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  const id = [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
  return { key: der.toString('base64'), id };
}

function extensionCopy(dir: string, key: string, withContentScript: boolean): void {
  cpSync(builtExtensionDir('chrome'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  manifest['key'] = key;
  // Only one copy may answer portal pages, or two content scripts would reply to one SDK call.
  if (!withContentScript) delete manifest['content_scripts'];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

type OptionsState = { policy: { source: string; origin?: string; fields?: string[]; portals: string[]; agentPort: number; error?: { code: string; details?: { field?: string } } } };

async function optionsCall(page: Page, op: string): Promise<{ ok: boolean; state: OptionsState; report?: string }> {
  return page.evaluate(async (o) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ type: 'eseal:options', op: o }), op) as Promise<{ ok: boolean; state: OptionsState; report?: string }>;
}

describe.skipIf(skipReason !== '')('managed policy in Chromium (/etc/chromium/policies/managed)', () => {
  const valid = newExtensionKey();
  const invalid = newExtensionKey();
  const invalidShape = newExtensionKey();
  // The admin template's policy (docs/admin/templates/eseal-policy.json) as it would be pushed.
  const template = newExtensionKey();
  // A copy with the full JSON Schema (patterns, enums, ranges) instead of the shape: why we ship the shape.
  const strict = newExtensionKey();
  const mixedPolicy = { agentPort: 17600, portals: [{ origin: 'https://ok.example.gov.cn', actions: ['status'] }, { origin: 'https://bad origin', actions: ['status'] }] };
  const templatePolicy = JSON.parse(readFileSync(join(repoRoot, 'docs/admin/templates/eseal-policy.json'), 'utf8')) as Record<string, unknown>;
  const policyFile = join(POLICY_DIR, `eseal-test-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  let work = '';
  let context: BrowserContext;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    work = mkdtempSync(join(tmpdir(), 'eseal-managed-'));
    const site = join(work, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'eseal-sdk.js'), readFileSync(join(builtExtensionDir('chrome'), 'eseal-sdk.js')));
    writeFileSync(join(site, 'sdk.html'), '<!doctype html><meta charset="utf-8"><title>sdk</title><script src="eseal-sdk.js"></script><p>SDK</p>');
    server = startDemoServer(port, site);
    const validDir = join(work, 'valid');
    const invalidDir = join(work, 'invalid');
    extensionCopy(validDir, valid.key, true);
    extensionCopy(invalidDir, invalid.key, false);
    const invalidShapeDir = join(work, 'invalidShape');
    extensionCopy(invalidShapeDir, invalidShape.key, false);
    const templateDir = join(work, 'template');
    extensionCopy(templateDir, template.key, false);
    const strictDir = join(work, 'strict');
    extensionCopy(strictDir, strict.key, false);
    writeFileSync(join(strictDir, 'managed_schema.json'), JSON.stringify(toJsonSchema(POLICY_SCHEMA)));
    mkdirSync(POLICY_DIR, { recursive: true });
    writeFileSync(policyFile, JSON.stringify({
      '3rdparty': {
        extensions: {
          [valid.id]: { agentPort: 17999, portals: [{ origin: `http://localhost:${port}`, name: '托管策略门户', actions: ['status'] }], development: { allowHttpLocalhost: true } },
          [invalid.id]: { portals: [{ origin: 'http://localhost:9', actions: ['status'] }] },
          [template.id]: templatePolicy,
          [strict.id]: mixedPolicy,
          [invalidShape.id]: mixedPolicy,
        },
      },
    }));
    const dirs = () => [validDir, invalidDir, templateDir, strictDir, invalidShapeDir].join(',');
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: false,
      locale: 'zh-CN',
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--disable-extensions-except=${dirs()}`, `--load-extension=${dirs()}`, '--lang=zh-CN',
      ],
    });
    // Both service workers up.
    for (let i = 0; i < 100 && context.serviceWorkers().length < 5; i++) await new Promise((r) => setTimeout(r, 100));
    // A development policy in storage.local that would allow 127.0.0.1: must be ignored under a managed policy.
    const worker = context.serviceWorkers().find((w) => w.url().includes(valid.id));
    await worker?.evaluate(async (devPolicy) => {
      await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
    }, { portals: [{ origin: `http://127.0.0.1:${port}`, actions: ['status'] }], development: { allowHttpLocalhost: true } });
  }, 60_000);

  afterAll(async () => {
    rmSync(policyFile, { force: true });
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the extensions run under their own IDs (the policy file names only them)', () => {
    const ids = context.serviceWorkers().map((w) => new URL(w.url()).host);
    expect(ids).toEqual(expect.arrayContaining([valid.id, invalid.id, template.id]));
    expect(ids).not.toContain('mepihojfgfpgfcalkfgdmjcjhnfjgkcp');
  });

  it('a valid managed policy is used: options page, agent port, and portal decisions follow it', async () => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${valid.id}/options.html`);
    await expect.poll(() => page.textContent('#policySource'), { timeout: 15_000 }).toContain(`http://localhost:${port}`);
    const { state } = await optionsCall(page, 'state');
    expect(state.policy).toMatchObject({ source: 'managed', origin: 'storage.managed', agentPort: 17999, portals: [`http://localhost:${port}`] });
    expect(state.policy.fields).toEqual(['agentPort', 'development', 'portals']);
    expect(state.policy.error).toBeUndefined();
    expect(await page.textContent('#policyOrigin')).toContain('storage.managed');
    await page.close();

    const codes: string[] = [];
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const portal = await context.newPage();
      await portal.goto(`${origin}/sdk.html`);
      codes.push(await portal.evaluate(async () => {
        try {
          await (window as unknown as { eseal: { status(): Promise<unknown> } }).eseal.status();
          return 'answered';
        } catch (e) {
          return (e as { code: string }).code;
        }
      }));
      await portal.close();
    }
    // The listed portal gets an answer (the agent is not running: status says so, not a refusal);
    // 127.0.0.1, listed only in the ignored development policy, gets no content script at all.
    expect(codes).toEqual(['answered', 'ERR_EXTENSION_MISSING']);
  });

  it('a policy the shared validator refuses denies everything and names the field in the options page and the report', async () => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${invalid.id}/options.html`);
    await expect.poll(() => page.textContent('#policyError'), { timeout: 15_000 }).toContain('portals[0].origin');
    const { state } = await optionsCall(page, 'state');
    expect(state.policy).toMatchObject({ source: 'managed-invalid', portals: [], error: { code: 'ERR_POLICY_INVALID', details: { field: 'portals[0].origin' } } });
    expect(await page.getAttribute('#policyError', 'class')).toBe('error');
    const report = await optionsCall(page, 'report');
    expect(JSON.parse(report.report ?? '{}')).toMatchObject({ policy: { source: 'managed-invalid', error: { code: 'ERR_POLICY_INVALID', details: { field: 'portals[0].origin' } } } });
    await page.close();
  });

  it('the admin template policy reaches the extension whole through the shape schema (Chrome drops nothing) and is in force', async () => {
    const worker = context.serviceWorkers().find((w) => w.url().includes(template.id));
    const delivered = await worker?.evaluate(() => (globalThis as unknown as { chrome: { storage: { managed: { get(k: null): Promise<unknown> } } } }).chrome.storage.managed.get(null));
    expect(delivered).toEqual(templatePolicy);
    const page = await context.newPage();
    await page.goto(`chrome-extension://${template.id}/options.html`);
    await expect.poll(async () => (await optionsCall(page, 'state')).state.policy.source, { timeout: 15_000 }).toBe('managed');
    const { state } = await optionsCall(page, 'state');
    expect(state.policy.portals).toEqual((templatePolicy['portals'] as { origin: string }[]).map((p) => p.origin));
    await page.close();
  });

  it('why the shape schema: with full value rules Chrome silently drops the whole portals list for one bad entry; with the shape the extension sees it and names it', async () => {
    const managed = async (id: string) => context.serviceWorkers().find((w) => w.url().includes(id))?.evaluate(() => (globalThis as unknown as { chrome: { storage: { managed: { get(k: null): Promise<Record<string, unknown>> } } } }).chrome.storage.managed.get(null));
    // Full schema: the good portal is gone too, and nothing tells the extension.
    expect(await managed(strict.id)).toEqual({ agentPort: 17600 });
    // Shape schema (what we ship): delivered whole, refused as a whole, field named.
    expect(await managed(invalidShape.id)).toEqual(mixedPolicy);
    const page = await context.newPage();
    await page.goto(`chrome-extension://${invalidShape.id}/options.html`);
    await expect.poll(async () => (await optionsCall(page, 'state')).state.policy.error?.details?.field, { timeout: 15_000 }).toBe('portals[1].origin');
    await page.close();
  });
});
