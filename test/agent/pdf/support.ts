// SPDX-License-Identifier: Apache-2.0
/**
 * Fixtures shared by the pdf.seal tests (pipeline, agent, command line): a SoftHSM2 token whose
 * ECDSA P-256 and RSA-2048 certificates each have a GB/T 38540 seal bound to them (CKO_DATA objects
 * `pdf-ec`, `pdf-rsa`), and readers for what we wrote.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPdfSignatures } from '../../../shared/pdf/index.js';
import { makeBoundSeal } from '../integration/sealFixtures.js';
import { REPO_ROOT } from '../../test-tokens/testTokenSupport.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const SOFTHSM_PIN = '123456';

/** Creates the SoftHSM token in `dir` with the two PDF seals; returns its SOFTHSM2_CONF. */
export async function softhsmWithPdfSeals(dir: string): Promise<{ conf: string; ecCertDer: Uint8Array; rsaCertDer: Uint8Array }> {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/softhsm-setup.sh'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const conf = join(dir, 'softhsm2.conf');
  const ecCertDer = new Uint8Array(readFileSync(join(dir, 'ec.cert.der')));
  const rsaCertDer = new Uint8Array(readFileSync(join(dir, 'rsa.cert.der')));
  for (const [label, der, name] of [
    ['pdf-ec', ecCertDer, 'ESeal 测试 ECDSA 章'],
    ['pdf-rsa', rsaCertDer, 'ESeal 测试 RSA 章'],
  ] as const) {
    const seal = await makeBoundSeal(der, name, label === 'pdf-ec' ? '11010500000201' : '11010500000202');
    const file = join(dir, `${label}.esl`);
    writeFileSync(file, seal);
    execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', 'ESeal SoftHSM', '--login', '--pin', SOFTHSM_PIN, '--write-object', file, '--type', 'data', '--application-label', 'ESeal', '--label', label], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SOFTHSM2_CONF: conf },
    });
  }
  return { conf, ecCertDer, rsaCertDer };
}

/** The DER in the /Contents of every signature, in file order. */
export function signatureContents(pdf: Uint8Array): { fieldName: string; der: Uint8Array; subFilter?: string }[] {
  return readPdfSignatures(pdf).signatures.map((s) => ({ fieldName: s.fieldName, der: s.cms ?? s.contents, ...(s.subFilter !== undefined && { subFilter: s.subFilter }) }));
}
