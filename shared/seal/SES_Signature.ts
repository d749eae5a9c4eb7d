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
} from '../asn1/index.js';
import { implicitBitString, type SealFormat } from './SESeal.js';
import { decodeTBS_Sign, type TBS_Sign } from './TBS_Sign.js';

/**
 * The electronic signature (电子签章).
 *
 * ```asn
 * -- GB/T 38540-2020 (v4, v5)
 * SES_Signature ::= SEQUENCE {
 *   toSign          TBS_Sign,
 *   cert            OCTET STRING,          -- signer certificate
 *   signatureAlgID  OBJECT IDENTIFIER,
 *   signature       BIT STRING,            -- over DER(toSign)
 *   timeStamp       [0] EXPLICIT BIT STRING OPTIONAL }
 *
 * -- GM/T 0031-2014 (v1)
 * SES_Signature ::= SEQUENCE {
 *   toSign     TBS_Sign,                   -- carries cert and signatureAlgorithm itself
 *   signature  BIT STRING }
 * ```
 * Both decode into this one shape: for v1, `cert` and `signatureAlgID` come from `toSign`.
 */
export interface SES_Signature {
  /** v1, v4, or v5 (TBS version 5 or a v5 seal inside). */
  readonly format: SealFormat;
  readonly toSign: TBS_Sign;
  /** Signer certificate DER. */
  readonly cert: Uint8Array;
  readonly signatureAlgID: string;
  /** Signature value (BIT STRING payload: DER SEQUENCE{r,s} or raw 64-byte r||s). */
  readonly signature: Uint8Array;
  /** Time-stamp token bytes (BIT STRING payload), if present. */
  readonly timeStamp?: Uint8Array;
}

export interface SES_SignatureRaw {
  /** The whole SES_Signature as stored. */
  readonly der: Uint8Array;
  /** TBS_Sign TLV as stored (what the signer signed). */
  readonly toSign: Uint8Array;
  /** The embedded SESeal TLV as stored. */
  readonly eseal: Uint8Array;
}

export interface DecodedSES_Signature extends SES_Signature {
  readonly raw: SES_SignatureRaw;
}

/** Decodes an SES_Signature (v1/v4/v5 by shape). @throws SealError for unreadable input. */
export function decodeSES_Signature(der: Uint8Array): DecodedSES_Signature {
  const el = parseDer(der);
  return decodeSES_SignatureElement(el);
}

export function decodeSES_SignatureElement(el: Asn1Element, path = 'SES_Signature'): DecodedSES_Signature {
  const top = readSequence(el, path, 2, 5);
  if (top.length === 3) throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: 'SES_Signature has 3 elements (expected 2 or 4..5)' });
  const tbsEl = top[0] as Asn1Element;
  if (!isUniversal(tbsEl, Tag.SEQUENCE) || !isUniversal(tbsEl.children[0], Tag.INTEGER)) {
    throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: 'toSign is not a TBS_Sign (SEQUENCE starting with INTEGER version)' });
  }
  const toSign = decodeTBS_Sign(tbsEl, `${path}.toSign`);
  const esealEl = tbsEl.children[1] as Asn1Element;
  const raw: SES_SignatureRaw = { der: el.bytes, toSign: tbsEl.bytes, eseal: esealEl.bytes };
  if (top.length === 2) {
    if (toSign.cert === undefined || toSign.signatureAlgorithm === undefined) {
      throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: 'GM/T 0031-2014 TBS_Sign lacks cert and signatureAlgorithm' });
    }
    const signature = readBitString(top[1], `${path}.signature`);
    return { format: 'v1', toSign, cert: toSign.cert, signatureAlgID: toSign.signatureAlgorithm, signature, raw };
  }
  const cert = readOctetString(top[1], `${path}.cert`);
  const signatureAlgID = readOid(top[2], `${path}.signatureAlgID`);
  const signature = readBitString(top[3], `${path}.signature`);
  const tsEl = top[4];
  let timeStamp: Uint8Array | undefined;
  if (tsEl !== undefined) {
    if (isContext(tsEl, 0) && tsEl.constructed) timeStamp = readBitString(readExplicit(tsEl, 0, `${path}.timeStamp`), `${path}.timeStamp`);
    else if (isContext(tsEl, 0)) timeStamp = implicitBitString(tsEl, `${path}.timeStamp`);
    else if (isUniversal(tsEl, Tag.BIT_STRING)) timeStamp = readBitString(tsEl, `${path}.timeStamp`);
    else throw new SealError('ERR_ASN1_UNEXPECTED', { path: `${path}.timeStamp`, expected: '[0] BIT STRING' });
  }
  const format: SealFormat = toSign.version === 5 || toSign.eseal.format === 'v5' ? 'v5' : 'v4';
  const base = { format, toSign, cert, signatureAlgID, signature, raw };
  return timeStamp === undefined ? base : { ...base, timeStamp };
}

/** Input of {@link encodeSES_SignatureV4}. */
export interface SES_SignatureV4Fields {
  /** TBS_Sign bytes exactly as signed. */
  readonly toSignDer: Uint8Array;
  readonly cert: Uint8Array;
  readonly signatureAlgID: string;
  readonly signature: Uint8Array;
  readonly timeStamp?: Uint8Array;
}

/** Strict DER of a v4 SES_Signature (timeStamp as `[0] EXPLICIT BIT STRING`, as ofdrw). */
export function encodeSES_SignatureV4(s: SES_SignatureV4Fields): Uint8Array {
  const parts = [s.toSignDer, derOctetString(s.cert), derOid(s.signatureAlgID), derBitString(s.signature)];
  if (s.timeStamp !== undefined) parts.push(derExplicit(0, derBitString(s.timeStamp)));
  return derSequence(...parts);
}
