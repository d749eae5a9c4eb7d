// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile and broken inputs: every failure is a SealError (ERR_PDF_MALFORMED unless stated), fast.
 * Ends with a seeded, bounded mutation fuzz over small PDFs.
 */
import { describe, expect, it } from 'vitest';
import { isSealError } from '../../../shared/errors/index.js';
import { PdfReader, preparePdfSignature, readPdfSignatures } from '../../../shared/pdf/index.js';
import { zlibSync } from 'fflate';
import { buildPdf, classicPdf, lastStartxref, onePageObjects, xrefStreamPdf } from './support/makePdf.js';
import { signPdf, SIGNING_TIME } from './support/sign.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const cat = (...p: Uint8Array[]) => {
  const out = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of p) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};
const OPTS = { page: 0, rect: [10, 10, 50, 50] as [number, number, number, number], signingTime: SIGNING_TIME, contentsReserveBytes: 256, subFilter: 'adbe.pkcs7.detached' as const };

/** `pageTreeOnly`: the damage is in the page tree, which readPdfSignatures need not walk (no fields). */
function expectMalformed(bytes: Uint8Array, pageTreeOnly = false): void {
  const t0 = performance.now();
  if (pageTreeOnly) expect(readPdfSignatures(bytes).signatures).toEqual([]);
  for (const run of pageTreeOnly ? [() => preparePdfSignature(bytes, OPTS)] : [() => readPdfSignatures(bytes), () => preparePdfSignature(bytes, OPTS)]) {
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(isSealError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe('ERR_PDF_MALFORMED');
  }
  expect(performance.now() - t0).toBeLessThan(2000);
}

/** Appends a bare xref section whose trailer says /Prev `prev` (or itself when undefined). */
function withSection(pdf: Uint8Array, prev?: (self: number) => number): Uint8Array {
  const off = pdf.length;
  return cat(pdf, enc(`xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 6 /Root 1 0 R /Prev ${prev === undefined ? off : prev(off)}>>\nstartxref\n${off}\n%%EOF\n`));
}

describe('hostile PDFs', () => {
  const base = classicPdf();
  it.each<[string, () => Uint8Array, boolean?]>([
    ['empty', () => new Uint8Array(0)],
    ['no header', () => enc('hello world, not a PDF at all\nstartxref\n0\n%%EOF\n')],
    ['garbage with a header', () => cat(enc('%PDF-1.7\n'), Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251))],
    ['truncated in the middle', () => base.subarray(0, Math.floor(base.length / 2))],
    ['truncated before %%EOF', () => base.subarray(0, base.length - 30)],
    ['startxref outside the file', () => cat(base, enc('startxref\n999999999\n%%EOF\n'))],
    ['startxref pointing into an object', () => cat(base, enc('startxref\n20\n%%EOF\n'))],
    ['/Prev pointing to itself', () => withSection(base)],
    ['/Prev loop of two sections', () => {
      // section A at `a` with /Prev b; section B at `b` with /Prev a
      const a = base.length;
      const secA = (b: number) => enc(`xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 6 /Root 1 0 R /Prev ${String(b).padStart(10, '0')}>>\n`);
      const lenA = secA(0).length;
      const b = a + lenA;
      return cat(base, secA(b), enc(`xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 6 /Root 1 0 R /Prev ${a}>>\nstartxref\n${b}\n%%EOF\n`));
    }],
    ['deeply nested arrays', () => buildPdf(['<</Type /Catalog /Pages 2 0 R /X ' + '['.repeat(5000) + ']'.repeat(5000) + '>>', '<</Type /Pages /Kids [3 0 R] /Count 1>>', '<</Type /Page /Parent 2 0 R>>'])],
    ['page tree loop', () => buildPdf(['<</Type /Catalog /Pages 2 0 R>>', '<</Type /Pages /Kids [2 0 R] /Count 1>>']), true],
    ['page tree /Count lies', () => buildPdf(['<</Type /Catalog /Pages 2 0 R>>', '<</Type /Pages /Kids [3 0 R] /Count 5>>', '<</Type /Pages /Kids [] /Count 0>>']), true],
    ['reference cycle for /Pages', () => buildPdf(['<</Type /Catalog /Pages 2 0 R>>', '3 0 R', '2 0 R']), true],
    ['catalog not a dictionary', () => buildPdf(['[1 2 3]'])],
    ['xref entry pointing at the wrong object', () => {
      const t = new TextDecoder('latin1').decode(base);
      return enc(t.replace(/\n0000000(\d{3}) 00000 n\r\n0000000(\d{3}) 00000 n\r\n/, (_m, x: string, y: string) => `\n0000000${y} 00000 n\r\n0000000${x} 00000 n\r\n`));
    }],
    ['deflate bomb in an xref stream', () => {
      const bomb = zlibSync(new Uint8Array(8 * 1024 * 1024));
      const pre = cat(enc('%PDF-1.7\n'));
      const obj = cat(enc(`1 0 obj\n<</Type /XRef /W [1 4 2] /Size 2 /Root 1 0 R /Filter /FlateDecode /Length ${bomb.length}>>\nstream\n`), bomb, enc('\nendstream\nendobj\n'));
      return cat(pre, obj, enc(`startxref\n${pre.length}\n%%EOF\n`));
    }],
    ['object stream containing itself', () => {
      const pdf = buildPdf(onePageObjects(), { xref: 'stream', objStm: [1, 2, 3, 5] });
      const t = new TextDecoder('latin1').decode(pdf);
      return enc(t.replace('/Type /ObjStm', '/Type /ObjSt_'));
    }],
  ])('%s → ERR_PDF_MALFORMED, fast', (_n, make, pageTreeOnly) => {
    expectMalformed(make(), pageTreeOnly);
  });

  it('a /Length that refers to the stream itself falls back to endstream', () => {
    const pdf = buildPdf([...onePageObjects(), '<</Length 6 0 R>>\nstream\nabc\nendstream']);
    const r = PdfReader.open(pdf);
    expect(r.getObject(6)).toBeDefined();
  });

  it('xref startxref in the last 1 KiB is found despite trailing whitespace and NULs', () => {
    const pdf = cat(classicPdf(), new Uint8Array(500), enc('\n \r\n'));
    expect(PdfReader.open(pdf).pageCount()).toBe(1);
    expect(lastStartxref(classicPdf())).toBeGreaterThan(0);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('seeded mutation fuzz', () => {
  it('1000 mutations of small PDFs (classic, xref stream, signed) only ever throw SealErrors, in < 10 s', async () => {
    const seeds = [classicPdf(), xrefStreamPdf(), await signPdf(classicPdf())];
    const rnd = mulberry32(20261122);
    const interesting = enc('0123456789 /<>[]()RobjendxrefstartxrefPrevLength\n%');
    const t0 = performance.now();
    const outcomes = { ok: 0, errors: new Map<string, number>() };
    let writtenOk = 0;
    for (let i = 0; i < 1000; i++) {
      const src = seeds[i % seeds.length] as Uint8Array;
      let m = src.slice();
      const kind = Math.floor(rnd() * 5);
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const at = Math.floor(rnd() * m.length);
        if (kind === 0) m[at] = Math.floor(rnd() * 256);
        else if (kind === 1) m[at] = interesting[Math.floor(rnd() * interesting.length)] as number;
        else if (kind === 2) m = m.subarray(0, Math.max(1, m.length - Math.floor(rnd() * 200)));
        else if (kind === 3) {
          const len = Math.floor(rnd() * 40);
          m = cat(m.subarray(0, at), m.subarray(at, at + len), m.subarray(at));
        } else m = cat(m.subarray(0, at), m.subarray(Math.min(m.length, at + Math.floor(rnd() * 20))));
      }
      let inputReadable = false;
      for (const run of [() => readPdfSignatures(m), () => preparePdfSignature(m, OPTS)]) {
        let r: ReturnType<typeof run> | undefined;
        try {
          r = run();
          outcomes.ok++;
          if (!('bytes' in r)) inputReadable = true;
        } catch (e) {
          if (!isSealError(e)) throw new Error(`mutation ${i} (kind ${kind}) threw a non-SealError: ${String(e)}`, { cause: e });
          outcomes.errors.set(e.code, (outcomes.errors.get(e.code) ?? 0) + 1);
        }
        if (r !== undefined && 'bytes' in r) {
          // whenever a revision is written, the input is its exact prefix …
          expect(Buffer.from(r.bytes.subarray(0, m.length)).equals(Buffer.from(m)), `mutation ${i}: prefix`).toBe(true);
          // … and, if the input itself was readable, what we wrote reads back (no exception allowed
          // here) with our signature and a sane ByteRange
          if (!inputReadable) continue;
          const fieldName = r.fieldName;
          const found = readPdfSignatures(r.bytes).signatures.find((x) => x.fieldName === fieldName);
          expect(found?.byteRangeCheck.problems, `mutation ${i}: read back`).toEqual([]);
          expect(found?.modificationLevel).toBe('NONE');
          writtenOk++;
        }
      }
    }
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(10_000);
    // both paths were exercised
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(writtenOk).toBeGreaterThan(20);
    expect(outcomes.errors.get('ERR_PDF_MALFORMED') ?? 0).toBeGreaterThan(50);
  });
});
