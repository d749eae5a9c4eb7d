// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../errors/index.js';
import {
  type Asn1Element,
  derBitString,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  isContext,
  isUniversal,
  parseDer,
  readBitString,
  readExplicit,
  readOctetString,
  readOid,
  readSequence,
  Tag,
  concatDer,
  derTlv,
} from '../asn1/index.js';
import { looksLikeSesHeader } from './SES_Header.js';
import { decodeSES_SealInfo, encodeSES_SealInfoV4, type SES_SealInfo } from './SES_SealInfo.js';

/** `v1` = GM/T 0031-2014, `v4` = GB/T 38540-2020, `v5` = ofdrw's GM/T 0031-2025 layout. */
export type SealFormat = 'v1' | 'v4' | 'v5';

/**
 * The electronic seal (电子印章).
 *
 * ```asn
 * -- GB/T 38540-2020 (v4); v5 (ofdrw) adds the optional 5th element
 * SESeal ::= SEQUENCE {
 *   eSealInfo    SES_SealInfo,
 *   cert         OCTET STRING,            -- seal maker certificate (DER X.509)
 *   signAlgID    OBJECT IDENTIFIER,
 *   signedValue  BIT STRING,              -- maker signature over DER(eSealInfo)
 *   timeStamp    [0] EXPLICIT BIT STRING OPTIONAL }   -- v5 only
 *
 * -- GM/T 0031-2014 (v1)
 * SESeal ::= SEQUENCE {
 *   esealInfo  SES_SealInfo,
 *   signInfo   SES_SignInfo }
 * SES_SignInfo ::= SEQUENCE {
 *   cert                OCTET STRING,
 *   signatureAlgorithm  OBJECT IDENTIFIER,
 *   signData            BIT STRING }      -- over DER(SEQUENCE{esealInfo, cert, signatureAlgorithm})
 * ```
 * Both versions decode into this one shape (v1 `signInfo` fields are lifted up).
 */
export interface SESeal {
  readonly format: SealFormat;
  readonly eSealInfo: SES_SealInfo;
  /** Maker certificate DER. */
  readonly cert: Uint8Array;
  readonly signAlgID: string;
  /** Maker signature value (BIT STRING payload: DER SEQUENCE{r,s} or raw r||s). */
  readonly signedValue: Uint8Array;
  /** v5 time-stamp (BIT STRING payload). */
  readonly timeStamp?: Uint8Array;
}

/** Original bytes of a decoded seal's signed parts. */
export interface SESealRaw {
  /** The whole SESeal TLV as stored. */
  readonly der: Uint8Array;
  /** SES_SealInfo TLV as stored (what v4 makers sign). */
  readonly sealInfo: Uint8Array;
  /** `cert` OCTET STRING TLV as stored. */
  readonly cert: Uint8Array;
  /** Signature algorithm OID TLV as stored. */
  readonly signAlgID: Uint8Array;
  /**
   * DER `SEQUENCE { sealInfo, cert, signAlgID }` assembled from the three stored TLVs above
   * (what v1 makers sign). Built for v4 too, to test the other convention.
   */
  readonly sealInfoCertAlg: Uint8Array;
}

export interface DecodedSESeal extends SESeal {
  readonly raw: SESealRaw;
}

function structural(reason: string): SealError {
  return new SealError('ERR_SEAL_MALFORMED', { reason });
}

/** Decodes an already parsed SESeal element (v1, v4 or v5, detected by shape). */
export function decodeSESealElement(el: Asn1Element, path = 'SESeal'): DecodedSESeal {
  const top = readSequence(el, path, 2, 5);
  if (top.length === 2) {
    const [infoEl, signInfoEl] = top as [Asn1Element, Asn1Element];
    if (!looksLikeSesHeader(infoEl.children[0])) throw structural('SESeal of 2 elements without an SES_Header (not a GM/T 0031-2014 seal)');
    const eSealInfo = decodeSES_SealInfo(infoEl, `${path}.esealInfo`);
    const [certEl, algEl, sigEl] = readSequence(signInfoEl, `${path}.signInfo`, 3, 3) as [Asn1Element, Asn1Element, Asn1Element];
    const cert = readOctetString(certEl, `${path}.signInfo.cert`);
    const signAlgID = readOid(algEl, `${path}.signInfo.signatureAlgorithm`);
    const signedValue = readBitString(sigEl, `${path}.signInfo.signData`);
    return {
      format: 'v1',
      eSealInfo,
      cert,
      signAlgID,
      signedValue,
      raw: { der: el.bytes, sealInfo: infoEl.bytes, cert: certEl.bytes, signAlgID: algEl.bytes, sealInfoCertAlg: assemble(infoEl, certEl, algEl) },
    };
  }
  if (top.length < 4) throw structural(`SESeal has ${top.length} elements (expected 2 for GM/T 0031-2014, 4 or 5 for GB/T 38540)`);
  const [infoEl, certEl, algEl, sigEl, tsEl] = top as [Asn1Element, Asn1Element, Asn1Element, Asn1Element, Asn1Element | undefined];
  if (!looksLikeSesHeader(infoEl.children[0])) throw structural('SESeal.eSealInfo does not start with an SES_Header');
  const eSealInfo = decodeSES_SealInfo(infoEl, `${path}.eSealInfo`);
  const cert = readOctetString(certEl, `${path}.cert`);
  const signAlgID = readOid(algEl, `${path}.signAlgID`);
  const signedValue = readBitString(sigEl, `${path}.signedValue`);
  let timeStamp: Uint8Array | undefined;
  if (tsEl !== undefined) {
    if (isContext(tsEl, 0) && tsEl.constructed) timeStamp = readBitString(readExplicit(tsEl, 0, `${path}.timeStamp`), `${path}.timeStamp`);
    else if (isContext(tsEl, 0)) timeStamp = implicitBitString(tsEl, `${path}.timeStamp`);
    else if (isUniversal(tsEl, Tag.BIT_STRING)) timeStamp = readBitString(tsEl, `${path}.timeStamp`);
    else throw new SealError('ERR_ASN1_UNEXPECTED', { path: `${path}.timeStamp`, expected: '[0] BIT STRING' });
  }
  const format: SealFormat = tsEl !== undefined || eSealInfo.header.version === 5 ? 'v5' : 'v4';
  const raw: SESealRaw = { der: el.bytes, sealInfo: infoEl.bytes, cert: certEl.bytes, signAlgID: algEl.bytes, sealInfoCertAlg: assemble(infoEl, certEl, algEl) };
  return timeStamp === undefined ? { format, eSealInfo, cert, signAlgID, signedValue, raw } : { format, eSealInfo, cert, signAlgID, signedValue, timeStamp, raw };
}

/** `[0] IMPLICIT BIT STRING` (primitive context tag): whole-byte payload. */
export function implicitBitString(el: Asn1Element, path: string): Uint8Array {
  if (el.content.length === 0 || el.content[0] !== 0) throw new SealError('ERR_ASN1_MALFORMED', { reason: `${path}: BIT STRING with unused bits` });
  return el.content.subarray(1);
}

function assemble(...els: readonly Asn1Element[]): Uint8Array {
  return derTlv(0x30, concatDer(els.map((e) => e.bytes)));
}

/**
 * Decodes a bare seal (`.esl`): GM/T 0031-2014 (v1), GB/T 38540-2020 (v4) or ofdrw's v5 layout.
 * @throws SealError ERR_ASN1_* / ERR_SEAL_MALFORMED for unreadable input.
 */
export function decodeSESeal(der: Uint8Array): DecodedSESeal {
  const el = parseDer(der);
  return decodeSESealElement(el);
}

/** Input of {@link encodeSESealV4}. */
export interface SESealV4Fields {
  readonly eSealInfo: SES_SealInfo;
  readonly cert: Uint8Array;
  readonly signAlgID: string;
  readonly signedValue: Uint8Array;
  readonly timeStamp?: Uint8Array;
}

/**
 * Strict DER of a v4 SESeal. `sealInfoDer` (the exact bytes the maker signed) is embedded verbatim
 * when given; otherwise `eSealInfo` is encoded.
 */
export function encodeSESealV4(seal: SESealV4Fields, sealInfoDer?: Uint8Array): Uint8Array {
  const parts = [sealInfoDer ?? encodeSES_SealInfoV4(seal.eSealInfo), derOctetString(seal.cert), derOid(seal.signAlgID), derBitString(seal.signedValue)];
  if (seal.timeStamp !== undefined) parts.push(derExplicit(0, derBitString(seal.timeStamp)));
  return derSequence(...parts);
}
