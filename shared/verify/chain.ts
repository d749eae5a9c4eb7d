// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Turns a certificate path validation result into a check, a summary and a verdict, the same way for
 * every signature kind (CMS, bare SM2, OFD `Type="Sign"`).
 *
 * Mapping (ETSI EN 319 102-1 §5.2.6 in spirit):
 * - VALID → passed;
 * - UNKNOWN / UNTRUSTED (no trust anchor given, or no path) → INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND;
 * - EXPIRED → INDETERMINATE OUT_OF_BOUNDS_NO_POE; NOT_YET_VALID → INDETERMINATE NOT_YET_VALID;
 * - REVOKED → INDETERMINATE REVOKED_NO_POE (we have no proof of existence before revocation);
 * - INVALID → INDETERMINATE CERTIFICATE_CHAIN_GENERAL_FAILURE.
 */
import { summarizeCertificate, validateCertificatePath, type Certificate, type Crl } from '../x509/index.js';
import { check, indeterminate, PASSED, type Verdict } from './checks.js';
import type { CertificateSummary, CheckResult } from './VerificationReport.js';

export interface ChainContext {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
}

export interface ChainOutcome {
  readonly summary: CertificateSummary;
  readonly verdict: Verdict;
  readonly check: CheckResult;
}

export async function evaluateChain(
  id: string,
  cert: Certificate,
  ctx: ChainContext,
  time: Date,
  roleZh: string,
  role: string,
): Promise<ChainOutcome> {
  const result = await validateCertificatePath(cert, {
    trustAnchors: [...ctx.trustAnchors],
    intermediates: [...(ctx.intermediates ?? [])],
    crls: [...(ctx.crls ?? [])],
    time,
  });
  const summary = summarizeCertificate(cert, result);
  const details = { status: summary.status, time: time.toISOString(), reasons: summary.reasons.join(',') };
  switch (summary.status) {
    case 'VALID':
      return { summary, verdict: PASSED, check: check(id, 'passed', `${roleZh}证书链有效`, `The ${role} certificate chains to a trust anchor`, details) };
    case 'REVOKED':
      return { summary, verdict: indeterminate('REVOKED_NO_POE'), check: check(id, 'failed', `${roleZh}证书已被吊销`, `The ${role} certificate is revoked`, details) };
    case 'EXPIRED':
      return { summary, verdict: indeterminate('OUT_OF_BOUNDS_NO_POE'), check: check(id, 'failed', `${roleZh}证书在验证时间已过期`, `The ${role} certificate was expired at the validation time`, details) };
    case 'NOT_YET_VALID':
      return { summary, verdict: indeterminate('NOT_YET_VALID'), check: check(id, 'failed', `${roleZh}证书在验证时间尚未生效`, `The ${role} certificate was not yet valid at the validation time`, details) };
    case 'INVALID':
      return { summary, verdict: indeterminate('CERTIFICATE_CHAIN_GENERAL_FAILURE'), check: check(id, 'failed', `${roleZh}证书链无效`, `The ${role} certificate chain is invalid`, details) };
    case 'UNTRUSTED':
      return { summary, verdict: indeterminate('NO_CERTIFICATE_CHAIN_FOUND'), check: check(id, 'failed', `${roleZh}证书无法链接到受信任的根证书`, `The ${role} certificate does not chain to a trust anchor`, details) };
    default:
      return {
        summary,
        verdict: indeterminate('NO_CERTIFICATE_CHAIN_FOUND'),
        check: check(id, 'skipped', `未配置受信任的根证书，无法判断${roleZh}证书是否可信`, `No trust anchors configured; the ${role} certificate's trust is unknown`, details),
      };
  }
}
