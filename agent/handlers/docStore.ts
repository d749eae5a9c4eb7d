// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Large documents between the extension and the agent (`doc.begin/put/get/drop`): a document larger
 * than one frame is uploaded in ordered chunks and referenced by `docId` in `pdf.seal`; a signed PDF
 * larger than MAX_INLINE_BYTES is kept here and read back in chunks. Documents belong to the
 * connection that made them (another connection's docId is unknown to it), are capped per
 * connection and in total, expire after an idle TTL and are freed when the connection closes.
 */
import { randomBytes } from 'node:crypto';
import { SealError } from '../../shared/errors/index.js';
import { MAX_DOC_BYTES } from '../../shared/protocol/methods.js';

/** Bytes one connection may hold: an input and its signed output at the largest size, plus slack. */
export const MAX_DOC_BYTES_PER_CONNECTION = 2 * MAX_DOC_BYTES + 32 * 1024 * 1024;
/** Bytes all connections together may hold. */
export const MAX_DOC_BYTES_TOTAL = 1024 * 1024 * 1024;
/** Documents one connection may hold at once. */
export const MAX_DOCS_PER_CONNECTION = 8;
/** A document nobody touched for this long is dropped. */
export const DOC_IDLE_TTL_MS = 2 * 60 * 1000;

interface Doc {
  readonly size: number;
  /** Upload: chunks received so far; complete when `received === size`. */
  readonly chunks: Buffer[];
  received: number;
  /** The assembled bytes once complete. */
  bytes?: Buffer;
  touched: number;
}

/** One connection's documents (what a handler sees through `scope.docs`). */
export interface ConnectionDocs {
  begin(size: number): string;
  put(docId: string, offset: number, data: Buffer): { received: number; complete: boolean };
  /** The complete document (ERR_INPUT_INVALID while the upload is incomplete). */
  bytes(docId: string): Buffer;
  get(docId: string, offset: number, length: number): Buffer;
  /** Keeps finished bytes (a signed result) and returns their docId. */
  keep(bytes: Buffer): string;
  drop(docId: string): boolean;
}

export class DocStore {
  private readonly owners = new Map<object, Map<string, Doc>>();
  private total = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Bytes held by every connection (reserved at `begin`). */
  get totalBytes(): number {
    return this.total;
  }

  view(owner: object): ConnectionDocs {
    return {
      begin: (size) => this.begin(owner, size),
      put: (docId, offset, data) => this.put(owner, docId, offset, data),
      bytes: (docId) => this.bytes(owner, docId),
      get: (docId, offset, length) => this.get(owner, docId, offset, length),
      keep: (bytes) => this.keep(owner, bytes),
      drop: (docId) => this.drop(owner, docId),
    };
  }

  /** The connection closed: everything it held goes. */
  dropOwner(owner: object): void {
    const docs = this.owners.get(owner);
    if (!docs) return;
    for (const d of docs.values()) this.total -= d.size;
    this.owners.delete(owner);
  }

  private sweep(): void {
    const limit = this.now() - DOC_IDLE_TTL_MS;
    for (const [owner, docs] of this.owners) {
      for (const [id, d] of docs) {
        if (d.touched < limit) {
          docs.delete(id);
          this.total -= d.size;
        }
      }
      if (docs.size === 0) this.owners.delete(owner);
    }
  }

  private reserve(owner: object, size: number): Map<string, Doc> {
    this.sweep();
    const docs = this.owners.get(owner) ?? new Map<string, Doc>();
    if (docs.size >= MAX_DOCS_PER_CONNECTION) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'documents per connection', limit: MAX_DOCS_PER_CONNECTION });
    let mine = 0;
    for (const d of docs.values()) mine += d.size;
    if (mine + size > MAX_DOC_BYTES_PER_CONNECTION) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'documents per connection', limit: MAX_DOC_BYTES_PER_CONNECTION });
    if (this.total + size > MAX_DOC_BYTES_TOTAL) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'documents held by the agent', limit: MAX_DOC_BYTES_TOTAL });
    this.owners.set(owner, docs);
    return docs;
  }

  private begin(owner: object, size: number): string {
    const docs = this.reserve(owner, size);
    const docId = `doc-${randomBytes(12).toString('hex')}`;
    docs.set(docId, { size, chunks: [], received: 0, touched: this.now() });
    this.total += size;
    return docId;
  }

  private find(owner: object, docId: string): Doc {
    this.sweep();
    const d = this.owners.get(owner)?.get(docId);
    if (!d) throw new SealError('ERR_DOC_UNKNOWN', { docId });
    d.touched = this.now();
    return d;
  }

  private put(owner: object, docId: string, offset: number, data: Buffer): { received: number; complete: boolean } {
    const d = this.find(owner, docId);
    if (d.bytes) throw new SealError('ERR_INPUT_INVALID', { name: 'docId', reason: 'the document is already complete' });
    // In order only: a retried chunk must not be appended twice, a gap must not go unnoticed.
    if (offset !== d.received) throw new SealError('ERR_INPUT_INVALID', { name: 'offset', reason: `expected ${d.received}` });
    if (data.length === 0) throw new SealError('ERR_INPUT_INVALID', { name: 'data', reason: 'empty chunk' });
    if (offset + data.length > d.size) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'data', limit: d.size - offset });
    d.chunks.push(data);
    d.received += data.length;
    if (d.received === d.size) {
      d.bytes = Buffer.concat(d.chunks, d.size);
      d.chunks.length = 0;
    }
    return { received: d.received, complete: d.received === d.size };
  }

  private bytes(owner: object, docId: string): Buffer {
    const d = this.find(owner, docId);
    if (!d.bytes) throw new SealError('ERR_INPUT_INVALID', { name: 'documentRef', reason: `incomplete: ${d.received} of ${d.size} bytes` });
    return d.bytes;
  }

  private get(owner: object, docId: string, offset: number, length: number): Buffer {
    const bytes = this.bytes(owner, docId);
    if (offset > bytes.length) throw new SealError('ERR_INPUT_INVALID', { name: 'offset', reason: `beyond the end (${bytes.length} bytes)` });
    return bytes.subarray(offset, Math.min(bytes.length, offset + length));
  }

  private keep(owner: object, bytes: Buffer): string {
    const docs = this.reserve(owner, bytes.length);
    const docId = `doc-${randomBytes(12).toString('hex')}`;
    docs.set(docId, { size: bytes.length, chunks: [], received: bytes.length, bytes, touched: this.now() });
    this.total += bytes.length;
    return docId;
  }

  private drop(owner: object, docId: string): boolean {
    const docs = this.owners.get(owner);
    const d = docs?.get(docId);
    if (!docs || !d) return false;
    docs.delete(docId);
    this.total -= d.size;
    if (docs.size === 0) this.owners.delete(owner);
    return true;
  }
}
