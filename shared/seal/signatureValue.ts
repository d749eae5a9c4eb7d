// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * SM2 signature values as stored in seal BIT STRINGs: DER `SEQUENCE { r INTEGER, s INTEGER }`
 * (most producers) or raw 64-byte `r || s` (Shandong 同智伟业). Decided by tag and length
 * (seal-formats.md §6.1).
 */
import { SealError } from '../errors/index.js';
import { derSequence, derUnsignedInteger, isUniversal, parseDer, readIntegerBytes, readSequence, Tag } from '../asn1/index.js';

export type SignatureValueForm = 'der' | 'raw64' | 'unknown';

/** Which form a stored SM2 signature value has. Never throws. */
export function signatureValueForm(value: Uint8Array): SignatureValueForm {
  if (value[0] === 0x30) {
    try {
      const el = parseDer(value);
      if (el.children.length === 2 && isUniversal(el.children[0], Tag.INTEGER) && isUniversal(el.children[1], Tag.INTEGER)) return 'der';
    } catch {
      // not DER; may still be raw r||s starting with 0x30
    }
  }
  return value.length === 64 ? 'raw64' : 'unknown';
}

/** Normalises a stored SM2 signature value to DER `SEQUENCE{r, s}`. */
export function sm2SignatureValueToDer(value: Uint8Array): Uint8Array {
  const form = signatureValueForm(value);
  if (form === 'der') return value;
  if (form === 'raw64') return derSequence(derUnsignedInteger(value.subarray(0, 32)), derUnsignedInteger(value.subarray(32)));
  throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: `SM2 signature value of ${value.length} bytes is neither DER nor raw r||s` });
}

/** Splits a stored SM2 signature value into 32-byte r and s. */
export function sm2SignatureValueToRaw(value: Uint8Array): Uint8Array {
  const form = signatureValueForm(value);
  if (form === 'raw64') return value;
  if (form !== 'der') throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: `SM2 signature value of ${value.length} bytes is neither DER nor raw r||s` });
  const [r, s] = readSequence(parseDer(value), 'SM2Signature', 2, 2);
  const out = new Uint8Array(64);
  const rb = readIntegerBytes(r, 'SM2Signature.r');
  const sb = readIntegerBytes(s, 'SM2Signature.s');
  if (rb.length > 32 || sb.length > 32) throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: 'SM2 r or s longer than 32 bytes' });
  out.set(rb, 32 - rb.length);
  out.set(sb, 64 - sb.length);
  return out;
}
