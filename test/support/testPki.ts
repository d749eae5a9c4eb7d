// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Access to the per-run test PKI (see `globalSetup.ts` and `scripts/make-test-pki.sh`): the
 * directory, and the parsed certificates and CRLs with the paths of their key and PKCS#12 files.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { parseCertificate, parseCertificates, parseCrl, type Certificate, type Crl } from '../../shared/x509/index.js';
import './providedContext.js';

/** Names of the end-entity and CA certificates the script makes (`NAME.pem`, `NAME.key`). */
export const TEST_PKI_CERTIFICATES = ['root', 'inter', 'maker', 'unit', 'legal', 'personal', 'p256', 'rsa', 'expired', 'revoked'] as const;
export type TestPkiName = (typeof TEST_PKI_CERTIFICATES)[number];
/** Names that also have a PKCS#12 file (`NAME.p12`, password {@link TEST_PKI_P12_PASSWORD}). */
export const TEST_PKI_P12 = ['maker', 'unit', 'legal', 'personal', 'p256', 'rsa', 'expired', 'revoked'] as const;
export const TEST_PKI_P12_PASSWORD = 'test1234';
/** The SM2 distinguishing ID every SM2 signature of the test PKI uses. */
export const TEST_PKI_SM2_ID = '1234567812345678';

/** The directory produced once per test run by the global setup. */
export function testPkiDir(): string {
  const dir = inject('testPkiDir') ?? process.env.ESEAL_TEST_PKI_DIR;
  if (typeof dir !== 'string' || dir === '') {
    throw new Error('test PKI not available: is test/support/globalSetup.ts registered in vitest.config.ts?');
  }
  return dir;
}

export interface TestPki {
  readonly dir: string;
  readonly certs: Readonly<Record<TestPkiName, Certificate>>;
  /** PEM file path per certificate. */
  readonly certFiles: Readonly<Record<TestPkiName, string>>;
  /** Unencrypted PKCS#8 PEM private key path per certificate. */
  readonly keyFiles: Readonly<Record<TestPkiName, string>>;
  /** PKCS#12 path per end-entity certificate. */
  readonly p12Files: Readonly<Record<(typeof TEST_PKI_P12)[number], string>>;
  /** inter + root, as in chain.pem. */
  readonly chain: readonly Certificate[];
  /** The intermediate's CRL (lists `revoked`), signed with the GM/T default SM2 ID. */
  readonly interCrl: Crl;
  /** The same CRL signed with OpenSSL's empty SM2 ID (for `openssl verify -crl_check`). */
  readonly interCrlOpenSslId: Crl;
  readonly rootCrl: Crl;
  readonly files: {
    readonly chain: string;
    readonly interCrlPem: string;
    readonly interCrlDer: string;
    readonly interCrlOpenSslIdPem: string;
    readonly rootCrlPem: string;
    readonly rootCrlDer: string;
  };
}

let cached: Promise<TestPki> | undefined;

async function load(): Promise<TestPki> {
  const dir = testPkiDir();
  const certs = {} as Record<TestPkiName, Certificate>;
  const certFiles = {} as Record<TestPkiName, string>;
  const keyFiles = {} as Record<TestPkiName, string>;
  for (const name of TEST_PKI_CERTIFICATES) {
    certFiles[name] = join(dir, `${name}.pem`);
    keyFiles[name] = join(dir, `${name}.key`);
    const [cert] = parseCertificates(await readFile(certFiles[name], 'utf8'));
    if (cert === undefined) throw new Error(`no certificate in ${name}.pem`);
    certs[name] = cert;
  }
  const p12Files = {} as Record<(typeof TEST_PKI_P12)[number], string>;
  for (const name of TEST_PKI_P12) p12Files[name] = join(dir, `${name}.p12`);
  const files = {
    chain: join(dir, 'chain.pem'),
    interCrlPem: join(dir, 'inter.crl.pem'),
    interCrlDer: join(dir, 'inter.crl'),
    interCrlOpenSslIdPem: join(dir, 'inter.openssl-id.crl.pem'),
    rootCrlPem: join(dir, 'root.crl.pem'),
    rootCrlDer: join(dir, 'root.crl'),
  };
  return {
    dir,
    certs,
    certFiles,
    keyFiles,
    p12Files,
    chain: parseCertificates(await readFile(files.chain, 'utf8')),
    interCrl: parseCrl(new Uint8Array(await readFile(files.interCrlDer))),
    interCrlOpenSslId: parseCrl(await readFile(files.interCrlOpenSslIdPem, 'utf8')),
    rootCrl: parseCrl(new Uint8Array(await readFile(files.rootCrlDer))),
    files,
  };
}

/** Parsed test PKI (loaded once per test file). */
export function loadTestPki(): Promise<TestPki> {
  cached ??= load();
  return cached;
}

/** Reads a DER certificate file (helper for tests that mutate bytes). */
export async function readCertificateDer(path: string): Promise<Uint8Array> {
  const [cert] = parseCertificates(await readFile(path, 'utf8'));
  if (cert === undefined) throw new Error(`no certificate in ${path}`);
  return parseCertificate(cert.der).der;
}
