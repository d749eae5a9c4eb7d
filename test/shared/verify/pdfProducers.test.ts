// SPDX-License-Identifier: Apache-2.0
/**
 * PDFs signed by another producer: @signpdf 3.3.0 (placeholder-plain + signer-p12, node-forge RSA)
 * with the test PKI's RSA key and certificate. Our verifier must accept its layout (its own
 * /ByteRange and /Contents formatting) and keep it valid after we add a seal on top; pdfsig agrees.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignPdf } from '@signpdf/signpdf';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parseCertificate, type Certificate } from '../../../shared/x509/index.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { classicPdf, pdfsig } from '../pdf/support/makePdf.js';
import { pdfsigSummary } from '../pdf/support/sign.js';
import { signWith, signingTimeNow } from './pdfFixtures.js';

let pki: TestPki;
let dir = '';
let p12: Buffer;
let selfSigned: Certificate;
beforeAll(async () => {
  pki = await loadTestPki();
  dir = mkdtempSync(join(tmpdir(), 'eseal-signpdf-'));
  // node-forge cannot read the SM2-signed test PKI chain, so @signpdf gets the test PKI's RSA key
  // under a self-signed sha256WithRSA certificate, which is then our trust anchor for it.
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ossl('req', '-x509', '-new', '-key', pki.keyFiles.rsa, '-subj', '/CN=ESeal signpdf test', '-days', '30', '-sha256', '-config', '/dev/null', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyCertSign', '-out', join(dir, 'rsa-self.pem'));
  ossl('pkcs12', '-export', '-inkey', pki.keyFiles.rsa, '-in', join(dir, 'rsa-self.pem'), '-name', 'rsa', '-passout', 'pass:test1234', '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-out', join(dir, 'rsa.p12'));
  p12 = readFileSync(join(dir, 'rsa.p12'));
  selfSigned = parseCertificate(new Uint8Array(ossl('x509', '-in', join(dir, 'rsa-self.pem'), '-outform', 'DER')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function signpdf(pdf: Uint8Array): Promise<Uint8Array> {
  const time = signingTimeNow();
  const withPlaceholder = plainAddPlaceholder({ pdfBuffer: Buffer.from(pdf), reason: 'signpdf', contactInfo: 'test@example.cn', name: 'signpdf', location: 'Beijing', signingTime: time });
  return new Uint8Array(await new SignPdf().sign(withPlaceholder, new P12Signer(p12, { passphrase: 'test1234' }), time));
}

describe('PDFs signed by @signpdf', () => {
  it('verify TOTAL_PASSED, and stay valid after our SES seal is added on top', async () => {
    const theirs = await signpdf(classicPdf());
    expect(pdfsigSummary(pdfsig(theirs)).valid).toBe(1);
    const anchors = { trustAnchors: [pki.certs.root, selfSigned], intermediates: [pki.certs.inter] };
    const r = await verifyDocument(theirs, anchors);
    expect(r.indication, JSON.stringify(r.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed')))).toBe('TOTAL_PASSED');
    expect(r.signatures[0]?.format).toBe('CMS SignedData');
    expect(r.signatures[0]?.pdf?.byteRangeOk).toBe(true);

    const both = await signWith(theirs, 'ses', { rect: [10, 10, 60, 60] });
    const r2 = await verifyDocument(both.bytes, anchors);
    expect(r2.indication, JSON.stringify(r2.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed')))).toBe('TOTAL_PASSED');
    expect(r2.signatures.map((s) => s.pdf?.modificationLevel)).toEqual(['SIGNATURES', 'NONE']);
    const sig = pdfsigSummary(pdfsig(both.bytes));
    expect(sig.total).toBe(2);
    // NSS cannot read the SES_Signature; the @signpdf signature must stay valid for it
    expect(pdfsig(both.bytes)).toMatch(/Signature #1:[\s\S]*?Signature Validation: Signature is Valid\./);
  });
});
