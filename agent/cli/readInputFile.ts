// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Reads a command's input file once into one buffer, refusing what is not a regular file or is
 * larger than the command accepts, with coded errors. Returns a plain Uint8Array view over the
 * buffer: no second copy (a 100 MB PDF stays one allocation), and pdf.js refuses Node Buffers.
 */
import { readFileSync, statSync } from 'node:fs';
import { SealError } from '../../shared/errors/index.js';

export function readInputFile(path: string, maxBytes: number, what: string = path): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SealError('ERR_FILE_NOT_FOUND', { path });
    size = st.size;
  } catch (err) {
    if (err instanceof SealError) throw err;
    throw new SealError('ERR_FILE_NOT_FOUND', { path });
  }
  if (size > maxBytes) throw new SealError('ERR_INPUT_TOO_LARGE', { name: what, limit: `${maxBytes} bytes` });
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch {
    throw new SealError('ERR_FILE_NOT_FOUND', { path });
  }
}
