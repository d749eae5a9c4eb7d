// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile and broken seal pictures: every one ends in a coded SealError (ERR_SEAL_PICTURE_INVALID,
 * _TOO_LARGE or _UNSUPPORTED), never a crash, a hang or a huge allocation; plus a seeded mutation
 * fuzz over every fixture kind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isSealError } from '../../../../shared/errors/index.js';
import { sealPictureAppearance, type SealPictureInput } from '../../../../shared/pdf/index.js';

const DIR = join(import.meta.dirname, '../../../fixtures/pictures');
const fixture = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));
const pic = (type: string, data: Uint8Array): SealPictureInput => ({ type, data, widthMm: 40, heightMm: 40 });
const te = new TextEncoder();

function expectCode(p: SealPictureInput, code: string, detail?: RegExp): void {
  let err: unknown;
  try {
    sealPictureAppearance(p);
  } catch (e) {
    err = e;
  }
  expect(isSealError(err), String(err)).toBe(true);
  expect((err as { code: string }).code, (err as Error).message).toBe(code);
  if (detail !== undefined) expect((err as Error).message).toMatch(detail);
}

// ── PNG building blocks ──
const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = (CRC[(c ^ x) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(te.encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}
function ihdr(w: number, h: number, depth: number, ct: number, interlace = 0): Uint8Array {
  const b = new Uint8Array(13);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  b.set([depth, ct, 0, 0, interlace], 8);
  return chunk('IHDR', b);
}
function png(...chunks: Uint8Array[]): Uint8Array {
  const sig = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const parts = [sig, ...chunks, chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const idat = (raw: Uint8Array): Uint8Array => chunk('IDAT', new Uint8Array(deflateSync(raw)));

describe('hostile PNG', () => {
  it('a flipped byte (CRC mismatch), a truncated file, no signature → ERR_SEAL_PICTURE_INVALID', () => {
    const good = fixture('png-rgba8.png');
    const flipped = good.slice();
    flipped[good.length - 30] = (flipped[good.length - 30] as number) ^ 0x40;
    expectCode(pic('png', flipped), 'ERR_SEAL_PICTURE_INVALID', /CRC/);
    expectCode(pic('png', good.subarray(0, good.length - 40)), 'ERR_SEAL_PICTURE_INVALID');
    expectCode(pic('png', good.subarray(0, 20)), 'ERR_SEAL_PICTURE_INVALID');
  });

  it('a 100000 × 100000 header → ERR_SEAL_PICTURE_TOO_LARGE before any allocation', () => {
    expectCode(pic('png', png(ihdr(100_000, 100_000, 8, 6), idat(new Uint8Array(10)))), 'ERR_SEAL_PICTURE_TOO_LARGE');
    expectCode(pic('png', png(ihdr(5000, 5000, 8, 6), idat(new Uint8Array(10)))), 'ERR_SEAL_PICTURE_TOO_LARGE');
  });

  it('a deflate bomb (20 MB of zeros for a 10 × 10 picture) stops at the picture size', () => {
    const bomb = idat(new Uint8Array(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expectCode(pic('png', png(ihdr(10, 10, 8, 2), bomb)), 'ERR_SEAL_PICTURE_INVALID', /longer than the picture/);
  });

  it.each([
    ['colour type 2 at 4 bits', () => png(ihdr(2, 2, 4, 2), idat(new Uint8Array(6)))],
    ['palette picture without PLTE', () => png(ihdr(2, 2, 8, 3), idat(new Uint8Array(6)))],
    ['palette index beyond the palette', () => png(ihdr(2, 1, 8, 3), chunk('PLTE', Uint8Array.of(255, 0, 0)), idat(Uint8Array.of(0, 0, 5)))],
    ['unknown row filter 7', () => png(ihdr(1, 1, 8, 0), idat(Uint8Array.of(7, 1)))],
    ['image data too short', () => png(ihdr(4, 4, 8, 2), idat(new Uint8Array(5)))],
    ['no IDAT', () => png(ihdr(4, 4, 8, 2))],
    ['zero width', () => png(ihdr(0, 4, 8, 2), idat(new Uint8Array(5)))],
    ['not zlib data', () => png(ihdr(1, 1, 8, 0), chunk('IDAT', Uint8Array.of(1, 2, 3, 4, 5)))],
  ])('%s → ERR_SEAL_PICTURE_INVALID', (_n, make) => {
    expectCode(pic('png', make()), 'ERR_SEAL_PICTURE_INVALID');
  });

  it('an unknown critical chunk → ERR_SEAL_PICTURE_UNSUPPORTED (ancillary ones are ignored)', () => {
    const raw = Uint8Array.of(0, 255, 0, 0);
    expectCode(pic('png', png(ihdr(1, 1, 8, 2), chunk('ABCD', new Uint8Array(3)), idat(raw))), 'ERR_SEAL_PICTURE_UNSUPPORTED', /ABCD/);
    expect(sealPictureAppearance(pic('png', png(ihdr(1, 1, 8, 2), chunk('abCD', new Uint8Array(3)), idat(raw)))).image).toMatchObject({ width: 1, height: 1 });
  });
});

describe('hostile GIF and JPEG', () => {
  const gif = fixture('gif-transparent.gif');
  it('huge logical screen → TOO_LARGE; truncated or no image → INVALID', () => {
    const huge = gif.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], 6);
    expectCode(pic('gif', huge), 'ERR_SEAL_PICTURE_TOO_LARGE');
    expectCode(pic('gif', gif.subarray(0, 60)), 'ERR_SEAL_PICTURE_INVALID');
    expectCode(pic('gif', Uint8Array.of(...te.encode('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x3b)), 'ERR_SEAL_PICTURE_INVALID', /no image/);
  });
  it('an LZW stream with undefined codes → INVALID', () => {
    // header, 2-colour table, image descriptor 4×4, min code size 2, one sub-block of 0xff bytes
    const bytes = Uint8Array.of(...te.encode('GIF89a'), 4, 0, 4, 0, 0x80, 0, 0, 255, 0, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 4, 0, 4, 0, 0, 2, 4, 0xff, 0xff, 0xff, 0xff, 0, 0x3b);
    expectCode(pic('gif', bytes), 'ERR_SEAL_PICTURE_INVALID', /LZW/);
  });

  const jpg = fixture('jpeg-rgb-baseline.jpg');
  const sofAt = (() => {
    for (let i = 2; i < jpg.length; ) {
      if (jpg[i + 1] === 0xc0) return i;
      i += 2 + (((jpg[i + 2] as number) << 8) | (jpg[i + 3] as number));
    }
    throw new Error('no SOF0 in fixture');
  })();
  it.each([
    ['12-bit samples', (b: Uint8Array) => b.set([12], sofAt + 4), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['lossless SOF3', (b: Uint8Array) => b.set([0xc3], sofAt + 1), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['arithmetic SOF9', (b: Uint8Array) => b.set([0xc9], sofAt + 1), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['height from DNL (0)', (b: Uint8Array) => b.set([0, 0], sofAt + 5), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['65535 × 65535', (b: Uint8Array) => b.set([0xff, 0xff, 0xff, 0xff], sofAt + 5), 'ERR_SEAL_PICTURE_TOO_LARGE'],
    ['2 components', (b: Uint8Array) => b.set([2], sofAt + 9), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['segment length past the end', (b: Uint8Array) => b.set([0xff, 0xff], 4), 'ERR_SEAL_PICTURE_INVALID'],
  ])('JPEG with %s', (_n, patch, code) => {
    const b = jpg.slice();
    patch(b);
    expectCode(pic('jpg', b), code);
  });
  it('JPEG without end-of-image (truncated) → INVALID', () => {
    expectCode(pic('jpg', jpg.subarray(0, jpg.length - 100)), 'ERR_SEAL_PICTURE_INVALID', /truncated/);
  });
});

describe('hostile BMP', () => {
  const base = fixture('bmp-rgb24.bmp');
  it.each([
    ['a 100000 × 100000 header', (b: Uint8Array) => b.set([0xa0, 0x86, 0x01, 0, 0xa0, 0x86, 0x01, 0], 18), 'ERR_SEAL_PICTURE_TOO_LARGE'],
    ['RLE8 compression', (b: Uint8Array) => b.set([8, 0, 1, 0, 0, 0], 28), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['a 20-byte DIB header', (b: Uint8Array) => b.set([20], 14), 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['7 bits per pixel', (b: Uint8Array) => b.set([7], 28), 'ERR_SEAL_PICTURE_INVALID'],
    ['pixel data offset past the end', (b: Uint8Array) => b.set([0xff, 0xff, 0xff, 0x00], 10), 'ERR_SEAL_PICTURE_INVALID'],
  ])('%s', (_n, patch, code) => {
    const b = base.slice();
    patch(b);
    expectCode(pic('bmp', b), code);
  });
  it('truncated pixel data → INVALID', () => {
    expectCode(pic('bmp', base.subarray(0, base.length - 500)), 'ERR_SEAL_PICTURE_INVALID', /truncated/);
  });
});

describe('hostile SVG', () => {
  const svg = (body: string, attrs = 'viewBox="0 0 100 100"'): SealPictureInput => pic('svg', te.encode(`<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`));
  it.each([
    ['<image>', '<image href="x.png" width="10" height="10"/>', /image/],
    ['<use>', '<use href="#a"/>', /use/],
    ['a gradient fill', '<circle r="5" fill="url(#g)"/>', /gradient/],
    ['clip-path', '<circle r="5" clip-path="url(#c)"/>', /clip-path/],
    ['a style sheet', '<style>circle{fill:red}</style>', /style/],
    ['textLength', '<text textLength="30">章</text>', /textLength/],
    ['an unknown colour', '<circle r="5" fill="rebeccapurple"/>', /fill/],
    ['textPath with method', '<path id="p" d="M0 0 L 10 0"/><text><textPath href="#p" method="stretch">章</textPath></text>', /method/],
    ['text mixing a textPath with other text', '<path id="p" d="M0 0 L 10 0"/><text>甲<textPath href="#p">章</textPath></text>', /mixing/],
    ['percentage lengths', '<circle r="50%"/>', /length/],
    ['a nested <svg>', '<svg/>', /svg/],
  ])('%s → ERR_SEAL_PICTURE_UNSUPPORTED', (_n, body, detail) => {
    expectCode(svg(body), 'ERR_SEAL_PICTURE_UNSUPPORTED', detail);
  });
  it.each([
    ['not XML', pic('svg', te.encode('<svg><g></svg>'))],
    ['root is not <svg>', pic('svg', te.encode('<html xmlns="http://www.w3.org/1999/xhtml"/>'))],
    ['no size', svg('', '')],
    ['bad path data', svg('<path d="M 0 0 L 10 zz 5"/>')],
    ['a path not starting with a command', svg('<path d="10 10 L 5 5"/>')],
    ['a textPath to nothing', svg('<text><textPath href="#p">章</textPath></text>')],
    ['a textPath to a circle', svg('<circle id="c" r="5"/><text><textPath href="#c">章</textPath></text>')],
    ['an entity bomb (DOCTYPE)', pic('svg', te.encode('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg viewBox="0 0 1 1"><text>&b;</text></svg>'))],
  ])('%s → ERR_SEAL_PICTURE_INVALID', (_n, p) => {
    expectCode(p, 'ERR_SEAL_PICTURE_INVALID');
  });
  it('nesting, element count, file size and drawing operations are capped → TOO_LARGE', () => {
    expectCode(svg('<g>'.repeat(100) + '</g>'.repeat(100)), 'ERR_SEAL_PICTURE_TOO_LARGE', /nesting/);
    expectCode(svg('<g/>'.repeat(30_000)), 'ERR_SEAL_PICTURE_TOO_LARGE', /elements/);
    expectCode(svg(`<!--${'x'.repeat(1024 * 1024)}-->`), 'ERR_SEAL_PICTURE_TOO_LARGE', /bytes/);
    expectCode(svg(`<path d="M0 0${' L1 1'.repeat(210_000)}"/>`.slice(0, 1024 * 1024 - 200) + '"/>'), 'ERR_SEAL_PICTURE_TOO_LARGE');
  });
});

describe('hostile OFD pictures and the dispatcher', () => {
  const ofdZip = (page: string): Uint8Array =>
    zipSync({
      'OFD.xml': strToU8('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'),
      'Doc_0/Document.xml': strToU8('<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 30 20</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'),
      'Doc_0/Pages/Page_0/Content.xml': strToU8(`<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">${page}</ofd:Layer></ofd:Content></ofd:Page>`),
    });
  it('OFD colour Alpha becomes constant opacity', () => {
    const v = sealPictureAppearance(pic('ofd', ofdZip('<ofd:PathObject ID="3" Boundary="0 0 30 20" Fill="true"><ofd:FillColor Value="255 0 0" Alpha="128"/><ofd:AbbreviatedData>M 1 1 L 29 19 L 1 19 C</ofd:AbbreviatedData></ofd:PathObject>'))).vector;
    expect(v?.extGStates).toEqual({ GS1: { fillAlpha: 0.502, strokeAlpha: 1 } });
    expect(v?.content).toContain('/GS1 gs');
  });

  it('a minimal valid OFD picture converts (control)', () => {
    expect(sealPictureAppearance(pic('ofd', ofdZip('<ofd:PathObject ID="3" Boundary="0 0 30 20"><ofd:AbbreviatedData>M 1 1 L 29 19</ofd:AbbreviatedData></ofd:PathObject>'))).vector).toMatchObject({ width: 30, height: 20 });
  });
  it.each([
    ['CompositeObject', '<ofd:CompositeObject ID="3" Boundary="0 0 1 1" ResourceID="9"/>', 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['a shading fill', '<ofd:PathObject ID="3" Boundary="0 0 1 1" Fill="true"><ofd:FillColor><ofd:AxialShd/></ofd:FillColor><ofd:AbbreviatedData>M 0 0 L 1 1</ofd:AbbreviatedData></ofd:PathObject>', 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['vertical text', '<ofd:TextObject ID="3" Boundary="0 0 10 10" Font="1" Size="3" ReadDirection="90"><ofd:TextCode X="0" Y="3">章</ofd:TextCode></ofd:TextObject>', 'ERR_SEAL_PICTURE_UNSUPPORTED'],
    ['bad AbbreviatedData', '<ofd:PathObject ID="3" Boundary="0 0 1 1"><ofd:AbbreviatedData>M 0 0 X 1 1</ofd:AbbreviatedData></ofd:PathObject>', 'ERR_SEAL_PICTURE_INVALID'],
    ['an object without Boundary', '<ofd:PathObject ID="3"><ofd:AbbreviatedData>M 0 0 L 1 1</ofd:AbbreviatedData></ofd:PathObject>', 'ERR_SEAL_PICTURE_INVALID'],
    ['an image resource that does not exist', '<ofd:ImageObject ID="3" Boundary="0 0 1 1" CTM="1 0 0 1 0 0" ResourceID="99"/>', 'ERR_SEAL_PICTURE_INVALID'],
    ['deeply nested PageBlocks', '<ofd:PageBlock ID="3">'.repeat(40) + '</ofd:PageBlock>'.repeat(40), 'ERR_SEAL_PICTURE_TOO_LARGE'],
  ])('%s → %s', (_n, page, code) => {
    expectCode(pic('ofd', ofdZip(page)), code);
  });
  it('not a ZIP, or a ZIP without OFD.xml → ERR_SEAL_PICTURE_INVALID', () => {
    expectCode(pic('ofd', te.encode('PK\x03\x04 but not really a zip')), 'ERR_SEAL_PICTURE_INVALID');
    expectCode(pic('ofd', zipSync({ 'a.txt': strToU8('x') })), 'ERR_SEAL_PICTURE_INVALID');
  });
  it('a broken BMP, unknown formats, oversized data and bad sizes', () => {
    expectCode(pic('bmp', Uint8Array.of(0x42, 0x4d, 0, 0, 0, 0)), 'ERR_SEAL_PICTURE_INVALID');
    expectCode(pic('tiff', Uint8Array.of(0x49, 0x49, 0x2a, 0)), 'ERR_SEAL_PICTURE_UNSUPPORTED', /tiff/);
    expectCode(pic('png', new Uint8Array(9 * 1024 * 1024)), 'ERR_SEAL_PICTURE_TOO_LARGE');
    expectCode({ ...pic('png', fixture('png-rgba8.png')), widthMm: 0 }, 'ERR_INPUT_INVALID');
    expectCode({ ...pic('png', new Uint8Array(0)) }, 'ERR_INPUT_INVALID');
  });
  it('the bytes win over a wrong type label (a PNG labelled JPG decodes as PNG)', () => {
    expect(sealPictureAppearance(pic('JPG', fixture('png-rgba8.png'))).image).toMatchObject({ width: 61, height: 47 });
  });
});

describe('seeded mutation fuzz: only SealErrors', () => {
  const files = ['bmp-pal4.bmp', 'bmp-argb32-v4.bmp', 'png-rgba8-adam7.png', 'png-palette2-trns.png', 'gif-256-busy.gif', 'gif-interlaced.gif', 'jpeg-rgb-progressive.jpg', 'seal.svg', 'seal-picture.ofd'];
  it.each(files)('%s × 300 mutations', (f) => {
    const base = fixture(f);
    let seed = 0x2545f491 ^ f.length;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let ok = 0;
    let coded = 0;
    for (let k = 0; k < 300; k++) {
      const b = base.slice(0, rnd(4) === 0 ? rnd(base.length) + 1 : base.length);
      for (let m = 0, n = 1 + rnd(8); m < n; m++) b[rnd(b.length)] = rnd(256);
      try {
        sealPictureAppearance(pic(f.replace(/^.*\./, ''), b));
        ok++;
      } catch (e) {
        if (!isSealError(e)) throw e;
        coded++;
      }
    }
    expect(ok + coded).toBe(300);
    expect(coded).toBeGreaterThan(0);
  });
});
