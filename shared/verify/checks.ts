// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Small helpers to build check results and combine indications, shared by the OFD, CMS and document
 * verifiers.
 */
import type { CheckResult, CheckStatus, Indication, SubIndication } from './VerificationReport.js';

export function check(
  id: string,
  status: CheckStatus,
  messageZh: string,
  message: string,
  details?: Record<string, string | number | boolean>,
): CheckResult {
  return details === undefined ? { id, status, messageZh, message } : { id, status, messageZh, message, details };
}

/** A partial verdict from one component of a verification. */
export interface Verdict {
  readonly indication: Indication;
  readonly subIndications: readonly SubIndication[];
}

const RANK: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

/**
 * Combines verdicts: the worst indication wins; the sub-indications are those of the components that
 * produced that worst indication (so a failed digest is not diluted by an unknown chain), de-duplicated
 * in first-seen order.
 */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  let worst: Indication = 'TOTAL_PASSED';
  for (const v of verdicts) if (RANK[v.indication] > RANK[worst]) worst = v.indication;
  const subs: SubIndication[] = [];
  for (const v of verdicts) {
    if (v.indication !== worst) continue;
    for (const s of v.subIndications) if (!subs.includes(s)) subs.push(s);
  }
  return { indication: worst, subIndications: subs };
}

export const PASSED: Verdict = Object.freeze({ indication: 'TOTAL_PASSED', subIndications: [] });

export function failed(...subs: SubIndication[]): Verdict {
  return { indication: 'TOTAL_FAILED', subIndications: subs };
}

export function indeterminate(...subs: SubIndication[]): Verdict {
  return { indication: 'INDETERMINATE', subIndications: subs };
}
