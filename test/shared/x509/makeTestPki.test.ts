// SPDX-License-Identifier: Apache-2.0
// scripts/make-test-pki.sh itself: quick, idempotent, complete, and the PKCS#12 files open with the
// documented password and algorithms.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificates } from '../../../shared/x509/index.js';
import { loadTestPki, TEST_PKI_CERTIFICATES, TEST_PKI_P12, TEST_PKI_P12_PASSWORD } from '../../support/testPki.js';

const SCRIPT = resolve(import.meta.dirname, '..', '..', '..', 'scripts', 'make-test-pki.sh');
const out = mkdtempSync(join(tmpdir(), 'eseal-pki-script-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('scripts/make-test-pki.sh', () => {
  it('runs in well under 10 s, twice into the same directory, and writes every file', () => {
    for (let run = 0; run < 2; run++) {
      const start = Date.now();
      execFileSync('bash', [SCRIPT, out], { stdio: 'pipe' });
      expect(Date.now() - start).toBeLessThan(10_000);
    }
    const files = readdirSync(out);
    for (const name of TEST_PKI_CERTIFICATES) {
      expect(files).toContain(`${name}.pem`);
      expect(files).toContain(`${name}.key`);
    }
    for (const name of TEST_PKI_P12) expect(files).toContain(`${name}.p12`);
    for (const f of ['chain.pem', 'inter.crl.pem', 'inter.crl', 'inter.openssl-id.crl.pem', 'root.crl.pem', 'root.crl', 'README.txt']) expect(files).toContain(f);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('TEST keys');
    expect(parseCertificates(readFileSync(join(out, 'chain.pem'), 'utf8'))).toHaveLength(2);
    expect(existsSync(join(out, 'index.txt'))).toBe(false); // CA databases stay in the temp dir
  });

  it('writes PKCS#12 files with AES-256-CBC and an HMAC-SHA256 MAC under the documented password', async () => {
    const pki = await loadTestPki();
    const run = spawnSync('openssl', ['pkcs12', '-in', pki.p12Files.maker, '-info', '-noout', '-passin', `pass:${TEST_PKI_P12_PASSWORD}`], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const r = `${run.stdout}${run.stderr}`; // openssl prints the -info lines on stderr
    expect(r).toContain('MAC: sha256');
    expect(r).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    expect(r).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
    const pem = execFileSync('openssl', ['pkcs12', '-in', pki.p12Files.unit, '-nokeys', '-clcerts', '-passin', `pass:${TEST_PKI_P12_PASSWORD}`], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(parseCertificates(pem)[0]?.equals(pki.certs.unit)).toBe(true);
  });

  it('certificates carry the profile: CA flags, key usage, SKI/AKI, UTF8String names', async () => {
    const { certs } = await loadTestPki();
    for (const name of ['maker', 'unit', 'legal', 'personal', 'p256', 'rsa', 'expired', 'revoked'] as const) {
      const c = certs[name];
      expect(c.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
      expect(c.basicConstraints?.ca).toBe(false);
      expect(c.subjectKeyIdentifier).toBeDefined();
      expect(c.authorityKeyIdentifier).toEqual(certs.inter.subjectKeyIdentifier);
      expect(c.subject.rdns.flat().find((a) => a.shortName === 'CN')?.encoding).toBe('UTF8String');
    }
    expect(certs.expired.notAfter.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(certs.expired.notBefore.toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });
});
