// SPDX-License-Identifier: Apache-2.0
/**
 * The seal-picture decoders against independent encoders and an independent decoder: the fixtures
 * in test/fixtures/pictures are written by Python (zlib, its own LZW encoder; see SOURCE.md) and
 * every pixel we decode is compared with what Skia (@napi-rs/canvas) decodes from the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../../shared/pdf/image/bmp.js';
import { decodeGif } from '../../../../shared/pdf/image/gif.js';
import { decodePng } from '../../../../shared/pdf/image/png.js';
import type { RasterPicture } from '../../../../shared/pdf/image/limits.js';

const DIR = join(import.meta.dirname, '../../../fixtures/pictures');
const files = readdirSync(DIR).filter((f) => /\.(png|gif|bmp)$/.test(f));

async function skia(bytes: Uint8Array): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
  const img = await loadImage(Buffer.from(bytes));
  const c = createCanvas(img.width, img.height);
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  return { width: img.width, height: img.height, rgba: g.getImageData(0, 0, img.width, img.height).data };
}

function compare(ours: RasterPicture, ref: { width: number; height: number; rgba: Uint8ClampedArray }): { maxDiff: number; opaque: number; transparent: number } {
  expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
  let maxDiff = 0;
  let opaque = 0;
  let transparent = 0;
  for (let i = 0; i < ours.width * ours.height; i++) {
    const a = ours.alpha?.[i] ?? 255;
    const ra = ref.rgba[i * 4 + 3] as number;
    maxDiff = Math.max(maxDiff, Math.abs(a - ra));
    if (a === 255) opaque++;
    if (a === 0) transparent++;
    // Skia keeps pixels premultiplied: colour is only comparable where the pixel is opaque.
    if (a === 255 && ra === 255) for (let k = 0; k < 3; k++) maxDiff = Math.max(maxDiff, Math.abs((ours.rgb[i * 3 + k] as number) - (ref.rgba[i * 4 + k] as number)));
  }
  return { maxDiff, opaque, transparent };
}

describe('PNG, GIF and BMP decoders agree with Skia on independently encoded fixtures', () => {
  it('has the fixtures', () => {
    expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(30);
    expect(files.filter((f) => f.endsWith('.gif')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.endsWith('.bmp')).length).toBeGreaterThanOrEqual(7);
  });

  it.each(files)('%s', async (f) => {
    const bytes = new Uint8Array(readFileSync(join(DIR, f)));
    const ours = f.endsWith('.png') ? decodePng(bytes) : f.endsWith('.gif') ? decodeGif(bytes) : decodeBmp(bytes);
    const ref = await skia(bytes);
    const { maxDiff, opaque, transparent } = compare(ours, ref);
    // 16-bit samples: we keep the high byte, Skia rounds — at most one step apart.
    expect(maxDiff).toBeLessThanOrEqual(f.includes('16') ? 1 : 0);
    expect(opaque).toBeGreaterThan(0);
    // palette pictures also carry indices (written as /Indexed): they must be the same pixels
    if (/palette|gif|bmp-pal/.test(f)) expect(ours.indexed).toBeDefined();
    if (ours.indexed !== undefined) {
      const { palette, indices } = ours.indexed;
      for (let i = 0; i < ours.width * ours.height; i++) {
        if ((ours.alpha?.[i] ?? 255) === 0) continue;
        const k = indices[i] as number;
        expect([palette[k * 3], palette[k * 3 + 1], palette[k * 3 + 2]]).toEqual([ours.rgb[i * 3], ours.rgb[i * 3 + 1], ours.rgb[i * 3 + 2]]);
      }
    }
    const shouldHaveTransparency = /trns|rgba|graya|palette|argb|gif-(transparent|interlaced|local|256)/.test(f);
    if (shouldHaveTransparency) expect(transparent).toBeGreaterThan(0);
    else expect(ours.alpha).toBeUndefined();
  });
});
