// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../../shared/errors/index.js';
import { consentAndLogin } from '../consent/consentAndLogin.js';
import type { SealEntry, SealStore } from '../sealstore/SealStore.js';
import { dataHashOf, signSealItem, type SignItemInput } from '../signing/signSealItem.js';
import type { TokenSession } from '../token/TokenProvider.js';
import { type AgentServices, type Handler, type RequestScope, fingerprint, requireAllowed, signingConsent, str } from './types.js';

export interface SignItemParams extends SignItemInput {
  readonly itemId?: string;
  readonly display: { readonly title: string; readonly docName?: string; readonly pages?: number };
}

/** Loads the seal and its bound signer, and checks the portal may use this seal type. */
export async function prepareSeal(scope: RequestScope, services: AgentServices, session: TokenSession, action: 'seal.sign' | 'seal.signBatch', batchItems?: number) {
  const sealId = str(scope.params, 'sealId') ?? '';
  const entry: SealEntry = await services.seals.find(session, sealId);
  scope.audit.sealId = sealId;
  requireAllowed(services, scope, action, entry.sealType ?? null, batchItems);
  const signer = await services.seals.signerFor(session, entry);
  if (!signer) throw new SealError('ERR_SEAL_CERT_NOT_BOUND');
  scope.audit.certSerial = signer.cert.serialNumberHex;
  return { entry, signer };
}

/** The seal part of the consent window. */
export function consentSeal(seals: SealStore, entry: SealEntry, signer: Awaited<ReturnType<typeof prepareSeal>>['signer']): Record<string, unknown> {
  const view = seals.view(entry, signer, true);
  return {
    seal: { id: view.id, name: view.name, sealType: view.sealType, type: view.type, esID: view.esID, validEnd: view.validEnd, picture: view.picture },
    signer: view.signer,
  };
}

/** `seal.sign`: one GB/T 38540 SES_Signature after consent and PIN. */
export const sealSign: Handler = async (scope, services) => {
  const item = scope.params['item'] as SignItemParams;
  return services.tokens.withSession(
    str(scope.params, 'tokenSerial'),
    async (session) => {
      const { entry, signer } = await prepareSeal(scope, services, session, 'seal.sign');
      const { alg, hash } = dataHashOf(item);
      const fp = fingerprint(hash);
      scope.audit.documentDigest = fp.hex.toLowerCase();
      await consentAndLogin(
        signingConsent(services, scope, session, {
          ...consentSeal(services.seals, entry, signer),
          document: { ...item.display, propertyInfo: item.propertyInfo },
          fingerprint: { alg, ...fp },
          items: 1,
        }),
      );
      scope.progress('signing');
      const time = new Date();
      const made = await signSealItem({ session, sealDer: entry.der, signer, dataHash: hash, propertyInfo: item.propertyInfo, time });
      return {
        signature: Buffer.from(made.der).toString('base64'),
        format: 'GB/T38540-SES_Signature-v4',
        sealId: entry.id,
        cert: Buffer.from(signer.tokenCert.der).toString('base64'),
        alg: { sign: 'SM2', hash: 'SM3' },
        dataHash: { alg, value: Buffer.from(hash).toString('base64') },
        signedAt: time.toISOString(),
        ...(item.itemId !== undefined && { itemId: item.itemId }),
      };
    },
    scope.signal,
    () => scope.progress('queued'),
  );
};
