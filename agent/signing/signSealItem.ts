// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One GB/T 38540 v4 electronic signature (签章) on a token: TBS_Sign over `dataHash` (the digest the
 * caller sent, or SM3 of the data the agent received), SM2 with Z computed by us
 * (e = SM3(Z ‖ DER(TBS_Sign))) and signed by the token (`signDigest`). makeSesSignatureV4 checks
 * the seal binding and validity first and verifies the signature against the certificate after.
 */
import { sm2Digest, sm3 } from '../../shared/crypto/index.js';
import { SealError } from '../../shared/errors/index.js';
import { makeSesSignatureV4 } from '../../shared/seal/index.js';
import type { Certificate } from '../../shared/x509/index.js';
import type { TokenCertificate, TokenSession } from '../token/TokenProvider.js';

export interface SignItemInput {
  readonly digest?: { readonly alg: string; readonly value: string };
  readonly data?: string;
  readonly propertyInfo: string;
}

/** The hash that goes into TBS_Sign.dataHash: the given digest, or SM3 of the data. */
export function dataHashOf(item: SignItemInput): { alg: 'SM3' | 'SHA-256'; hash: Uint8Array } {
  if (item.digest !== undefined) {
    const hash = new Uint8Array(Buffer.from(item.digest.value, 'base64'));
    if (hash.length !== 32) throw new SealError('ERR_INPUT_INVALID', { name: 'digest.value', reason: 'must be 32 bytes' });
    return { alg: item.digest.alg === 'SHA-256' ? 'SHA-256' : 'SM3', hash };
  }
  if (item.data !== undefined) return { alg: 'SM3', hash: sm3(new Uint8Array(Buffer.from(item.data, 'base64'))) };
  throw new SealError('ERR_INPUT_INVALID', { name: 'item', reason: 'needs digest or data' });
}

export interface SignSealItemOptions {
  readonly session: TokenSession;
  readonly sealDer: Uint8Array;
  readonly signer: { readonly tokenCert: TokenCertificate; readonly cert: Certificate };
  readonly dataHash: Uint8Array;
  readonly propertyInfo: string;
  readonly time: Date;
}

export async function signSealItem(o: SignSealItemOptions): Promise<{ der: Uint8Array; tbsDer: Uint8Array }> {
  const point = o.signer.cert.publicKey.point;
  if (point === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'signer certificate without an SM2 point' });
  return makeSesSignatureV4({
    sealDer: o.sealDer,
    signerCertDer: o.signer.tokenCert.der,
    dataHash: o.dataHash,
    propertyInfo: o.propertyInfo,
    timeInfo: o.time,
    sign: (tbs) => o.session.signDigest(o.signer.tokenCert.id, sm2Digest(point, tbs)),
  });
}

/** Token errors that mean the key is gone (stop a batch cleanly). */
export function isTokenGone(error: unknown): boolean {
  return error instanceof SealError && (error.code === 'ERR_TOKEN_NOT_PRESENT' || error.code === 'ERR_TOKEN_REMOVED');
}
