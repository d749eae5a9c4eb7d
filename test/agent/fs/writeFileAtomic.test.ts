// SPDX-License-Identifier: Apache-2.0
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../agent/fs/writeFileAtomic.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file whole, with the given mode, leaving no temporary file', () => {
    const path = join(dir, 'a.json');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, new Uint8Array([0x31, 0x32]), 0o644);
    expect(readFileSync(path, 'utf8')).toBe('12');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with ERR_FILE_WRITE_FAILED and keeps the old file when the target cannot be replaced', () => {
    const target = join(dir, 'is-a-directory');
    mkdirSync(join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomic(target, 'x')).toThrow(expect.objectContaining({ code: 'ERR_FILE_WRITE_FAILED' }) as Error);
    expect(statSync(join(target, 'child')).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with ERR_FILE_WRITE_FAILED when the folder does not exist', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'x'), 'x')).toThrow(expect.objectContaining({ code: 'ERR_FILE_WRITE_FAILED' }) as Error);
  });
});
