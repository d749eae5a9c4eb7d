// SPDX-License-Identifier: Apache-2.0
/**
 * The visible seal end to end: seal pictures (real samples and generated fixtures of every kind)
 * become the widget appearance at a position in millimetres; the signed file passes `qpdf --check`
 * and `pdfsig`, and a 72-dpi `pdftoppm` render shows red seal pixels inside the expected box and
 * none outside — on pages with /Rotate 0/90/180/270 and with an offset CropBox.
 */
import { describe, expect, it } from 'vitest';
import { sealPictureAppearance } from '../../../shared/pdf/index.js';
import { buildPdf, onePageObjects } from './support/makePdf.js';
import { census, expectCleanAndValid, fixturePicture, renderCropBox, samplePicture, stamp } from './sealAppearance.support.js';

const A4 = (pageExtra = ''): Uint8Array => buildPdf(onePageObjects({ pageExtra }));

describe('seal pictures of the real samples', () => {
  it.each([
    ['dianju-v4-signvalue-name.ofd', 'png'],
    ['gomain-yunnan-v4-two-seals.ofd', 'png'],
    ['ofdrw-v4-seal.ofd', 'PNG'],
    ['dms360-v1-seal.ofd', 'PNG'],
  ])('%s (%s picture) is stamped in place', async (ofd, type) => {
    const pic = samplePicture(ofd);
    expect(pic.type).toBe(type);
    const centre = { x: 120, y: 200 };
    const out = await stamp(A4(), pic, centre);
    expectCleanAndValid(out);
    const c = census(out, centre, { width: pic.widthMm, height: pic.heightMm });
    expect(c.inside).toBeGreaterThan(200);
    expect(c.outside).toBe(0);
  });
});

describe('vector pictures: the real OFD seal pictures, an OFD and an SVG fixture', () => {
  it.each(['gomain-jiangsu-tax-v4.ofd', 'kinggrid-v4-invoice.ofd'])('the oval invoice seal of %s (an OFD picture) is drawn in place', async (ofd) => {
    const pic = samplePicture(ofd);
    expect(pic.type).toBe('ofd');
    const ap = sealPictureAppearance(pic);
    expect(ap.vector).toMatchObject({ width: 30, height: 20, fonts: { F1: 'cjk' } });
    const centre = { x: 150, y: 60 };
    const out = await stamp(A4(' /Rotate 90'), pic, centre);
    expectCleanAndValid(out);
    const c = census(out, centre, { width: pic.widthMm, height: pic.heightMm });
    expect(c.inside).toBeGreaterThan(100);
    expect(c.outside).toBe(0);
  });

  it.each([
    ['seal-picture.ofd', 40, 30, 'ofd'],
    ['seal.svg', 42, 42, 'svg'],
    ['seal-arc.svg', 40, 40, 'svg'],
  ])('%s renders red, upright, inside the box (also with /Rotate 270)', async (file, wmm, hmm, type) => {
    const pic = fixturePicture(file, wmm, hmm);
    expect(pic.type).toBe(type);
    for (const extra of ['', ' /Rotate 270']) {
      const centre = { x: 70, y: 45 };
      const out = await stamp(A4(extra), pic, centre);
      expectCleanAndValid(out);
      const c = census(out, centre, { width: wmm, height: hmm });
      expect(c.inside).toBeGreaterThan(500);
      expect(c.outside).toBe(0);
      expect(c.redCentroidY).toBeLessThan(-0.02);
    }
  });
});

describe('translucent vector pictures', () => {
  it('an SVG drawn at 50 % fill opacity renders as a half-tinted red (pdftoppm blends it over white)', async () => {
    const data = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#ff0000" fill-opacity="0.5"/></svg>');
    const out = await stamp(A4(), { type: 'svg', data, widthMm: 20, heightMm: 20 }, { x: 50, y: 50 });
    expectCleanAndValid(out);
    const px = renderCropBox(out).rgb(Math.round((50 * 72) / 25.4), Math.round((50 * 72) / 25.4));
    expect(px[0]).toBeGreaterThan(240);
    expect(px[1]).toBeGreaterThan(110);
    expect(px[1]).toBeLessThan(145);
    expect(Math.abs(px[1] - px[2])).toBeLessThan(4);
  });
});

describe('generated pictures of each kind', () => {
  it.each(['png-rgba8.png', 'png-palette4-adam7.png', 'png-rgb16-trns.png', 'gif-transparent.gif', 'gif-interlaced.gif', 'bmp-argb32-v4.bmp', 'bmp-pal8-topdown.bmp', 'jpeg-rgb-baseline.jpg', 'jpeg-rgb-progressive.jpg', 'jpeg-cmyk.jpg'])(
    '%s renders red, upright, inside the box',
    async (file) => {
      const pic = fixturePicture(file, 40, 30);
      const centre = { x: 60, y: 50 };
      const out = await stamp(A4(), pic, centre);
      expectCleanAndValid(out);
      const c = census(out, centre, { width: 40, height: 30 });
      expect(c.inside).toBeGreaterThan(300);
      expect(c.outside).toBe(0);
      // the bar is in the top part of the picture
      expect(c.redCentroidY).toBeLessThan(-0.02);
    },
  );

  it('a greyscale JPEG is drawn (dark ink inside the box) as /DeviceGray', async () => {
    const pic = fixturePicture('jpeg-gray.jpg', 40, 30);
    const ap = sealPictureAppearance(pic);
    expect(ap.image && 'colorSpace' in ap.image ? ap.image.colorSpace : undefined).toBe('DeviceGray');
    const out = await stamp(A4(), pic, { x: 60, y: 50 });
    expectCleanAndValid(out);
    const c = census(out, { x: 60, y: 50 }, { width: 40, height: 30 });
    expect(c.darkInside).toBeGreaterThan(200);
  });

  it('palette pictures are written /Indexed; one transparent index becomes a colour-key /Mask, partial alpha an /SMask', async () => {
    const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
    const keyed = latin1(await stamp(A4(), fixturePicture('png-palette4-adam7.png', 40, 30), { x: 60, y: 50 }));
    expect(keyed).toMatch(/\/ColorSpace \[\/Indexed \/DeviceRGB 15 <[0-9A-Fa-f]+>\] \/BitsPerComponent 4/);
    expect(keyed).toMatch(/\/Mask \[0 0\]/);
    expect(keyed).not.toContain('/SMask');
    const soft = latin1(await stamp(A4(), samplePicture('dms360-v1-seal.ofd'), { x: 60, y: 50 }));
    expect(soft).toContain('/SMask');
    expect(soft).not.toContain('/Indexed');
  });

  it('CMYK JPEG with the Adobe marker gets an inverting /Decode', () => {
    const ap = sealPictureAppearance(fixturePicture('jpeg-cmyk.jpg'));
    expect(ap.image).toMatchObject({ colorSpace: 'DeviceCMYK', filter: 'DCTDecode', decode: [1, 0, 1, 0, 1, 0, 1, 0] });
  });
});

describe('placement on rotated and cropped pages (as displayed)', () => {
  const cases: [string, string][] = [
    ['rotate 0', ''],
    ['rotate 90', ' /Rotate 90'],
    ['rotate 180', ' /Rotate 180'],
    ['rotate 270', ' /Rotate 270'],
    ['CropBox offset', ' /CropBox [40 50 560 800]'],
    ['CropBox offset + rotate 90', ' /CropBox [40 50 560 800] /Rotate 90'],
    ['CropBox offset + rotate 270', ' /CropBox [40 50 560 800] /Rotate 270'],
  ];
  it.each(cases)('%s: the seal is where asked, upright', async (_n, extra) => {
    const pic = fixturePicture('png-rgba8.png', 40, 30);
    const centre = { x: 45, y: 70 };
    const out = await stamp(A4(extra), pic, centre);
    expectCleanAndValid(out);
    const c = census(out, centre, { width: 40, height: 30 });
    expect(c.inside).toBeGreaterThan(300);
    expect(c.outside).toBe(0);
    expect(c.redCentroidY).toBeLessThan(-0.03);
  });
});
