// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Writes a signed PDF as its parts (`original ‖ revision`) without joining them in memory, with the
 * same guarantees as agent/fs/writeFileAtomic: a temporary file in the target folder (O_EXCL),
 * fsync, then rename. Without `overwrite`, the temporary file is hard-linked to the target instead,
 * which fails atomically when the target exists (ERR_FILE_EXISTS), so no existing file is ever
 * replaced by accident, even by a concurrent writer. A part may be the input {@link PdfFile}: it is
 * copied from disk through a small chunk (never held whole), and refused if it changed meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SealError } from '../../shared/errors/index.js';
import { PdfFile } from './pdfFile.js';

function writeAll(fd: number, part: Uint8Array): void {
  for (let off = 0; off < part.length; ) off += writeSync(fd, part, off, part.length - off);
}

export function writePdfParts(path: string, parts: readonly (Uint8Array | PdfFile)[], o: { overwrite?: boolean; mode?: number } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', o.mode ?? 0o644);
    try {
      for (const part of parts) {
        if (part instanceof PdfFile) part.copyTo(fd, writeAll);
        else writeAll(fd, part);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (o.overwrite === true) renameSync(tmp, path);
    else {
      try {
        linkSync(tmp, path);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'EEXIST') throw new SealError('ERR_FILE_EXISTS', { path });
        // File systems without hard links (FAT, some shares): check, then rename (not race-free).
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error;
        if (existsSync(path)) throw new SealError('ERR_FILE_EXISTS', { path });
        renameSync(tmp, path);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
  } catch (error) {
    rmSync(tmp, { force: true });
    if (error instanceof SealError) throw error;
    throw new SealError('ERR_FILE_WRITE_FAILED', { path }, { cause: error });
  }
}
