// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { sm2Sign, sm2Verify } from '../../../shared/crypto/sm2.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import { loadSigningKey, loadSigningKeyFromFiles } from '../../../agent/keys/loadSigningKey.js';
import { loadTestPki, TEST_PKI_P12_PASSWORD, type TestPki } from '../../support/testPki.js';

const keys = 'test/fixtures/samples/keys';
let pki: TestPki;
let dir = '';

beforeAll(async () => {
  pki = await loadTestPki();
  dir = mkdtempSync(join(tmpdir(), 'eseal-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SealError);
    return (e as SealError).code;
  }
  return 'no error';
}

function signsAndVerifies(k: { privateKey: Uint8Array; certificateDer: Uint8Array }): void {
  expect(k.privateKey.length).toBe(32);
  const msg = new TextEncoder().encode('seal');
  const point = parseCertificate(k.certificateDer).publicKey.point;
  expect(point).toBeDefined();
  expect(sm2Verify(point as Uint8Array, msg, sm2Sign(k.privateKey, msg, { format: 'der' }))).toBe(true);
}

describe('loadSigningKey', () => {
  it('test PKI PKCS#12 (PBES2 AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC)', () => {
    const k = loadSigningKeyFromFiles({ p12: pki.p12Files.maker, password: TEST_PKI_P12_PASSWORD });
    expect(k.algorithm).toBe('SM2');
    expect(k.certificateDer).toEqual(pki.certs.maker.der);
    signsAndVerifies(k);
  });

  it('test PKI PEM PKCS#8 key + certificate', () => {
    const k = loadSigningKeyFromFiles({ keyFile: pki.keyFiles.unit, certFile: pki.certFiles.unit });
    expect(k.certificateDer).toEqual(pki.certs.unit.der);
    signsAndVerifies(k);
  });

  it('encrypted PKCS#8 PEM (openssl pkcs8 -topk8 -v2 aes-256-cbc)', () => {
    const enc = join(dir, 'enc.pem');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', pki.keyFiles.legal, '-out', enc, '-passout', 'pass:geheim']);
    const k = loadSigningKeyFromFiles({ keyFile: enc, certFile: pki.certFiles.legal, password: 'geheim' });
    signsAndVerifies(k);
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: enc, certFile: pki.certFiles.legal, password: 'wrong' }))).toMatch(/ERR_CRYPTO_DECRYPT_FAILED|ERR_ASN1_/);
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: enc, certFile: pki.certFiles.legal }))).toBe('ERR_INPUT_INVALID');
  });

  it('SEC1 EC PRIVATE KEY (sample sign_key.pem + sign_cert.pem)', () => {
    const k = loadSigningKeyFromFiles({ keyFile: `${keys}/sign_key.pem`, certFile: `${keys}/sign_cert.pem` });
    signsAndVerifies(k);
  });

  it.each(['USER.p12', 'SealBuilder.p12'])('legacy PKCS#12 %s (SHA-1/3DES key, RC2-40 certificates)', (name) => {
    const k = loadSigningKeyFromFiles({ p12: `${keys}/${name}`, password: '777777' });
    signsAndVerifies(k);
  });

  it('the PKCS#12 chain certificates are returned apart from the key certificate', () => {
    const k = loadSigningKeyFromFiles({ p12: pki.p12Files.unit, password: TEST_PKI_P12_PASSWORD });
    for (const der of k.chainDers) expect(der).not.toEqual(k.certificateDer);
  });

  it('refuses non-SM2 keys, mismatched certificates, wrong passwords and missing files', () => {
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: pki.keyFiles.p256, certFile: pki.certFiles.p256 }))).toBe('ERR_CRYPTO_ALGORITHM_UNSUPPORTED');
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: pki.keyFiles.rsa, certFile: pki.certFiles.rsa }))).toBe('ERR_CRYPTO_ALGORITHM_UNSUPPORTED');
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: pki.keyFiles.unit, certFile: pki.certFiles.legal }))).toBe('ERR_CRYPTO_KEY_INVALID');
    expect(codeOf(() => loadSigningKeyFromFiles({ p12: pki.p12Files.maker, password: 'nope' }))).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    expect(codeOf(() => loadSigningKeyFromFiles({ p12: join(dir, 'missing.p12'), password: 'x' }))).toBe('ERR_FILE_NOT_FOUND');
    expect(codeOf(() => loadSigningKeyFromFiles({}))).toBe('ERR_CLI_USAGE');
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'no key here');
    expect(codeOf(() => loadSigningKeyFromFiles({ keyFile: junk, certFile: pki.certFiles.unit }))).toMatch(/^ERR_X509_PEM_INVALID$/);
    expect(codeOf(() => loadSigningKey({ kind: 'pkcs12', data: new Uint8Array(readFileSync(pki.certFiles.unit)), password: 'x' }))).toMatch(/^ERR_ASN1_/);
  });
});
