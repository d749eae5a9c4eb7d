// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A strict DER writer: minimal lengths, minimal INTEGERs, validated string character sets,
 * GeneralizedTime/UTCTime in the DER form (`Z`, no fraction unless needed, no trailing zeros).
 * Values are built bottom-up as encoded `Uint8Array`s, so a signed part can be encoded once, signed,
 * and then embedded byte-for-byte.
 */

import { SealError } from '../errors/index.js';
import { Tag } from './der.js';

function invalid(name: string, reason: string): SealError {
  return new SealError('ERR_INPUT_INVALID', { name, reason });
}

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes a TLV with a one-byte identifier (tag numbers < 31). */
export function derTlv(identifier: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(identifier), encodeLength(content.length), content]);
}

export function derSequence(...items: readonly Uint8Array[]): Uint8Array {
  return derTlv(0x30, concat(items));
}

export function derSet(...items: readonly Uint8Array[]): Uint8Array {
  // DER SET OF: elements sorted by their encodings.
  const sorted = [...items].sort((a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  });
  return derTlv(0x31, concat(sorted));
}

export function derInteger(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw invalid('INTEGER', 'not a safe integer');
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v === 0n) bytes.push(0);
  const negative = v < 0n;
  while (v !== 0n && v !== -1n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (negative) {
    if (bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) bytes.unshift(0xff);
  } else if (((bytes[0] as number) & 0x80) !== 0) {
    bytes.unshift(0);
  }
  return derTlv(Tag.INTEGER, Uint8Array.from(bytes));
}

/** INTEGER from an unsigned big-endian magnitude (e.g. SM2 r, s). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let m = magnitude;
  while (m.length > 1 && m[0] === 0) m = m.subarray(1);
  if (m.length === 0) m = Uint8Array.of(0);
  return derTlv(Tag.INTEGER, ((m[0] as number) & 0x80) !== 0 ? concat([Uint8Array.of(0), m]) : m);
}

export function derBoolean(value: boolean): Uint8Array {
  return derTlv(Tag.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

export function derNull(): Uint8Array {
  return Uint8Array.of(0x05, 0x00);
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derTlv(Tag.OCTET_STRING, bytes);
}

/** BIT STRING of whole bytes (unused bits 0). */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return derTlv(Tag.BIT_STRING, concat([Uint8Array.of(0), bytes]));
}

export function derIA5String(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw invalid('IA5String', `non-ASCII character at position ${i}`);
    out[i] = c;
  }
  return derTlv(Tag.IA5String, out);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
export function derPrintableString(s: string): Uint8Array {
  if (!PRINTABLE.test(s)) throw invalid('PrintableString', 'character outside the PrintableString set');
  return derTlv(Tag.PrintableString, new TextEncoder().encode(s));
}

export function derUtf8String(s: string): Uint8Array {
  return derTlv(Tag.UTF8String, new TextEncoder().encode(s));
}

export function derOid(oid: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(oid)) throw invalid('OBJECT IDENTIFIER', `"${oid}" is not a dotted OID`);
  const arcs = oid.split('.').map((a) => BigInt(a));
  const a0 = arcs[0] as bigint;
  const a1 = arcs[1] as bigint;
  if (a0 < 2n && a1 >= 40n) throw invalid('OBJECT IDENTIFIER', 'second arc must be < 40');
  const values = [a0 * 40n + a1, ...arcs.slice(2)];
  const out: number[] = [];
  for (const v of values) {
    const chunk: number[] = [Number(v & 0x7fn)];
    let r = v >> 7n;
    while (r > 0n) {
      chunk.unshift(Number(r & 0x7fn) | 0x80);
      r >>= 7n;
    }
    out.push(...chunk);
  }
  return derTlv(Tag.OBJECT_IDENTIFIER, Uint8Array.from(out));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function checkDate(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(name, 'not a valid date');
}

/** DER GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` (fraction only when non-zero, trailing zeros removed). */
export function derGeneralizedTime(d: Date): Uint8Array {
  checkDate(d, 'GeneralizedTime');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw invalid('GeneralizedTime', 'year out of range');
  let s = `${pad(y, 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
  const ms = d.getUTCMilliseconds();
  if (ms !== 0) s += `.${pad(ms, 3).replace(/0+$/, '')}`;
  return derTlv(Tag.GeneralizedTime, new TextEncoder().encode(`${s}Z`));
}

/** DER UTCTime `YYMMDDHHMMSSZ` (years 1950..2049). */
export function derUtcTime(d: Date): Uint8Array {
  checkDate(d, 'UTCTime');
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw invalid('UTCTime', 'year outside 1950..2049');
  const s = `${pad(y % 100, 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}Z`;
  return derTlv(Tag.UTCTime, new TextEncoder().encode(s));
}

/** `[n] EXPLICIT inner` (context class, constructed). */
export function derExplicit(tagNumber: number, inner: Uint8Array): Uint8Array {
  if (tagNumber < 0 || tagNumber > 30) throw invalid('tag', 'context tag number out of range 0..30');
  return derTlv(0xa0 | tagNumber, inner);
}

/** `[n] IMPLICIT`: replaces the identifier of an encoded element, keeping its constructed bit. */
export function derImplicit(tagNumber: number, encoded: Uint8Array): Uint8Array {
  if (tagNumber < 0 || tagNumber > 30) throw invalid('tag', 'context tag number out of range 0..30');
  if (encoded.length < 2) throw invalid('tag', 'encoded element too short');
  const out = encoded.slice();
  out[0] = 0x80 | ((encoded[0] as number) & 0x20) | tagNumber;
  return out;
}

export { concat as concatDer };
