// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Our PDF verification as the benchmark times it: `verifyDocument` when it accepts PDFs, otherwise
 * readPdfSignatures + ByteRange SHA-256 (node:crypto) + verifyCmsSignedData. Used in-process by
 * bench/pdf.ts and in a child by bench/pdfChild.ts (imported there only in verify mode).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { verifyCmsSignedData } from '../shared/cms/verifyCmsSignedData.js';
import { pdfByteRangeDigest, readPdfSignatures } from '../shared/pdf/index.js';
import { verifyDocument } from '../shared/verify/verifyDocument.js';
import { parseCertificates, type Certificate } from '../shared/x509/index.js';
import { peakRssBytes, round, type ChildResult, type TrustFiles, type VerifySummary } from './pdfCommon.js';

export function loadTrust(t: TrustFiles): { trustAnchors: Certificate[]; intermediates: Certificate[] } {
  return { trustAnchors: parseCertificates(readFileSync(t.root, 'utf8')), intermediates: parseCertificates(readFileSync(t.inter, 'utf8')) };
}

let verifyDocumentHandlesPdf: boolean | undefined;

/** Verifies every signature of `bytes`; counts those whose signature and hash check out. */
export async function verifyOurs(bytes: Uint8Array, trust: { trustAnchors: Certificate[]; intermediates: Certificate[] }): Promise<VerifySummary> {
  if (verifyDocumentHandlesPdf !== false) {
    // Options built outside the call: `createHash` is the PDF verifier's hook (absent in older trees).
    const options = {
      ...trust,
      includePictures: false,
      createHash: (alg: string) => (alg === 'SHA-256' ? createHash('sha256') : alg === 'SM3' ? createHash('sm3') : undefined),
    };
    const report = await verifyDocument(bytes, options);
    if (report.documentType === 'pdf' && report.error === undefined) {
      verifyDocumentHandlesPdf = true;
      const valid = report.signatures.filter((s) => s.indication === 'TOTAL_PASSED').length;
      return { path: 'shared/verify verifyDocument (PDF)', signatures: report.signatures.length, valid };
    }
    verifyDocumentHandlesPdf = false;
  }
  const list = readPdfSignatures(bytes);
  let valid = 0;
  for (const s of list.signatures) {
    if (!s.byteRangeCheck.ok || s.cms === undefined || s.byteRange === undefined) continue;
    const digest = await pdfByteRangeDigest(bytes, s.byteRange, 'SHA-256', { hasher: createHash('sha256') });
    const v = await verifyCmsSignedData(s.cms, { contentHash: digest, ...trust });
    if (v.indication === 'TOTAL_PASSED') valid++;
  }
  return { path: 'readPdfSignatures + ByteRange SHA-256 (node:crypto) + verifyCmsSignedData (verifyDocument does not take PDFs yet)', signatures: list.signatures.length, valid };
}

export async function verifyChild(a: { input: string; trust: TrustFiles }): Promise<ChildResult> {
  const t0 = performance.now();
  const trust = loadTrust(a.trust);
  const bytes = readFileSync(a.input);
  const summary = await verifyOurs(bytes, trust);
  return { ms: round(performance.now() - t0, 2), peakRssBytes: peakRssBytes(), ...summary };
}
