// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `doc.begin`, `doc.put`, `doc.get`, `doc.drop`: the extension's chunked documents (docStore.ts).
 * Extension-internal (`action: null`): a portal request naming them is refused by the dispatcher.
 */
import { SealError } from '../../shared/errors/index.js';
import type { ConnectionDocs } from './docStore.js';
import type { Handler, RequestScope } from './types.js';

function docsOf(scope: RequestScope): ConnectionDocs {
  if (!scope.docs) throw new SealError('ERR_INTERNAL', { reason: 'no document store' });
  return scope.docs;
}

/** Strict Base64: whole quanta only, so a chunk cannot silently lose its last bytes. */
export function chunkBytes(text: string, name: string): Buffer {
  if (text.length % 4 !== 0) throw new SealError('ERR_INPUT_INVALID', { name, reason: 'Base64 length not a multiple of 4' });
  return Buffer.from(text, 'base64');
}

// Synchronous work behind the async Handler signature: a throw becomes a rejected promise.
export const docBegin: Handler = (scope) => settle(() => ({ docId: docsOf(scope).begin(scope.params['size'] as number) }));

export const docPut: Handler = (scope) =>
  settle(() => {
    const data = chunkBytes(String(scope.params['data']), 'data');
    return docsOf(scope).put(String(scope.params['docId']), scope.params['offset'] as number, data);
  });

export const docGet: Handler = (scope) =>
  settle(() => {
    const bytes = docsOf(scope).get(String(scope.params['docId']), scope.params['offset'] as number, scope.params['length'] as number);
    return { data: bytes.toString('base64'), length: bytes.length };
  });

export const docDrop: Handler = (scope) => settle(() => ({ dropped: docsOf(scope).drop(String(scope.params['docId'])) }));

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new SealError('ERR_INTERNAL', { reason: 'doc' }));
  }
}
