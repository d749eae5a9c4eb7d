// SPDX-License-Identifier: Apache-2.0
/** `eseal seal make | show | picture` in-process, with the test PKI and the sample seals. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSealCommands } from '../../../agent/cli/commands/seal.js';
import { decodeSESeal, verifySealOnly } from '../../../shared/seal/index.js';
import type { SealSummary } from '../../../shared/verify/VerificationReport.js';
import { loadTestPki, TEST_PKI_P12_PASSWORD, type TestPki } from '../../support/testPki.js';

const SEALS = 'test/fixtures/samples/seals';

interface Run {
  code: number | undefined;
  out: string;
  err: string;
}

let now = new Date('2026-11-22T00:00:00Z');

async function run(...args: string[]): Promise<Run> {
  const r: Run = { code: undefined, out: '', err: '' };
  const program = new Command('eseal').exitOverride().configureOutput({ writeOut: (s) => (r.out += s), writeErr: (s) => (r.err += s) });
  const seal = registerSealCommands(program, { stdout: (s) => (r.out += s), stderr: (s) => (r.err += s), setExitCode: (c) => (r.code = c), now: () => now });
  seal.exitOverride().configureOutput({ writeOut: (s) => (r.out += s), writeErr: (s) => (r.err += s) });
  for (const sub of seal.commands) sub.exitOverride().configureOutput({ writeOut: (s) => (r.out += s), writeErr: (s) => (r.err += s) });
  try {
    await program.parseAsync(['node', 'eseal', 'seal', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    r.code = e.exitCode;
  }
  return r;
}

let dir = '';
let pki: TestPki;
let picture = '';
beforeAll(async () => {
  pki = await loadTestPki();
  dir = mkdtempSync(join(tmpdir(), 'eseal-seal-cli-'));
  picture = join(dir, 'seal.png');
  writeFileSync(picture, decodeSESeal(new Uint8Array(readFileSync(`${SEALS}/UserV4.esl`))).eSealInfo.picture.data);
  now = new Date(Math.max(pki.certs.maker.notBefore.getTime(), pki.certs.unit.notBefore.getTime()) + 3_600_000);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function makeArgs(out: string, ...extra: string[]): string[] {
  return ['make', '--picture', picture, '--name', '某某市财政局', '--type', '1', '--vid', 'ESealTest', '--es-id', '11010500000009', '--signer-cert', pki.certFiles.unit, '--out', out, ...extra];
}

describe('eseal seal make', () => {
  it('makes a seal with a PKCS#12 maker; validity defaults to the signer certificate; atomic write', async () => {
    const out = join(dir, 'p12.esl');
    const r = await run(...makeArgs(out, '--maker-p12', pki.p12Files.maker, '--maker-pass', TEST_PKI_P12_PASSWORD, '--width-mm', '42', '--height-mm', '42'));
    expect(r.err).toBe('');
    expect(r.code).toBeUndefined();
    expect(r.out).toContain('Seal written');
    const seal = decodeSESeal(new Uint8Array(readFileSync(out)));
    expect(seal.format).toBe('v4');
    expect(seal.eSealInfo.esID).toBe('11010500000009');
    expect(seal.eSealInfo.property.validStart).toEqual(pki.certs.unit.notBefore);
    expect(seal.eSealInfo.property.validEnd).toEqual(pki.certs.unit.notAfter);
    expect(seal.eSealInfo.picture).toMatchObject({ type: 'PNG', width: 42, height: 42 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const v = await verifySealOnly(new Uint8Array(readFileSync(out)), { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: now });
    expect(v.indication).toBe('TOTAL_PASSED');
  });

  it('makes a seal with a PEM maker key and SM3 certificate digests', async () => {
    const out = join(dir, 'pem.esl');
    const start = new Date(now.getTime() + 86_400_000).toISOString();
    const r = await run(...makeArgs(out, '--maker-key', pki.keyFiles.maker, '--maker-cert', pki.certFiles.maker, '--signer-cert-digest', '--valid-start', start));
    expect(r.err).toBe('');
    const seal = decodeSESeal(new Uint8Array(readFileSync(out)));
    expect(seal.eSealInfo.property.certListType).toBe(2);
    expect(seal.eSealInfo.property.validStart.toISOString()).toBe(start);
  });

  it.each<[string, string[], string]>([
    ['missing --out', ['make', '--picture', 'x'], 'ERR_CLI_USAGE'],
    ['both maker kinds', ['--maker-key', 'k', '--maker-p12', 'p', '--maker-pass', 'x'], 'ERR_CLI_USAGE'],
    ['no maker', [], 'ERR_CLI_USAGE'],
    ['missing picture file', ['--maker-p12', 'none.p12', '--maker-pass', 'x', '--picture', '/nonexistent.png'], 'ERR_FILE_NOT_FOUND'],
    ['bad type', ['--type', 'x1', '--maker-p12', 'p', '--maker-pass', 'x'], 'ERR_INPUT_INVALID'],
    ['validity outside the signer certificate', ['--maker-key', 'K', '--maker-cert', 'C', '--valid-end', '2199-01-01T00:00:00Z'], 'ERR_SEAL_VALIDITY_INVALID'],
    ['bad date', ['--maker-key', 'K', '--maker-cert', 'C', '--valid-end', 'tomorrow'], 'ERR_INPUT_INVALID'],
  ])('usage/input error: %s → exit 2', async (_name, extra, code) => {
    const out = join(dir, 'never.esl');
    const args = extra[0] === 'make' ? extra : makeArgs(out, ...extra.map((a) => (a === 'K' ? pki.keyFiles.maker : a === 'C' ? pki.certFiles.maker : a)));
    // later occurrences of an option win in commander, so extras override the defaults above
    const r = await run(...args);
    expect(r.err).toMatch(new RegExp(`^错误 ${code}: .+ / .+`));
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('a wrong PKCS#12 password → exit 1', async () => {
    const r = await run(...makeArgs(join(dir, 'never.esl'), '--maker-p12', pki.p12Files.maker, '--maker-pass', 'wrong'));
    expect(r.err).toMatch(/^错误 ERR_CRYPTO_DECRYPT_FAILED: /);
    expect(r.code).toBe(1);
  });

  it('an unknown option is a usage error with exit code 2', async () => {
    const r = await run('make', '--no-such-option');
    expect(r.code).toBe(2);
  });
});

describe('eseal seal show / picture', () => {
  it('shows a v4 seal in bilingual text', async () => {
    const r = await run('show', `${SEALS}/UserV4.esl`);
    expect(r.err).toBe('');
    expect(r.out).toContain('印章编码 esID:          51f044b76510434e9bc67a1185c2fba5');
    expect(r.out).toContain('GB/T 38540-2020 (v4)');
    expect(r.out).toContain('PNG (15693 字节 bytes), 40×40 mm');
    expect(r.out).toMatch(/印章制章人签名有效/);
  });

  it('--json prints the SealSummary', async () => {
    const r = await run('show', '--json', `${SEALS}/UserV1.esl`);
    const s = JSON.parse(r.out) as SealSummary;
    expect(s).toMatchObject({ format: 'v1', headerVersion: 1, esID: '40C8CDD24DEF43388B86E62CCE1D6832', name: 'OFDRW测试用印章', type: 1, makerSignatureConvention: 'sealInfo+cert+alg' });
    expect(s.picture).toMatchObject({ type: 'PNG', byteLength: 15693, widthMm: 40, heightMm: 40 });
  });

  it('shows the seal inside an SES_Signature', async () => {
    const r = await run('show', `${SEALS}/SignedValueV4.dat`);
    expect(r.out).toContain('seal embedded in a signature');
  });

  it('writes the picture with the extension from its type', async () => {
    const out = join(dir, 'pic');
    const r = await run('picture', `${SEALS}/UserV4.esl`, '--out', out);
    expect(r.err).toBe('');
    const png = readFileSync(`${out}.png`);
    expect(png.subarray(0, 4).toString('hex')).toBe('89504e47');
    expect(png.length).toBe(15693);
  });

  it('not a seal → exit 1 with a coded error', async () => {
    const r = await run('show', `${SEALS}/Signature.xml`);
    expect(r.err).toMatch(/^错误 ERR_(ASN1|SEAL)_[A-Z_]+: /);
    expect(r.code).toBe(1);
    const missing = await run('show', join(dir, 'missing.esl'));
    expect(missing.err).toMatch(/^错误 ERR_FILE_NOT_FOUND: 找不到文件/);
    expect(missing.code).toBe(2);
  });
});
