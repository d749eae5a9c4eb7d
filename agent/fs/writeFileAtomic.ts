// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Writes a file so that a reader (or a crash) never sees half of it: a temporary file in the same
 * folder, written with O_EXCL, fsync'd, then renamed over the target. Used for every file the agent
 * and `eseal` write: seals, exports, the software token, pairing keys.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SealError } from '../../shared/errors/index.js';

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeFileSync(fd, data); // loops until every byte is written
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new SealError('ERR_FILE_WRITE_FAILED', { path }, { cause: error });
  }
}
