// SPDX-License-Identifier: Apache-2.0
/**
 * Real-world variants built from the samples and the sample keys: a positive GM/T 0031-2014 (v1)
 * signature (USER.p12 is the certificate bound in UserV1.esl), v1 timeInfo encodings, v5 seals and
 * signatures, extDatas wrappings, `[0]` tagging of optional v4 fields, structure detection.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derGeneralizedTime,
  derIA5String,
  derImplicit,
  derInteger,
  derOctetString,
  derOid,
  derSequence,
  derUtf8String,
  parseDer,
} from '../../../shared/asn1/index.js';
import { sm2Sign } from '../../../shared/crypto/sm2.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import {
  decodeExtensionDatas,
  decodeSES_ESPropertyInfo,
  decodeSESeal,
  decodeSES_Signature,
  detectSesStructure,
  encodeSESealV4,
  encodeSES_SignatureV4,
  verifySealOnly,
  verifySesSignature,
} from '../../../shared/seal/index.js';
import { loadSigningKeyFromFiles, type SigningKey } from '../../../agent/keys/loadSigningKey.js';

const seals = 'test/fixtures/samples/seals';
const USER_V1 = new Uint8Array(readFileSync(`${seals}/UserV1.esl`));
const USER_V4 = new Uint8Array(readFileSync(`${seals}/UserV4.esl`));
const SM2_SM3 = '1.2.156.10197.1.501';
const HASH = sm3(new TextEncoder().encode('document'));

let user: SigningKey;
beforeAll(() => {
  user = loadSigningKeyFromFiles({ p12: 'test/fixtures/samples/keys/USER.p12', password: '777777' });
});

/** A GM/T 0031-2014 SES_Signature over UserV1.esl signed with the USER.p12 key. */
function v1Signature(timeInfo: Uint8Array, options: { signer?: SigningKey; dataHash?: Uint8Array } = {}): Uint8Array {
  const k = options.signer ?? user;
  const tbs = derSequence(derInteger(1), USER_V1, timeInfo, derBitString(options.dataHash ?? HASH), derIA5String('/Doc_0/Signs/Sign_0/Signature.xml'), derOctetString(k.certificateDer), derOid(SM2_SM3));
  return derSequence(tbs, derBitString(sm2Sign(k.privateKey, tbs, { format: 'der' })));
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('GM/T 0031-2014 (v1) signatures', () => {
  it('a v1 signature made with the bound signer verifies (signature over TBS_Sign, cert from TBS_Sign)', async () => {
    const der = v1Signature(derBitString(ascii('2021-01-01 08:00:00')));
    expect(detectSesStructure(der)).toBe('signature-v1');
    const v = await verifySesSignature(der, { trustAnchors: [], documentHash: HASH });
    expect(v.structure).toBe('signature-v1');
    const status = Object.fromEntries(v.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ 'signature.value': 'passed', 'signature.signer-in-seal': 'passed', 'seal.maker-signature': 'passed', 'seal.validity': 'passed', 'signature.data-hash': 'passed' });
    expect(v.seal.makerSignatureConvention).toBe('sealInfo+cert+alg');
    expect(v.signingTime).toBe('2021-01-01T00:00:00.000Z'); // read as Beijing time
    expect(v.signingTimeText).toBe('2021-01-01 08:00:00');
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
  });

  it.each<[string, Uint8Array, string, string]>([
    ['BIT STRING with ISO text', derBitString(ascii('2020-06-01T07:31:56.377Z')), '2020-06-01T07:31:56.377Z', 'BIT STRING'],
    ['OCTET STRING with yyyy-MM-dd HH:mm:ss', derOctetString(ascii('2020-06-01 15:31:56')), '2020-06-01T07:31:56.000Z', 'OCTET STRING'],
    ['BIT STRING holding a DER UTCTime', derBitString(Uint8Array.from([0x17, 0x0d, ...ascii('200601073156Z')])), '2020-06-01T07:31:56.000Z', 'BIT STRING'],
    ['GeneralizedTime', derGeneralizedTime(new Date('2020-06-01T07:31:56Z')), '2020-06-01T07:31:56.000Z', 'GeneralizedTime'],
  ])('timeInfo as %s', (_name, timeInfo, iso, encoding) => {
    const sig = decodeSES_Signature(v1Signature(timeInfo));
    expect(sig.format).toBe('v1');
    expect(sig.toSign.timeInfo.date?.toISOString()).toBe(iso);
    expect(sig.toSign.timeInfo.encoding).toBe(encoding);
  });

  it('an unreadable timeInfo is kept as text and verified at the current time with a warning', async () => {
    const v = await verifySesSignature(v1Signature(derBitString(ascii('yesterday'))), { trustAnchors: [], time: new Date('2021-01-01T00:00:00Z') });
    expect(v.signingTime).toBeUndefined();
    expect(v.signingTimeText).toBe('yesterday');
    const noTime = await verifySesSignature(v1Signature(derBitString(ascii('yesterday'))), { trustAnchors: [] });
    expect(noTime.checks.find((c) => c.id === 'signature.signing-time')?.status).toBe('warning');
  });

  it('a signer whose certificate is not bound → SEAL_SIGNER_NOT_IN_SEAL', async () => {
    const other = loadSigningKeyFromFiles({ keyFile: 'test/fixtures/samples/keys/sign_key.pem', certFile: 'test/fixtures/samples/keys/sign_cert.pem' });
    const v = await verifySesSignature(v1Signature(derBitString(ascii('2021-01-01 08:00:00')), { signer: other }), { trustAnchors: [] });
    expect(v.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(v.sealCodes).toContain('SEAL_SIGNER_NOT_IN_SEAL');
    expect(v.indication).toBe('TOTAL_FAILED');
  });

  it('v1 property dates as GeneralizedTime are accepted', () => {
    const prop = derSequence(derInteger(2), derUtf8String('张三'), derSequence(derOctetString(Uint8Array.of(1))), derGeneralizedTime(new Date('2020-01-01T00:00:00Z')), derGeneralizedTime(new Date('2020-01-01T00:00:00Z')), derGeneralizedTime(new Date('2030-01-01T00:00:00Z')));
    const p = decodeSES_ESPropertyInfo(parseDer(prop), 'p');
    expect(p).toMatchObject({ type: 2, name: '张三', timeEncoding: 'GeneralizedTime' });
    expect(p.certListType).toBeUndefined();
    expect(p.validEnd.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('v5 (ofdrw GM/T 0031-2025 layout)', () => {
  it('an SESeal with the optional [0] timeStamp is v5; the maker signature still covers SES_SealInfo', async () => {
    const v4 = decodeSESeal(USER_V4);
    const v5 = encodeSESealV4({ ...v4, timeStamp: Uint8Array.of(1, 2, 3) }, v4.raw.sealInfo);
    expect(detectSesStructure(v5)).toBe('seal-v5');
    const seal = decodeSESeal(v5);
    expect(seal.format).toBe('v5');
    expect(seal.timeStamp).toEqual(Uint8Array.of(1, 2, 3));
    const v = await verifySealOnly(v5, { trustAnchors: [], time: new Date('2021-01-01T00:00:00Z') });
    expect(v.seal.format).toBe('v5');
    expect(v.checks.find((c) => c.id === 'seal.maker-signature')?.status).toBe('passed');
  });

  it('a signature embedding a v5 seal, or with TBS version 5, is signature-v5', () => {
    const sig = decodeSES_Signature(new Uint8Array(readFileSync(`${seals}/SignedValueV4.dat`)));
    const v4 = decodeSESeal(USER_V4);
    const v5Seal = encodeSESealV4({ ...v4, timeStamp: Uint8Array.of(9) }, v4.raw.sealInfo);
    const tbs = parseDer(sig.raw.toSign);
    const parts = tbs.children.map((c) => c.bytes);
    const withV5 = encodeSES_SignatureV4({ toSignDer: derSequence(parts[0] as Uint8Array, v5Seal, ...parts.slice(2)), cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature });
    expect(detectSesStructure(withV5)).toBe('signature-v5');
    expect(decodeSES_Signature(withV5).format).toBe('v5');
    const version5 = encodeSES_SignatureV4({ toSignDer: derSequence(derInteger(5), ...parts.slice(1)), cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature });
    expect(detectSesStructure(version5)).toBe('signature-v5');
  });
});

describe('optional fields and extDatas wrappings', () => {
  const ext = derSequence(derSequence(derOid('1.2.3.4'), derBoolean(false), derOctetString(ascii('x'))), derSequence(derOid('1.2.3.5'), derOctetString(ascii('y'))));
  const expected = [
    { extnID: '1.2.3.4', critical: false, extnValue: ascii('x') },
    { extnID: '1.2.3.5', critical: false, extnValue: ascii('y') },
  ];

  it.each<[string, Uint8Array]>([
    ['untagged', ext],
    ['[0] explicit', derExplicit(0, ext)],
    ['[1] implicit', derImplicit(1, ext)],
    ['in an OCTET STRING', derOctetString(ext)],
  ])('ExtensionDatas %s', (_name, der) => {
    expect(decodeExtensionDatas(parseDer(der), 'extDatas')?.items).toEqual(expected);
  });

  it('a malformed ExtData entry is skipped, not fatal', () => {
    const d = decodeExtensionDatas(parseDer(derSequence(derSequence(derInteger(1)), derSequence(derOid('1.2.3'), derOctetString(ascii('z'))))), 'e');
    expect(d?.skipped).toBe(1);
    expect(d?.items.length).toBe(1);
  });

  it('TBS_Sign.extDatas as [0] EXPLICIT (ofdrw, Shandong) and [0] IMPLICIT', () => {
    const sig = decodeSES_Signature(new Uint8Array(readFileSync(`${seals}/SignedValueV4.dat`)));
    const parts = parseDer(sig.raw.toSign).children.map((c) => c.bytes);
    for (const wrapped of [derExplicit(0, ext), derImplicit(0, ext)]) {
      const der = encodeSES_SignatureV4({ toSignDer: derSequence(...parts, wrapped), cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature });
      expect(decodeSES_Signature(der).toSign.extDatas).toEqual(expected);
    }
  });

  it('SES_Signature.timeStamp as [0] EXPLICIT or IMPLICIT BIT STRING', () => {
    const sig = decodeSES_Signature(new Uint8Array(readFileSync(`${seals}/SignedValueV4.dat`)));
    const top = parseDer(sig.raw.der).children.map((c) => c.bytes);
    const explicit = derSequence(...top, derExplicit(0, derBitString(Uint8Array.of(7))));
    const implicit = derSequence(...top, derImplicit(0, derBitString(Uint8Array.of(7))));
    expect(decodeSES_Signature(explicit).timeStamp).toEqual(Uint8Array.of(7));
    expect(decodeSES_Signature(implicit).timeStamp).toEqual(Uint8Array.of(7));
  });
});

describe('structure detection', () => {
  it.each<[string, Uint8Array, string]>([
    ['bare SM2 SEQUENCE{r, s}', derSequence(derInteger(12345), derInteger(67890)), 'sm2-raw-signature'],
    ['CMS ContentInfo', derSequence(derOid('1.2.840.113549.1.7.2'), derExplicit(0, derSequence())), 'cms'],
    ['GM/T 0010 ContentInfo', derSequence(derOid('1.2.156.10197.6.1.4.2.2'), derExplicit(0, derSequence())), 'cms'],
    ['other OID first', derSequence(derOid('1.2.3')), 'unknown'],
    ['not DER', ascii('<xml/>'), 'unknown'],
    ['INTEGER', derInteger(1), 'unknown'],
    ['UserV1.esl', USER_V1, 'seal-v1'],
    ['UserV4.esl', USER_V4, 'seal-v4'],
  ])('%s → %s', (_name, der, expected) => {
    expect(detectSesStructure(der)).toBe(expected);
  });
});
