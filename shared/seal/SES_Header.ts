// SPDX-License-Identifier: Apache-2.0
import { type Asn1Element, derIA5String, derInteger, derSequence, readAnyString, readSequence, readSmallInteger } from '../asn1/index.js';

/**
 * Seal header (GM/T 0031-2014 §, GB/T 38540-2020; same layout in both).
 *
 * ```asn
 * SES_Header ::= SEQUENCE {
 *   ID       IA5String,   -- fixed "ES"
 *   version  INTEGER,     -- 1 (GM/T 0031-2014, sometimes 2), 4 (GB/T 38540), 5 (ofdrw "GM/T 0031-2025")
 *   Vid      IA5String }  -- vendor id
 * ```
 */
export interface SES_Header {
  readonly ID: string;
  readonly version: number;
  readonly Vid: string;
}

/** True when the element has the shape of an SES_Header (used by structural version detection). */
export function looksLikeSesHeader(el: Asn1Element | undefined): boolean {
  if (el === undefined || el.tagClass !== 0 || el.tagNumber !== 16 || !el.constructed || el.children.length !== 3) return false;
  const [id, ver, vid] = el.children;
  return id?.tagClass === 0 && id.tagNumber === 22 && ver?.tagClass === 0 && ver.tagNumber === 2 && vid?.tagClass === 0 && (vid.tagNumber === 22 || vid.tagNumber === 12 || vid.tagNumber === 19);
}

export function decodeSES_Header(el: Asn1Element | undefined, path: string): SES_Header {
  const [id, version, vid] = readSequence(el, path, 3, 3);
  return {
    ID: readAnyString(id, `${path}.ID`),
    version: readSmallInteger(version, `${path}.version`),
    Vid: readAnyString(vid, `${path}.Vid`),
  };
}

export function encodeSES_Header(h: SES_Header): Uint8Array {
  return derSequence(derIA5String(h.ID), derInteger(h.version), derIA5String(h.Vid));
}
