// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * OFD `References/@CheckMethod` → digest function. Spellings seen in the wild (seal-formats.md §6.6):
 * `1.2.156.10197.1.401`, `.401.1`, `.401.2`, `SM3`, `sm3`; SHA names; absent = MD5 (GB/T 33190 default).
 * `.401.2` is "SM3 with key" in GB/T 33560, but the dms360 producer used it for plain SM3, and no key
 * could be given anyway, so it is treated as SM3.
 */
import { sm3 } from '../crypto/sm3.js';
import { digest } from '../crypto/webcrypto.js';
import { md5 } from './md5.js';

export type CheckAlgorithm = 'SM3' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'MD5';

/** Maps a CheckMethod value to an algorithm; `undefined` input means MD5; unknown names → undefined. */
export function checkAlgorithmOf(method: string | undefined): CheckAlgorithm | undefined {
  if (method === undefined || method.trim() === '') return 'MD5';
  const m = method.trim().toLowerCase().replace(/[\s_]/g, '');
  if (m === 'sm3' || m === '1.2.156.10197.1.401' || m === '1.2.156.10197.1.401.1' || m === '1.2.156.10197.1.401.2' || m === 'sm3withoutkey') return 'SM3';
  if (m === 'sha1' || m === 'sha-1' || m === '1.3.14.3.2.26') return 'SHA-1';
  if (m === 'sha256' || m === 'sha-256' || m === '2.16.840.1.101.3.4.2.1') return 'SHA-256';
  if (m === 'sha384' || m === 'sha-384' || m === '2.16.840.1.101.3.4.2.2') return 'SHA-384';
  if (m === 'sha512' || m === 'sha-512' || m === '2.16.840.1.101.3.4.2.3') return 'SHA-512';
  if (m === 'md5' || m === '1.2.840.113549.2.5') return 'MD5';
  return undefined;
}

export function computeCheckDigest(alg: CheckAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  switch (alg) {
    case 'SM3':
      return Promise.resolve(sm3(data));
    case 'MD5':
      return Promise.resolve(md5(data));
    default:
      return digest(alg, data);
  }
}
