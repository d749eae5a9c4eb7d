// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Caps and coded errors shared by the seal-picture decoders.
 *
 * Design rationale: a seal picture comes from a seal file that may be hostile (a decompression bomb
 * in a PNG, an LZW stream that never ends, a deeply nested SVG). Every decoder checks the declared
 * size against these caps *before* allocating, bounds its output while decoding, and reports
 * failures as ERR_SEAL_PICTURE_INVALID / ERR_SEAL_PICTURE_TOO_LARGE / ERR_SEAL_PICTURE_UNSUPPORTED.
 * Real seal pictures are small (the samples: 2–30 KB, at most 1067 × 1067 pixels).
 */
import { isSealError, SealError } from '../../errors/index.js';

export const PICTURE_LIMITS = Object.freeze({
  /** Largest encoded picture accepted (bytes). */
  maxBytes: 8 * 1024 * 1024,
  /** Most pixels in a raster picture (width × height), checked before decoding. */
  maxPixels: 4096 * 4096,
  /** Longest side of a raster picture (pixels). */
  maxSide: 8192,
  /** Largest SVG text accepted (bytes). */
  maxSvgBytes: 1024 * 1024,
  /** Most SVG elements drawn. */
  maxSvgElements: 20_000,
  /** Deepest SVG element nesting. */
  maxSvgDepth: 32,
  /** Most drawing operations (path segments) in a vector picture. */
  maxVectorOps: 200_000,
  /** Most graphic objects in an OFD picture page. */
  maxOfdObjects: 20_000,
});

/** A decoded raster picture: 8-bit RGB, optional 8-bit opacity (absent when fully opaque). */
export interface RasterPicture {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  readonly alpha?: Uint8Array;
  /** Palette pictures: the same pixels as indices into an RGB palette (written as /Indexed). */
  readonly indexed?: { readonly palette: Uint8Array; readonly indices: Uint8Array; readonly bits: 1 | 2 | 4 | 8 };
}

export function pictureInvalid(type: string, reason: string): SealError {
  return new SealError('ERR_SEAL_PICTURE_INVALID', { type, reason });
}

export function pictureTooLarge(type: string, limit: string): SealError {
  return new SealError('ERR_SEAL_PICTURE_TOO_LARGE', { type, limit });
}

export function pictureUnsupported(type: string): SealError {
  return new SealError('ERR_SEAL_PICTURE_UNSUPPORTED', { type });
}

/** Checks raster dimensions against the caps before anything is allocated. */
export function checkRasterSize(type: string, width: number, height: number): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) throw pictureInvalid(type, `bad size ${width} × ${height}`);
  if (width > PICTURE_LIMITS.maxSide || height > PICTURE_LIMITS.maxSide) throw pictureTooLarge(type, `${PICTURE_LIMITS.maxSide} pixels per side (picture is ${width} × ${height})`);
  if (width * height > PICTURE_LIMITS.maxPixels) throw pictureTooLarge(type, `${PICTURE_LIMITS.maxPixels} pixels (picture is ${width} × ${height})`);
}

/** Runs a decoder; anything but a SealError (a RangeError tripped by hostile input) → ERR_SEAL_PICTURE_INVALID. */
export function guardPicture<T>(type: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSealError(e)) throw e;
    throw new SealError('ERR_SEAL_PICTURE_INVALID', { type, reason: e instanceof Error ? e.message.slice(0, 100) : 'decoder error' }, { cause: e });
  }
}

/** Drops an all-opaque alpha channel (no /SMask needed). */
export function trimAlpha(alpha: Uint8Array): Uint8Array | undefined {
  for (let i = 0; i < alpha.length; i++) if (alpha[i] !== 255) return alpha;
  return undefined;
}
