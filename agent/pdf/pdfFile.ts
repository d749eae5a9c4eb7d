// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A PDF input file stamped without holding it in memory.
 *
 * `bytes` is a buffer of the file's size that starts zero-filled: on Linux its untouched pages are
 * never made resident, so it costs address space, not memory. Only what the PDF reader parses is
 * filled from disk: the head and tail (header, `startxref`, trailer), each xref section and each
 * object it resolves (PdfReader calls {@link PdfFile.ensureRange} through the range loader attached to
 * the buffer). Hashing and the output copy stream the file from disk in a reusable chunk
 * ({@link PdfFile.hashRange}, writePdfFileWithRevision), never from `bytes`.
 */
import type { Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { SealError } from '../../shared/errors/index.js';
import { attachRangeLoader } from '../../shared/pdf/PdfReader.js';

/** The chunk hashing and copying stream through (one allocation, reused). */
export const PDF_FILE_CHUNK_BYTES = 2 * 1024 * 1024;

/** preparePdfSignatureRevision seeds a new /ID from the last 4 KiB of the input: always filled. */
export const MIN_TAIL_BYTES = 4096;

export interface PdfFileOptions {
  /** Bytes filled at the end before parsing (the %%EOF check looks at the last 64 KiB; at least {@link MIN_TAIL_BYTES}). */
  readonly tailBytes?: number;
  /** Granularity of the filled-region map (a power of two; 1 in tests to fill exact ranges). */
  readonly pageBytes?: number;
}

export class PdfFile {
  /** The sparse image of the file (see the module comment). */
  readonly bytes: Uint8Array;
  readonly size: number;
  /** Bytes read into `bytes` so far (what the reader needed). */
  filledBytes = 0;
  private readonly filled: Uint8Array;
  private readonly pageBytes: number;
  private chunk: Uint8Array | undefined;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly stat: Stats,
    o: PdfFileOptions,
  ) {
    this.fd = fd;
    this.size = stat.size;
    this.bytes = new Uint8Array(this.size);
    this.pageBytes = Math.max(1, o.pageBytes ?? 4096);
    this.filled = new Uint8Array(Math.ceil(this.size / this.pageBytes));
    attachRangeLoader(this.bytes, (start, end) => this.ensureRange(start, end));
    this.ensureRange(0, Math.min(this.size, 1024));
    this.ensureRange(Math.max(0, this.size - Math.max(MIN_TAIL_BYTES, o.tailBytes ?? 64 * 1024)), this.size);
  }

  /** Opens `path` (a regular file of at most `maxBytes`); coded errors as readInputFile. */
  static open(path: string, maxBytes: number, o: PdfFileOptions = {}): PdfFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      throw new SealError('ERR_FILE_NOT_FOUND', { path });
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new SealError('ERR_FILE_NOT_FOUND', { path });
      if (st.size > maxBytes) throw new SealError('ERR_INPUT_TOO_LARGE', { name: path, limit: `${maxBytes} bytes` });
      return new PdfFile(path, fd, st, o);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  private get handle(): number {
    if (this.fd === undefined) throw new SealError('ERR_INTERNAL', { reason: 'PDF input file already closed' });
    return this.fd;
  }

  /** Reads exactly `length` bytes at `position` into `into` at `offset`; a short read means the file changed. */
  private readExact(into: Uint8Array, offset: number, length: number, position: number): void {
    for (let done = 0; done < length; ) {
      let n: number;
      try {
        n = readSync(this.handle, into, offset + done, length - done, position + done);
      } catch (error) {
        throw new SealError('ERR_FILE_NOT_FOUND', { path: this.path }, { cause: error });
      }
      if (n === 0) throw this.changed();
      done += n;
    }
  }

  private changed(): SealError {
    return new SealError('ERR_INPUT_INVALID', { name: this.path, reason: 'the file changed while it was being stamped / 文件在盖章过程中被修改' });
  }

  /** Fills bytes [start, end) of `bytes` from the file (whole pages; what is filled stays filled). */
  ensureRange(start: number, end: number): void {
    const s = Math.max(0, Math.floor(start / this.pageBytes));
    const e = Math.min(this.filled.length, Math.ceil(Math.min(end, this.size) / this.pageBytes));
    for (let p = s; p < e; ) {
      if (this.filled[p] === 1) {
        p++;
        continue;
      }
      let q = p;
      while (q < e && this.filled[q] !== 1) q++;
      const from = p * this.pageBytes;
      const to = Math.min(this.size, q * this.pageBytes);
      this.readExact(this.bytes, from, to - from, from);
      this.filled.fill(1, p, q);
      this.filledBytes += to - from;
      p = q;
    }
  }

  /** Fills the whole buffer (what pdf.js needs for a keyword search). */
  loadAll(): void {
    this.ensureRange(0, this.size);
  }

  /** Feeds bytes [start, end) of the file, read from disk in one reused chunk, to every hash. */
  hashRange(hashes: readonly Hash[], start: number, end: number): void {
    const chunk = (this.chunk ??= new Uint8Array(PDF_FILE_CHUNK_BYTES));
    for (let pos = start; pos < end; ) {
      const n = Math.min(chunk.length, end - pos);
      this.readExact(chunk, 0, n, pos);
      const view = chunk.subarray(0, n);
      for (const h of hashes) h.update(view);
      pos += n;
    }
  }

  /** Copies the whole file to `fd` through the chunk; refuses if it changed since it was opened. */
  copyTo(fd: number, write: (fd: number, part: Uint8Array) => void): void {
    this.checkUnchanged();
    const chunk = (this.chunk ??= new Uint8Array(PDF_FILE_CHUNK_BYTES));
    for (let pos = 0; pos < this.size; ) {
      const n = Math.min(chunk.length, this.size - pos);
      this.readExact(chunk, 0, n, pos);
      write(fd, chunk.subarray(0, n));
      pos += n;
    }
    this.checkUnchanged();
  }

  private checkUnchanged(): void {
    const st = fstatSync(this.handle);
    if (st.size !== this.stat.size || st.mtimeMs !== this.stat.mtimeMs) throw this.changed();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
