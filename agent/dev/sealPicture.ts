// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A programmatically drawn development seal picture: a red ring with a five-pointed star and a
 * smaller inner ring, as an RGBA PNG (zlib via node:zlib, CRC-32 computed here). Development only.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function inStar(x: number, y: number, cx: number, cy: number, r: number): boolean {
  // A point is inside the star when it is inside the polygon of 10 alternating vertices.
  const pts: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.382;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push([cx + radius * Math.cos(a), cy + radius * Math.sin(a)]);
  }
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i] as [number, number];
    const [xj, yj] = pts[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A `size`×`size` PNG seal picture; `variant` changes the inner mark so the demo seals differ. */
export function drawSealPng(size = 160, variant: 'official' | 'legal' | 'personal' = 'official'): Uint8Array {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const c = (size - 1) / 2;
  const outer = size / 2 - 2;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      let on: boolean;
      if (variant === 'personal') {
        on = Math.abs(x - c) <= outer && Math.abs(y - c) <= outer && (Math.abs(x - c) >= outer - size * 0.06 || Math.abs(y - c) >= outer - size * 0.06);
        on ||= Math.abs(x - c) < size * 0.05 || Math.abs(y - c) < size * 0.05 ? Math.abs(x - c) < outer * 0.6 && Math.abs(y - c) < outer * 0.6 : false;
      } else {
        on = d <= outer && d >= outer - size * 0.06;
        if (variant === 'official') on ||= inStar(x, y, c, c, size * 0.22);
        else on ||= d <= outer * 0.55 && d >= outer * 0.55 - size * 0.04;
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = 0xd4;
      raw[o + 1] = 0x1c;
      raw[o + 2] = 0x1c;
      raw[o + 3] = on ? 0xff : 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())]);
  return new Uint8Array(png);
}
