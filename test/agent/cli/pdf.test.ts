// SPDX-License-Identifier: Apache-2.0
// `eseal pdf seal` as users run it: the built CLI (dist/agent/eseal.mjs) in a child process on the
// development SM2 software token. PIN from ESEAL_PIN and from standard input (wrong then right),
// the printed result (path, field, page, rect, SM3 of the output), --json, keyword placement,
// usage errors (exit 2), the no-clobber output and --force, the command line's audit chain, and a
// 105 MB file with the process's peak RSS reported.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_PIN, ensureDevSetup } from '../../../agent/dev/devSetup.js';
import { readPdfSignatures } from '../../../shared/pdf/index.js';
import { decodeSES_Signature } from '../../../shared/seal/index.js';
import { classicPdf, pdfsig, qpdfCheck } from '../../shared/pdf/support/makePdf.js';
import { pdfsigSummary } from '../../shared/pdf/support/sign.js';
import { removeDir } from '../../test-tokens/testTokenSupport.js';
import { SOFTHSM_MODULE, SOFTHSM_PIN, softhsmWithPdfSeals } from '../pdf/support.js';
import { testPkiDir } from '../../support/testPki.js';
import { AGENT, ensureAgentBuilt } from '../integration/harness.js';
import { opensslVerifyTbsSign } from '../integration/sealFixtures.js';

let dir = '';
let stateDir = '';
let input = '';

beforeAll(async () => {
  await ensureAgentBuilt();
  dir = mkdtempSync(join(tmpdir(), 'eseal-cli-pdf-'));
  stateDir = join(dir, 'state');
  process.env.ESEAL_DEV_PKI = testPkiDir();
  await ensureDevSetup(stateDir);
  writeFileSync(join(dir, 'policy.json'), '{}');
  input = join(dir, 'in.pdf');
  writeFileSync(input, classicPdf());
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function eseal(args: readonly string[], o: { pin?: string; stdin?: string; nodeArgs?: readonly string[]; env?: Record<string, string> } = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ESEAL_DEV_PKI: testPkiDir(), ESEAL_POLICY: join(dir, 'policy.json') /* empty policy: no machine token libraries */, ...o.env };
  delete env['ESEAL_PIN'];
  if (o.pin !== undefined) env['ESEAL_PIN'] = o.pin;
  const r = spawnSync(process.execPath, [...(o.nodeArgs ?? []), AGENT, ...args], { encoding: 'utf8', env, input: o.stdin ?? '', maxBuffer: 16 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const sealArgs = (out: string, ...more: string[]) => ['pdf', 'seal', input, out, '--seal', 'dev-official', '--state-dir', stateDir, ...more];
const sm3File = (path: string) => createHash('sm3').update(readFileSync(path)).digest('hex');

describe('eseal pdf seal', () => {
  it('seals with the PIN from ESEAL_PIN and prints path, field, page, rect and the SM3 of the output', () => {
    const out = join(dir, 'out1.pdf');
    const r = eseal(sealArgs(out, '--page', '1', '--at', '150,240', '--reason', '审批通过'), { pin: DEV_TOKEN_PIN });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`已签章 / sealed: ${out}`);
    expect(r.out).toMatch(/签名域 \/ field: Signature1 {2}\(GB\/T 38540 SES_Signature\)/);
    expect(r.out).toMatch(/页码 \/ page: 1 {2}位置 \/ rect: \[[\d.]+, [\d.]+, [\d.]+, [\d.]+\]/);
    expect(r.out).toContain(`输出 SM3 / output SM3: ${sm3File(out)}`);
    const bytes = new Uint8Array(readFileSync(out));
    expect(Buffer.from(bytes.subarray(0, statSync(input).size)).equals(readFileSync(input))).toBe(true);
    expect(qpdfCheck(bytes).code).toBe(0);
    const [sig] = readPdfSignatures(bytes).signatures;
    expect(sig).toMatchObject({ fieldName: 'Signature1', reason: '审批通过' });
    const ses = decodeSES_Signature(sig!.cms!);
    expect(opensslVerifyTbsSign(sig!.cms!, ses.cert)).toMatch(/Signature Verified Successfully/);
  });

  it('`eseal verify` reports the sealed PDF TOTAL_PASSED with the test PKI anchor', () => {
    const out = join(dir, 'out1.pdf');
    const pki = testPkiDir();
    const r = eseal(['verify', '--json', '--trust', join(pki, 'root.pem'), '--intermediate', join(pki, 'inter.pem'), out]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { indication: string; signatures: unknown[] };
    expect(report.signatures).toHaveLength(1);
    expect(report.indication).toBe('TOTAL_PASSED');
  });

  it('--json, keyword placement and --cms', () => {
    const out = join(dir, 'out-kw.pdf');
    const r = eseal(sealArgs(out, '--keyword', 'Hello ESeal', '--cms', '--json'), { pin: DEV_TOKEN_PIN });
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { output: string; fieldName: string; page: number; rect: number[]; format: string; outputSm3: string; documentSm3: string };
    expect(j).toMatchObject({ output: out, fieldName: 'Signature1', page: 1, format: 'CMS', outputSm3: sm3File(out), documentSm3: sm3File(input) });
    expect((j.rect[0]! + j.rect[2]!) / 2).toBeGreaterThan(72);
    expect(qpdfCheck(new Uint8Array(readFileSync(out))).code).toBe(0);
  });

  it('reads the PIN from standard input: a wrong PIN fails (exit 1, nothing written), the right one seals', () => {
    const out = join(dir, 'out-stdin.pdf');
    const wrong = eseal(sealArgs(out, '--page', '1', '--at', '100,100'), { stdin: '000000\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/ERR_TOKEN_PIN_INCORRECT/);
    expect(existsSync(out)).toBe(false);
    const right = eseal(sealArgs(out, '--page', '1', '--at', '100,100'), { stdin: `${DEV_TOKEN_PIN}\n` });
    expect(right.code, right.err).toBe(0);
    expect(existsSync(out)).toBe(true);
    const none = eseal(sealArgs(join(dir, 'never.pdf'), '--page', '1', '--at', '100,100'), { stdin: '' });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/ERR_USER_CANCELLED/);
  });

  it('refuses to overwrite an existing output (exit 2) unless --force', () => {
    const out = join(dir, 'exists.pdf');
    writeFileSync(out, 'keep me');
    const r = eseal(sealArgs(out, '--page', '1', '--at', '100,100'), { pin: DEV_TOKEN_PIN });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ERR_FILE_EXISTS/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = eseal(sealArgs(out, '--page', '1', '--at', '100,100', '--force'), { pin: DEV_TOKEN_PIN });
    expect(forced.code, forced.err).toBe(0);
    expect(qpdfCheck(new Uint8Array(readFileSync(out))).code).toBe(0);
  });

  it.each([
    ['no --seal', ['pdf', 'seal', 'in.pdf', 'x.pdf', '--page', '1', '--at', '1,1'], 'ERR_CLI_USAGE'],
    ['no placement', ['--page', '1'], 'ERR_CLI_USAGE'],
    ['bad --at', ['--page', '1', '--at', '1;2'], 'ERR_CLI_USAGE'],
    ['--at and --keyword', ['--page', '1', '--at', '1,2', '--keyword', 'x'], 'ERR_CLI_USAGE'],
    ['--riding with --at', ['--riding', '100', '--page', '1', '--at', '1,2'], 'ERR_CLI_USAGE'],
    ['bad --pages', ['--riding', '100', '--pages', '1..3'], 'ERR_CLI_USAGE'],
    ['riding over one page', ['--riding', '100'], 'ERR_INPUT_INVALID'],
    ['page out of range', ['--page', '9', '--at', '100,100'], 'ERR_PDF_PAGE_OUT_OF_RANGE'],
    ['keyword not found', ['--keyword', '盖章处'], 'ERR_PDF_KEYWORD_NOT_FOUND'],
    ['missing input', ['IN-MISSING'], 'ERR_FILE_NOT_FOUND'],
  ])('usage and input errors exit 2: %s', (_name, extra, code) => {
    const out = join(dir, 'usage.pdf');
    const args = extra[0] === 'pdf' ? extra : extra[0] === 'IN-MISSING' ? ['pdf', 'seal', join(dir, 'missing.pdf'), out, '--seal', 'dev-official', '--state-dir', stateDir, '--page', '1', '--at', '100,100'] : sealArgs(out, ...extra);
    const r = eseal(args, { pin: DEV_TOKEN_PIN });
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(code);
    expect(existsSync(out)).toBe(false);
  });

  it('a malformed PDF exits 1 with ERR_PDF_MALFORMED', () => {
    const bad = join(dir, 'bad.pdf');
    writeFileSync(bad, '%PDF-1.7\nnot really\n');
    const r = eseal(['pdf', 'seal', bad, join(dir, 'bad-out.pdf'), '--seal', 'dev-official', '--state-dir', stateDir, '--page', '1', '--at', '100,100'], { pin: DEV_TOKEN_PIN });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ERR_PDF_MALFORMED/);
  });

  it('keeps its own audit chain: every run recorded, `eseal audit verify` passes', () => {
    const r = eseal(['audit', 'verify', '--dir', join(stateDir, 'audit-cli'), '--json']);
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { ok: boolean; records: number };
    expect(v.ok).toBe(true);
    expect(v.records).toBeGreaterThanOrEqual(5);
    const log = readFileSync(join(stateDir, 'audit-cli', 'audit.log'), 'utf8');
    expect(log).toContain(`"documentDigest":"${sm3File(input)}"`);
    expect(log).toMatch(/"method":"pdf.seal","result":"ok"/);
    expect(log).toMatch(/"errorCode":"ERR_TOKEN_PIN_INCORRECT"/);
    expect(log).not.toContain(DEV_TOKEN_PIN === '123456' ? '"pin"' : DEV_TOKEN_PIN);
  });
});

describe('eseal pdf seal on a PKCS#11 token named by the policy (SoftHSM2)', () => {
  it('ECDSA then RSA seals: pdfsig reports both valid', async () => {
    const hsm = join(dir, 'hsm');
    const { conf } = await softhsmWithPdfSeals(hsm);
    const policy = join(dir, 'hsm-policy.json');
    writeFileSync(policy, JSON.stringify({ token: { pkcs11Libraries: [SOFTHSM_MODULE] } }));
    const one = join(dir, 'hsm-1.pdf');
    const two = join(dir, 'hsm-2.pdf');
    const env = { SOFTHSM2_CONF: conf };
    const r1 = eseal(['pdf', 'seal', input, one, '--seal', 'pdf-ec', '--policy', policy, '--state-dir', join(dir, 'hsm-state'), '--page', '1', '--at', '60,60'], { pin: SOFTHSM_PIN, env });
    expect(r1.code, r1.err).toBe(0);
    expect(r1.out).toContain('(CMS)');
    const r2 = eseal(['pdf', 'seal', one, two, '--seal', 'pdf-rsa', '--policy', policy, '--state-dir', join(dir, 'hsm-state'), '--page', '1', '--at', '120,60'], { pin: SOFTHSM_PIN, env });
    expect(r2.code, r2.err).toBe(0);
    const bytes = new Uint8Array(readFileSync(two));
    expect(qpdfCheck(bytes).code).toBe(0);
    expect(pdfsigSummary(pdfsig(bytes))).toMatchObject({ total: 2, valid: 2 });
    removeDir(hsm);
  });
});

describe('a 105 MB file through the command line', () => {
  it('seals it; the output is the input plus one revision; peak RSS reported', () => {
    const big = join(dir, 'big.pdf');
    const out = join(dir, 'big-out.pdf');
    // classicPdf's objects 1-5 plus one 105 MB stream object 6 (not referenced; qpdf still checks it),
    // written piecewise so the test itself stays small.
    const base = Buffer.from(classicPdf());
    const head = base.subarray(0, base.lastIndexOf('xref'));
    const offsets = [...head.toString('latin1').matchAll(/(\d+) 0 obj/g)].map((m) => [Number(m[1]), m.index] as const);
    const payload = 105 * 1024 * 1024;
    const fd = openSync(big, 'w');
    writeSync(fd, head);
    const obj6 = head.length;
    writeSync(fd, `6 0 obj\n<</Length ${payload}>>\nstream\n`);
    const chunk = Buffer.alloc(8 * 1024 * 1024, 0x41);
    for (let left = payload; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    writeSync(fd, '\nendstream\nendobj\n');
    const xref = statSync(big).size;
    const row = (o: number) => `${String(o).padStart(10, '0')} 00000 n\r\n`;
    const rows = [1, 2, 3, 4, 5].map((n) => row(offsets.find(([num]) => num === n)?.[1] ?? -1)).join('');
    writeSync(fd, `xref\n0 7\n0000000000 65535 f\r\n${rows}${row(obj6)}trailer\n<</Size 7 /Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`);
    closeSync(fd);
    const size = statSync(big).size;
    expect(size).toBeGreaterThan(105 * 1024 * 1024);

    const started = Date.now();
    const r = eseal(['pdf', 'seal', big, out, '--seal', 'dev-official', '--state-dir', stateDir, '--page', '1', '--at', '100,100', '--json'], {
      pin: DEV_TOKEN_PIN,
      nodeArgs: ['--import', `data:text/javascript,process.on('exit',()=>process.stderr.write('maxRSS '+process.resourceUsage().maxRSS+'\\n'))`],
    });
    const ms = Date.now() - started;
    expect(r.code, r.err).toBe(0);
    const rssKiB = Number(/maxRSS (\d+)/.exec(r.err)?.[1]);
    console.log(`eseal pdf seal, ${(size / 1048576).toFixed(1)} MiB input: ${ms} ms wall, peak RSS ${(rssKiB / 1024).toFixed(1)} MiB (file ${(size / 1048576).toFixed(1)} MiB)`);
    const outSize = statSync(out).size;
    expect(outSize).toBeGreaterThan(size);
    expect(outSize - size).toBeLessThan(200 * 1024);
    expect((JSON.parse(r.out.slice(0, r.out.lastIndexOf('}') + 1)) as { outputSm3: string }).outputSm3).toBe(sm3File(out));
    const check = spawnSync('qpdf', ['--check', out], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    rmSync(big);
    rmSync(out);
  }, 120_000);
});
