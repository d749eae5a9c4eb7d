// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Strict DER for the `SEQUENCE { r INTEGER, s INTEGER }` signature value used by SM2 (GM/T 0009
 * `SM2Signature`) and ECDSA (RFC 3279 `Ecdsa-Sig-Value`).
 *
 * Design rationale: a signature parser is an attack surface and a malleability source, so only the
 * distinguished encoding is accepted: definite minimal lengths, no negative integers, no superfluous
 * leading zero bytes, no trailing bytes inside or after the SEQUENCE. Anything else is
 * `ERR_CRYPTO_SIGNATURE_MALFORMED`. Range checks against the group order are the caller's business.
 */
import { SealError } from '../errors/index.js';

function malformed(reason: string): SealError {
  return new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason });
}

/** Reads a definite, minimally encoded DER length at `pos`; returns [length, next position]. */
function readLength(der: Uint8Array, pos: number): [number, number] {
  const first = der[pos];
  if (first === undefined) throw malformed('truncated length');
  if (first < 0x80) return [first, pos + 1];
  const count = first & 0x7f;
  if (count === 0) throw malformed('indefinite length');
  if (count > 2) throw malformed('length too large');
  let len = 0;
  for (let i = 0; i < count; i++) {
    const b = der[pos + 1 + i];
    if (b === undefined) throw malformed('truncated length');
    len = (len << 8) | b;
  }
  if (len < 0x80 || (count === 2 && len < 0x100)) throw malformed('non-minimal length encoding');
  return [len, pos + 1 + count];
}

function readInteger(der: Uint8Array, pos: number, name: string, maxBytes: number): [bigint, number] {
  if (der[pos] !== 0x02) throw malformed(`${name} is not an INTEGER`);
  const [len, start] = readLength(der, pos + 1);
  const end = start + len;
  if (len === 0) throw malformed(`${name} is empty`);
  if (end > der.length) throw malformed(`${name} is truncated`);
  const first = der[start] as number;
  if (first & 0x80) throw malformed(`${name} is negative`);
  if (first === 0 && len > 1 && ((der[start + 1] as number) & 0x80) === 0) throw malformed(`${name} has a superfluous leading zero`);
  if (len - (first === 0 ? 1 : 0) > maxBytes) throw malformed(`${name} is too large`);
  let v = 0n;
  for (let i = start; i < end; i++) v = (v << 8n) | BigInt(der[i] as number);
  return [v, end];
}

/**
 * Parses a strict DER `SEQUENCE { r, s }`; each integer may have at most `maxBytes` magnitude bytes.
 * @throws SealError ERR_CRYPTO_SIGNATURE_MALFORMED
 */
export function parseDerSignature(der: Uint8Array, maxBytes: number): { r: bigint; s: bigint } {
  if (der[0] !== 0x30) throw malformed('not a DER SEQUENCE');
  const [len, start] = readLength(der, 1);
  if (start + len !== der.length) throw malformed(start + len > der.length ? 'SEQUENCE is truncated' : 'trailing bytes after SEQUENCE');
  const [r, next] = readInteger(der, start, 'r', maxBytes);
  const [s, end] = readInteger(der, next, 's', maxBytes);
  if (end !== der.length) throw malformed('trailing bytes inside SEQUENCE');
  return { r, s };
}

function integerBytes(v: bigint): Uint8Array {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function lengthBytes(len: number): number[] {
  if (len < 0x80) return [len];
  if (len < 0x100) return [0x81, len];
  return [0x82, len >>> 8, len & 0xff];
}

/** DER `SEQUENCE { r, s }` for non-negative r, s. */
export function encodeDerSignature(r: bigint, s: bigint): Uint8Array {
  const rb = integerBytes(r);
  const sb = integerBytes(s);
  const body = [0x02, ...lengthBytes(rb.length), ...rb, 0x02, ...lengthBytes(sb.length), ...sb];
  return Uint8Array.from([0x30, ...lengthBytes(body.length), ...body]);
}

/** Fixed-width big-endian bytes of a non-negative bigint (caller guarantees it fits). */
export function bigintToBytes(v: bigint, length: number): Uint8Array {
  const hex = v.toString(16).padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Unsigned big-endian integer of `bytes`. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}
