// SPDX-License-Identifier: Apache-2.0
// The committed demo notice is what the generator makes (reproducible), a well-formed PDF (qpdf)
// whose Chinese text is extractable (pdftotext), with the issuer line where the demo places the seal.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeNoticePdf, parseUcs2CMap } from '../../../demo/notice/noticePdf.js';
import { repoRoot } from '../../support/builtArtifacts.js';

const CMAP = '/usr/share/fonts/cmap/adobe-gb1/UniGB-UCS2-H';
const committed = readFileSync(join(repoRoot, 'demo/public/notice.pdf'));
const dir = mkdtempSync(join(tmpdir(), 'eseal-notice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseUcs2CMap', () => {
  it('reads ranges and single codes', () => {
    const map = parseUcs2CMap('2 begincidrange\n<0020> <007e> 1\n<4e00> <4e00> 4162\nendcidrange\n1 begincidchar\n<3000> 96\nendcidchar\n');
    expect(map.get(0x20)).toBe(1);
    expect(map.get(0x41)).toBe(34);
    expect(map.get(0x4e00)).toBe(4162);
    expect(map.get(0x3000)).toBe(96);
  });

  it('a character missing from the CMap is an error, not a blank', () => {
    expect(() => makeNoticePdf('<0020> <007e> 1\n')).toThrow(/no Adobe-GB1 CID/);
  });
});

describe.skipIf(!existsSync(CMAP))('demo/public/notice.pdf', () => {
  it('is reproduced byte for byte by the generator', () => {
    const made = makeNoticePdf(readFileSync(CMAP, 'latin1'));
    expect(Buffer.from(made.bytes).equals(committed)).toBe(true);
    expect(made.issuerMm).toEqual({ page: 1, x: 144.3, y: 245.6 });
  });

  it('passes qpdf --check and its Chinese text extracts', () => {
    const file = join(dir, 'notice.pdf');
    writeFileSync(file, committed);
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain('No syntax or stream encoding errors');
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('某某市财政局文件');
    expect(text).toContain('电子凭证试点工作的通知');
    expect(text).toContain('2026年11月20日');
    expect(text).toContain('2026年度电子凭证试点进度安排');
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Pages:\s+2/);
  });
});
