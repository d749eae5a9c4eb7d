// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../errors/index.js';
import { type Asn1Element, derIA5String, derSequence, readIA5String, readSequence, readAnyString } from '../asn1/index.js';
import { decodeSES_Header, encodeSES_Header, type SES_Header } from './SES_Header.js';
import { decodeSES_ESPropertyInfo, encodeSES_ESPropertyInfoV4, type SES_ESPropertyInfo } from './SES_ESPropertyInfo.js';
import { decodeSES_ESPictrueInfo, encodeSES_ESPictrueInfo, type SES_ESPictrueInfo } from './SES_ESPictrueInfo.js';
import { decodeExtensionDatas, encodeExtensionDatas, type ExtData } from './ExtensionDatas.js';

/**
 * What the seal maker describes and signs.
 *
 * ```asn
 * SES_SealInfo ::= SEQUENCE {
 *   header    SES_Header,
 *   esID      IA5String,              -- unique seal id
 *   property  SES_ESPropertyInfo,
 *   picture   SES_ESPictrueInfo,
 *   extDatas  ExtensionDatas OPTIONAL }   -- GM/T 0031-2014 writes "EXPLICIT ExtensionDatas OPTIONAL"
 * ```
 */
export interface SES_SealInfo {
  readonly header: SES_Header;
  readonly esID: string;
  readonly property: SES_ESPropertyInfo;
  readonly picture: SES_ESPictrueInfo;
  readonly extDatas?: readonly ExtData[];
}

export function decodeSES_SealInfo(el: Asn1Element | undefined, path: string): SES_SealInfo {
  const c = readSequence(el, path, 4, 5);
  const header = decodeSES_Header(c[0], `${path}.header`);
  let esID: string;
  try {
    esID = readIA5String(c[1], `${path}.esID`);
  } catch (e) {
    // Lenient: some producers use another string type for esID.
    try {
      esID = readAnyString(c[1], `${path}.esID`);
    } catch {
      throw e;
    }
  }
  const property = decodeSES_ESPropertyInfo(c[2], `${path}.property`);
  const picture = decodeSES_ESPictrueInfo(c[3], `${path}.picture`);
  const base = { header, esID, property, picture };
  if (c[4] === undefined) return base;
  const ext = decodeExtensionDatas(c[4], `${path}.extDatas`);
  if (ext === undefined) throw new SealError('ERR_ASN1_UNEXPECTED', { path: `${path}.extDatas`, expected: 'ExtensionDatas' });
  return { ...base, extDatas: ext.items };
}

/** Strict DER of a v4 SES_SealInfo (extDatas untagged when present). */
export function encodeSES_SealInfoV4(info: SES_SealInfo): Uint8Array {
  const parts = [
    encodeSES_Header(info.header),
    derIA5String(info.esID),
    encodeSES_ESPropertyInfoV4(info.property),
    encodeSES_ESPictrueInfo(info.picture),
  ];
  if (info.extDatas !== undefined) parts.push(encodeExtensionDatas(info.extDatas));
  return derSequence(...parts);
}
