// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PEM (RFC 7468) decoding for certificates and CRLs.
 *
 * Design rationale: PEM files from Chinese CAs and tools arrive with CRLF, stray spaces, header lines
 * (`Proc-Type:` from old OpenSSL), or several blocks in one file (chains). We accept all blocks, ignore
 * text between blocks (RFC 7468 §2 explanatory text), and decode base64 strictly: any character outside
 * the alphabet, bad padding or a non-multiple-of-4 length is `ERR_X509_PEM_INVALID`, never a silently
 * shortened certificate. Input size is capped so a hostile "PEM" cannot make us allocate without bound.
 */

import { SealError } from '../errors/index.js';

export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE`, `X509 CRL`. */
  readonly label: string;
  readonly der: Uint8Array;
}

/** Largest PEM text we accept (16 MiB of characters). */
export const MAX_PEM_CHARS = 16 * 1024 * 1024;

const BEGIN_RE = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g;

function pemError(reason: string): SealError {
  return new SealError('ERR_X509_PEM_INVALID', { reason });
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict base64 (RFC 4648 §4) after whitespace removal. */
export function decodeBase64Strict(text: string): Uint8Array {
  const s = text.replace(/[\s]+/g, '');
  if (s.length % 4 !== 0) throw pemError('base64 length is not a multiple of 4');
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const last = i + 4 === s.length;
      if (c === 0x3d /* = */ && last && j >= 4 - pad) {
        v <<= 6;
        continue;
      }
      const d = c < 128 ? (B64_INDEX[c] as number) : -1;
      if (d < 0) throw pemError(`invalid base64 character at position ${i + j}`);
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >> 16) & 0xff;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}

/**
 * True when the input is PEM text rather than DER: a string containing a BEGIN line, or bytes that do
 * not start like DER (0x30, SEQUENCE) and contain a BEGIN line anywhere (`openssl x509 -text` puts
 * kilobytes of text before the block).
 */
export function looksLikePem(input: Uint8Array | string): boolean {
  if (typeof input === 'string') return input.includes('-----BEGIN ');
  if (input.length === 0 || input[0] === 0x30 || input.length > MAX_PEM_CHARS) return false;
  return pemText(input).includes('-----BEGIN ');
}

/** Bytes → text for PEM (ASCII; non-ASCII bytes only occur in explanatory text, which we skip). */
export function pemText(input: Uint8Array | string): string {
  if (typeof input === 'string') return input;
  if (input.length > MAX_PEM_CHARS) throw pemError('PEM input too large');
  let text = '';
  for (let i = 0; i < input.length; i += 8192) {
    text += String.fromCharCode(...input.subarray(i, i + 8192));
  }
  return text;
}

/**
 * All PEM blocks in `text`, optionally only those whose label is in `labels`.
 * Throws `ERR_X509_PEM_INVALID` when there is no block, a block has no END line, or base64 is bad.
 */
export function decodePem(input: string | Uint8Array, labels?: readonly string[]): PemBlock[] {
  const text = pemText(input);
  if (text.length > MAX_PEM_CHARS) throw pemError('PEM input too large');
  const blocks: PemBlock[] = [];
  BEGIN_RE.lastIndex = 0;
  for (let m = BEGIN_RE.exec(text); m !== null; m = BEGIN_RE.exec(text)) {
    const label = m[1] as string;
    const bodyStart = m.index + m[0].length;
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0) throw pemError(`missing "${endMarker}"`);
    let body = text.slice(bodyStart, end);
    // RFC 1421 encapsulated headers ("Proc-Type: …") end at the first blank line.
    if (/^\s*[A-Za-z-]+:/.test(body)) {
      const blank = body.search(/\r?\n\r?\n/);
      if (blank < 0) throw pemError('PEM headers without a blank line');
      body = body.slice(blank);
    }
    BEGIN_RE.lastIndex = end + endMarker.length;
    if (labels !== undefined && !labels.includes(label)) continue;
    const der = decodeBase64Strict(body);
    if (der.length === 0) throw pemError(`empty ${label} block`);
    blocks.push({ label, der });
  }
  if (blocks.length === 0) {
    throw pemError(labels === undefined ? 'no PEM block found' : `no ${labels.join(' or ')} block found`);
  }
  return blocks;
}
