// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Turns a certificate path validation result into a check, a summary and a verdict, the same way for
 * every signature kind (CMS, bare SM2, OFD `Type="Sign"`).
 *
 * Mapping (the same as the seal module's, so one report reads consistently; paths are evaluated at
 * the claimed signing time, so a certificate that was expired or revoked then made a bad signature):
 * - VALID → passed;
 * - UNKNOWN (no trust anchor given) → warning, INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND;
 * - UNTRUSTED (no path to a given anchor) → INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND;
 * - EXPIRED / NOT_YET_VALID / REVOKED → TOTAL_FAILED with the same sub-indication;
 * - INVALID (bad signature on the path, key usage, CA flag, …) → TOTAL_FAILED CERTIFICATE_CHAIN_GENERAL_FAILURE.
 */
import { summarizeCertificate, validateCertificatePath, type Certificate, type Crl } from '../x509/index.js';
import { check, failed, indeterminate, PASSED, type Verdict } from './checks.js';
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
  let result: Awaited<ReturnType<typeof validateCertificatePath>>;
  try {
    result = await validateCertificatePath(cert, {
      trustAnchors: [...ctx.trustAnchors],
      intermediates: [...(ctx.intermediates ?? [])],
      crls: [...(ctx.crls ?? [])],
      time,
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message.slice(0, 200) : String(e);
    return {
      summary: summarizeCertificate(cert),
      verdict: indeterminate('CERTIFICATE_CHAIN_GENERAL_FAILURE'),
      check: check(id, 'failed', `${roleZh}证书链无法验证：${reason}`, `The ${role} certificate path could not be validated: ${reason}`),
    };
  }
  const summary = summarizeCertificate(cert, result);
  const details = { status: summary.status, time: time.toISOString(), reasons: summary.reasons.join(',') };
  switch (summary.status) {
    case 'VALID':
      return { summary, verdict: PASSED, check: check(id, 'passed', `${roleZh}证书有效，证书链可信`, `The ${role} certificate is valid and chains to a trust anchor`, details) };
    case 'REVOKED':
      return { summary, verdict: failed('REVOKED'), check: check(id, 'failed', `${roleZh}证书已被吊销`, `The ${role} certificate is revoked`, details) };
    case 'EXPIRED':
      return { summary, verdict: failed('EXPIRED'), check: check(id, 'failed', `${roleZh}证书在 ${time.toISOString()} 已过期`, `The ${role} certificate had expired at ${time.toISOString()}`, details) };
    case 'NOT_YET_VALID':
      return { summary, verdict: failed('NOT_YET_VALID'), check: check(id, 'failed', `${roleZh}证书在 ${time.toISOString()} 尚未生效`, `The ${role} certificate was not yet valid at ${time.toISOString()}`, details) };
    case 'INVALID':
      return { summary, verdict: failed('CERTIFICATE_CHAIN_GENERAL_FAILURE'), check: check(id, 'failed', `${roleZh}证书链验证失败`, `The ${role} certificate path is invalid`, details) };
    case 'UNTRUSTED':
      return { summary, verdict: indeterminate('NO_CERTIFICATE_CHAIN_FOUND'), check: check(id, 'failed', `${roleZh}证书无法链接到受信任的根证书`, `The ${role} certificate does not chain to a trust anchor`, details) };
    default:
      return {
        summary,
        verdict: indeterminate('NO_CERTIFICATE_CHAIN_FOUND'),
        check: check(id, 'warning', `未配置信任根，无法验证${roleZh}证书链`, `No trust anchors configured; the ${role} certificate path was not checked`, details),
      };
  }
}
