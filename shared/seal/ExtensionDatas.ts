// SPDX-License-Identifier: Apache-2.0
import {
  type Asn1Element,
  derBoolean,
  derOctetString,
  derOid,
  derSequence,
  isUniversal,
  readBoolean,
  readOctetString,
  readOid,
  Tag,
  TAG_CLASS_CONTEXT,
} from '../asn1/index.js';
import { parseDer } from '../asn1/der.js';

/**
 * Extension data of seals and signatures (GM/T 0031-2014, GB/T 38540-2020).
 *
 * ```asn
 * ExtensionDatas ::= SEQUENCE SIZE (0..MAX) OF ExtData
 * ExtData ::= SEQUENCE {
 *   extnID     OBJECT IDENTIFIER,
 *   critical   BOOLEAN DEFAULT FALSE,
 *   extnValue  OCTET STRING }
 * ```
 *
 * Variants accepted (seal-formats.md §1.2): `critical FALSE` encoded explicitly (GOMAIN) or omitted;
 * the list untagged, as an `[n]` tag (explicit or implicit) or wrapped in an OCTET STRING. An ExtData
 * of an unexpected shape is skipped (counted in `skipped`), as ofdrw does, instead of failing the seal:
 * the signed bytes are kept verbatim elsewhere, so skipping never changes what is verified.
 */
export interface ExtData {
  readonly extnID: string;
  readonly critical: boolean;
  readonly extnValue: Uint8Array;
}

export interface DecodedExtensionDatas {
  readonly items: readonly ExtData[];
  /** ExtData entries of an unrecognised shape that were skipped. */
  readonly skipped: number;
}

function decodeExtData(el: Asn1Element, path: string): ExtData | undefined {
  if (!isUniversal(el, Tag.SEQUENCE) || !el.constructed) return undefined;
  const c = el.children;
  if (c.length < 2 || c.length > 3 || !isUniversal(c[0], Tag.OBJECT_IDENTIFIER)) return undefined;
  try {
    const extnID = readOid(c[0], `${path}.extnID`);
    let critical = false;
    let valueEl = c[1];
    if (c.length === 3) {
      critical = readBoolean(c[1], `${path}.critical`);
      valueEl = c[2];
    }
    return { extnID, critical, extnValue: readOctetString(valueEl, `${path}.extnValue`) };
  } catch {
    return undefined;
  }
}

function listElements(el: Asn1Element): readonly Asn1Element[] | undefined {
  // Untagged SEQUENCE OF ExtData.
  if (isUniversal(el, Tag.SEQUENCE) && el.constructed) return el.children;
  // OCTET STRING wrapping the DER of ExtensionDatas.
  if (isUniversal(el, Tag.OCTET_STRING) && !el.constructed) {
    try {
      const inner = parseDer(el.content);
      if (isUniversal(inner, Tag.SEQUENCE) && inner.constructed) return inner.children;
    } catch {
      return undefined;
    }
    return undefined;
  }
  // [n] explicit (one SEQUENCE inside whose children are ExtData) or implicit (children are ExtData).
  if (el.tagClass === TAG_CLASS_CONTEXT && el.constructed) {
    const only = el.children.length === 1 ? el.children[0] : undefined;
    if (only !== undefined && isUniversal(only, Tag.SEQUENCE) && only.children.every((x) => isUniversal(x, Tag.SEQUENCE))) {
      // Explicit unless the single child is itself an ExtData (starts with an OID).
      if (!isUniversal(only.children[0], Tag.OBJECT_IDENTIFIER)) return only.children;
    }
    return el.children;
  }
  return undefined;
}

/** Decodes ExtensionDatas in any accepted wrapping; `undefined` when the element is no such list. */
export function decodeExtensionDatas(el: Asn1Element, path: string): DecodedExtensionDatas | undefined {
  const list = listElements(el);
  if (list === undefined) return undefined;
  const items: ExtData[] = [];
  let skipped = 0;
  list.forEach((child, i) => {
    const d = decodeExtData(child, `${path}[${i}]`);
    if (d === undefined) skipped++;
    else items.push(d);
  });
  return { items, skipped };
}

/** Strict DER: `critical` omitted when false (DEFAULT FALSE). */
export function encodeExtensionDatas(items: readonly ExtData[]): Uint8Array {
  return derSequence(
    ...items.map((x) => (x.critical ? derSequence(derOid(x.extnID), derBoolean(true), derOctetString(x.extnValue)) : derSequence(derOid(x.extnID), derOctetString(x.extnValue)))),
  );
}
