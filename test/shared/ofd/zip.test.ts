// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { crc32, normalizePackagePath, ZipArchive } from '../../../shared/ofd/zip.js';
import { md5 } from '../../../shared/ofd/md5.js';

const SAMPLES = 'test/fixtures/samples/ofd';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof SealError ? e.code : `not a SealError: ${String(e)}`;
  }
}

/** A minimal stored-entry ZIP with arbitrary raw names (fflate would normalise them). */
function rawZip(entries: { name: string; data: Uint8Array; declaredSize?: number; method?: number; csize?: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = strToU8(e.name);
    const crc = crc32(e.data);
    const usize = e.declaredSize ?? e.data.length;
    const csize = e.csize ?? e.data.length;
    const method = e.method ?? 0;
    const loc = new Uint8Array(30 + name.length);
    const lv = new DataView(loc.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, csize, true);
    lv.setUint32(22, usize, true);
    lv.setUint16(26, name.length, true);
    loc.set(name, 30);
    const cen = new Uint8Array(46 + name.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, csize, true);
    cv.setUint32(24, usize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cen.set(name, 46);
    parts.push(loc, e.data);
    central.push(cen);
    offset += loc.length + e.data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of all) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('normalizePackagePath', () => {
  it.each([
    ['Doc_0/Document.xml', '/Doc_0/Document.xml'],
    ['/Doc_0//Signs/./Sign_0/Signature.xml', '/Doc_0/Signs/Sign_0/Signature.xml'],
    ['Doc_0\\Res\\a.png', '/Doc_0/Res/a.png'],
    ['/Doc_0/Signs/../Document.xml', '/Doc_0/Document.xml'],
    ['../evil', undefined],
    ['/a/../../evil', undefined],
    ['C:/Windows/evil', undefined],
    ['c:evil', undefined],
    ['a\0b', undefined],
    ['//server/share', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizePackagePath(input)).toBe(expected);
  });
});

describe('ZipArchive', () => {
  it('reads every sample OFD and inflates every entry with a matching CRC', () => {
    for (const f of ['gomain-jiangsu-tax-v4.ofd', 'kinggrid-v4-invoice.ofd', 'dianju-v4-signvalue-name.ofd']) {
      const zip = ZipArchive.open(new Uint8Array(readFileSync(`${SAMPLES}/${f}`)));
      expect(zip.has('/OFD.xml')).toBe(true);
      for (const p of zip.paths()) expect(zip.read(p).length).toBe(zip.entries.get(p)?.uncompressedSize);
    }
  });

  it('finds the archive with vendor bytes before and after it (KingGrid case)', () => {
    const inner = new Uint8Array(readFileSync(`${SAMPLES}/gomain-jiangsu-tax-v4.ofd`));
    const wrapped = new Uint8Array(inner.length + 300);
    wrapped.fill(0x41, 0, 100);
    wrapped.set(inner, 100);
    wrapped.fill(0x42, 100 + inner.length);
    const zip = ZipArchive.open(wrapped);
    expect(zip.prefixBytes).toBe(100);
    expect(zip.trailingBytes).toBe(200);
    expect(new TextDecoder().decode(zip.read('/OFD.xml'))).toContain('DocBody');
  });

  it('looks paths up case-insensitively as a fallback', () => {
    const zip = ZipArchive.open(zipSync({ 'Doc_0/TPLS/TPL_0/Content.xml': strToU8('<a/>') }));
    expect(zip.resolve('/doc_0/tpls/tpl_0/content.xml')).toBe('/Doc_0/TPLS/TPL_0/Content.xml');
    expect(codeOf(() => zip.read('/nothing'))).toBe('ERR_OFD_ENTRY_MISSING');
  });

  it.each([
    ['not a zip', strToU8('hello world, this is not a zip file at all'), 'ERR_OFD_ZIP_INVALID'],
    ['empty', new Uint8Array(0), 'ERR_OFD_ZIP_INVALID'],
    ['zip-slip', rawZip([{ name: '../../etc/passwd', data: strToU8('x') }]), 'ERR_OFD_ZIP_UNSAFE'],
    ['zip-slip backslash', rawZip([{ name: 'a\\..\\..\\x', data: strToU8('x') }]), 'ERR_OFD_ZIP_UNSAFE'],
    ['drive letter', rawZip([{ name: 'C:/x', data: strToU8('x') }]), 'ERR_OFD_ZIP_UNSAFE'],
    ['NUL in name', rawZip([{ name: 'a\0.xml', data: strToU8('x') }]), 'ERR_OFD_ZIP_UNSAFE'],
    ['duplicate', rawZip([{ name: 'OFD.xml', data: strToU8('x') }, { name: '/OFD.xml', data: strToU8('y') }]), 'ERR_OFD_ZIP_UNSAFE'],
    ['huge declared entry', rawZip([{ name: 'big', data: new Uint8Array(10), declaredSize: 0x7fffffff, method: 8 }]), 'ERR_OFD_TOO_LARGE'],
    ['ratio bomb claim', rawZip([{ name: 'bomb', data: new Uint8Array(100), declaredSize: 100 * 1024 * 1024, method: 8 }]), 'ERR_OFD_TOO_LARGE'],
    ['unsupported method', rawZip([{ name: 'x', data: strToU8('x'), method: 12 }]), 'ERR_OFD_ZIP_INVALID'],
  ])('refuses %s with a coded error', (_name, bytes, code) => {
    expect(codeOf(() => ZipArchive.open(bytes))).toBe(code);
  });

  it('refuses more entries than the cap', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 50; i++) files[`f${i}`] = strToU8('x');
    const z = zipSync(files);
    expect(codeOf(() => ZipArchive.open(z, { maxEntries: 20, maxTotalUncompressed: 1e9, maxEntryUncompressed: 1e9, maxRatio: 1100, ratioThreshold: 1 << 20 }))).toBe('ERR_OFD_TOO_LARGE');
  });

  it('inflates a real high-ratio zip bomb only up to its declared size and within the caps', () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const z = zipSync({ 'bomb.bin': zeros }, { level: 9 });
    const zip = ZipArchive.open(z);
    expect(zip.read('/bomb.bin').length).toBe(zeros.length);
    // With a cap below the declared size it is refused before inflating.
    expect(codeOf(() => ZipArchive.open(z, { maxEntries: 10, maxTotalUncompressed: 1 << 20, maxEntryUncompressed: 1 << 30, maxRatio: 1100, ratioThreshold: 1 << 20 }))).toBe('ERR_OFD_TOO_LARGE');
  });

  it('detects a truncated archive and a lying size/CRC', () => {
    const z = zipSync({ 'OFD.xml': strToU8('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'.repeat(20)) });
    expect(codeOf(() => ZipArchive.open(z.subarray(0, z.length - 30)))).toBe('ERR_OFD_ZIP_INVALID');
    const bad = rawZip([{ name: 'a.txt', data: strToU8('hello') }]);
    bad[35] = (bad[35] ?? 0) ^ 0xff; // corrupt the data
    const zip = ZipArchive.open(bad);
    expect(codeOf(() => zip.read('/a.txt'))).toBe('ERR_OFD_ZIP_INVALID');
  });
});

describe('md5 (RFC 1321 §A.5)', () => {
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ])('md5(%j)', (input, expected) => {
    expect(hex(md5(strToU8(input)))).toBe(expected);
  });
});
