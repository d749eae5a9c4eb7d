// SPDX-License-Identifier: Apache-2.0
import { type Asn1Element, isUniversal, parseDer, readOid, Tag } from '../asn1/index.js';
import { id_gmt0010_signedData, id_signedData } from '../asn1/oids.js';
import { looksLikeSesHeader } from './SES_Header.js';

export type SesStructure =
  | 'seal-v1'
  | 'seal-v4'
  | 'seal-v5'
  | 'signature-v1'
  | 'signature-v4'
  | 'signature-v5'
  | 'cms'
  | 'sm2-raw-signature'
  | 'unknown';

function headerVersion(sealInfo: Asn1Element | undefined): number | undefined {
  const h = sealInfo?.children[0];
  if (!looksLikeSesHeader(h)) return undefined;
  const v = h?.children[1];
  if (v === undefined || v.content.length !== 1) return undefined;
  return v.content[0];
}

function sealKind(s: Asn1Element | undefined): SesStructure {
  if (s === undefined || !isUniversal(s, Tag.SEQUENCE) || !s.constructed) return 'unknown';
  const c = s.children;
  if (c.length === 2 && isUniversal(c[0], Tag.SEQUENCE) && isUniversal(c[0]?.children[0], Tag.SEQUENCE) && isUniversal(c[1], Tag.SEQUENCE)) return 'seal-v1';
  if ((c.length === 4 || c.length === 5) && looksLikeSesHeader(c[0]?.children[0])) {
    return c.length === 5 || headerVersion(c[0]) === 5 ? 'seal-v5' : 'seal-v4';
  }
  return 'unknown';
}

/**
 * Structural version detection (seal-formats.md §1.6). Never throws: unreadable input is `unknown`.
 *
 * Order: CMS (first element the signedData OID) → bare SM2 SEQUENCE{r, s} → v1 SES_Signature
 * (2 elements: SEQUENCE starting with INTEGER, BIT STRING) → v1 SESeal (2 elements: SEQUENCE starting
 * with SEQUENCE, SEQUENCE) → v4/v5 SES_Signature (4..5 elements, first a SEQUENCE starting with
 * INTEGER; v5 when TBS version is 5 or the embedded seal is v5) → v4/v5 SESeal (first element starts
 * with an SES_Header; v5 when 5 elements or header version 5).
 */
export function detectSesStructure(der: Uint8Array): SesStructure {
  let s: Asn1Element;
  try {
    s = parseDer(der);
  } catch {
    return 'unknown';
  }
  if (!isUniversal(s, Tag.SEQUENCE) || !s.constructed) return 'unknown';
  const c = s.children;
  const first = c[0];
  if (isUniversal(first, Tag.OBJECT_IDENTIFIER)) {
    try {
      const oid = readOid(first, 'ContentInfo.contentType');
      if (oid === id_signedData || oid === id_gmt0010_signedData) return 'cms';
    } catch {
      return 'unknown';
    }
    return 'unknown';
  }
  if (c.length === 2 && isUniversal(c[0], Tag.INTEGER) && isUniversal(c[1], Tag.INTEGER)) return 'sm2-raw-signature';
  if (c.length === 2 && isUniversal(first, Tag.SEQUENCE) && isUniversal(first?.children[0], Tag.INTEGER) && isUniversal(c[1], Tag.BIT_STRING)) {
    return 'signature-v1';
  }
  if (c.length === 2) return sealKind(s);
  if (first !== undefined && (c.length === 4 || c.length === 5) && isUniversal(first, Tag.SEQUENCE) && isUniversal(first.children[0], Tag.INTEGER)) {
    const ver = first.children[0];
    const embedded = sealKind(first.children[1]);
    if ((ver?.content.length === 1 && ver.content[0] === 5) || embedded === 'seal-v5') return 'signature-v5';
    return 'signature-v4';
  }
  return sealKind(s);
}
