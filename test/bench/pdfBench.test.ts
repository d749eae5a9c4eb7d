// SPDX-License-Identifier: Apache-2.0
/**
 * The PDF benchmark measures real work (bench/pdf.ts, bench/pdfChild.ts, bench/pdfVerify.ts): every
 * side's output is a signature pdfsig reports valid, and the verification file carries ten valid
 * signatures for both pdfsig and our verifier. No timing assertions here (npm run bench times).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTenSignaturePdf } from '../../bench/pdf.js';
import { stampOurs, stampSignpdf } from '../../bench/pdfChild.js';
import { P12_PASSWORD } from '../../bench/pdfCommon.js';
import { writeBenchPdf } from '../../bench/pdfFixture.js';
import { loadTrust, verifyOurs } from '../../bench/pdfVerify.js';
import { readPdfSignatures } from '../../shared/pdf/index.js';
import { pdfsigSummary } from '../shared/pdf/support/sign.js';
import { testPkiDir } from '../support/testPki.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-bench-pdf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pdfsig(path: string): ReturnType<typeof pdfsigSummary> {
  // pdfsig exits non-zero when a certificate is untrusted; the summary is on stdout either way.
  return pdfsigSummary(spawnSync('pdfsig', [path], { encoding: 'utf8' }).stdout);
}

describe('PDF bench sides', () => {
  const input = join(dir, 'in.pdf');
  writeBenchPdf(input, { pages: 6, targetBytes: 600_000 });
  const pki = testPkiDir();
  // A self-signed certificate for the test PKI's RSA key: node-forge (signer-p12) cannot read the
  // SM2-issued one (see bench/pdf.ts makePki).
  const cert = join(dir, 'rsa-self.pem');
  const p12 = join(dir, 'rsa-self.p12');
  execFileSync('openssl', ['req', '-x509', '-key', join(pki, 'rsa.key'), '-sha256', '-days', '30', '-subj', '/CN=bench test', '-out', cert], { stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(pki, 'rsa.key'), '-in', cert, '-passout', `pass:${P12_PASSWORD}`, '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-out', p12], { stdio: 'ignore' });
  const args = (output: string) => ({ input, output, keyPem: join(pki, 'rsa.key'), certPem: cert, p12 });

  it('the library path appends one valid RSA signature and keeps the input as a prefix', async () => {
    const out = join(dir, 'ours.pdf');
    const r = await stampOurs(args(out));
    expect(Object.keys(r.phases ?? {})).toEqual(['read', 'prepare', 'hash', 'sign', 'write']);
    expect(r.peakRssBytes).toBeGreaterThan(0);
    const signed = readFileSync(out);
    const original = readFileSync(input);
    expect(signed.subarray(0, original.length).equals(original)).toBe(true);
    expect(pdfsig(out)).toMatchObject({ total: 1, valid: 1 });
    expect(spawnSync('qpdf', ['--check', out]).status).toBe(0);
  });

  it('@signpdf (the reference) produces a signature pdfsig reports valid', async () => {
    const out = join(dir, 'signpdf.pdf');
    const r = await stampSignpdf(args(out));
    expect(Object.keys(r.phases ?? {})).toEqual(['read', 'placeholder', 'sign', 'write']);
    expect(pdfsig(out)).toMatchObject({ total: 1, valid: 1 });
  });

  it('the verification file has ten signatures, valid for pdfsig and for our verifier', async () => {
    const out = join(dir, 'ten.pdf');
    await makeTenSignaturePdf(input, out, pki);
    expect(pdfsig(out)).toMatchObject({ total: 10, valid: 10 });
    const bytes = new Uint8Array(readFileSync(out));
    const trust = loadTrust({ root: join(pki, 'root.pem'), inter: join(pki, 'inter.pem') });
    const summary = await verifyOurs(bytes, trust);
    expect(summary).toMatchObject({ signatures: 10, valid: 10 });
    // One changed byte inside the signed range of the last revision: our count drops.
    const tampered = Uint8Array.from(bytes);
    const last = readPdfSignatures(bytes).signatures.at(-1);
    const at = (last?.byteRange?.[2] ?? 0) + 5;
    tampered[at] = (tampered[at] ?? 0) ^ 1;
    expect((await verifyOurs(tampered, trust)).valid).toBeLessThan(10);
  });
});
