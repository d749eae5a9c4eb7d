// SPDX-License-Identifier: Apache-2.0
// writePdfParts: the signed PDF written as its parts, atomically, never replacing an existing file
// unless asked; failures are coded and leave no temporary file behind.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePdfParts } from '../../../agent/pdf/writePdfParts.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eseal-parts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);

describe('writePdfParts', () => {
  it('writes the parts in order into one file', () => {
    const path = join(dir, 'a.pdf');
    writePdfParts(path, [enc('%PDF-1.7 original'), enc(''), enc(' ‖ revision')]);
    expect(readFileSync(path, 'utf8')).toBe('%PDF-1.7 original ‖ revision');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an existing target with ERR_FILE_EXISTS and leaves it untouched; overwrite replaces it', () => {
    const path = join(dir, 'b.pdf');
    writeFileSync(path, 'keep');
    expect(() => writePdfParts(path, [enc('new')])).toThrow(expect.objectContaining({ code: 'ERR_FILE_EXISTS' }) as Error);
    expect(readFileSync(path, 'utf8')).toBe('keep');
    writePdfParts(path, [enc('new')], { overwrite: true });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('an unwritable folder is ERR_FILE_WRITE_FAILED', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    expect(() => writePdfParts(join(ro, 'c.pdf'), [enc('x')])).toThrow(expect.objectContaining({ code: 'ERR_FILE_WRITE_FAILED' }) as Error);
    chmodSync(ro, 0o700);
  });

  it('a missing folder is ERR_FILE_WRITE_FAILED', () => {
    expect(() => writePdfParts(join(dir, 'no', 'such', 'd.pdf'), [enc('x')])).toThrow(expect.objectContaining({ code: 'ERR_FILE_WRITE_FAILED' }) as Error);
  });
});
