// SPDX-License-Identifier: Apache-2.0
/**
 * findKeyword on PDFs with Chinese text: a Type0 font with /ToUnicode (text in one run, and split
 * into one text object per glyph as many Chinese producers write it), the predefined
 * UniGB-UCS2-H CMap without /ToUnicode (pdf.js must load its packed CMaps), a rotated page, and
 * the same module bundled by esbuild with the agent's settings and run in a separate Node process.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { findKeyword } from '../../../agent/pdf/findKeyword.js';
import { repoRoot } from '../../support/builtArtifacts.js';
import { buildPdf, type ObjSpec } from '../../shared/pdf/support/makePdf.js';

const CHARS = [...'合同编号：甲方乙（盖章）日期'];
const cid = (ch: string): number => CHARS.indexOf(ch) + 1;
const hex4 = (n: number): string => n.toString(16).padStart(4, '0').toUpperCase();
/** Identity-H show string for F1 (CIDs from CHARS). */
const f1 = (s: string): string => `<${[...s].map((c) => hex4(cid(c))).join('')}>`;
/** UniGB-UCS2-H show string for F2 (UCS-2 code units). */
const f2 = (s: string): string => `<${[...s].map((c) => hex4(c.charCodeAt(0))).join('')}>`;

const toUnicode = `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
${CHARS.length} beginbfchar
${CHARS.map((c) => `<${hex4(cid(c))}> <${hex4(c.charCodeAt(0))}>`).join('\n')}
endbfchar endcmap CMapName currentdict /CMap defineresource pop end end`;

/** Where the texts are (user space), so the expected rectangles are known independently. */
const PAGE1 = [
  `BT /F1 12 Tf 72 760 Td ${f1('合同编号：')} Tj ET`,
  `BT /F1 14 Tf 72 700 Td ${f1('甲方（盖章）：')} Tj ET`,
  // one text object per glyph, as many Chinese producers write
  ...[...'乙方（盖章）'].map((c, k) => `BT /F1 14 Tf ${300 + k * 14} 700 Td ${f1(c)} Tj ET`),
  `BT /F2 10 Tf 72 300 Td ${f2('甲方（盖章）')} Tj ET`,
  // a keyword across two fonts (pdf.js keeps these as separate items)
  `BT /F1 14 Tf 72 600 Td ${f1('盖章')} Tj ET BT /F2 14 Tf 100 600 Td ${f2('日期')} Tj ET`,
].join('\n');
const PAGE2 = `BT /F1 12 Tf 100 400 Td ${f1('甲方（盖章）')} Tj ET
BT /F1 10 Tf 0 1 -1 0 500 300 Tm ${f1('合同编号')} Tj ET`; // written upwards (turned 90°)

function chinesePdf(): Uint8Array {
  const objs: ObjSpec[] = [
    '<</Type /Catalog /Pages 2 0 R>>',
    '<</Type /Pages /Kids [3 0 R 4 0 R] /Count 2>>',
    '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <</Font <</F1 7 0 R /F2 11 0 R>>>> /Contents 5 0 R>>',
    '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 /Resources <</Font <</F1 7 0 R>>>> /Contents 6 0 R>>',
    { dict: '', data: PAGE1 },
    { dict: '', data: PAGE2 },
    '<</Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [8 0 R] /ToUnicode 9 0 R>>',
    '<</Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor 10 0 R /DW 1000 /CIDToGIDMap /Identity>>',
    { dict: '', data: toUnicode },
    '<</Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 859 /StemV 80>>',
    '<</Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [12 0 R]>>',
    '<</Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo <</Registry (Adobe) /Ordering (GB1) /Supplement 2>> /FontDescriptor 13 0 R /DW 1000>>',
    '<</Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93>>',
  ];
  return buildPdf(objs);
}

/** The rectangle a run of `n` full-width glyphs of `size` at baseline (x, y) occupies, horizontally. */
function expectRun(rect: readonly number[], x: number, y: number, size: number, n: number): void {
  expect(rect[0]).toBeCloseTo(x, 0);
  expect(rect[2]).toBeCloseTo(x + n * size, 0);
  expect(rect[1] as number).toBeLessThanOrEqual(y);
  expect(rect[1] as number).toBeGreaterThan(y - size * 0.5);
  expect(rect[3] as number).toBeGreaterThanOrEqual(y + size * 0.7);
  expect(rect[3] as number).toBeLessThan(y + size * 1.5);
}

describe('findKeyword', () => {
  const pdf = chinesePdf();
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });

  it('finds every occurrence in page order: one run, a predefined CMap, a rotated page', async () => {
    const hits = await findKeyword(pdf, '甲方（盖章）');
    expect(hits.map((h) => h.page)).toEqual([1, 1, 2]);
    expectRun(hits[0]?.rect ?? [], 72, 700, 14, 6);
    expectRun(hits[1]?.rect ?? [], 72, 300, 10, 6);
    expectRun(hits[2]?.rect ?? [], 100, 400, 12, 6);
  });

  it('finds a keyword split over one text item per glyph (ASCII parentheses and spaces match)', async () => {
    for (const k of ['乙方（盖章）', '乙方(盖章)', '乙 方 （盖 章）']) {
      const hits = await findKeyword(pdf, k);
      expect(hits).toHaveLength(1);
      expectRun(hits[0]?.rect ?? [], 300, 700, 14, 6);
    }
  });

  it('finds a keyword whose halves are in different fonts (separate text items)', async () => {
    const hits = await findKeyword(pdf, '盖章日期');
    expect(hits).toHaveLength(1);
    expectRun(hits[0]?.rect ?? [], 72, 600, 14, 4);
  });

  it('a part of a run gets only its share of the run', async () => {
    const [hit] = await findKeyword(pdf, '编号');
    expectRun(hit?.rect ?? [], 72 + 2 * 12, 760, 12, 2);
  });

  it('text turned by its matrix gets a turned (here vertical) rectangle', async () => {
    const hits = await findKeyword(pdf, '合同编号', { page: 2 });
    expect(hits).toHaveLength(1);
    const r = hits[0]?.rect ?? [];
    // baseline runs up from (500, 300); glyphs extend to the left (their "up" is −x)
    expect(r[1]).toBeCloseTo(300, 0);
    expect(r[3]).toBeCloseTo(340, 0);
    expect(r[0] as number).toBeLessThanOrEqual(493);
    expect(r[0] as number).toBeGreaterThan(485);
    expect(r[2] as number).toBeGreaterThanOrEqual(500);
    expect(r[2] as number).toBeLessThan(505);
  });

  it('an encrypted PDF (qpdf, user password) → ERR_PDF_ENCRYPTED', async () => {
    const dir = mkdtempSync(join(repoRoot, '.tmp', 'kw-enc-'));
    try {
      writeFileSync(join(dir, 'in.pdf'), pdf);
      execFileSync('qpdf', ['--encrypt', 'secret', 'owner', '256', '--', join(dir, 'in.pdf'), join(dir, 'enc.pdf')]);
      await expect(findKeyword(new Uint8Array(readFileSync(join(dir, 'enc.pdf'))), '甲方')).rejects.toMatchObject({ code: 'ERR_PDF_ENCRYPTED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('limits the search to one page', async () => {
    const hits = await findKeyword(pdf, '甲方', { page: 2 });
    expect(hits).toHaveLength(1);
    expect(hits[0]?.page).toBe(2);
  });

  it('returns [] when the keyword is absent', async () => {
    expect(await findKeyword(pdf, '丙方')).toEqual([]);
    expect(await findKeyword(pdf, '合同日期')).toEqual([]);
  });

  it.each([
    ['empty keyword', '', undefined],
    ['whitespace keyword', ' \n', undefined],
    ['page 0', '甲方', 0],
    ['page beyond the end', '甲方', 3],
    ['page not an integer', '甲方', 1.5],
  ])('%s → ERR_INPUT_INVALID', async (_n, k, page) => {
    await expect(findKeyword(pdf, k, page === undefined ? {} : { page })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('an unreadable file → ERR_PDF_MALFORMED', async () => {
    await expect(findKeyword(new TextEncoder().encode('not a pdf at all'), '甲方')).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
  });
});

describe('findKeyword in an agent-style bundle', () => {
  // Inside the repository like dist/agent, so the bundle resolves pdf.js's optional runtime
  // dependency (@napi-rs/canvas, its DOMMatrix polyfill) the same way.
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'kw-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundled by esbuild like dist/agent (node ESM, same externals) it runs in a plain Node process', async () => {
    const out = join(dir, 'kw.mjs');
    await build({
      stdin: {
        contents: `import { readFileSync } from 'node:fs'; import { findKeyword } from './agent/pdf/findKeyword.ts';
          findKeyword(new Uint8Array(readFileSync(process.argv[2])), process.argv[3]).then((h) => console.log(JSON.stringify(h)), (e) => { console.error(e.code ?? e); process.exit(2); });`,
        resolveDir: repoRoot,
        loader: 'ts',
      },
      bundle: true,
      outfile: out,
      format: 'esm',
      platform: 'node',
      target: ['node20'],
      external: ['pkcs11js', 'koffi', 'ws', 'playwright-core', 'sm-crypto'],
      banner: { js: "import { createRequire as __esealCreateRequire } from 'node:module'; const require = __esealCreateRequire(import.meta.url);" },
      logLevel: 'error',
    });
    const pdfFile = join(dir, 'zh.pdf');
    writeFileSync(pdfFile, pdf());
    const hits = JSON.parse(execFileSync(process.execPath, [out, pdfFile, '甲方（盖章）'], { encoding: 'utf8', cwd: dir })) as { page: number }[];
    expect(hits.map((h) => h.page)).toEqual([1, 1, 2]);

    // The same bundle installed outside the repository: no node_modules (no @napi-rs/canvas, no
    // pdfjs-dist), only a pdfjs/cmaps folder beside it — pdf.js still loads and finds every hit.
    const alone = mkdtempSync(join(tmpdir(), 'eseal-kw-alone-'));
    try {
      cpSync(out, join(alone, 'kw.mjs'));
      cpSync(join(repoRoot, 'node_modules/pdfjs-dist/cmaps'), join(alone, 'pdfjs/cmaps'), { recursive: true });
      const r = JSON.parse(execFileSync(process.execPath, [join(alone, 'kw.mjs'), pdfFile, '甲方（盖章）'], { encoding: 'utf8', cwd: alone, stdio: ['ignore', 'pipe', 'pipe'] })) as { page: number }[];
      expect(r.map((h) => h.page)).toEqual([1, 1, 2]);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });
  const pdf = chinesePdf;
});
