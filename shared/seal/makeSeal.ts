// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Seal making (制章, GB/T 38540 v4) and seal signing (签章, v4 SES_Signature) with a signing callback,
 * so the private key may live in this process (agent/keys) or on a USB KEY later.
 *
 * Both builders check their inputs with coded errors before anything is signed, and verify the
 * returned signature against the certificate afterwards (a key/certificate mismatch is caught at
 * making time, not by the first verifier).
 */
import { SealError } from '../errors/index.js';
import { id_sm2_with_sm3 } from '../asn1/oids.js';
import { sm2Verify } from '../crypto/sm2.js';
import { parseCertificate, type Certificate } from '../x509/index.js';
import { certDigest, equalBytesCt, matchCertDigest, type CertDigestAlgorithm } from './certDigest.js';
import type { ExtData } from './ExtensionDatas.js';
import { validatePictureForMaking } from './SES_ESPictrueInfo.js';
import type { CertDigestObj, SES_CertList } from './SES_ESPropertyInfo.js';
import { encodeSES_SealInfoV4, type SES_SealInfo } from './SES_SealInfo.js';
import { decodeSESeal, encodeSESealV4, type DecodedSESeal } from './SESeal.js';
import { encodeTBS_SignV4 } from './TBS_Sign.js';
import { encodeSES_SignatureV4 } from './SES_Signature.js';
import { sm2SignatureValueToDer } from './signatureValue.js';

/** Signs the given DER bytes; returns a DER SEQUENCE{r,s} or raw 64-byte r||s SM2 signature. */
export type SignCallback = (tbs: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export interface MakeSealV4Options {
  /** Vendor id for the header (`Vid`). */
  readonly vid: string;
  readonly esID: string;
  readonly name: string;
  /** Seal type (business defined; 1 organisation, 2 personal in GM/T 0031). */
  readonly type: number;
  /** Signer certificates (DER) bound to the seal. Required unless `certDigests` is given. */
  readonly certs?: readonly Uint8Array[];
  /** With `certs`: store digests instead of certificates (certListType 2), using this algorithm. */
  readonly digestAlgorithm?: CertDigestAlgorithm;
  /** Explicit digest list (certListType 2); validity cannot be checked against certificates then. */
  readonly certDigests?: readonly CertDigestObj[];
  readonly createDate: Date;
  readonly validStart: Date;
  readonly validEnd: Date;
  readonly picture: { readonly type?: string; readonly data: Uint8Array; readonly widthMm: number; readonly heightMm: number };
  readonly extDatas?: readonly ExtData[];
  /** Seal maker certificate (DER, SM2). */
  readonly makerCertDer: Uint8Array;
  /** Signs DER(SES_SealInfo) with the maker key. */
  readonly signSealInfo: SignCallback;
}

export interface MadeSeal {
  /** DER of the SESeal (the `.esl` file). */
  readonly der: Uint8Array;
  /** DER of SES_SealInfo, exactly what the maker signed. */
  readonly sealInfoDer: Uint8Array;
  readonly seal: DecodedSESeal;
}

function invalid(name: string, reason: string): SealError {
  return new SealError('ERR_INPUT_INVALID', { name, reason });
}

function validity(reason: string): SealError {
  return new SealError('ERR_SEAL_VALIDITY_INVALID', { reason });
}

function checkDate(d: unknown, name: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(name, 'not a valid date');
  return d;
}

function checkText(s: unknown, name: string, max: number, ascii: boolean): string {
  if (typeof s !== 'string' || s.length === 0) throw invalid(name, 'must be a non-empty string');
  if (s.length > max) throw invalid(name, `longer than ${max} characters`);
  if (ascii && !/^[\x20-\x7e]+$/.test(s)) throw invalid(name, 'must be printable ASCII');
  return s;
}

function parseCert(der: Uint8Array, name: string): Certificate {
  if (!(der instanceof Uint8Array) || der.length === 0) throw invalid(name, 'missing certificate');
  return parseCertificate(der);
}

function iso(d: Date): string {
  return d.toISOString();
}

async function signAndCheck(sign: SignCallback, tbs: Uint8Array, cert: Certificate, role: string): Promise<Uint8Array> {
  const out = await sign(tbs);
  if (!(out instanceof Uint8Array)) throw invalid(`${role} signature`, 'the signing callback returned no bytes');
  const der = sm2SignatureValueToDer(out);
  const point = cert.publicKey.point;
  if (point === undefined || !sm2Verify(point, tbs, der)) {
    throw new SealError('ERR_CRYPTO_KEY_INVALID', { reason: `the ${role} key does not match the ${role} certificate` });
  }
  return der;
}

/**
 * Makes a GB/T 38540-2020 (v4) seal.
 *
 * Checks: texts non-empty (esID and Vid ASCII); `validStart < validEnd`; `createDate <= validEnd`;
 * the validity lies within every bound certificate's validity; the maker certificate is SM2 and
 * valid at `createDate`; the picture is PNG/JPG/GIF with matching magic bytes and positive sizes.
 * @throws SealError ERR_INPUT_INVALID, ERR_SEAL_VALIDITY_INVALID, ERR_SEAL_PICTURE_UNSUPPORTED,
 *   ERR_X509_MALFORMED, ERR_CRYPTO_KEY_INVALID (maker key does not match the maker certificate).
 */
export async function makeSealV4(o: MakeSealV4Options): Promise<MadeSeal> {
  const vid = checkText(o.vid, 'vid', 200, true);
  const esID = checkText(o.esID, 'esID', 200, true);
  const name = checkText(o.name, 'name', 200, false);
  if (!Number.isSafeInteger(o.type) || o.type < 0) throw invalid('type', 'must be a non-negative integer');
  const createDate = checkDate(o.createDate, 'createDate');
  const validStart = checkDate(o.validStart, 'validStart');
  const validEnd = checkDate(o.validEnd, 'validEnd');
  if (validStart.getTime() >= validEnd.getTime()) throw validity(`validStart ${iso(validStart)} is not before validEnd ${iso(validEnd)}`);
  if (createDate.getTime() > validEnd.getTime()) throw validity('createDate is after validEnd');
  const pictureType = validatePictureForMaking(o.picture);

  let certList: SES_CertList;
  const certs = o.certs ?? [];
  if (o.certDigests !== undefined) {
    if (o.certs !== undefined) throw invalid('certDigests', 'give either certs or certDigests');
    if (o.certDigests.length === 0) throw invalid('certDigests', 'empty');
    certList = { kind: 'digests', digests: o.certDigests };
  } else {
    if (certs.length === 0) throw invalid('certs', 'at least one signer certificate is required');
    certList = o.digestAlgorithm === undefined
      ? { kind: 'certs', certs }
      : { kind: 'digests', digests: certs.map((c) => ({ type: o.digestAlgorithm === 'SM3' ? 'SM3' : o.digestAlgorithm === 'SHA-256' ? 'SHA256' : 'SHA1', value: certDigest(o.digestAlgorithm ?? 'SM3', c) })) };
  }
  certs.forEach((der, i) => {
    const c = parseCert(der, `certs[${i}]`);
    if (validStart < c.notBefore || validEnd > c.notAfter) {
      throw validity(`seal validity ${iso(validStart)}..${iso(validEnd)} is outside the validity ${iso(c.notBefore)}..${iso(c.notAfter)} of signer certificate ${i + 1} (${c.subjectText})`);
    }
  });

  const maker = parseCert(o.makerCertDer, 'makerCertDer');
  if (maker.publicKey.algorithm !== 'SM2') throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${maker.publicKey.algorithm} (seal makers must use SM2)` });
  if (createDate < maker.notBefore || createDate > maker.notAfter) {
    throw validity(`createDate ${iso(createDate)} is outside the maker certificate validity ${iso(maker.notBefore)}..${iso(maker.notAfter)}`);
  }

  const info: SES_SealInfo = {
    header: { ID: 'ES', version: 4, Vid: vid },
    esID,
    property: { type: o.type, name, certListType: certList.kind === 'certs' ? 1 : 2, certList, createDate, validStart, validEnd, timeEncoding: 'GeneralizedTime' },
    picture: { type: pictureType, data: o.picture.data, width: o.picture.widthMm, height: o.picture.heightMm },
    ...(o.extDatas === undefined ? {} : { extDatas: o.extDatas }),
  };
  const sealInfoDer = encodeSES_SealInfoV4(info);
  const signedValue = await signAndCheck(o.signSealInfo, sealInfoDer, maker, 'seal maker');
  const der = encodeSESealV4({ eSealInfo: info, cert: o.makerCertDer, signAlgID: id_sm2_with_sm3, signedValue }, sealInfoDer);
  return { der, sealInfoDer, seal: decodeSESeal(der) };
}

export interface MakeSesSignatureV4Options {
  /** The seal (SESeal DER), embedded verbatim. */
  readonly sealDer: Uint8Array;
  /** Signer certificate (DER, SM2); must be bound to the seal. */
  readonly signerCertDer: Uint8Array;
  /** Hash of the protected original (OFD: SM3 of Signature.xml), 32 bytes for SM3. */
  readonly dataHash: Uint8Array;
  /** Attributes of the original (OFD: path of Signature.xml). ASCII. */
  readonly propertyInfo: string;
  readonly timeInfo: Date;
  readonly extDatas?: readonly ExtData[];
  /** Signs DER(TBS_Sign) with the signer key. */
  readonly sign: SignCallback;
  /**
   * Skip the seal checks (v4 seal, signer bound, seal valid at `timeInfo`). For building negative
   * test fixtures only.
   */
  readonly unchecked?: boolean;
}

export interface MadeSesSignature {
  readonly der: Uint8Array;
  /** DER of TBS_Sign, exactly what was signed. */
  readonly tbsDer: Uint8Array;
}

/**
 * Makes a GB/T 38540-2020 (v4) SES_Signature over `dataHash`.
 * @throws SealError ERR_SEAL_CERT_NOT_BOUND, ERR_SEAL_VALIDITY_INVALID, ERR_INPUT_INVALID, ERR_SEAL_*,
 *   ERR_CRYPTO_KEY_INVALID (signer key does not match the certificate).
 */
export async function makeSesSignatureV4(o: MakeSesSignatureV4Options): Promise<MadeSesSignature> {
  const seal = decodeSESeal(o.sealDer);
  const timeInfo = checkDate(o.timeInfo, 'timeInfo');
  if (!(o.dataHash instanceof Uint8Array) || o.dataHash.length < 16 || o.dataHash.length > 64) throw invalid('dataHash', 'must be 16..64 bytes');
  checkText(o.propertyInfo, 'propertyInfo', 4096, true);
  const signer = parseCert(o.signerCertDer, 'signerCertDer');
  if (signer.publicKey.algorithm !== 'SM2') throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `${signer.publicKey.algorithm} (use an SM2 signer certificate)` });
  if (o.unchecked !== true) {
    if (seal.format !== 'v4') throw invalid('sealDer', `a ${seal.format} seal cannot be used in a v4 signature`);
    const list = seal.eSealInfo.property.certList;
    const bound = list.kind === 'certs' ? list.certs.some((c) => equalBytesCt(c, o.signerCertDer)) : list.kind === 'digests' ? matchCertDigest(o.signerCertDer, list.digests) !== undefined : false;
    if (!bound) throw new SealError('ERR_SEAL_CERT_NOT_BOUND');
    const p = seal.eSealInfo.property;
    if (timeInfo < p.validStart || timeInfo > p.validEnd) throw validity(`signing time ${iso(timeInfo)} is outside the seal validity ${iso(p.validStart)}..${iso(p.validEnd)}`);
    if (timeInfo < signer.notBefore || timeInfo > signer.notAfter) throw validity(`signing time ${iso(timeInfo)} is outside the signer certificate validity`);
  }
  const tbsDer = encodeTBS_SignV4({
    version: 4,
    esealDer: seal.raw.der,
    timeInfo,
    dataHash: o.dataHash,
    propertyInfo: o.propertyInfo,
    ...(o.extDatas === undefined ? {} : { extDatas: o.extDatas }),
  });
  const signature = await signAndCheck(o.sign, tbsDer, signer, 'signer');
  const der = encodeSES_SignatureV4({ toSignDer: tbsDer, cert: o.signerCertDer, signatureAlgID: id_sm2_with_sm3, signature });
  return { der, tbsDer };
}
