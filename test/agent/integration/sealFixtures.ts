// SPDX-License-Identifier: Apache-2.0
/**
 * Fixtures the token integration tests share: a GB/T 38540 seal bound to a token's certificate
 * (made with the test PKI's seal maker), and OpenSSL's independent check of an SES_Signature's
 * TBS_Sign signature (SM2 with the GM/T default ID).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSigningKey } from '../../../agent/keys/loadSigningKey.js';
import { drawSealPng } from '../../../agent/dev/sealPicture.js';
import { sm2Sign } from '../../../shared/crypto/sm2.js';
import { decodeSES_Signature, makeSealV4 } from '../../../shared/seal/index.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import { removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { testPkiDir } from '../../support/testPki.js';

/** A v4 seal named `name`, bound to the certificate `certDer`, valid as long as the certificate. */
export async function makeBoundSeal(certDer: Uint8Array, name: string, esID = '11010500000099'): Promise<Uint8Array> {
  const cert = parseCertificate(certDer);
  const pki = testPkiDir();
  const maker = loadSigningKey({ kind: 'pem', key: readFileSync(join(pki, 'maker.key')), certificates: readFileSync(join(pki, 'maker.pem')) });
  const made = await makeSealV4({
    vid: 'ESealTest',
    esID,
    name,
    type: 1,
    certs: [certDer],
    createDate: new Date(),
    validStart: cert.notBefore,
    validEnd: cert.notAfter,
    picture: { type: 'png', data: drawSealPng(120), widthMm: 40, heightMm: 40 },
    makerCertDer: maker.certificateDer,
    signSealInfo: (tbs) => sm2Sign(maker.privateKey, tbs),
  });
  return made.der;
}

/**
 * Runs `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678` over the stored
 * TBS_Sign of `sesSignatureDer` with the public key of `certDer`; returns OpenSSL's output (it throws
 * when OpenSSL says the signature fails).
 */
export function opensslVerifyTbsSign(sesSignatureDer: Uint8Array, certDer: Uint8Array, tbsOverride?: Uint8Array): string {
  const sig = decodeSES_Signature(sesSignatureDer);
  const tmp = tempDir('eseal-ossl-');
  try {
    writeFileSync(join(tmp, 'tbs.der'), tbsOverride ?? sig.raw.toSign);
    writeFileSync(join(tmp, 'sig.der'), sig.signature);
    writeFileSync(join(tmp, 'cert.der'), certDer);
    execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(tmp, 'cert.der'), '-pubkey', '-noout', '-out', join(tmp, 'pub.pem')]);
    return execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', join(tmp, 'pub.pem'), '-pkeyopt', 'distid:1234567812345678', '-in', join(tmp, 'tbs.der'), '-sigfile', join(tmp, 'sig.der')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    removeDir(tmp);
  }
}
