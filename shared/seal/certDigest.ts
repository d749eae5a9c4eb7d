// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Certificate digests for `certListType 2` seals (CertDigestObj). The standard leaves the algorithm
 * to the free-text `type` label, so matching tries SM3, SHA-256 and SHA-1 and reports which matched.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sm3 } from '../crypto/sm3.js';
import type { CertDigestObj } from './SES_ESPropertyInfo.js';

export type CertDigestAlgorithm = 'SM3' | 'SHA-256' | 'SHA-1';

export const CERT_DIGEST_ALGORITHMS: readonly CertDigestAlgorithm[] = ['SM3', 'SHA-256', 'SHA-1'];

export function certDigest(alg: CertDigestAlgorithm, certDer: Uint8Array): Uint8Array {
  switch (alg) {
    case 'SM3':
      return sm3(certDer);
    case 'SHA-256':
      return sha256(certDer);
    case 'SHA-1':
      return sha1(certDer);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Index and algorithm of the digest entry matching the certificate, or undefined. */
export function matchCertDigest(certDer: Uint8Array, digests: readonly CertDigestObj[]): { index: number; algorithm: CertDigestAlgorithm; label: string } | undefined {
  for (const alg of CERT_DIGEST_ALGORITHMS) {
    const d = certDigest(alg, certDer);
    const index = digests.findIndex((x) => equal(x.value, d));
    if (index >= 0) return { index, algorithm: alg, label: (digests[index] as CertDigestObj).type };
  }
  return undefined;
}

export function equalBytesCt(a: Uint8Array, b: Uint8Array): boolean {
  return equal(a, b);
}
