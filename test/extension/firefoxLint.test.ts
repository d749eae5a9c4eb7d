// SPDX-License-Identifier: Apache-2.0
// The Firefox build passes Mozilla's addons-linter (the one AMO runs) with no errors. Warnings are
// printed with the test output so they stay visible (today: pdf.js code paths in the viewer and
// consent bundles — `new Function` behind pdf.js's isEvalSupported switch and the dynamic import
// of its worker). A Firefox browser run is not possible here: no Playwright-compatible Firefox
// is installed (docs/admin/README.md says so).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';

interface LintMessage {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
}
interface LintReport {
  readonly summary: { readonly errors: number; readonly warnings: number; readonly notices: number };
  readonly errors: readonly LintMessage[];
  readonly warnings: readonly LintMessage[];
  readonly notices: readonly LintMessage[];
}

const run = promisify(execFile);

async function lint(dir: string): Promise<LintReport> {
  const bin = join(repoRoot, 'node_modules/addons-linter/bin/addons-linter');
  // addons-linter exits non-zero when it finds errors; the JSON report is on stdout either way.
  const out = await run(process.execPath, [bin, '--output', 'json', '--boring', dir], { maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return JSON.parse(out.stdout) as LintReport;
}

const show = (m: LintMessage) => `${m.code} ${m.file ?? ''}${m.line !== undefined ? `:${m.line}` : ''} ${m.message}`;

describe('Firefox build and addons-linter', () => {
  it('has a gecko id, data_collection_permissions and background scripts (no service worker)', () => {
    const m = JSON.parse(readFileSync(join(builtExtensionDir('firefox'), 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(m['browser_specific_settings']).toMatchObject({ gecko: { id: 'eseal@eseal.example.cn', data_collection_permissions: { required: ['none'] } } });
    expect(m['background']).toEqual({ scripts: ['background.js'] });
    expect(m['key']).toBeUndefined();
  });

  it('addons-linter reports zero errors on dist/extension/firefox', async () => {
    const report = await lint(builtExtensionDir('firefox'));
    console.log(`addons-linter: ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${report.summary.notices} notices`);
    for (const w of report.warnings) console.log(`  warning ${show(w)}`);
    for (const n of report.notices) console.log(`  notice ${show(n)}`);
    expect(report.errors.map(show)).toEqual([]);
    expect(report.summary.errors).toBe(0);
    // The manifest itself is clean (warnings left are in bundled third-party code).
    expect(report.warnings.filter((w) => w.file === 'manifest.json').map(show)).toEqual([]);
  }, 180_000);

  it('the linter does find errors (a broken manifest is not reported clean)', async () => {
    const { mkdtempSync, cpSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'eseal-fxlint-'));
    try {
      cpSync(join(builtExtensionDir('firefox'), 'manifest.json'), join(dir, 'manifest.json'));
      cpSync(join(builtExtensionDir('firefox'), '_locales'), join(dir, '_locales'), { recursive: true });
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      m['manifest_version'] = 7;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      const report = await lint(dir);
      expect(report.summary.errors).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
