// SPDX-License-Identifier: Apache-2.0
/**
 * Seal making and verification round trips with the test PKI (scripts/make-test-pki.sh): make a v4
 * seal with the maker key, sign a document hash with a signer key, verify; negative cases; DER round
 * trips of what we produce; and a cross-check of both signatures with the OpenSSL command line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificates } from '../../../shared/x509/index.js';
import { SealError } from '../../../shared/errors/index.js';
import { sm2Sign } from '../../../shared/crypto/sm2.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import {
  decodeSESeal,
  decodeSES_Signature,
  encodeSESealV4,
  encodeSES_SignatureV4,
  encodeTBS_SignV4,
  makeSealV4,
  makeSesSignatureV4,
  sm2SignatureValueToRaw,
  verifySealOnly,
  verifySesSignature,
  type MakeSealV4Options,
  type SealVerifyContext,
  type SesVerification,
} from '../../../shared/seal/index.js';
import { loadSigningKey, type SigningKey } from '../../../agent/keys/loadSigningKey.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';

const seals = new URL('../../fixtures/samples/seals/', import.meta.url);
const PICTURE = decodeSESeal(new Uint8Array(readFileSync(new URL('UserV4.esl', seals)))).eSealInfo.picture.data;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let pki: TestPki;
let maker: SigningKey;
let unit: SigningKey;
let legal: SigningKey;
let t0: Date; // a time inside every test certificate's validity

function key(name: 'maker' | 'unit' | 'legal' | 'revoked'): SigningKey {
  return loadSigningKey({ kind: 'pem', key: readFileSync(pki.keyFiles[name]), certificates: readFileSync(pki.certFiles[name]) });
}

beforeAll(async () => {
  pki = await loadTestPki();
  maker = key('maker');
  unit = key('unit');
  legal = key('legal');
  const starts = [pki.certs.maker, pki.certs.unit, pki.certs.legal].map((c) => c.notBefore.getTime());
  t0 = new Date(Math.floor((Math.max(...starts) + HOUR) / 1000) * 1000);
});

function sealOptions(over: Partial<MakeSealV4Options> = {}): MakeSealV4Options {
  return {
    vid: 'ESealTest',
    esID: '11010500000001',
    name: '某某市财政局',
    type: 1,
    certs: [unit.certificateDer],
    createDate: t0,
    validStart: t0,
    validEnd: new Date(t0.getTime() + 30 * DAY),
    picture: { type: 'PNG', data: PICTURE, widthMm: 42, heightMm: 42 },
    makerCertDer: maker.certificateDer,
    signSealInfo: (tbs) => sm2Sign(maker.privateKey, tbs, { format: 'der' }),
    ...over,
  };
}

const DOC = new TextEncoder().encode('<ofd:Signature>test document</ofd:Signature>');
const DOC_HASH = sm3(DOC);

async function sign(sealDer: Uint8Array, signer: SigningKey, time: Date, unchecked = false): Promise<Uint8Array> {
  const made = await makeSesSignatureV4({
    sealDer,
    signerCertDer: signer.certificateDer,
    dataHash: DOC_HASH,
    propertyInfo: '/Doc_0/Signs/Sign_0/Signature.xml',
    timeInfo: time,
    sign: (tbs) => sm2Sign(signer.privateKey, tbs, { format: 'der' }),
    unchecked,
  });
  return made.der;
}

function ctx(over: Partial<SealVerifyContext> = {}): SealVerifyContext {
  return { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], documentHash: DOC_HASH, ...over };
}

function statusOf(v: { checks: readonly { id: string; status: string }[] }, id: string): string | undefined {
  return v.checks.find((c) => c.id === id)?.status;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SealError);
    return (e as SealError).code;
  }
  return 'no error';
}

describe('make a v4 seal, sign, verify', () => {
  let sealDer: Uint8Array;
  let sigDer: Uint8Array;
  let ok: SesVerification;

  beforeAll(async () => {
    sealDer = (await makeSealV4(sealOptions())).der;
    sigDer = await sign(sealDer, unit, new Date(t0.getTime() + DAY));
    ok = await verifySesSignature(sigDer, ctx());
  });

  it('TOTAL_PASSED with the test root as anchor, every check passed', () => {
    expect(ok.indication).toBe('TOTAL_PASSED');
    expect(ok.subIndications).toEqual([]);
    expect(ok.sealCodes).toEqual([]);
    expect(ok.structure).toBe('signature-v4');
    for (const id of ['signature.value', 'signature.signer-in-seal', 'seal.maker-signature', 'seal.maker-certificate', 'seal.validity', 'signature.signer-certificate', 'signature.data-hash']) {
      expect([id, statusOf(ok, id)]).toEqual([id, 'passed']);
    }
    expect(ok.seal).toMatchObject({ format: 'v4', headerVersion: 4, vendorId: 'ESealTest', esID: '11010500000001', name: '某某市财政局', type: 1, makerSignatureConvention: 'sealInfo' });
    expect(ok.seal.picture).toMatchObject({ type: 'PNG', format: 'png', byteLength: PICTURE.length, widthMm: 42, heightMm: 42 });
    expect(ok.seal.picture.dataBase64).toBeUndefined();
    expect(ok.signer?.status).toBe('VALID');
    expect(ok.seal.maker?.status).toBe('VALID');
    expect(ok.signingTime).toBe(new Date(t0.getTime() + DAY).toISOString());
    expect(ok.propertyInfo).toBe('/Doc_0/Signs/Sign_0/Signature.xml');
    expect(ok.dataHash).toEqual(DOC_HASH);
    expect(ok.sealDer).toEqual(sealDer);
    for (const c of ok.checks) {
      expect(c.messageZh.length).toBeGreaterThan(0);
      expect(c.message.length).toBeGreaterThan(0);
    }
  });

  it('includes the picture on request', async () => {
    const v = await verifySesSignature(sigDer, ctx({ includePictures: true }));
    expect(Buffer.from(v.seal.picture.dataBase64 ?? '', 'base64')).toEqual(Buffer.from(PICTURE));
  });

  it('a changed document → TOTAL_FAILED, HASH_FAILURE, DOCUMENT_MODIFIED', async () => {
    const v = await verifySesSignature(sigDer, ctx({ documentHash: sm3(new TextEncoder().encode('changed')) }));
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('HASH_FAILURE');
    expect(v.sealCodes).toContain('DOCUMENT_MODIFIED');
    expect(statusOf(v, 'signature.data-hash')).toBe('failed');
  });

  it('no document hash → the hash check is skipped', async () => {
    const v = await verifySesSignature(sigDer, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });
    expect(v.indication).toBe('TOTAL_PASSED');
    expect(statusOf(v, 'signature.data-hash')).toBe('skipped');
  });

  it('no trust anchors → INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND, not a failure', async () => {
    const v = await verifySesSignature(sigDer, { trustAnchors: [], documentHash: DOC_HASH });
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
    expect(statusOf(v, 'signature.value')).toBe('passed');
    expect(statusOf(v, 'seal.maker-signature')).toBe('passed');
  });

  it('a tampered TBS_Sign → SIG_CRYPTO_FAILURE (never throws)', async () => {
    const sig = decodeSES_Signature(sigDer);
    const bad = sigDer.slice();
    const at = sig.raw.toSign.byteOffset - sigDer.byteOffset + sig.raw.toSign.length - 40; // inside dataHash/propertyInfo
    bad[at] = (bad[at] as number) ^ 0x01;
    const v = await verifySesSignature(bad, ctx({ documentHash: undefined }));
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('SIG_CRYPTO_FAILURE');
    expect(statusOf(v, 'signature.value')).toBe('failed');
  });

  it('raw 64-byte r||s signature values verify too', async () => {
    const sig = decodeSES_Signature(sigDer);
    const raw = encodeSES_SignatureV4({ toSignDer: sig.raw.toSign, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sm2SignatureValueToRaw(sig.signature) });
    const v = await verifySesSignature(raw, ctx());
    expect(v.indication).toBe('TOTAL_PASSED');
    expect(v.checks.find((c) => c.id === 'signature.value')?.details?.signatureForm).toBe('raw64');
  });

  it('an unreadable time-stamp fails the signature (FORMAT_FAILURE)', async () => {
    const sig = decodeSES_Signature(sigDer);
    const withTs = encodeSES_SignatureV4({ toSignDer: sig.raw.toSign, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature, timeStamp: Uint8Array.of(0x30, 0x00) });
    expect(decodeSES_Signature(withTs).timeStamp).toEqual(Uint8Array.of(0x30, 0x00));
    const v = await verifySesSignature(withTs, ctx());
    expect(v.timeStamp).toEqual({ present: true, verified: false });
    expect(statusOf(v, 'signature.time-stamp')).toBe('failed');
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('FORMAT_FAILURE');
  });

  it('an RFC 3161 time-stamp token over the signature value (made with openssl ts) is verified', async () => {
    const sig = decodeSES_Signature(sigDer);
    const dir = mkdtempSync(join(tmpdir(), 'eseal-tsa-'));
    try {
      writeFileSync(
        join(dir, 'tsa.cnf'),
        ['[ tsa ]', 'default_tsa = t', '[ t ]', `serial = ${join(dir, 'serial')}`, 'signer_digest = sha256', 'default_policy = 1.2.3.4.1', 'digests = sm3, sha256', 'ess_cert_id_alg = sha256', ''].join('\n'),
      );
      writeFileSync(join(dir, 'serial'), '01\n');
      writeFileSync(join(dir, 'sig.bin'), sig.signature);
      const q = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      q(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.pem', '-subj', '/CN=Test TSA', '-days', '30', '-addext', 'extendedKeyUsage=critical,timeStamping']);
      q(['ts', '-query', '-data', 'sig.bin', '-sm3', '-cert', '-out', 'q.tsq']);
      q(['ts', '-reply', '-queryfile', 'q.tsq', '-signer', 'tsa.pem', '-inkey', 'tsa.key', '-config', 'tsa.cnf', '-token_out', '-out', 'tok.der']);
      const token = new Uint8Array(readFileSync(join(dir, 'tok.der')));
      const withTs = encodeSES_SignatureV4({ toSignDer: sig.raw.toSign, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature, timeStamp: token });
      const v = await verifySesSignature(withTs, ctx());
      expect(v.timeStamp?.present).toBe(true);
      expect(v.timeStamp?.verified).toBe(true);
      expect(Math.abs(new Date(v.timeStamp?.time ?? 0).getTime() - Date.now())).toBeLessThan(600_000);
      expect(v.checks.find((c) => c.id === 'signature.time-stamp')?.details).toMatchObject({ parsed: true, imprintAlgorithm: '1.2.156.10197.1.401', imprintMatchesSignature: true, tokenSignatureValid: true });
      // The TSA is not among the trust anchors: the token verifies but is only a warning.
      expect(statusOf(v, 'signature.time-stamp')).toBe('warning');
      expect(v.indication).toBe('TOTAL_PASSED');
      // With the TSA as a trust anchor the time-stamp check passes.
      const tsaCert = parseCertificates(readFileSync(join(dir, 'tsa.pem'), 'utf8'));
      const trustedTsa = await verifySesSignature(withTs, { ...ctx(), trustAnchors: [...ctx().trustAnchors, ...tsaCert] });
      expect(statusOf(trustedTsa, 'signature.time-stamp')).toBe('passed');
      expect(trustedTsa.indication).toBe('TOTAL_PASSED');
      // the same token next to a different signature value (raw r||s form) does not cover it
      const other = encodeSES_SignatureV4({ toSignDer: sig.raw.toSign, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sm2SignatureValueToRaw(sig.signature), timeStamp: token });
      const v2 = await verifySesSignature(other, ctx());
      expect(v2.checks.find((c) => c.id === 'signature.time-stamp')?.details).toMatchObject({ parsed: true, imprintMatchesSignature: false });
      expect(v2.indication).toBe('TOTAL_FAILED');
      expect(v2.timeStamp?.verified).toBe(false);
      // a token whose TSA signature was tampered with (last byte of the signature value flipped)
      const forged = token.slice();
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0x01;
      const v3 = await verifySesSignature(encodeSES_SignatureV4({ toSignDer: sig.raw.toSign, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature, timeStamp: forged }), ctx());
      expect(v3.timeStamp?.verified).toBe(false);
      expect(v3.indication).toBe('TOTAL_FAILED');
      expect(v3.subIndications).toContain('SIG_CRYPTO_FAILURE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('registers: revoked → SEAL_REVOKED; not filed → SEAL_NOT_FILED', async () => {
    const revoked = await verifySesSignature(sigDer, ctx({ revokedSealIds: new Set(['11010500000001']) }));
    expect(revoked.indication).toBe('TOTAL_FAILED');
    expect(revoked.sealCodes).toContain('SEAL_REVOKED');
    const notFiled = await verifySesSignature(sigDer, ctx({ filedSealIds: new Set(['other']) }));
    expect(notFiled.indication).toBe('INDETERMINATE');
    expect(notFiled.sealCodes).toContain('SEAL_NOT_FILED');
    const filed = await verifySesSignature(sigDer, ctx({ filedSealIds: new Set(['11010500000001']), revokedSealIds: new Set() }));
    expect(filed.indication).toBe('TOTAL_PASSED');
  });

  it('verifySealOnly on the bare seal', async () => {
    const v = await verifySealOnly(sealDer, ctx({ time: new Date(t0.getTime() + DAY) }));
    expect(v.indication).toBe('TOTAL_PASSED');
    expect(v.structure).toBe('seal-v4');
    const late = await verifySealOnly(sealDer, ctx({ time: new Date(t0.getTime() + 31 * DAY) }));
    expect(late.sealCodes).toContain('SEAL_EXPIRED');
    await expect(verifySealOnly(sigDer, ctx())).rejects.toThrow(SealError);
    await expect(verifySesSignature(sealDer, ctx())).rejects.toThrow(SealError);
  });

  it('round trip: decode → encode is byte-stable for the seal, TBS_Sign and SES_Signature', () => {
    const seal = decodeSESeal(sealDer);
    expect(Buffer.from(encodeSESealV4(seal)).equals(Buffer.from(sealDer))).toBe(true);
    const { raw: _raw, ...model } = seal;
    const again = decodeSESeal(encodeSESealV4(model));
    const { raw: _raw2, ...model2 } = again;
    expect(model2).toEqual(model);
    const sig = decodeSES_Signature(sigDer);
    const tbs = encodeTBS_SignV4({ version: sig.toSign.version, esealDer: sig.raw.eseal, timeInfo: sig.toSign.timeInfo.date ?? new Date(NaN), dataHash: sig.toSign.dataHash, propertyInfo: sig.toSign.propertyInfo });
    expect(Buffer.from(tbs).equals(Buffer.from(sig.raw.toSign))).toBe(true);
    const whole = encodeSES_SignatureV4({ toSignDer: tbs, cert: sig.cert, signatureAlgID: sig.signatureAlgID, signature: sig.signature });
    expect(Buffer.from(whole).equals(Buffer.from(sigDer))).toBe(true);
  });

  it('cross-check with the OpenSSL command line (maker and signer signatures)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eseal-seal-x-'));
    try {
      const seal = decodeSESeal(sealDer);
      const sig = decodeSES_Signature(sigDer);
      const check = (certFile: string, data: Uint8Array, signature: Uint8Array, name: string): string => {
        const pub = join(dir, `${name}.pub.pem`);
        writeFileSync(pub, execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', certFile]));
        writeFileSync(join(dir, `${name}.sig`), signature);
        writeFileSync(join(dir, `${name}.data`), data);
        return execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', pub, '-pkeyopt', 'distid:1234567812345678', '-sigfile', join(dir, `${name}.sig`), '-in', join(dir, `${name}.data`)], { encoding: 'utf8' });
      };
      expect(check(pki.certFiles.maker, seal.raw.sealInfo, seal.signedValue, 'maker')).toMatch(/Signature Verified Successfully/);
      expect(check(pki.certFiles.unit, sig.raw.toSign, sig.signature, 'signer')).toMatch(/Signature Verified Successfully/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('negative seals', () => {
  it('a seal whose validity ended before the signing time → TOTAL_FAILED, SEAL_EXPIRED', async () => {
    const sealDer = (await makeSealV4(sealOptions({ validEnd: new Date(t0.getTime() + DAY) }))).der;
    const time = new Date(t0.getTime() + 2 * DAY);
    expect(await codeOf(sign(sealDer, unit, time))).toBe('ERR_SEAL_VALIDITY_INVALID');
    const v = await verifySesSignature(await sign(sealDer, unit, time, true), ctx());
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('EXPIRED');
    expect(v.sealCodes).toContain('SEAL_EXPIRED');
    expect(statusOf(v, 'seal.validity')).toBe('failed');
  });

  it('a signing time before the validity → SEAL_NOT_YET_VALID', async () => {
    const sealDer = (await makeSealV4(sealOptions({ validStart: new Date(t0.getTime() + 2 * DAY) }))).der;
    const v = await verifySesSignature(await sign(sealDer, unit, new Date(t0.getTime() + DAY), true), ctx());
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.sealCodes).toContain('SEAL_NOT_YET_VALID');
  });

  it('a signer certificate expired at the signing time → TOTAL_FAILED, EXPIRED', async () => {
    const end = new Date(pki.certs.unit.notAfter.getTime() - HOUR);
    const sealDer = (await makeSealV4(sealOptions({ validEnd: end }))).der;
    const v = await verifySesSignature(await sign(sealDer, unit, new Date(pki.certs.unit.notAfter.getTime() + DAY), true), ctx());
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('EXPIRED');
    expect(statusOf(v, 'signature.signer-certificate')).toBe('failed');
    expect(v.signer?.status).toBe('EXPIRED');
  });

  it('a revoked signer certificate (intermediate CRL) → TOTAL_FAILED, REVOKED', async () => {
    const revoked = key('revoked');
    const t = new Date(Math.max(t0.getTime(), pki.certs.revoked.notBefore.getTime() + HOUR));
    const sealDer = (await makeSealV4(sealOptions({ certs: [revoked.certificateDer], createDate: t, validStart: t, validEnd: new Date(pki.certs.revoked.notAfter.getTime() - HOUR) }))).der;
    // The CRL's revocation date is when the test PKI was made (wall clock), so sign after it.
    const signingTime = new Date(Math.max(Date.now(), t.getTime()) + DAY);
    const v = await verifySesSignature(await sign(sealDer, revoked, signingTime), ctx({ crls: [pki.interCrl] }));
    expect(v.signer?.status).toBe('REVOKED');
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.subIndications).toContain('REVOKED');
  });

  it('signer not in certList → SEAL_SIGNER_NOT_IN_SEAL', async () => {
    const sealDer = (await makeSealV4(sealOptions({ certs: [legal.certificateDer] }))).der;
    const time = new Date(t0.getTime() + DAY);
    expect(await codeOf(sign(sealDer, unit, time))).toBe('ERR_SEAL_CERT_NOT_BOUND');
    const v = await verifySesSignature(await sign(sealDer, unit, time, true), ctx());
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.sealCodes).toContain('SEAL_SIGNER_NOT_IN_SEAL');
    expect(v.subIndications).toContain('SIG_CONSTRAINTS_FAILURE');
  });

  it.each(['SM3', 'SHA-256', 'SHA-1'] as const)('certListType 2 with %s digests', async (alg) => {
    const made = await makeSealV4(sealOptions({ certs: [legal.certificateDer, unit.certificateDer], digestAlgorithm: alg }));
    expect(made.seal.eSealInfo.property.certListType).toBe(2);
    expect(made.seal.eSealInfo.property.certList.kind).toBe('digests');
    const v = await verifySesSignature(await sign(made.der, unit, new Date(t0.getTime() + DAY)), ctx());
    expect(v.indication).toBe('TOTAL_PASSED');
    expect(v.checks.find((c) => c.id === 'signature.signer-in-seal')?.details).toMatchObject({ match: 'digest', algorithm: alg, index: 1 });
  });

  it('explicit certDigests list', async () => {
    const made = await makeSealV4(sealOptions({ certs: undefined, certDigests: [{ type: 'SM3', value: sm3(unit.certificateDer) }] }));
    const v = await verifySesSignature(await sign(made.der, unit, new Date(t0.getTime() + DAY)), ctx());
    expect(v.indication).toBe('TOTAL_PASSED');
  });

  it('a maker signature over the wrong bytes → SEAL_MAKER_SIGNATURE_FAILURE', async () => {
    const made = await makeSealV4(sealOptions());
    const bad = encodeSESealV4({ ...made.seal, eSealInfo: { ...made.seal.eSealInfo, esID: '11010500000002' } });
    const v = await verifySealOnly(bad, ctx({ time: new Date(t0.getTime() + DAY) }));
    expect(v.indication).toBe('TOTAL_FAILED');
    expect(v.sealCodes).toContain('SEAL_MAKER_SIGNATURE_FAILURE');
    expect(v.subIndications).toContain('SIG_CRYPTO_FAILURE');
  });
});

describe('makeSealV4 input checks', () => {
  it.each<[string, () => Partial<MakeSealV4Options>, string]>([
    ['validity beyond the signer certificate', () => ({ validEnd: new Date(pki.certs.unit.notAfter.getTime() + DAY) }), 'ERR_SEAL_VALIDITY_INVALID'],
    ['validity before the signer certificate', () => ({ validStart: new Date(pki.certs.unit.notBefore.getTime() - DAY) }), 'ERR_SEAL_VALIDITY_INVALID'],
    ['validStart after validEnd', () => ({ validStart: new Date(t0.getTime() + 40 * DAY) }), 'ERR_SEAL_VALIDITY_INVALID'],
    ['createDate outside the maker certificate', () => ({ createDate: new Date(pki.certs.maker.notBefore.getTime() - DAY) }), 'ERR_SEAL_VALIDITY_INVALID'],
    ['picture bytes are not a PNG', () => ({ picture: { type: 'PNG', data: new Uint8Array(100), widthMm: 40, heightMm: 40 } }), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['GIF bytes declared as PNG', () => ({ picture: { type: 'PNG', data: new TextEncoder().encode('GIF89a....'), widthMm: 40, heightMm: 40 } }), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['BMP pictures are not made', () => ({ picture: { type: 'BMP', data: Uint8Array.of(0x42, 0x4d, 0, 0), widthMm: 40, heightMm: 40 } }), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['zero width', () => ({ picture: { type: 'png', data: PICTURE, widthMm: 0, heightMm: 40 } }), 'ERR_INPUT_INVALID'],
    ['non-ASCII esID', () => ({ esID: '印章' }), 'ERR_INPUT_INVALID'],
    ['empty name', () => ({ name: '' }), 'ERR_INPUT_INVALID'],
    ['no signer certificate', () => ({ certs: [] }), 'ERR_INPUT_INVALID'],
    ['maker key does not match the maker certificate', () => ({ signSealInfo: (tbs: Uint8Array) => sm2Sign(unit.privateKey, tbs, { format: 'der' }) }), 'ERR_CRYPTO_KEY_INVALID'],
    ['non-SM2 maker certificate', () => ({ makerCertDer: pki.certs.p256.der }), 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED'],
    ['garbage maker certificate', () => ({ makerCertDer: Uint8Array.of(1, 2, 3) }), 'ERR_X509_MALFORMED'],
  ])('%s', async (_name, over, code) => {
    expect(await codeOf(makeSealV4(sealOptions(over())))).toBe(code);
  });

  it('accepts JPG and GIF pictures by magic bytes, in any case', async () => {
    const jpg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10);
    const made = await makeSealV4(sealOptions({ picture: { type: 'jpeg', data: jpg, widthMm: 30, heightMm: 20 } }));
    expect(made.seal.eSealInfo.picture.type).toBe('JPG');
    const gif = new TextEncoder().encode('GIF89a\x01\x00');
    const made2 = await makeSealV4(sealOptions({ picture: { data: gif, widthMm: 30, heightMm: 20 } }));
    expect(made2.seal.eSealInfo.picture.type).toBe('GIF');
  });
});
