// SPDX-License-Identifier: Apache-2.0
// The chunked-document store on its own: ownership per connection, the count and byte caps
// (per connection and in total), the idle TTL (a clock passed in, no waiting), freeing on
// disconnect, and the ordered, bounded put/get.
import { describe, expect, it } from 'vitest';
import { DOC_IDLE_TTL_MS, DocStore, MAX_DOC_BYTES_PER_CONNECTION, MAX_DOC_BYTES_TOTAL, MAX_DOCS_PER_CONNECTION } from '../../../agent/handlers/docStore.js';
import { MAX_DOC_BYTES } from '../../../shared/protocol/methods.js';
import { SealError } from '../../../shared/errors/index.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof SealError ? e.code : 'not a SealError';
  }
};

describe('DocStore', () => {
  it('assembles in-order chunks and serves bounded reads', () => {
    const docs = new DocStore().view({});
    const id = docs.begin(6);
    expect(docs.put(id, 0, Buffer.from('abc'))).toEqual({ received: 3, complete: false });
    expect(codeOf(() => docs.bytes(id))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => docs.put(id, 0, Buffer.from('abc')))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => docs.put(id, 3, Buffer.from('defg')))).toBe('ERR_INPUT_TOO_LARGE');
    expect(docs.put(id, 3, Buffer.from('def'))).toEqual({ received: 6, complete: true });
    expect(docs.bytes(id).toString()).toBe('abcdef');
    expect(docs.get(id, 4, 100).toString()).toBe('ef');
    expect(docs.get(id, 6, 1).length).toBe(0);
    expect(codeOf(() => docs.get(id, 7, 1))).toBe('ERR_INPUT_INVALID');
  });

  it("keeps connections apart and frees a connection's documents when it closes", () => {
    const store = new DocStore();
    const a = {};
    const b = {};
    const id = store.view(a).begin(100);
    expect(codeOf(() => store.view(b).put(id, 0, Buffer.from('x')))).toBe('ERR_DOC_UNKNOWN');
    expect(store.view(b).drop(id)).toBe(false);
    store.view(b).keep(Buffer.alloc(50));
    expect(store.totalBytes).toBe(150);
    store.dropOwner(a);
    expect(store.totalBytes).toBe(50);
    expect(codeOf(() => store.view(a).bytes(id))).toBe('ERR_DOC_UNKNOWN');
  });

  it('caps the count and the bytes per connection and in total', () => {
    const store = new DocStore();
    const one = store.view({});
    for (let i = 0; i < MAX_DOCS_PER_CONNECTION; i++) one.begin(1);
    expect(codeOf(() => one.begin(1))).toBe('ERR_INPUT_TOO_LARGE');
    const two = store.view({});
    two.begin(MAX_DOC_BYTES);
    two.begin(MAX_DOC_BYTES);
    expect(codeOf(() => two.begin(MAX_DOC_BYTES_PER_CONNECTION - 2 * MAX_DOC_BYTES + 1))).toBe('ERR_INPUT_TOO_LARGE');
    // Reservations count at begin, before any byte arrives: the total cap holds across connections.
    const owners = Array.from({ length: Math.ceil(MAX_DOC_BYTES_TOTAL / MAX_DOC_BYTES) }, () => store.view({}));
    let refused = 0;
    for (const o of owners) if (codeOf(() => o.begin(MAX_DOC_BYTES)) === 'ERR_INPUT_TOO_LARGE') refused++;
    expect(refused).toBeGreaterThan(0);
    expect(store.totalBytes).toBeLessThanOrEqual(MAX_DOC_BYTES_TOTAL);
  });

  it('drops documents idle longer than the TTL; touching keeps them', () => {
    let now = 1_000_000;
    const store = new DocStore(() => now);
    const docs = store.view({});
    const idle = docs.begin(3);
    const busy = docs.begin(3);
    now += DOC_IDLE_TTL_MS - 1;
    docs.put(busy, 0, Buffer.from('a'));
    now += 2;
    expect(codeOf(() => docs.put(idle, 0, Buffer.from('a')))).toBe('ERR_DOC_UNKNOWN');
    expect(docs.put(busy, 1, Buffer.from('b'))).toEqual({ received: 2, complete: false });
    expect(store.totalBytes).toBe(3);
  });
});
