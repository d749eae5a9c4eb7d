// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: a tiny PDF generator (no npm packages) for the structure reader and the signer.
 * Objects are given as text bodies (or dictionary + stream data) and numbered from 1; object 1 is the
 * catalog by convention. It writes classic tables, xref streams (Flate + PNG Up predictor), object
 * streams and hybrid files, and can append incremental updates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zlibSync } from 'fflate';
import { afterAll } from 'vitest';

export type ObjSpec = string | { dict: string; data: Uint8Array | string };

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function objBytes(num: number, spec: ObjSpec): Uint8Array {
  if (typeof spec === 'string') return enc(`${num} 0 obj\n${spec}\nendobj\n`);
  const data = typeof spec.data === 'string' ? enc(spec.data) : spec.data;
  return concat([enc(`${num} 0 obj\n<<${spec.dict} /Length ${data.length}>>\nstream\n`), data, enc('\nendstream\nendobj\n')]);
}

/** Encodes xref-stream rows (W [1 4 2]) with the PNG Up predictor and Flate. */
function xrefStreamData(rows: [number, number, number][]): Uint8Array {
  const rowLen = 7;
  const raw = new Uint8Array(rows.length * (rowLen + 1));
  let prev = new Uint8Array(rowLen);
  rows.forEach(([t, f2, f3], i) => {
    const row = Uint8Array.of(t, (f2 >>> 24) & 255, (f2 >>> 16) & 255, (f2 >>> 8) & 255, f2 & 255, (f3 >> 8) & 255, f3 & 255);
    raw[i * (rowLen + 1)] = 2; // Up
    for (let k = 0; k < rowLen; k++) raw[i * (rowLen + 1) + 1 + k] = ((row[k] as number) - (prev[k] as number)) & 255;
    prev = row;
  });
  return zlibSync(raw);
}

export interface BuildOptions {
  readonly xref?: 'table' | 'stream' | 'hybrid';
  /** Object numbers (1-based) to put into one object stream (xref 'stream' or 'hybrid' only). */
  readonly objStm?: readonly number[];
  /** Extra trailer entries, e.g. `/Info 5 0 R`. */
  readonly trailerExtra?: string;
  /** Whether to add an /ID (default true). */
  readonly id?: boolean;
}

/** Builds a complete single-revision PDF. */
export function buildPdf(objects: readonly ObjSpec[], o: BuildOptions = {}): Uint8Array {
  const kind = o.xref ?? 'table';
  const inStm = new Set(kind === 'table' ? [] : (o.objStm ?? []));
  const parts: Uint8Array[] = [enc('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')];
  let len = parts[0]?.length ?? 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    len += b.length;
  };
  const offsets = new Map<number, number>();
  objects.forEach((spec, i) => {
    const num = i + 1;
    if (inStm.has(num)) return;
    offsets.set(num, len);
    push(objBytes(num, spec));
  });
  let next = objects.length + 1;
  const compressed = new Map<number, [number, number]>();
  if (inStm.size > 0) {
    const stmNum = next++;
    let header = '';
    let body = '';
    [...inStm].forEach((num, idx) => {
      const spec = objects[num - 1];
      if (typeof spec !== 'string') throw new Error('streams cannot go into an object stream');
      header += `${num} ${body.length} `;
      body += spec + '\n';
      compressed.set(num, [stmNum, idx]);
    });
    const data = zlibSync(enc(header + body));
    offsets.set(stmNum, len);
    push(objBytes(stmNum, { dict: `/Type /ObjStm /N ${inStm.size} /First ${header.length} /Filter /FlateDecode`, data }));
  }
  const id = o.id === false ? '' : ' /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]';
  const extra = o.trailerExtra === undefined ? '' : ` ${o.trailerExtra}`;
  if (kind === 'stream' || kind === 'hybrid') {
    const xrefNum = next++;
    const xrefOffset = len;
    const rows: [number, number, number][] = [[0, 0, 65535]];
    for (let n = 1; n < next; n++) {
      const off = n === xrefNum ? xrefOffset : offsets.get(n);
      const c = compressed.get(n);
      if (kind === 'hybrid' && c === undefined) rows.push([0, 0, 0]); // plain objects live in the table
      else if (c !== undefined) rows.push([2, c[0], c[1]]);
      else rows.push([1, off ?? 0, 0]);
    }
    const data = xrefStreamData(rows);
    const common = `/Size ${next} /Root 1 0 R${id}${extra}`;
    push(objBytes(xrefNum, { dict: `/Type /XRef /W [1 4 2] /Filter /FlateDecode /DecodeParms <</Predictor 12 /Columns 7>> ${common}`, data }));
    if (kind === 'stream') {
      push(enc(`startxref\n${xrefOffset}\n%%EOF\n`));
      return concat(parts);
    }
    // hybrid: a classic table for the plain objects plus /XRefStm
    offsets.set(xrefNum, xrefOffset);
    const tableOffset = len;
    let t = `xref\n0 ${next}\n0000000000 65535 f\r\n`;
    for (let n = 1; n < next; n++) {
      const off = offsets.get(n);
      t += off === undefined ? `0000000000 00001 f\r\n` : `${String(off).padStart(10, '0')} 00000 n\r\n`;
    }
    t += `trailer\n<</Size ${next} /Root 1 0 R /XRefStm ${xrefOffset}${id}${extra}>>\nstartxref\n${tableOffset}\n%%EOF\n`;
    push(enc(t));
    return concat(parts);
  }
  const xrefOffset = len;
  let t = `xref\n0 ${next}\n0000000000 65535 f\r\n`;
  for (let n = 1; n < next; n++) t += `${String(offsets.get(n) ?? 0).padStart(10, '0')} 00000 n\r\n`;
  t += `trailer\n<</Size ${next} /Root 1 0 R${id}${extra}>>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  push(enc(t));
  return concat(parts);
}

/** Offset the last startxref points to. */
export function lastStartxref(pdf: Uint8Array): number {
  const text = new TextDecoder('latin1').decode(pdf.subarray(Math.max(0, pdf.length - 1024)));
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  if (m?.[1] === undefined) throw new Error('no startxref');
  return Number(m[1]);
}

/**
 * Appends an incremental update with classic table: `objects` maps object numbers (existing or new)
 * to bodies. `size` is the new /Size.
 */
export function appendUpdate(pdf: Uint8Array, objects: ReadonlyMap<number, ObjSpec>, size: number, trailerExtra = ''): Uint8Array {
  const parts: Uint8Array[] = [pdf];
  let len = pdf.length;
  const push = (b: Uint8Array) => {
    parts.push(b);
    len += b.length;
  };
  const offsets = new Map<number, number>();
  for (const [num, spec] of [...objects].sort((a, b) => a[0] - b[0])) {
    offsets.set(num, len);
    push(objBytes(num, spec));
  }
  const xrefOffset = len;
  let t = 'xref\n';
  for (const [num, off] of offsets) t += `${num} 1\n${String(off).padStart(10, '0')} 00000 n\r\n`;
  t += `trailer\n<</Size ${size} /Root 1 0 R /Prev ${lastStartxref(pdf)}${trailerExtra}>>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  push(enc(t));
  return concat(parts);
}

export const PAGE_CONTENT = 'BT /F1 24 Tf 72 720 Td (Hello ESeal) Tj ET\n';

/** Standard objects of a one-page document: 1 catalog, 2 pages, 3 page, 4 content, 5 font. */
export function onePageObjects(o: { pageExtra?: string; catalogExtra?: string; pagesExtra?: string; mediaBoxOnPages?: boolean } = {}): ObjSpec[] {
  const mb = '/MediaBox [0 0 595 842]';
  return [
    `<</Type /Catalog /Pages 2 0 R${o.catalogExtra ?? ''}>>`,
    `<</Type /Pages /Kids [3 0 R] /Count 1${o.mediaBoxOnPages === true ? ' ' + mb : ''}${o.pagesExtra ?? ''}>>`,
    `<</Type /Page /Parent 2 0 R${o.mediaBoxOnPages === true ? '' : ' ' + mb} /Resources <</Font <</F1 5 0 R>>>> /Contents 4 0 R${o.pageExtra ?? ''}>>`,
    { dict: '', data: PAGE_CONTENT },
    '<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>',
  ];
}

/** (a) classic-xref one-page PDF. */
export const classicPdf = (): Uint8Array => buildPdf(onePageObjects());
/** (b) xref-stream PDF with catalog, pages, page and font in an object stream. */
export const xrefStreamPdf = (): Uint8Array => buildPdf(onePageObjects({ mediaBoxOnPages: true }), { xref: 'stream', objStm: [1, 2, 3, 5] });
/** (c) hybrid file: table + /XRefStm, with pages and font compressed. */
export const hybridPdf = (): Uint8Array => buildPdf(onePageObjects(), { xref: 'hybrid', objStm: [2, 5] });
/** (d) an incrementally updated PDF: revision 2 changes the page content stream. */
export function updatedPdf(): Uint8Array {
  const base = classicPdf();
  return appendUpdate(base, new Map([[4, { dict: '', data: 'BT /F1 24 Tf 72 700 Td (Updated) Tj ET\n' }]]), 6);
}

// ── external tools ──

const dir = mkdtempSync(join(tmpdir(), 'eseal-pdf-'));
let counter = 0;
// Files are removed right after each tool run; the directory after the test file (modules are
// isolated per test file, so each file has its own directory).
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rm = (...paths: string[]) => {
  for (const p of paths) rmSync(p, { force: true });
};

export function tmpFile(name: string, bytes?: Uint8Array): string {
  const path = join(dir, `${counter++}-${name}`);
  if (bytes !== undefined) writeFileSync(path, bytes);
  return path;
}

/** `qpdf --check`; returns the exit code and output. */
export function qpdfCheck(bytes: Uint8Array): { code: number; out: string } {
  const f = tmpFile('check.pdf', bytes);
  try {
    const out = execFileSync('qpdf', ['--check', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  } finally {
    rm(f);
  }
}

/** Runs qpdf with `args` on `bytes` and returns the output file's bytes. */
export function qpdfTransform(bytes: Uint8Array, args: readonly string[]): Uint8Array {
  const inp = tmpFile('in.pdf', bytes);
  const out = tmpFile('out.pdf');
  try {
    execFileSync('qpdf', [...args, inp, out], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // exit 3 = warnings; the output is still written
    if ((e as { status?: number }).status !== 3) throw e;
  }
  try {
    return new Uint8Array(readFileSync(out));
  } finally {
    rm(inp, out);
  }
}

/** `pdfsig` output (exit code ignored: it is 0 even on a digest mismatch). */
export function pdfsig(bytes: Uint8Array): string {
  const f = tmpFile('sig.pdf', bytes);
  try {
    return execFileSync('pdfsig', ['-nocert', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  } finally {
    rm(f);
  }
}

/** Renders page 1 at 72 dpi with pdftoppm (1 pixel = 1 point) and returns an RGB pixel reader. */
export function renderPage(bytes: Uint8Array): { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] } {
  const f = tmpFile('render.pdf', bytes);
  const prefix = tmpFile('render');
  execFileSync('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', '-singlefile', f, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ppm = readFileSync(`${prefix}.ppm`);
  rm(f, `${prefix}.ppm`);
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  if (m?.[1] === undefined || m[2] === undefined) throw new Error('not a PPM');
  const width = Number(m[1]);
  const height = Number(m[2]);
  const off = m[0].length;
  return {
    width,
    height,
    rgb: (x, y) => {
      const p = off + (Math.round(y) * width + Math.round(x)) * 3;
      return [ppm[p] ?? -1, ppm[p + 1] ?? -1, ppm[p + 2] ?? -1];
    },
  };
}
