// SPDX-License-Identifier: Apache-2.0
// The headless demo end to end: Debian Chromium with the built extension, the REAL agent on the
// development soft token, the demo portal; the consent window answered with the development PIN.
// Checks what a newcomer gets in the output folder: the stamped PDF (verified again here,
// in-process, against the same PKI), the verification report saying the seal is valid,
// screenshots of each step and the summary.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeadlessDemo, type HeadlessSummary } from '../../demo/headless.js';
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../shared/verify/VerificationReport.js';
import { parseCertificates } from '../../shared/x509/index.js';
import { ensureAgentBuilt } from '../agent/integration/harness.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { testPkiDir } from '../support/testPki.js';

const CHROMIUM = '/usr/bin/chromium';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe.skipIf(!existsSync(CHROMIUM))('headless demo (Chromium + extension + real agent)', () => {
  let out = '';
  let summary: HeadlessSummary;
  const lines: string[] = [];

  beforeAll(async () => {
    builtExtensionDir('chrome');
    await ensureAgentBuilt();
    // The page scripts and the headless bundle come from the demo target.
    execFileSync(process.execPath, ['scripts/build.mjs', 'demo'], { cwd: repoRoot, stdio: 'inherit' });
    // The agent builds its development token from the run's test PKI (no second PKI generation).
    process.env['ESEAL_DEV_PKI'] = testPkiDir();
    out = mkdtempSync(join(tmpdir(), 'eseal-demo-out-'));
    summary = await runHeadlessDemo({ outDir: out, log: (l) => lines.push(l) });
  }, 300_000);

  afterAll(() => {
    // The screenshots, reports and summary are kept as test artifacts (test-artifacts/demo).
    if (out) {
      const keep = join(repoRoot, 'test-artifacts', 'demo');
      rmSync(keep, { recursive: true, force: true });
      cpSync(out, keep, { recursive: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('every step passes', () => {
    expect(summary.failure, lines.join('\n')).toBeUndefined();
    expect(summary.steps.map((s) => [s.name, s.ok])).toEqual([
      ['start', true],
      ['pair', true],
      ['voucher', true],
      ['batch', true],
      ['stamp', true],
      ['verify', true],
      ['viewer', true],
    ]);
    expect(summary.ok).toBe(true);
    expect(summary.steps.find((s) => s.name === 'batch')?.detail).toContain('20/20');
  });

  it('leaves the stamped PDF, which verifies as valid here too', async () => {
    const pdf = readFileSync(join(out, 'notice-stamped.pdf'));
    const original = readFileSync(join(repoRoot, 'demo/public/notice.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // An incremental update: the original bytes come first, unchanged.
    expect(pdf.subarray(0, original.length).equals(original)).toBe(true);
    expect(pdf.length).toBeGreaterThan(original.length);
    const pki = testPkiDir();
    const report = await verifyDocument(new Uint8Array(pdf), {
      fileName: 'notice-stamped.pdf',
      trustAnchors: parseCertificates(readFileSync(join(pki, 'root.pem'))),
      intermediates: parseCertificates(readFileSync(join(pki, 'inter.pem'))),
    });
    expect(report.documentType).toBe('pdf');
    expect(report.signatures).toHaveLength(1);
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.signatures[0]?.seal?.name).toBe('某某市财政局电子公章');
  });

  it('the verification report (JSON and text) says the seal is valid', () => {
    const report = JSON.parse(readFileSync(join(out, 'verification-report.json'), 'utf8')) as VerificationReport;
    expect(report).toMatchObject({ schemaVersion: 1, documentType: 'pdf', indication: 'TOTAL_PASSED' });
    expect(report.signatures.map((s) => s.indication)).toEqual(['TOTAL_PASSED']);
    expect(summary.verification).toEqual({ indication: 'TOTAL_PASSED', sealValid: true, signatures: 1 });
    const text = readFileSync(join(out, 'verification-report.txt'), 'utf8');
    expect(text).toContain('总体结论');
    expect(text).toContain('TOTAL_PASSED');
    // The OFD sample's test seal had expired when it was signed: the verifier must say so.
    const ofd = JSON.parse(readFileSync(join(out, 'verification-report-ofd-sample.json'), 'utf8')) as VerificationReport;
    expect(ofd.documentType).toBe('ofd');
    expect(ofd.indication).toBe('TOTAL_FAILED');
    expect(ofd.signatures[0]?.subIndications).toContain('EXPIRED');
  });

  it('leaves a screenshot of each step (consent windows and the viewer among them) and the summary', () => {
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    for (const part of ['options-paired', 'vouchers', 'consent-voucher', 'voucher-sealed', 'consent-batch', 'batch-result', 'consent-pdf', 'notice-stamped', 'verify', 'viewer-notice']) {
      expect(pngs.some((f) => f.includes(part)), part).toBe(true);
    }
    for (const f of pngs) expect(readFileSync(join(out, f)).subarray(0, 8).equals(PNG), f).toBe(true);
    const onDisk = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as HeadlessSummary;
    expect(onDisk.ok).toBe(true);
    for (const f of onDisk.files) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('成功 / PASSED');
    expect(summary.steps.find((s) => s.name === 'viewer')?.detail).toContain('valid');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('headless demo failing', () => {
  it('stops at the failing step, names it in summary.txt, and still leaves the summary and screenshots', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eseal-demo-out-'));
    process.env['ESEAL_DEV_PKI'] = testPkiDir();
    try {
      // 24 vouchers, one sealed first: a batch of 30 cannot be picked.
      const summary = await runHeadlessDemo({ outDir: out, batchSize: 30, log: () => undefined });
      expect(summary.ok).toBe(false);
      expect(summary.steps.map((s) => [s.name, s.ok])).toEqual([
        ['start', true],
        ['pair', true],
        ['voucher', true],
        ['batch', false],
      ]);
      expect(summary.failure).toContain('待签凭证不足 30 张');
      const text = readFileSync(join(out, 'summary.txt'), 'utf8');
      expect(text).toContain('失败 / FAILED');
      expect(text).toContain('batch');
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ ok: false });
      expect(readdirSync(out).some((f) => f.includes('batch-failed') && f.endsWith('.png'))).toBe(true);
      expect(existsSync(join(out, 'notice-stamped.pdf'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('the command exits 2 with a message when Chromium is missing', () => {
    if (!existsSync(join(repoRoot, 'dist/demo/headless.mjs'))) execFileSync(process.execPath, ['scripts/build.mjs', 'demo'], { cwd: repoRoot, stdio: 'inherit' });
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist/demo/headless.mjs'), join(tmpdir(), 'eseal-demo-never')], { env: { ...process.env, ESEAL_CHROMIUM: '/nonexistent/chromium' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('无界面演示无法开始');
    expect(r.stderr).toContain('/nonexistent/chromium');
  });
});

describe('headless demo prerequisites', () => {
  it('refuses to start without Chromium, naming what is missing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eseal-demo-out-'));
    try {
      await expect(runHeadlessDemo({ outDir: out, chromium: '/nonexistent/chromium', log: () => undefined })).rejects.toThrow('/nonexistent/chromium');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
