// SPDX-License-Identifier: Apache-2.0
/** `eseal verify` in-process: exit codes, --json output, text output, usage errors. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVerifyCommand } from '../../../agent/cli/commands/verify.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { detachedCms, makeTestPki } from '../../shared/cms/cmsBuilder.js';

const OFD = 'test/fixtures/samples/ofd';
const NOW = new Date('2026-11-22T00:00:00Z');

interface Run {
  code: number | undefined;
  out: string;
  err: string;
}

async function run(...args: string[]): Promise<Run> {
  const r: Run = { code: undefined, out: '', err: '' };
  const program = new Command('eseal').exitOverride().configureOutput({ writeOut: (s) => (r.out += s), writeErr: (s) => (r.err += s) });
  registerVerifyCommand(program, {
    stdout: (s) => (r.out += s),
    stderr: (s) => (r.err += s),
    setExitCode: (c) => (r.code = c),
    now: () => NOW,
  });
  try {
    await program.parseAsync(['node', 'eseal', 'verify', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    r.code = e.exitCode;
  }
  return r;
}

let dir = '';
let rootPem = '';
let pki: ReturnType<typeof makeTestPki>;
let signedOfd = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eseal-verify-'));
  // A valid document: the GOMAIN two-signature OFD with both SignedValue.dat replaced by GM/T 0010
  // signatures of the test PKI's signer over the untouched Signature.xml files.
  pki = makeTestPki();
  const files: Record<string, Uint8Array> = unzipSync(new Uint8Array(readFileSync(`${OFD}/gomain-two-digital-signs-gmt0010.ofd`)));
  // Sign_1 protects Sign_0's files, so its reference digests are recomputed before it is signed.
  for (const s of ['Sign_0', 'Sign_1']) {
    const xmlName = `Doc_0/Signs/${s}/Signature.xml`;
    const xml = new TextDecoder().decode(files[xmlName]).replace(/FileRef="\/?([^"]+)"(\s*)>(\s*)<ofd:CheckValue>[^<]*</g, (_m, ref: string, a: string, b: string) => {
      const data = files[ref] as Uint8Array;
      return `FileRef="/${ref}"${a}>${b}<ofd:CheckValue>${Buffer.from(sm3(data)).toString('base64')}<`;
    });
    const xmlBytes = new TextEncoder().encode(xml);
    files[xmlName] = xmlBytes;
    files[`Doc_0/Signs/${s}/SignedValue.dat`] = detachedCms(pki.unit, xmlBytes, new Date(Date.now() + 5000));
  }
  signedOfd = join(dir, 'test-pki-signed.ofd');
  writeFileSync(signedOfd, zipSync(files));
  rootPem = join(dir, 'ofdrw-root.pem');
  writeFileSync(rootPem, execFileSync('openssl', ['pkcs12', '-legacy', '-in', 'test/fixtures/samples/keys/ROOT.p12', '-nokeys', '-passin', 'pass:123456']));
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

describe('eseal verify', () => {
  it('exit 0 and TOTAL_PASSED for a valid document with its trust anchor and intermediate (--json parses)', async () => {
    const r = await run('--json', '--trust', pki.rootPem, '--intermediate', pki.interPem, signedOfd);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as VerificationReport;
    expect(report.signatures.map((s) => s.indication)).toEqual(['TOTAL_PASSED', 'TOTAL_PASSED']);
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.verifiedAt).toBe(NOW.toISOString());
    expect(report.fileName).toBe('test-pki-signed.ofd');
    expect(r.code).toBe(0);
    // The same file without the intermediate: INDETERMINATE, exit 1.
    expect((await run('--trust', pki.rootPem, signedOfd)).code).toBe(1);
  });

  it('exit 1 for the ofdrw riding seal with the ofdrw root: its key usage lacks keyCertSign', async () => {
    const r = await run('--json', '--trust', rootPem, `${OFD}/ofdrw-v4-riding-seal.ofd`);
    expect((JSON.parse(r.out) as VerificationReport).signatures[0]?.subIndications).toEqual(['CERTIFICATE_CHAIN_GENERAL_FAILURE']);
    expect(r.code).toBe(1);
  });

  it('--json output is exactly the report, stable between runs', async () => {
    const a = await run('--json', '--no-pictures', `${OFD}/gomain-jiangsu-tax-v4.ofd`);
    const b = await run('--json', '--no-pictures', `${OFD}/gomain-jiangsu-tax-v4.ofd`);
    expect(a.out).toBe(b.out);
    const report = JSON.parse(a.out) as VerificationReport;
    expect(report.signatures[0]?.seal?.picture.dataBase64).toBeUndefined();
    expect(a.code).toBe(1);
  });

  it('exit 1 for INDETERMINATE (no trust anchor) and for a modified document', async () => {
    expect((await run(`${OFD}/kinggrid-v4-invoice.ofd`)).code).toBe(1);
    const r = await run(`${OFD}/gomain-yunnan-v4-two-seals.ofd`);
    expect(r.code).toBe(1);
    expect(r.out).toContain('总体结论');
    expect(r.out).toContain('TOTAL_FAILED');
    expect(r.out).toContain('云南省住房和城乡建设厅');
    expect(r.out).toContain('是，受保护的内容已改变');
  });

  it('text mode names signer, seal, time and change status; --lang en switches language', async () => {
    const zh = await run(`${OFD}/gomain-jiangsu-tax-v4.ofd`);
    expect(zh.out).toContain('签章人：国家税务总局江苏省税务局');
    expect(zh.out).toContain('印章：国家税务总局江苏省税务局（编码 32010600000001');
    expect(zh.out).toContain('签章时间');
    expect(zh.out).toContain('签章后文档是否被修改：否');
    const en = await run('--lang', 'en', `${OFD}/gomain-jiangsu-tax-v4.ofd`);
    expect(en.out).toContain('Changed after signing: no');
  });

  it('exit 1 with a coded error in the report for an unparseable file', async () => {
    const junk = join(dir, 'junk.ofd');
    writeFileSync(junk, 'PK\x03\x04 broken');
    const r = await run('--json', junk);
    expect((JSON.parse(r.out) as VerificationReport).error?.code).toBe('ERR_OFD_ZIP_INVALID');
    expect(r.code).toBe(1);
  });

  it('exit 2 for a missing file, an unreadable trust file, a bad --lang, or no FILE', async () => {
    const missing = await run(join(dir, 'nope.ofd'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('ERR_FILE_NOT_FOUND');
    const badTrust = await run('--trust', join(dir, 'junk.pem'), `${OFD}/kinggrid-v4-invoice.ofd`);
    expect(badTrust.code).toBe(2);
    expect(badTrust.err).toMatch(/ERR_X509_/);
    expect((await run('--lang', 'fr', `${OFD}/kinggrid-v4-invoice.ofd`)).code).toBe(2);
    expect((await run()).code).toBe(2);
    expect((await run('--bogus', `${OFD}/kinggrid-v4-invoice.ofd`)).code).toBe(2);
  });
});
