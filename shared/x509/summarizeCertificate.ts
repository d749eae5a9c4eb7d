// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The report form of a certificate (`CertificateSummary` in `shared/verify/VerificationReport.ts`).
 *
 * Design rationale: the report carries only plain, JSON-stable facts (strings, ISO 8601 UTC times,
 * hex) so the command line, the extension and the documentation all show the same thing. Without a
 * validation result the status is `UNKNOWN` (nothing was checked), never `VALID`.
 */

import type { CertificateSummary } from '../verify/VerificationReport.js';
import type { Certificate } from './Certificate.js';
import type { PathValidationResult } from './validateCertificatePath.js';

export function summarizeCertificate(cert: Certificate, result?: PathValidationResult): CertificateSummary {
  const reasons: string[] = [];
  for (const r of result?.reasons ?? []) if (!reasons.includes(r.code)) reasons.push(r.code);
  return {
    subject: cert.subjectText,
    issuer: cert.issuerText,
    serialNumber: cert.serialNumberHex,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    publicKeyAlgorithm: cert.publicKeyAlgorithmLabel,
    fingerprintSm3: cert.fingerprintSm3(),
    status: result?.status ?? 'UNKNOWN',
    reasons,
  };
}
