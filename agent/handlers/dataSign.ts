// SPDX-License-Identifier: Apache-2.0
import { sm2Digest } from '../../shared/crypto/index.js';
import { SealError } from '../../shared/errors/index.js';
import { parseCertificate } from '../../shared/x509/index.js';
import { consentAndLogin } from '../consent/consentAndLogin.js';
import { buildSm2Cms } from '../signing/buildSm2Cms.js';
import { buildTokenCms, sha256 } from '../signing/buildTokenCms.js';
import { dataHashOf } from '../signing/signSealItem.js';
import type { SignItemParams } from './sealSign.js';
import { type Handler, fingerprint, requireAllowed, signingConsent, str } from './types.js';

/**
 * `data.sign` over data the agent receives (a digest cannot be used: SM2 signs SM3(Z ‖ M)):
 * - `sm2-raw`: SM2 with Z (GM/T 0009, default ID), DER SEQUENCE{r,s};
 * - `sm2-cms`: GM/T 0010 SignedData, detached by default (`detached: false` embeds the data);
 * - `cms`: RFC 5652 SignedData with an ECDSA P-256 or RSA key (signed attributes contentType,
 *   messageDigest = SHA-256, signingCertificateV2), detached by default; the consent fingerprint is
 *   then SHA-256 of the data (what messageDigest carries).
 */
export const dataSign: Handler = async (scope, services) => {
  requireAllowed(services, scope, 'data.sign');
  const format = str(scope.params, 'format');
  if (format !== 'sm2-raw' && format !== 'sm2-cms' && format !== 'cms') throw new SealError('ERR_INPUT_INVALID', { name: 'format', reason: `unknown format ${String(format)}` });
  const item = scope.params['item'] as SignItemParams;
  if (item.data === undefined) throw new SealError('ERR_INPUT_INVALID', { name: 'item.digest', reason: 'data.sign needs the data itself (SM2 signs SM3(Z ‖ M); CMS embeds or digests it)' });
  const data = new Uint8Array(Buffer.from(item.data, 'base64'));
  const certId = str(scope.params, 'certId') ?? '';
  return services.tokens.withSession(
    str(scope.params, 'tokenSerial'),
    async (session) => {
      const tokenCert = (await session.listCertificates()).find((c) => c.id === certId);
      if (!tokenCert) throw new SealError('ERR_TOKEN_KEY_NOT_FOUND');
      const rfc = format === 'cms';
      if (rfc ? tokenCert.keyAlgorithm === 'SM2' : tokenCert.keyAlgorithm !== 'SM2') {
        throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${tokenCert.keyAlgorithm} with format ${format}` });
      }
      const cert = parseCertificate(tokenCert.der);
      const point = cert.publicKey.point;
      if (!rfc && point === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'certificate without an SM2 point' });
      scope.audit.certSerial = cert.serialNumberHex;
      const hash = rfc ? sha256(data) : dataHashOf(item).hash;
      const fp = fingerprint(hash);
      scope.audit.documentDigest = fp.hex.toLowerCase();
      await consentAndLogin(
        signingConsent(services, scope, session, {
          signer: { certId, subject: cert.subjectText, serial: cert.serialNumberHex, notAfter: cert.notAfter.toISOString() },
          document: { ...item.display, propertyInfo: item.propertyInfo },
          fingerprint: { alg: rfc ? 'SHA-256' : 'SM3', ...fp },
          items: 1,
        }),
      );
      scope.progress('signing');
      if (rfc) {
        const detached = scope.params['detached'] !== false;
        const cms = await buildTokenCms({ cert, contentDigest: hash, ...(!detached && { attachedContent: data }), signDigest: (d) => session.signDigest(certId, d) });
        const sign = tokenCert.keyAlgorithm === 'RSA' ? 'RSA' : 'ECDSA-P256';
        return { format: 'cms', detached, signature: Buffer.from(cms).toString('base64'), cert: Buffer.from(tokenCert.der).toString('base64'), alg: { sign, hash: 'SHA-256' } };
      }
      if (point === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'certificate without an SM2 point' });
      const alg = { sign: 'SM2', hash: 'SM3', userId: '1234567812345678' };
      if (format === 'sm2-cms') {
        const detached = scope.params['detached'] !== false;
        const cms = await buildSm2Cms({ content: data, detached, cert, time: new Date(), signDigest: (e) => session.signDigest(certId, e) });
        return { format: 'sm2-cms', detached, signature: Buffer.from(cms).toString('base64'), cert: Buffer.from(tokenCert.der).toString('base64'), alg };
      }
      const signature = await session.signDigest(certId, sm2Digest(point, data));
      return { format: 'sm2-raw', signature: Buffer.from(signature).toString('base64'), cert: Buffer.from(tokenCert.der).toString('base64'), alg };
    },
    scope.signal,
    () => scope.progress('queued'),
  );
};
