// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Every agent method with its strict parameter schema: the one source of truth for the page SDK,
 * the extension and the agent. Unknown fields are rejected; strings, arrays and byte payloads are
 * capped. There is no PIN parameter in any page-facing method: the PIN travels only in
 * `consent.reply`, sent by the extension's own consent window (ARCHITECTURE decision 3).
 */
import type { Schema } from '../schema/schema.js';
import { PORTAL_ACTIONS, SEAL_TYPES, type PortalAction } from '../policy/Policy.js';

/** Base64 of at most `bytes` bytes (4/3 expansion, padded). */
function base64(bytes: number): Schema {
  return { type: 'string', maxLength: Math.ceil(bytes / 3) * 4, pattern: /^[A-Za-z0-9+/]*={0,2}$/ };
}

/** Largest document or data payload sent inline (larger PDFs stream in chunks, PDF issue). */
export const MAX_INLINE_BYTES = 4 * 1024 * 1024;

/** Largest document uploaded in chunks (`doc.begin`); a page's own document is capped lower (extension/page/messages.ts). */
export const MAX_DOC_BYTES = 256 * 1024 * 1024;

const id: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9._:-]+$/ };
const sealType: Schema = { type: 'string', maxLength: 16, enum: SEAL_TYPES };
const digest: Schema = {
  type: 'object',
  required: ['alg', 'value'],
  properties: {
    alg: { type: 'string', maxLength: 8, enum: ['SM3', 'SHA-256'] },
    value: base64(32),
  },
};
const display: Schema = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    docName: { type: 'string', maxLength: 200 },
    pages: { type: 'integer', minimum: 0, maximum: 100_000 },
  },
};
const signItem: Schema = {
  type: 'object',
  required: ['propertyInfo', 'display'],
  properties: {
    itemId: id,
    /** Hash of the original; give either digest or data. */
    digest,
    /** Base64 data to be hashed by the agent (vouchers, forms). */
    data: base64(MAX_INLINE_BYTES),
    /** GB/T 38540 TBS_Sign.propertyInfo: names what the signature protects. */
    propertyInfo: { type: 'string', minLength: 1, maxLength: 256 },
    display,
  },
};

export interface MethodSpec {
  readonly params: Schema;
  /** The policy action this method needs for a portal origin; `null` = extension-internal only. */
  readonly action: PortalAction | null;
  /** Whether the method uses the token (and is serialised per token). */
  readonly usesToken: boolean;
}

export const METHODS = {
  status: { action: 'status', usesToken: false, params: { type: 'object', properties: {} } },
  'tokens.list': { action: 'status', usesToken: true, params: { type: 'object', properties: {} } },
  'seals.list': {
    action: 'seals.list',
    usesToken: true,
    params: { type: 'object', properties: { sealType, tokenSerial: id, includePictures: { type: 'boolean' } } },
  },
  'seal.sign': {
    action: 'seal.sign',
    usesToken: true,
    params: { type: 'object', required: ['sealId', 'item'], properties: { sealId: id, tokenSerial: id, item: signItem } },
  },
  'seal.signBatch': {
    action: 'seal.signBatch',
    usesToken: true,
    params: {
      type: 'object',
      required: ['sealId', 'items'],
      properties: { sealId: id, tokenSerial: id, items: { type: 'array', minItems: 1, maxItems: 1000, items: signItem } },
    },
  },
  'data.sign': {
    action: 'data.sign',
    usesToken: true,
    params: {
      type: 'object',
      required: ['certId', 'format', 'item'],
      properties: {
        certId: id,
        tokenSerial: id,
        format: { type: 'string', maxLength: 16, enum: ['sm2-raw', 'sm2-cms', 'cms'] },
        detached: { type: 'boolean' },
        item: signItem,
      },
    },
  },
  /**
   * Stamps a seal into a PDF (agent/handlers/pdfSeal.ts): `placement` is `{page, x, y}` (the seal's
   * centre in whole millimetres from the top-left of the page as displayed), `{keyword, page?,
   * occurrence?}` or `{riding: {y, from?, to?}}`; the handler refuses other combinations. The document travels
   * inline (≤ MAX_INLINE_BYTES) or as `documentRef`; a signed result larger than MAX_INLINE_BYTES comes
   * back as `documentRef` + `size`, read with `doc.get`.
   */
  'pdf.seal': {
    action: 'pdf.seal',
    usesToken: true,
    params: {
      type: 'object',
      required: ['sealId', 'display', 'placement'],
      properties: {
        sealId: id,
        tokenSerial: id,
        /** Exactly one of `document` (inline) and `documentRef` (a complete `doc.begin` upload; the handler checks). */
        document: base64(MAX_INLINE_BYTES),
        documentRef: id,
        fileName: { type: 'string', maxLength: 200 },
        display,
        placement: {
          type: 'object',
          properties: {
            page: { type: 'integer', minimum: 1, maximum: 100_000 },
            x: { type: 'integer', minimum: 0, maximum: 5000 },
            y: { type: 'integer', minimum: 0, maximum: 5000 },
            keyword: { type: 'string', minLength: 1, maxLength: 100 },
            occurrence: { type: 'integer', minimum: 1, maximum: 1000 },
            /** 骑缝章: one slice per page `from`..`to` (default all) at the right edge, centred `y` mm from the top. */
            riding: {
              type: 'object',
              required: ['y'],
              properties: { y: { type: 'integer', minimum: 0, maximum: 5000 }, from: { type: 'integer', minimum: 1, maximum: 100_000 }, to: { type: 'integer', minimum: 1, maximum: 100_000 } },
            },
          },
        },
        reason: { type: 'string', maxLength: 200 },
        location: { type: 'string', maxLength: 200 },
        cms: { type: 'boolean' },
      },
    },
  },
  'pin.change': { action: null, usesToken: true, params: { type: 'object', properties: { tokenSerial: id } } },
  verify: {
    action: 'verify',
    usesToken: false,
    params: {
      type: 'object',
      required: ['document'],
      properties: { document: base64(MAX_INLINE_BYTES), fileName: { type: 'string', maxLength: 200 }, includePictures: { type: 'boolean' } },
    },
  },
  /**
   * First pairing, before `auth`: proves knowledge of the one-time code shown by the agent
   * (pairingProof.ts). The result carries the new key sealed under the code-derived key.
   */
  pair: {
    action: null,
    usesToken: false,
    params: {
      type: 'object',
      required: ['proof'],
      properties: {
        proof: { type: 'string', maxLength: 44, minLength: 44, pattern: /^[A-Za-z0-9+/]{43}=$/ },
        /** Shown in `eseal pair --list`, e.g. `Chrome 147 on 财政局-PC01`. */
        label: { type: 'string', maxLength: 64, pattern: /^\P{Cc}*$/u },
      },
    },
  },
  /** Extension-internal chunked documents (agent/handlers/docs.ts): upload in order, then `pdf.seal {documentRef}`. */
  'doc.begin': {
    action: null,
    usesToken: false,
    params: { type: 'object', required: ['size', 'kind'], properties: { size: { type: 'integer', minimum: 1, maximum: MAX_DOC_BYTES }, kind: { type: 'string', maxLength: 8, enum: ['pdf'] } } },
  },
  'doc.put': {
    action: null,
    usesToken: false,
    params: {
      type: 'object',
      required: ['docId', 'offset', 'data'],
      properties: { docId: id, offset: { type: 'integer', minimum: 0, maximum: MAX_DOC_BYTES }, data: base64(MAX_INLINE_BYTES) },
    },
  },
  'doc.get': {
    action: null,
    usesToken: false,
    params: {
      type: 'object',
      required: ['docId', 'offset', 'length'],
      properties: { docId: id, offset: { type: 'integer', minimum: 0, maximum: 2 * MAX_DOC_BYTES }, length: { type: 'integer', minimum: 1, maximum: MAX_INLINE_BYTES } },
    },
  },
  'doc.drop': { action: null, usesToken: false, params: { type: 'object', required: ['docId'], properties: { docId: id } } },
  cancel: { action: null, usesToken: false, params: { type: 'object', required: ['requestId'], properties: { requestId: id } } },
  /** Sent by the extension's consent window only: the user's decision and, if asked, the PIN. */
  'consent.reply': {
    action: null,
    usesToken: false,
    params: {
      type: 'object',
      required: ['requestId', 'approved'],
      properties: {
        requestId: id,
        approved: { type: 'boolean' },
        pin: { type: 'string', minLength: 4, maxLength: 32, pattern: /^[\x20-\x7e]+$/ },
        newPin: { type: 'string', minLength: 6, maxLength: 32, pattern: /^[\x20-\x7e]+$/ },
      },
    },
  },
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(METHODS, value);
}

/** Methods a web page may ask for (through the extension); the rest are extension-internal. */
export const PAGE_METHODS = METHOD_NAMES.filter((m) => METHODS[m].action !== null);

// Keep the policy's action list and the method table in step at compile time.
const _actionsCovered: readonly PortalAction[] = PORTAL_ACTIONS;
void _actionsCovered;
