// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Internal helpers shared by the certificate and CRL parsers: bounded DER pre-parse, schema parsing
 * through `@peculiar/asn1-schema` with every failure mapped to one coded error, and small byte utilities.
 *
 * Design rationale: hostile input must end in a `SealError`, never in a `TypeError` from deep inside
 * a generic decoder or in a stack overflow. So every input first goes through ESeal's own bounded
 * reader (`shared/asn1/der.ts`: depth and element caps, lengths checked before allocation), which
 * also gives us the original bytes of every signed part; only then does the schema library map it to
 * typed objects, inside a `try` that converts whatever it throws.
 */

import { AsnParser } from '@peculiar/asn1-schema';
import { SealError, type ErrorCode } from '../errors/index.js';
import { parseDer, type Asn1Element, Tag, TAG_CLASS_UNIVERSAL } from '../asn1/index.js';
import { bytesToHex } from '../crypto/bytes.js';

/** Largest certificate or CRL we parse (CRLs of big CAs reach a few MiB). */
export const MAX_X509_BYTES = 32 * 1024 * 1024;

type X509ErrorCode = Extract<ErrorCode, 'ERR_X509_MALFORMED' | 'ERR_X509_CRL_MALFORMED'>;

export function x509Error(code: X509ErrorCode, reason: string, cause?: unknown): SealError {
  return new SealError(code, { reason: reason.slice(0, 300) }, cause === undefined ? undefined : { cause });
}

function describeError(e: unknown): string {
  if (e instanceof SealError) return typeof e.details.reason === 'string' ? e.details.reason : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs `fn`, turning any failure that is not already a SealError into `code`. */
export function guard<T>(code: X509ErrorCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SealError && (e.code === code || e.code === 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED')) throw e;
    throw x509Error(code, `${what}: ${describeError(e)}`, e);
  }
}

/** Checks the input type and size and pre-parses with the bounded reader. */
export function preParse(code: X509ErrorCode, der: unknown, what: string): { bytes: Uint8Array; top: Asn1Element } {
  if (!(der instanceof Uint8Array)) throw new SealError('ERR_INPUT_INVALID', { name: 'der', reason: 'expected a Uint8Array' });
  if (der.length === 0) throw x509Error(code, `empty ${what}`);
  if (der.length > MAX_X509_BYTES) throw x509Error(code, `${what} larger than ${MAX_X509_BYTES} bytes`);
  // Own plain copy (also for Node Buffers, whose slice() shares memory): later mutation by the caller
  // cannot change a parsed object.
  const bytes = new Uint8Array(der);
  const top = guard(code, what, () => parseDer(bytes, { maxDepth: 32 }));
  return { bytes, top };
}

/** Parses with an `@peculiar/asn1-schema` class, mapping every failure to `code`. */
export function parseSchema<T>(code: X509ErrorCode, data: Uint8Array, schema: new () => T, what: string): T {
  return guard(code, what, () => AsnParser.parse(data, schema));
}

export function isSeq(el: Asn1Element | undefined): el is Asn1Element {
  return el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === Tag.SEQUENCE && el.constructed;
}

/** A fresh plain Uint8Array copy of any buffer (schema results are ArrayBuffers or views). */
export function toBytes(buf: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  return new Uint8Array(new Uint8Array(buf));
}

/** Lower-case hex (the shared `bytesToHex`). */
export const hexOf: (bytes: Uint8Array) => string = bytesToHex;

/** Serial number hex: lower case, leading 00 padding bytes removed (at least one byte kept). */
export function serialHex(content: Uint8Array): string {
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  return hexOf(content.subarray(i));
}

/** Byte equality that is false when either side is absent (public data: no constant-time need). */
export function equalBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
