// SPDX-License-Identifier: Apache-2.0
/**
 * `eseal verify` on PDFs, in-process: exit codes, `--json` (schema-valid), text output in Chinese and
 * English, for a SES-sealed PDF, a two-signature CMS PDF, and a tampered file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVerifyCommand } from '../../../agent/cli/commands/verify.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { validate } from '../../shared/verify/miniSchema.js';
import { changeContent, signWith } from '../../shared/verify/pdfFixtures.js';
import { classicPdf } from '../../shared/pdf/support/makePdf.js';

const NOW = new Date('2026-11-22T00:00:00Z');
const SCHEMA = JSON.parse(readFileSync('docs/verification-report.schema.json', 'utf8')) as Record<string, unknown>;

interface Run {
  code: number | undefined;
  out: string;
  err: string;
}

async function run(...args: string[]): Promise<Run> {
  const r: Run = { code: undefined, out: '', err: '' };
  const program = new Command('eseal').exitOverride().configureOutput({ writeOut: (s) => (r.out += s), writeErr: (s) => (r.err += s) });
  registerVerifyCommand(program, { stdout: (s) => (r.out += s), stderr: (s) => (r.err += s), setExitCode: (c) => (r.code = c), now: () => NOW });
  try {
    await program.parseAsync(['node', 'eseal', 'verify', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    r.code = e.exitCode;
  }
  return r;
}

let dir = '';
let pki: TestPki;
let sealed = '';
let twoCms = '';
let tampered = '';
beforeAll(async () => {
  pki = await loadTestPki();
  dir = mkdtempSync(join(tmpdir(), 'eseal-verify-pdf-'));
  const ses = await signWith(classicPdf(), 'ses', { fieldName: '合同章' });
  sealed = join(dir, 'sealed.pdf');
  writeFileSync(sealed, ses.bytes);
  const one = await signWith(classicPdf(), 'p256');
  const two = await signWith(one.bytes, 'rsa', { rect: [10, 10, 60, 60] });
  twoCms = join(dir, 'two.pdf');
  writeFileSync(twoCms, two.bytes);
  tampered = join(dir, 'tampered.pdf');
  writeFileSync(tampered, changeContent(ses.bytes));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trust = () => ['--trust', pki.certFiles.root, '--intermediate', pki.certFiles.inter];

describe('eseal verify FILE.pdf', () => {
  it('exit 0 and a schema-valid TOTAL_PASSED JSON report for a sealed PDF with the test root', async () => {
    const r = await run('--json', ...trust(), sealed);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as VerificationReport;
    expect(report.documentType).toBe('pdf');
    expect(report.fileName).toBe('sealed.pdf');
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.signatures[0]?.pdf?.fieldName).toBe('合同章');
    expect(validate(SCHEMA, report)).toEqual([]);
  });

  it('exit 1 without a trust anchor (INDETERMINATE), text output in Chinese by default', async () => {
    const r = await run(sealed);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/文件：sealed\.pdf（PDF 文档）/);
    expect(r.out).toMatch(/总体结论：\[\?\] 无法确定（INDETERMINATE）/);
    expect(r.out).toMatch(/签名域：合同章（adbe\.pkcs7\.detached）/);
    expect(r.out).toMatch(/签名范围：覆盖整个文件/);
    expect(r.out).toMatch(/签章后修改：无修改/);
    expect(r.out).toMatch(/位置：第 1 页/);
    expect(r.out).toMatch(/✓ signature\.data-hash: 原文杂凑值一致/);
  });

  it('two CMS signatures: exit 0, English text lists both', async () => {
    const r = await run('--lang', 'en', ...trust(), twoCms);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 signature\(s\)/);
    expect(r.out).toMatch(/Signature 1\/2 \(ID Signature1, digital signature, CMS SignedData\): valid/);
    expect(r.out).toMatch(/Changes after signing: new signatures only \(allowed\)/);
    expect(r.out).toMatch(/Signed range: the whole file/);
  });

  it('a page-content change after sealing: exit 1, reported as modified and not allowed', async () => {
    const r = await run(...trust(), tampered);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/原因：SIG_CONSTRAINTS_FAILURE, DOCUMENT_MODIFIED/);
    expect(r.out).toMatch(/签章后文档是否被修改：是/);
    expect(r.out).toMatch(/签章后修改：修改了页面内容或其他对象（不允许）/);
    const en = await run('--lang', 'en', ...trust(), tampered);
    expect(en.out).toMatch(/Changes after signing: page content or other objects changed \(NOT allowed\)/);
  });

  it('a damaged PDF: exit 1 with a coded error in the report', async () => {
    const broken = join(dir, 'broken.pdf');
    writeFileSync(broken, '%PDF-1.7\n1 0 obj <<>> endobj\n');
    const r = await run('--json', broken);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as VerificationReport;
    expect(report.error?.code).toBe('ERR_PDF_MALFORMED');
  });
});
