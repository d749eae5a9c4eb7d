// SPDX-License-Identifier: Apache-2.0
import { SealError, serializeError } from '../../shared/errors/index.js';
import { consentAndLogin } from '../consent/consentAndLogin.js';
import { dataHashOf, isTokenGone, signSealItem } from '../signing/signSealItem.js';
import { consentSeal, prepareSeal, type SignItemParams } from './sealSign.js';
import { type Handler, fingerprint, signingConsent, str } from './types.js';

/**
 * `seal.signBatch`: one consent listing every item, one PIN, then N signatures. Each signed item is
 * audited and then reported in a `progress` frame (stage `item`) with its signature, so a client
 * keeps what was signed even if the batch stops. When the key is removed the batch stops cleanly:
 * the result lists the signed items, the failed one and the items never attempted, and `stopped`
 * carries ERR_TOKEN_REMOVED. Cancelling (or the deadline, or policy batch.ttlSeconds after the
 * login: ERR_TIMEOUT) between items stops the same way.
 */
export const sealSignBatch: Handler = async (scope, services) => {
  const items = scope.params['items'] as SignItemParams[];
  return services.tokens.withSession(
    str(scope.params, 'tokenSerial'),
    async (session) => {
      const { entry, signer } = await prepareSeal(scope, services, session, 'seal.signBatch', items.length);
      const hashes = items.map((item) => dataHashOf(item));
      const list = items.map((item, i) => ({ itemId: item.itemId ?? String(i), ...item.display, fingerprint: fingerprint(hashes[i]?.hash ?? new Uint8Array()).short }));
      scope.audit.extra = { items: items.length };
      const cachedPin = await consentAndLogin(
        signingConsent(services, scope, session, {
          ...consentSeal(services.seals, entry, signer),
          items: items.length,
          list,
        }),
        services.policy.batch.cachePin,
      );
      const pin = cachedPin;
      // policy batch.ttlSeconds bounds how long one consent and one login may keep signing.
      const batchEnds = Date.now() + services.policy.batch.ttlSeconds * 1000;
      const results: Record<string, unknown>[] = [];
      let stopped: ReturnType<typeof serializeError> | undefined;
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as SignItemParams;
        const itemId = item.itemId ?? String(i);
        const hashed = hashes[i] as { alg: 'SM3' | 'SHA-256'; hash: Uint8Array };
        if (scope.signal.aborted) {
          stopped = serializeError(scope.signal.reason);
          break;
        }
        if (Date.now() > batchEnds) {
          stopped = serializeError(new SealError('ERR_TIMEOUT'));
          break;
        }
        const time = new Date();
        let made: { der: Uint8Array } | undefined;
        try {
          made = await signSealItem({ session, sealDer: entry.der, signer, dataHash: hashed.hash, propertyInfo: item.propertyInfo, time });
        } catch (error) {
          // A back end that logs out between signatures: log in again with the batch-cached PIN.
          if (error instanceof SealError && error.code === 'ERR_TOKEN_LOGIN_REQUIRED' && pin !== undefined) {
            await session.login(pin);
            made = await signSealItem({ session, sealDer: entry.der, signer, dataHash: hashed.hash, propertyInfo: item.propertyInfo, time });
          } else {
            const wire = serializeError(isTokenGone(error) ? new SealError('ERR_TOKEN_REMOVED') : error);
            await services.audit.append({ origin: scope.auditOrigin, method: 'seal.signBatch.item', result: 'error', requestId: scope.requestId, sealId: entry.id, errorCode: wire.code, documentDigest: Buffer.from(hashed.hash).toString('hex'), extra: { index: i, itemId } });
            results.push({ itemId, ok: false, error: wire });
            scope.progress('item', { index: i, itemId, ok: false, error: wire });
            if (isTokenGone(error)) {
              stopped = wire;
              break;
            }
            continue;
          }
        }
        await services.audit.append({ origin: scope.auditOrigin, method: 'seal.signBatch.item', result: 'ok', requestId: scope.requestId, sealId: entry.id, certSerial: signer.cert.serialNumberHex, documentDigest: Buffer.from(hashed.hash).toString('hex'), extra: { index: i, itemId } });
        const result = { itemId, ok: true, signature: Buffer.from(made.der).toString('base64'), dataHash: { alg: hashed.alg, value: Buffer.from(hashed.hash).toString('base64') }, signedAt: time.toISOString() };
        results.push(result);
        scope.progress('item', { index: i, total: items.length, ...result });
      }
      for (let i = results.length; i < items.length; i++) {
        results.push({ itemId: items[i]?.itemId ?? String(i), ok: false, attempted: false, ...(stopped && { error: stopped }) });
      }
      const signed = results.filter((r) => r['ok'] === true).length;
      scope.audit.extra = { items: items.length, signed };
      return {
        sealId: entry.id,
        cert: Buffer.from(signer.tokenCert.der).toString('base64'),
        format: 'GB/T38540-SES_Signature-v4',
        total: items.length,
        signed,
        complete: signed === items.length,
        ...(stopped && { stopped }),
        items: results,
      };
    },
    scope.signal,
    () => scope.progress('queued'),
  );
};
