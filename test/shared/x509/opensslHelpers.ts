// SPDX-License-Identifier: Apache-2.0
/** Small wrappers around the OpenSSL 3.0 command line for cross-checks in the x509 tests. */

import { execFileSync, spawnSync } from 'node:child_process';

/** Runs `openssl ARGS…` and returns stdout as text; throws with stderr on failure. */
export function openssl(args: readonly string[], input?: Uint8Array): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `openssl ARGS…` and returns stdout bytes. */
export function opensslBytes(args: readonly string[], input?: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** `openssl verify …`: whether it succeeded, and the combined output. */
export function opensslVerify(args: readonly string[]): { ok: boolean; output: string } {
  const r = spawnSync('openssl', ['verify', ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** `notBefore=Nov 22 12:35:35 2026 GMT` → Date. */
export function parseOpensslDate(line: string): Date {
  const value = line.slice(line.indexOf('=') + 1).trim();
  return new Date(value.replace(' GMT', ' UTC'));
}

/** OpenSSL verify error numbers → our PathProblem codes (X509_V_ERR_*). */
const OPENSSL_ERRORS: Readonly<Record<number, string>> = {
  2: 'NO_PATH', // unable to get issuer certificate
  7: 'SIGNATURE_INVALID', // certificate signature failure
  9: 'NOT_YET_VALID',
  10: 'EXPIRED',
  18: 'NO_PATH', // self-signed leaf not trusted
  19: 'NO_PATH', // self-signed certificate in chain (untrusted root)
  20: 'NO_PATH', // unable to get local issuer certificate
  23: 'REVOKED',
  24: 'NOT_A_CA', // invalid CA certificate
  25: 'PATH_LENGTH_EXCEEDED',
  32: 'KEY_USAGE', // key usage does not include certificate signing
  79: 'NOT_A_CA', // invalid CA certificate (basicConstraints)
};

/**
 * The problem codes `openssl verify ARGS…` reports (every `error N at D depth lookup` line). Signature
 * failures at depth ≥ 1 are dropped: OpenSSL 3.0 applies `-vfyopt distid:…` only at depth 0 and
 * checks the other links with the empty SM2 ID, so those failures are artefacts (see make-test-pki.sh).
 */
export function opensslProblems(args: readonly string[]): { ok: boolean; codes: string[]; output: string } {
  const { ok, output } = opensslVerify(args);
  const codes = new Set<string>();
  for (const m of output.matchAll(/error (\d+) at (\d+) depth lookup/g)) {
    const n = Number(m[1]);
    const depth = Number(m[2]);
    if (n === 7 && depth >= 1) continue;
    codes.add(OPENSSL_ERRORS[n] ?? `OPENSSL_${n}`);
  }
  return { ok, codes: [...codes].sort(), output };
}

/** XORs `mask` into `bytes[index]` in place (index must be in range). */
export function flipBits(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = (bytes[index] ?? 0) ^ mask;
}
