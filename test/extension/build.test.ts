// SPDX-License-Identifier: Apache-2.0
// The built extension: both manifests are right for their browser, and Debian's Chromium loads the
// Chrome build (service worker running, fixed extension ID from the manifest key, options page in
// Chinese). Driven with playwright-core; no browser download.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';

const CHROMIUM = '/usr/bin/chromium';
const expectedId = readFileSync(join(repoRoot, 'extension/EXTENSION_ID'), 'utf8').trim();

describe('extension build', () => {
  it('writes an MV3 service-worker manifest for Chrome/Edge with the fixed key', () => {
    const m = JSON.parse(readFileSync(join(builtExtensionDir('chrome'), 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(m['manifest_version']).toBe(3);
    expect(m['background']).toEqual({ service_worker: 'background.js', type: 'module' });
    expect(typeof m['key']).toBe('string');
    expect(m['version']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m['default_locale']).toBe('zh_CN');
  });

  it('writes an MV3 background-scripts manifest for Firefox with a gecko id and no key', () => {
    const m = JSON.parse(readFileSync(join(builtExtensionDir('firefox'), 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(m['manifest_version']).toBe(3);
    expect(m['background']).toEqual({ scripts: ['background.js'] });
    expect(m['key']).toBeUndefined();
    expect(m['browser_specific_settings']).toMatchObject({ gecko: { id: expect.stringContaining('@') as string } });
  });

  it('has every locale message the manifest names, in Chinese and English', () => {
    for (const locale of ['zh_CN', 'en']) {
      const messages = JSON.parse(readFileSync(join(builtExtensionDir('chrome'), '_locales', locale, 'messages.json'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(messages)).toEqual(expect.arrayContaining(['extName', 'extDescription']));
    }
  });

  it.skipIf(!existsSync(CHROMIUM))('loads in Debian Chromium: service worker up, fixed ID, localised options page', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'eseal-chromium-'));
    const dir = builtExtensionDir('chrome');
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false,
      locale: 'zh-CN',
      env: { ...process.env, LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8' },
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--lang=zh-CN',
      ],
    });
    try {
      const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
      const id = new URL(worker.url()).host;
      expect(id).toBe(expectedId);
      const page = await context.newPage();
      await page.goto(`chrome-extension://${id}/options.html`);
      await expect.poll(() => page.textContent('#title')).toContain('ESeal');
      // Chinese when the browser UI locale is zh-CN (needs Debian's chromium-l10n), English otherwise.
      expect(['扩展版本', 'Extension version']).toContain(await page.textContent('#extensionVersionLabel'));
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
