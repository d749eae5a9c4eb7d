// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: signs a PDF end to end with a test-PKI key (node:crypto as the signing back end):
 * preparePdfSignature → pdfByteRangeDigest (SHA-256) → buildSignedData → fillPdfSignature.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildSignedData } from '../../../../shared/cms/buildSignedData.js';
import { fillPdfSignature, pdfByteRangeDigest, preparePdfSignature, type PreparePdfSignatureOptions } from '../../../../shared/pdf/index.js';
import { loadTestPki } from '../../../support/testPki.js';

export type TestSigner = 'p256' | 'rsa';

export const SIGNING_TIME = new Date('2026-01-02T03:04:05Z');

export async function signPdf(pdf: Uint8Array, signer: TestSigner = 'p256', opts: Partial<PreparePdfSignatureOptions> = {}): Promise<Uint8Array> {
  const pki = await loadTestPki();
  const key = createPrivateKey(readFileSync(pki.keyFiles[signer]));
  const prepared = preparePdfSignature(pdf, {
    page: 0,
    rect: [400, 700, 520, 800],
    signingTime: SIGNING_TIME,
    contentsReserveBytes: 8192,
    subFilter: 'adbe.pkcs7.detached',
    reason: '测试签章',
    location: 'Beijing',
    ...opts,
  });
  const digest = await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SHA-256');
  const cms = await buildSignedData({
    signerCertificate: pki.certs[signer],
    certificates: pki.chain,
    contentDigest: digest,
    digestAlgorithm: 'SHA-256',
    signingTime: SIGNING_TIME,
    sign: (attrs) => Promise.resolve(new Uint8Array(nodeSign('sha256', attrs, key))),
  });
  return fillPdfSignature(prepared, cms);
}

/** Number of "Signature is Valid." lines and the total number of signatures pdfsig lists. */
export function pdfsigSummary(out: string): { total: number; valid: number; lines: string[] } {
  const total = (out.match(/^Signature #\d+:/gm) ?? []).length;
  const lines = out.split('\n').filter((l) => l.includes('Signature Validation:'));
  const valid = lines.filter((l) => l.includes('Signature is Valid.')).length;
  return { total, valid, lines };
}
