// SPDX-License-Identifier: Apache-2.0
// verifySignatureByOid against signatures made by the OpenSSL command line: SM2-with-SM3 (GM/T
// default ID and OpenSSL's empty-ID default), ECDSA P-256, RSA PKCS#1 v1.5 and RSA-PSS, and
// certificate signatures of every test-PKI link.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecdsa_with_SHA256, id_RSASSA_PSS, id_sm2_with_sm3, sha256WithRSAEncryption } from '../../../shared/asn1/oids.js';
import { isSealError } from '../../../shared/errors/index.js';
import {
  parseCertificates,
  SM2_DEFAULT_USER_ID,
  SM2_OPENSSL_EMPTY_USER_ID,
  verifyCertificateSignature,
  verifySignatureByOid,
  type Certificate,
} from '../../../shared/x509/index.js';
import { loadTestPki, TEST_PKI_SM2_ID, type TestPki } from '../../support/testPki.js';
import { flipBits, openssl, opensslBytes } from './opensslHelpers.js';

const DATA = new TextEncoder().encode('电子印章签名测试数据 / ESeal signature test data');
/** RSASSA-PSS-params for SHA-256, MGF1-SHA-256, salt 32 (RFC 4055). */
const PSS_SHA256_PARAMS = Uint8Array.from(
  Buffer.from('3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120', 'hex'),
);

let pki: TestPki;
let work: string;
let dataFile: string;

beforeAll(async () => {
  pki = await loadTestPki();
  work = mkdtempSync(join(tmpdir(), 'eseal-x509-sig-'));
  dataFile = join(work, 'data.bin');
  writeFileSync(dataFile, DATA);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sign(args: readonly string[]): Uint8Array {
  return opensslBytes(['dgst', ...args, dataFile]);
}

function selfSigned(name: string, keyFile: string, args: readonly string[]): Certificate {
  const out = join(work, `${name}.pem`);
  openssl(['req', '-new', '-x509', '-key', keyFile, '-subj', `/CN=${name}`, '-days', '30', '-out', out, ...args]);
  const [cert] = parseCertificates(readFileSync(out, 'utf8'));
  if (cert === undefined) throw new Error('no certificate');
  return cert;
}

describe('verifySignatureByOid', () => {
  it('SM2-with-SM3 with the GM/T default ID (openssl dgst -sm3 -sigopt distid:1234567812345678)', async () => {
    const sig = sign(['-sm3', '-sign', pki.keyFiles.unit, '-sigopt', `distid:${TEST_PKI_SM2_ID}`]);
    const key = pki.certs.unit.publicKey;
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig)).toBe(true);
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig, { sm2UserId: SM2_DEFAULT_USER_ID })).toBe(true);
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig, { sm2UserId: SM2_OPENSSL_EMPTY_USER_ID })).toBe(false);
    const tampered = DATA.slice();
    flipBits(tampered, 0, 1);
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, tampered, sig)).toBe(false);
    expect(await verifySignatureByOid(pki.certs.personal.publicKey, id_sm2_with_sm3, DATA, sig)).toBe(false);
  });

  it('SM2-with-SM3 made with OpenSSL 3.0 defaults (empty ID) verifies only through the fallback', async () => {
    const sig = sign(['-sm3', '-sign', pki.keyFiles.unit]);
    const key = pki.certs.unit.publicKey;
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig)).toBe(true);
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig, { sm2UserId: SM2_DEFAULT_USER_ID })).toBe(false);
    expect(await verifySignatureByOid(key, id_sm2_with_sm3, DATA, sig, { sm2UserId: SM2_OPENSSL_EMPTY_USER_ID })).toBe(true);
  });

  it('ECDSA P-256 with SHA-256', async () => {
    const sig = sign(['-sha256', '-sign', pki.keyFiles.p256]);
    expect(await verifySignatureByOid(pki.certs.p256.publicKey, ecdsa_with_SHA256, DATA, sig)).toBe(true);
    expect(await verifySignatureByOid(pki.certs.p256.publicKey, ecdsa_with_SHA256, DATA.subarray(1), sig)).toBe(false);
  });

  it('RSA PKCS#1 v1.5 with SHA-256 and RSASSA-PSS (SHA-256, salt 32)', async () => {
    const key = pki.certs.rsa.publicKey;
    const pkcs1 = sign(['-sha256', '-sign', pki.keyFiles.rsa]);
    expect(await verifySignatureByOid(key, sha256WithRSAEncryption, DATA, pkcs1)).toBe(true);
    expect(await verifySignatureByOid(key, sha256WithRSAEncryption, DATA.subarray(1), pkcs1)).toBe(false);
    const pss = sign(['-sha256', '-sign', pki.keyFiles.rsa, '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']);
    expect(await verifySignatureByOid(key, id_RSASSA_PSS, DATA, pss, { signatureAlgorithmParams: PSS_SHA256_PARAMS })).toBe(true);
    expect(await verifySignatureByOid(key, id_RSASSA_PSS, DATA.subarray(1), pss, { signatureAlgorithmParams: PSS_SHA256_PARAMS })).toBe(false);
    // Salt length other than the hash length (openssl -sigopt rsa_pss_saltlen:20 with SHA-256).
    const pss20 = sign(['-sha256', '-sign', pki.keyFiles.rsa, '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20']);
    const params20 = PSS_SHA256_PARAMS.slice();
    params20[params20.length - 1] = 20;
    expect(await verifySignatureByOid(key, id_RSASSA_PSS, DATA, pss20, { signatureAlgorithmParams: params20 })).toBe(true);
    expect(await verifySignatureByOid(key, id_RSASSA_PSS, DATA, pss20, { signatureAlgorithmParams: PSS_SHA256_PARAMS })).toBe(false);
  });

  it('a key of the wrong type does not verify; an unknown OID throws ERR_CRYPTO_ALGORITHM_UNSUPPORTED', async () => {
    const sig = sign(['-sm3', '-sign', pki.keyFiles.unit, '-sigopt', `distid:${TEST_PKI_SM2_ID}`]);
    expect(await verifySignatureByOid(pki.certs.rsa.publicKey, id_sm2_with_sm3, DATA, sig)).toBe(false);
    expect(await verifySignatureByOid(pki.certs.unit.publicKey, ecdsa_with_SHA256, DATA, sig)).toBe(false);
    expect(await verifySignatureByOid(pki.certs.unit.publicKey, sha256WithRSAEncryption, DATA, sig)).toBe(false);
    const err: unknown = await verifySignatureByOid(pki.certs.unit.publicKey, '1.2.3.4', DATA, sig).catch((e: unknown) => e);
    expect(isSealError(err) && err.code).toBe('ERR_CRYPTO_ALGORITHM_UNSUPPORTED');
    // PSS parameters WebCrypto cannot express (trailerField 2) are unsupported, not "invalid".
    const err2: unknown = await verifySignatureByOid(pki.certs.rsa.publicKey, id_RSASSA_PSS, DATA, sig, { signatureAlgorithmParams: Uint8Array.of(0x30, 0x05, 0xa3, 0x03, 0x02, 0x01, 0x02) }).catch((e: unknown) => e);
    expect(isSealError(err2) && err2.code).toBe('ERR_CRYPTO_ALGORITHM_UNSUPPORTED');
  });

  it('malformed signature values are just invalid', async () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0x30, 0x00), new Uint8Array(64).fill(0xff), new Uint8Array(300)]) {
      expect(await verifySignatureByOid(pki.certs.unit.publicKey, id_sm2_with_sm3, DATA, bad)).toBe(false);
      expect(await verifySignatureByOid(pki.certs.p256.publicKey, ecdsa_with_SHA256, DATA, bad)).toBe(false);
      expect(await verifySignatureByOid(pki.certs.rsa.publicKey, sha256WithRSAEncryption, DATA, bad)).toBe(false);
    }
  });
});

describe('certificate signatures', () => {
  it('every link of the test PKI verifies, and only with the right issuer', async () => {
    const { certs } = pki;
    expect(await verifyCertificateSignature(certs.root, certs.root)).toBe(true);
    expect(await verifyCertificateSignature(certs.inter, certs.root)).toBe(true);
    for (const name of ['maker', 'unit', 'legal', 'personal', 'p256', 'rsa', 'expired', 'revoked'] as const) {
      expect(await verifyCertificateSignature(certs[name], certs.inter)).toBe(true);
      expect(await verifyCertificateSignature(certs[name], certs.root)).toBe(false);
    }
  });

  it('self-signed ECDSA P-256, RSA PKCS#1 and RSA-PSS certificates made by openssl req', async () => {
    const p256 = selfSigned('p256-self', pki.keyFiles.p256, ['-sha256']);
    expect(p256.signatureAlgorithmOid).toBe(ecdsa_with_SHA256);
    expect(await verifyCertificateSignature(p256, p256)).toBe(true);
    const rsa = selfSigned('rsa-self', pki.keyFiles.rsa, ['-sha256']);
    expect(rsa.signatureAlgorithmOid).toBe(sha256WithRSAEncryption);
    expect(await verifyCertificateSignature(rsa, rsa)).toBe(true);
    const pss = selfSigned('pss-self', pki.keyFiles.rsa, ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']);
    expect(pss.signatureAlgorithmOid).toBe(id_RSASSA_PSS);
    expect(pss.signatureAlgorithmParams).toBeDefined();
    expect(await verifyCertificateSignature(pss, pss)).toBe(true);
  });

  it('ECDSA P-384 with SHA-384 and RSA with SHA-1/384/512 (self-signed by openssl req)', async () => {
    const p384Key = join(work, 'p384.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', p384Key]);
    const p384 = selfSigned('p384-self', p384Key, ['-sha384']);
    expect(p384.publicKeyAlgorithmLabel).toBe('ECDSA-P384');
    expect(p384.publicKey.point).toHaveLength(97);
    expect(p384.signatureAlgorithmOid).toBe('1.2.840.10045.4.3.3');
    expect(await verifyCertificateSignature(p384, p384)).toBe(true);
    for (const [md, oid] of [['-sha1', '1.2.840.113549.1.1.5'], ['-sha384', '1.2.840.113549.1.1.12'], ['-sha512', '1.2.840.113549.1.1.13']] as const) {
      const cert = selfSigned(`rsa${md}`, pki.keyFiles.rsa, [md]);
      expect(cert.signatureAlgorithmOid).toBe(oid);
      expect(await verifyCertificateSignature(cert, cert)).toBe(true);
      expect(await verifyCertificateSignature(cert, pki.certs.unit)).toBe(false);
    }
    // ecdsa-with-SHA512 is outside what we verify: unsupported, not silently false.
    const p512 = selfSigned('p384-sha512', p384Key, ['-sha512']);
    const err: unknown = await verifyCertificateSignature(p512, p512).catch((e: unknown) => e);
    expect(isSealError(err) && err.code).toBe('ERR_CRYPTO_ALGORITHM_UNSUPPORTED');
  });

  it('an SM2 certificate signed with OpenSSL defaults (empty ID) verifies through the fallback', async () => {
    const cert = selfSigned('sm2-openssl-default', pki.keyFiles.personal, ['-sm3']);
    expect(cert.signatureAlgorithmOid).toBe(id_sm2_with_sm3);
    expect(await verifyCertificateSignature(cert, cert)).toBe(true);
    expect(await verifySignatureByOid(cert.publicKey, id_sm2_with_sm3, cert.tbsDer, cert.signatureValue, { sm2UserId: SM2_DEFAULT_USER_ID })).toBe(false);
  });

  it('the sample sign_cert.pem is issued by a root we do not have: its own key does not verify it', async () => {
    const [cert] = parseCertificates(readFileSync('/work/shared/samples/keys/sign_cert.pem', 'utf8'));
    expect(cert).toBeDefined();
    if (cert !== undefined) expect(await verifyCertificateSignature(cert, cert)).toBe(false);
  });
});
