// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Finds a text keyword in a PDF (pdf.js text layer) so a seal can be anchored to it ("盖章处",
 * "甲方（盖章）"): every occurrence in page order, as a rectangle in the page's default user space.
 *
 * Design rationale:
 * - pdfjs-dist's legacy build runs in Node without a worker thread: its worker module is installed
 *   as `globalThis.pdfjsWorker`, which pdf.js uses as an in-process "fake worker" (no worker file
 *   is loaded by path, so the agent bundle stays self-contained). Only `getTextContent` is used: no
 *   canvas, no fonts. pdf.js is imported lazily, on the first search: at load time it builds a
 *   DOMMatrix, which Node lacks; pdf.js polyfills it from @napi-rs/canvas when that can be loaded,
 *   and otherwise (an agent installed without node_modules) a minimal 2-D DOMMatrix is installed
 *   here first, so neither the agent's start nor a keyword search depends on the canvas package.
 * - CMaps (PDFs with predefined CJK CMaps and no /ToUnicode need them to yield Unicode text): a
 *   `pdfjs/cmaps/` folder beside the bundle if there is one, else pdfjs-dist's own folder.
 * - Producers split Chinese text into many items (one per glyph, per run, with spaces for
 *   kerning). The page's items are concatenated with whitespace removed and every character
 *   NFKC-normalised (full-width "（" = "("), the same is done to the keyword, and matches may span
 *   items. A match's rectangle is the union of its characters' boxes; a character's box is its
 *   share of the item's advance (pdf.js gives per-item, not per-glyph, widths), from the baseline
 *   down 20 % and up 100 % of the item's height, turned by the item's text matrix.
 * - Not found → an empty array; the caller decides which coded error to raise.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as PdfjsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import { isSealError, SealError } from '../../shared/errors/index.js';

export interface KeywordHit {
  /** 1-based page number. */
  readonly page: number;
  /** [x1, y1, x2, y2] in the page's default user space. */
  readonly rect: [number, number, number, number];
}

/** Longest keyword accepted (characters). */
export const MAX_KEYWORD_LENGTH = 200;
/** Most hits returned (a keyword like "的" in a long contract). */
export const MAX_KEYWORD_HITS = 10_000;

/** Just enough of DOMMatrix (2-D) for pdf.js's module-level matrices when no canvas package is present. */
class MinimalDOMMatrix {
  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;
  readonly is2D = true;
  constructor(init?: readonly number[]) {
    if (Array.isArray(init) && init.length >= 6) [this.a, this.b, this.c, this.d, this.e, this.f] = init as [number, number, number, number, number, number];
  }
  get m11(): number { return this.a; }
  get m12(): number { return this.b; }
  get m21(): number { return this.c; }
  get m22(): number { return this.d; }
  get m41(): number { return this.e; }
  get m42(): number { return this.f; }
  multiplySelf(o: MinimalDOMMatrix): this {
    const { a, b, c, d, e, f } = this;
    this.a = a * o.a + c * o.b;
    this.b = b * o.a + d * o.b;
    this.c = a * o.c + c * o.d;
    this.d = b * o.c + d * o.d;
    this.e = a * o.e + c * o.f + e;
    this.f = b * o.e + d * o.f + f;
    return this;
  }
  preMultiplySelf(o: MinimalDOMMatrix): this {
    const m = new MinimalDOMMatrix([o.a, o.b, o.c, o.d, o.e, o.f]).multiplySelf(this);
    [this.a, this.b, this.c, this.d, this.e, this.f] = [m.a, m.b, m.c, m.d, m.e, m.f];
    return this;
  }
  multiply(o: MinimalDOMMatrix): MinimalDOMMatrix {
    return new MinimalDOMMatrix([this.a, this.b, this.c, this.d, this.e, this.f]).multiplySelf(o);
  }
  translateSelf(x = 0, y = 0): this {
    return this.multiplySelf(new MinimalDOMMatrix([1, 0, 0, 1, x, y]));
  }
  translate(x = 0, y = 0): MinimalDOMMatrix {
    return this.multiply(new MinimalDOMMatrix([1, 0, 0, 1, x, y]));
  }
  scaleSelf(x = 1, y = x): this {
    return this.multiplySelf(new MinimalDOMMatrix([x, 0, 0, y, 0, 0]));
  }
  scale(x = 1, y = x): MinimalDOMMatrix {
    return this.multiply(new MinimalDOMMatrix([x, 0, 0, y, 0, 0]));
  }
  invertSelf(): this {
    const det = this.a * this.d - this.b * this.c;
    const { a, b, c, d, e, f } = this;
    [this.a, this.b, this.c, this.d] = [d / det, -b / det, -c / det, a / det];
    [this.e, this.f] = [-(this.a * e + this.c * f), -(this.b * e + this.d * f)];
    return this;
  }
  inverse(): MinimalDOMMatrix {
    return new MinimalDOMMatrix([this.a, this.b, this.c, this.d, this.e, this.f]).invertSelf();
  }
  transformPoint(p: { x?: number; y?: number } = {}): { x: number; y: number; z: number; w: number } {
    const x = p.x ?? 0;
    const y = p.y ?? 0;
    return { x: this.a * x + this.c * y + this.e, y: this.b * x + this.d * y + this.f, z: 0, w: 1 };
  }
}

type Pdfjs = typeof PdfjsModule;
let pdfjsLoading: Promise<Pdfjs> | undefined;

function loadPdfjs(): Promise<Pdfjs> {
  pdfjsLoading ??= (async () => {
    const g = globalThis as { DOMMatrix?: unknown; pdfjsWorker?: unknown };
    if (g.DOMMatrix === undefined) {
      let canvas = false;
      try {
        createRequire(import.meta.url).resolve('@napi-rs/canvas');
        canvas = true;
      } catch {
        // not installed next to the agent: pdf.js would fail at load time without a DOMMatrix
      }
      if (!canvas) g.DOMMatrix = MinimalDOMMatrix;
    }
    // @ts-expect-error -- pdfjs-dist ships no type declarations for the worker module
    g.pdfjsWorker ??= (await import('pdfjs-dist/legacy/build/pdf.worker.mjs')) as unknown;
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsLoading;
}

let cMapUrl: string | undefined | null = null;
function cmaps(): string | undefined {
  if (cMapUrl === null) {
    try {
      // A directory path, not a file: URL: pdf.js's Node CMap reader passes it to fs as is.
      const beside = join(dirname(fileURLToPath(import.meta.url)), 'pdfjs', 'cmaps');
      if (existsSync(join(beside, 'UniGB-UCS2-H.bcmap'))) {
        cMapUrl = beside + '/';
        return cMapUrl;
      }
      const req = createRequire(import.meta.url);
      // A directory path, not a file: URL: pdf.js's Node CMap reader passes it to fs as is.
      cMapUrl = join(dirname(req.resolve('pdfjs-dist/package.json')), 'cmaps') + '/';
    } catch {
      cMapUrl = undefined;
    }
  }
  return cMapUrl;
}

interface Item {
  readonly str: string;
  readonly transform: number[];
  readonly width: number;
  readonly height: number;
}

const isTextItem = (x: unknown): x is Item => typeof x === 'object' && x !== null && typeof (x as Item).str === 'string' && Array.isArray((x as Item).transform);

/** Each character normalised (NFKC, whitespace dropped), with where it came from. */
function normaliseChars(s: string): string[] {
  const out: string[] = [];
  for (const ch of s) {
    const n = ch.normalize('NFKC').replace(/\s+/gu, '');
    out.push(n);
  }
  return out;
}

function charBox(item: Item, index: number, count: number): [number, number, number, number] {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = item.transform;
  const len = Math.hypot(a, b) || 1;
  const ux = a / len;
  const uy = b / len;
  // the item's "up" direction, from the text matrix's second column
  const vlen = Math.hypot(c, d) || 1;
  const vx = c / vlen;
  const vy = d / vlen;
  const h = item.height > 0 ? item.height : vlen;
  const t0 = (item.width * index) / count;
  const t1 = (item.width * (index + 1)) / count;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of [t0, t1]) {
    for (const s of [-0.2 * h, h]) {
      xs.push(e + ux * t + vx * s);
      ys.push(f + uy * t + vy * s);
    }
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * All occurrences of `keyword` (whitespace ignored, NFKC-normalised), in page order; with
 * `options.page`, on that page only. Bad input → ERR_INPUT_INVALID; an unreadable PDF → ERR_PDF_MALFORMED.
 */
export async function findKeyword(pdf: Uint8Array, keyword: string, options: { page?: number } = {}): Promise<KeywordHit[]> {
  if (!(pdf instanceof Uint8Array)) throw new SealError('ERR_INPUT_INVALID', { name: 'pdf', reason: 'not a Uint8Array' });
  if (typeof keyword !== 'string' || keyword.length > MAX_KEYWORD_LENGTH) throw new SealError('ERR_INPUT_INVALID', { name: 'keyword', reason: `not a string of at most ${MAX_KEYWORD_LENGTH} characters` });
  const needle = normaliseChars(keyword).join('');
  if (needle === '') throw new SealError('ERR_INPUT_INVALID', { name: 'keyword', reason: 'empty' });
  const wanted = options.page;
  if (wanted !== undefined && (!Number.isSafeInteger(wanted) || wanted < 1)) throw new SealError('ERR_INPUT_INVALID', { name: 'page', reason: 'not a positive integer' });

  const url = cmaps();
  let pdfjs: Pdfjs;
  try {
    pdfjs = await loadPdfjs();
  } catch (e) {
    pdfjsLoading = undefined;
    throw new SealError('ERR_INTERNAL', { reason: `pdf.js could not be loaded (${e instanceof Error ? e.message.slice(0, 80) : 'error'})` }, { cause: e });
  }
  const task = pdfjs.getDocument({
    // pdf.js may transfer (detach) the buffer it is given: hand it a copy.
    data: pdf.slice(),
    ...(url === undefined ? {} : { cMapUrl: url, cMapPacked: true }),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  try {
    let doc: Awaited<typeof task.promise>;
    try {
      doc = await task.promise;
    } catch (e) {
      const n = e instanceof Error ? e.name : '';
      if (n === 'PasswordException') throw new SealError('ERR_PDF_ENCRYPTED', {}, { cause: e });
      throw new SealError('ERR_PDF_MALFORMED', { reason: `pdf.js cannot open the file (${e instanceof Error ? e.message.slice(0, 80) : 'error'})` }, { cause: e });
    }
    if (wanted !== undefined && wanted > doc.numPages) {
      throw new SealError('ERR_INPUT_INVALID', { name: 'page', reason: `page ${wanted} is beyond the last page (${doc.numPages})` });
    }
    const hits: KeywordHit[] = [];
    const first = wanted ?? 1;
    const last = wanted ?? doc.numPages;
    for (let p = first; p <= last && hits.length < MAX_KEYWORD_HITS; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent({ includeMarkedContent: false, disableNormalization: false });
      page.cleanup();
      // Flatten: one entry per normalised character, remembering its item and position.
      const chars: { s: string; item: Item; i: number; n: number }[] = [];
      for (const it of content.items) {
        if (!isTextItem(it) || it.str === '') continue;
        const cs = [...it.str];
        const norm = normaliseChars(it.str);
        norm.forEach((s, i) => {
          if (s !== '') chars.push({ s, item: it, i, n: cs.length });
        });
      }
      const text = chars.map((c) => c.s);
      // Offsets of each normalised char in the joined string, to map string matches back.
      const starts: number[] = [];
      let joined = '';
      for (const s of text) {
        starts.push(joined.length);
        joined += s;
      }
      let from = 0;
      for (;;) {
        const at = joined.indexOf(needle, from);
        if (at < 0 || hits.length >= MAX_KEYWORD_HITS) break;
        from = at + Math.max(1, needle.length);
        const end = at + needle.length;
        let box: [number, number, number, number] | undefined;
        for (let k = 0; k < chars.length; k++) {
          const s0 = starts[k] as number;
          const ch = chars[k] as (typeof chars)[number];
          if (s0 + ch.s.length <= at || s0 >= end) continue;
          const b = charBox(ch.item, ch.i, ch.n);
          box = box === undefined ? b : [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])];
        }
        if (box !== undefined) hits.push({ page: p, rect: box.map((v) => Math.round(v * 1000) / 1000) as [number, number, number, number] });
      }
    }
    return hits;
  } catch (e) {
    if (isSealError(e)) throw e;
    throw new SealError('ERR_PDF_MALFORMED', { reason: `text extraction failed (${e instanceof Error ? e.message.slice(0, 80) : 'error'})` }, { cause: e });
  } finally {
    await task.destroy();
  }
}
