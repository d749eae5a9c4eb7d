// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Strict parsing of agent protocol frames. Every frame is size-checked, JSON-parsed, shape-checked
 * against its kind, and requests against their method's schema; any problem is a coded
 * SealError (ERR_PROTOCOL_MALFORMED, ERR_PROTOCOL_UNKNOWN_METHOD, ERR_PROTOCOL_TOO_LARGE,
 * ERR_PROTOCOL_VERSION) so the peer learns what was wrong and the connection stays usable.
 */
import { SealError } from '../errors/index.js';
import { assertSchema, type Schema } from '../schema/schema.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSIONS } from './envelope.js';
import { isMethodName, METHODS, type MethodName } from './methods.js';

const requestId: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9._:-]+$/ };
const b64_32: Schema = { type: 'string', maxLength: 44, minLength: 44, pattern: /^[A-Za-z0-9+/]{43}=$/ };

/** Context the extension's background adds from `sender`; never taken from the page. */
const CONTEXT_SCHEMA: Schema = {
  type: 'object',
  required: ['origin'],
  properties: {
    origin: { type: 'string', maxLength: 256, pattern: /^https?:\/\/[^\s/]+$/ },
    topOrigin: { type: 'string', maxLength: 256, pattern: /^https?:\/\/[^\s/]+$/ },
    tabId: { type: 'integer', minimum: -1, maximum: 2 ** 31 - 1 },
    frameId: { type: 'integer', minimum: -1, maximum: 2 ** 31 - 1 },
    lang: { type: 'string', maxLength: 8, enum: ['zh-CN', 'en'] },
  },
};

const FRAME_SCHEMAS: Record<string, Schema> = {
  hello: {
    type: 'object',
    required: ['v', 'kind', 'versions'],
    properties: {
      v: { type: 'integer', minimum: 1, maximum: 1000 },
      kind: { type: 'string', maxLength: 8 },
      versions: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'integer', minimum: 1, maximum: 1000 } },
      extensionVersion: { type: 'string', maxLength: 32 },
      browser: { type: 'string', maxLength: 64 },
      keyId: requestId,
      nonce: b64_32,
      policyDigest: { type: 'string', maxLength: 80 },
    },
  },
  auth: {
    type: 'object',
    required: ['v', 'kind', 'proof'],
    properties: { v: { type: 'integer', minimum: 1, maximum: 1 }, kind: { type: 'string', maxLength: 8 }, proof: b64_32 },
  },
  req: {
    type: 'object',
    required: ['v', 'kind', 'id', 'method', 'params'],
    properties: {
      v: { type: 'integer', minimum: 1, maximum: 1 },
      kind: { type: 'string', maxLength: 8 },
      id: requestId,
      method: { type: 'string', maxLength: 64 },
      // Checked against the method's own schema below.
      params: { type: 'object', properties: {} },
      ctx: CONTEXT_SCHEMA,
      deadlineMs: { type: 'integer', minimum: 100, maximum: 30 * 60 * 1000 },
    },
  },
};

export interface HelloFrame {
  readonly kind: 'hello';
  readonly v: number;
  readonly versions: readonly number[];
  readonly extensionVersion?: string;
  readonly browser?: string;
  readonly keyId?: string;
  readonly nonce?: string;
  readonly policyDigest?: string;
}
export interface AuthFrame {
  readonly kind: 'auth';
  readonly v: 1;
  readonly proof: string;
}
export interface RequestContext {
  readonly origin: string;
  readonly topOrigin?: string;
  readonly tabId?: number;
  readonly frameId?: number;
  readonly lang?: 'zh-CN' | 'en';
}
export interface RequestFrame {
  readonly kind: 'req';
  readonly v: 1;
  readonly id: string;
  readonly method: MethodName;
  readonly params: Record<string, unknown>;
  readonly ctx?: RequestContext;
  readonly deadlineMs?: number;
}
export type ClientFrame = HelloFrame | AuthFrame | RequestFrame;

/**
 * Parses one frame from the extension. `text` must already be a string (binary frames are refused
 * by the transport). Requests are returned only when their params match the method's schema.
 */
export function parseClientFrame(text: string): ClientFrame {
  if (text.length > MAX_FRAME_BYTES) throw new SealError('ERR_PROTOCOL_TOO_LARGE', { limit: MAX_FRAME_BYTES });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'not JSON' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'not a JSON object' });
  const kind = (value as Record<string, unknown>)['kind'];
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(FRAME_SCHEMAS, kind)) {
    throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: `unknown kind ${typeof kind === 'string' ? kind.slice(0, 16) : typeof kind}` });
  }
  const schema = FRAME_SCHEMAS[kind];
  if (!schema) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'unknown kind' });
  // The params object of a request is validated by its method schema, so accept any keys here.
  const shallow = kind === 'req' ? { ...(value as Record<string, unknown>), params: {} } : value;
  assertSchema(schema, shallow, 'ERR_PROTOCOL_MALFORMED');
  if (kind === 'hello') {
    const hello = value as HelloFrame;
    if (!hello.versions.some((v) => (PROTOCOL_VERSIONS as readonly number[]).includes(v))) {
      throw new SealError('ERR_PROTOCOL_VERSION', { supported: PROTOCOL_VERSIONS.join(',') });
    }
    return hello;
  }
  if (kind === 'auth') return value as AuthFrame;
  const request = value as Omit<RequestFrame, 'method'> & { method: string };
  if (!isMethodName(request.method)) throw new SealError('ERR_PROTOCOL_UNKNOWN_METHOD', { method: request.method.slice(0, 64) });
  assertSchema(METHODS[request.method].params, request.params, 'ERR_PROTOCOL_MALFORMED');
  checkSignItems(request.params);
  return { ...request, method: request.method };
}

/** What a schema cannot say: each item to sign carries exactly one of `digest` and `data`. */
function checkSignItems(params: Record<string, unknown>): void {
  const items = Array.isArray(params['items']) ? (params['items'] as unknown[]) : params['item'] !== undefined ? [params['item']] : [];
  items.forEach((item, i) => {
    const record = item as Record<string, unknown>;
    const hasDigest = record['digest'] !== undefined;
    const hasData = record['data'] !== undefined;
    if (hasDigest === hasData) {
      throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: `${Array.isArray(params['items']) ? `items[${i}]` : 'item'} needs exactly one of digest and data` });
    }
  });
  const ids = Array.isArray(params['items']) ? (params['items'] as { itemId?: string }[]).map((x) => x.itemId).filter((x) => x !== undefined) : [];
  if (new Set(ids).size !== ids.length) throw new SealError('ERR_PROTOCOL_MALFORMED', { reason: 'duplicate itemId' });
}
