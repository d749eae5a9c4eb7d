// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A defensive ZIP reader for OFD packages.
 *
 * Design rationale: OFD files come from many vendors and some are not clean ZIPs. A KingGrid file
 * carried extra bytes before and after the archive (seal-formats.md §6.4), so the archive is located by
 * its End-Of-Central-Directory record, scanning backwards, and every offset in the central directory
 * is shifted by the difference between where the directory really is and where the record says it is.
 * Entries are decompressed lazily (only files that a signature references are ever inflated), into a
 * buffer of the declared size, and checked against their CRC-32, so a lying header cannot make us
 * allocate more than the caps. Names are normalised to absolute package paths (`/Doc_0/Document.xml`);
 * zip-slip names (`..`, drive letters, NUL) and duplicates are refused.
 */
import { inflateSync } from 'fflate';
import { SealError } from '../errors/index.js';

/** Limits applied while reading a package. All sizes in bytes. */
export interface ZipLimits {
  /** Maximum number of entries in the central directory. */
  readonly maxEntries: number;
  /** Maximum sum of declared uncompressed sizes. */
  readonly maxTotalUncompressed: number;
  /** Maximum declared uncompressed size of one entry. */
  readonly maxEntryUncompressed: number;
  /** Maximum uncompressed/compressed ratio for entries larger than `ratioThreshold`. */
  readonly maxRatio: number;
  /** Entries whose declared size is at most this are exempt from the ratio check. */
  readonly ratioThreshold: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: 10_000,
  maxTotalUncompressed: 512 * 1024 * 1024,
  maxEntryUncompressed: 128 * 1024 * 1024,
  // DEFLATE cannot exceed ~1032:1; a larger claim is a lie or a bomb.
  maxRatio: 1100,
  ratioThreshold: 1024 * 1024,
});

export interface ZipEntryInfo {
  /** Normalised absolute package path, e.g. `/Doc_0/Document.xml`. */
  readonly path: string;
  /** The name exactly as stored (for diagnostics). */
  readonly rawName: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** Offset of the local file header, already shifted to the real position in the input. */
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

function u16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3), as used by ZIP. */
export function crc32(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
let gbkDecoder: TextDecoder | undefined;

function decodeName(raw: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return new TextDecoder('utf-8').decode(raw);
  try {
    return utf8Strict.decode(raw);
  } catch {
    // Chinese Windows tools write GBK names without the UTF-8 flag.
    try {
      gbkDecoder ??= new TextDecoder('gbk');
      return gbkDecoder.decode(raw);
    } catch {
      return new TextDecoder('latin1').decode(raw);
    }
  }
}

/**
 * Normalises a ZIP entry name or an OFD path to an absolute package path. Returns `undefined` for
 * names that try to leave the package (`..` above the root, drive letters, NUL, empty segments).
 */
export function normalizePackagePath(name: string): string | undefined {
  if (name.includes('\0')) return undefined;
  let s = name.replace(/\\/g, '/').trim();
  if (/^[A-Za-z]:/.test(s)) return undefined;
  if (s.startsWith('//')) return undefined;
  if (!s.startsWith('/')) s = '/' + s;
  const out: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  if (out.length === 0) return '/';
  return '/' + out.join('/');
}

/** Finds the EOCD record scanning backwards; validates that its central directory fits. */
function findEocd(b: Uint8Array): { eocd: number; cdSize: number; cdOffset: number; count: number } {
  if (b.length < 22) throw new SealError('ERR_OFD_ZIP_INVALID', { reason: 'file too short for a ZIP' });
  for (let i = b.length - 22; i >= 0; i--) {
    if (b[i] !== 0x50 || b[i + 1] !== 0x4b || b[i + 2] !== 0x05 || b[i + 3] !== 0x06) continue;
    if (u32(b, i) !== SIG_EOCD) continue;
    const count = u16(b, i + 10);
    const cdSize = u32(b, i + 12);
    const cdOffset = u32(b, i + 16);
    const commentLen = u16(b, i + 20);
    if (i + 22 + commentLen > b.length) continue;
    if (cdSize > i) continue;
    const cdStart = i - cdSize;
    // The directory must start with a central header (or be empty).
    if (count > 0 && u32(b, cdStart) !== SIG_CEN) {
      // Maybe a ZIP64 locator sits between; we do not support ZIP64.
      if (i >= 20 && u32(b, i - 20) === SIG_ZIP64_LOCATOR) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: 'ZIP64 archives are not supported' });
      }
      continue;
    }
    return { eocd: i, cdSize, cdOffset, count };
  }
  throw new SealError('ERR_OFD_ZIP_INVALID', { reason: 'no end-of-central-directory record' });
}

/** An opened ZIP archive: central directory parsed, entries inflated on demand. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntryInfo>;
  /** Bytes before the archive start (vendor prefix), for diagnostics. */
  readonly prefixBytes: number;
  /** Bytes after the EOCD record and its comment. */
  readonly trailingBytes: number;
  private readonly lowerIndex = new Map<string, string>();
  private readonly cache = new Map<string, Uint8Array>();

  private constructor(
    private readonly data: Uint8Array,
    entries: Map<string, ZipEntryInfo>,
    prefixBytes: number,
    trailingBytes: number,
    private readonly limits: ZipLimits,
  ) {
    this.entries = entries;
    this.prefixBytes = prefixBytes;
    this.trailingBytes = trailingBytes;
    for (const p of entries.keys()) {
      const lower = p.toLowerCase();
      if (!this.lowerIndex.has(lower)) this.lowerIndex.set(lower, p);
    }
  }

  /** Parses the central directory. Throws coded SealErrors for malformed or unsafe archives. */
  static open(data: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipArchive {
    const { eocd, cdSize, cdOffset, count } = findEocd(data);
    if (count > limits.maxEntries) {
      throw new SealError('ERR_OFD_TOO_LARGE', { reason: `${count} entries (limit ${limits.maxEntries})` });
    }
    const cdStart = eocd - cdSize;
    const shift = cdStart - cdOffset;
    const entries = new Map<string, ZipEntryInfo>();
    let total = 0;
    let p = cdStart;
    let minLocal = Number.MAX_SAFE_INTEGER;
    for (let n = 0; n < count; n++) {
      if (p + 46 > eocd || u32(data, p) !== SIG_CEN) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `central directory entry ${n} is damaged` });
      }
      const flags = u16(data, p + 8);
      const method = u16(data, p + 10);
      const crc = u32(data, p + 16);
      const csize = u32(data, p + 20);
      const usize = u32(data, p + 24);
      const nameLen = u16(data, p + 28);
      const extraLen = u16(data, p + 30);
      const commentLen = u16(data, p + 32);
      const localOffset = u32(data, p + 42) + shift;
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > eocd) throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `central directory entry ${n} overruns` });
      const rawName = decodeName(data.subarray(p + 46, p + 46 + nameLen), (flags & 0x800) !== 0);
      p = end;
      if (csize === 0xffffffff || usize === 0xffffffff || localOffset - shift === 0xffffffff) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: 'ZIP64 entries are not supported' });
      }
      if (rawName.endsWith('/') || rawName.endsWith('\\')) {
        if (usize !== 0) throw new SealError('ERR_OFD_ZIP_UNSAFE', { reason: `directory entry with data: ${rawName.slice(0, 120)}` });
        continue; // directory entry
      }
      const path = normalizePackagePath(rawName);
      const rawSlashed = rawName.replace(/\\/g, '/');
      if (path === undefined || path === '/' || /(^|\/)\.\.(\/|$)/.test(rawSlashed)) {
        throw new SealError('ERR_OFD_ZIP_UNSAFE', { reason: `entry name leaves the package: ${JSON.stringify(rawName.slice(0, 120))}` });
      }
      if (entries.has(path)) {
        throw new SealError('ERR_OFD_ZIP_UNSAFE', { reason: `duplicate entry ${path.slice(0, 120)}` });
      }
      if ((flags & 0x1) !== 0) throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `encrypted entry ${path.slice(0, 120)}` });
      if (method !== 0 && method !== 8) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `unsupported compression method ${method} for ${path.slice(0, 120)}` });
      }
      if (usize > limits.maxEntryUncompressed) {
        throw new SealError('ERR_OFD_TOO_LARGE', { reason: `entry ${path.slice(0, 120)} declares ${usize} bytes (limit ${limits.maxEntryUncompressed})` });
      }
      if (method === 8 && usize > limits.ratioThreshold && usize > csize * limits.maxRatio) {
        throw new SealError('ERR_OFD_TOO_LARGE', { reason: `entry ${path.slice(0, 120)} has a compression ratio above ${limits.maxRatio}:1` });
      }
      if (method === 0 && csize !== usize) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `stored entry ${path.slice(0, 120)} has inconsistent sizes` });
      }
      total += usize;
      if (total > limits.maxTotalUncompressed) {
        throw new SealError('ERR_OFD_TOO_LARGE', { reason: `total uncompressed size above ${limits.maxTotalUncompressed} bytes` });
      }
      if (localOffset < 0 || localOffset + 30 > data.length) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `local header of ${path.slice(0, 120)} is outside the file` });
      }
      minLocal = Math.min(minLocal, localOffset);
      entries.set(path, { path, rawName, method, compressedSize: csize, uncompressedSize: usize, crc32: crc, localHeaderOffset: localOffset });
    }
    const commentLen = u16(data, eocd + 20);
    const prefix = entries.size > 0 ? minLocal : cdStart;
    return new ZipArchive(data, entries, prefix, data.length - (eocd + 22 + commentLen), limits);
  }

  /** Package paths in central-directory order. */
  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** Resolves a package path exactly, then case-insensitively. */
  resolve(path: string): string | undefined {
    const norm = normalizePackagePath(path);
    if (norm === undefined) return undefined;
    if (this.entries.has(norm)) return norm;
    return this.lowerIndex.get(norm.toLowerCase());
  }

  has(path: string): boolean {
    return this.resolve(path) !== undefined;
  }

  /** Returns the uncompressed bytes of an entry; throws ERR_OFD_ENTRY_MISSING or ERR_OFD_ZIP_INVALID. */
  read(path: string): Uint8Array {
    const resolved = this.resolve(path);
    if (resolved === undefined) throw new SealError('ERR_OFD_ENTRY_MISSING', { path: path.slice(0, 200) });
    const cached = this.cache.get(resolved);
    if (cached !== undefined) return cached;
    const e = this.entries.get(resolved);
    if (e === undefined) throw new SealError('ERR_OFD_ENTRY_MISSING', { path: path.slice(0, 200) });
    const bytes = this.inflate(e);
    this.cache.set(resolved, bytes);
    return bytes;
  }

  private inflate(e: ZipEntryInfo): Uint8Array {
    const d = this.data;
    const o = e.localHeaderOffset;
    if (u32(d, o) !== SIG_LOC) {
      throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `local header of ${e.path.slice(0, 120)} is damaged` });
    }
    const start = o + 30 + u16(d, o + 26) + u16(d, o + 28);
    const end = start + e.compressedSize;
    if (end > d.length) throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `data of ${e.path.slice(0, 120)} is truncated` });
    const raw = d.subarray(start, end);
    let out: Uint8Array;
    if (e.method === 0) {
      out = raw;
    } else {
      if (e.uncompressedSize > this.limits.maxEntryUncompressed) {
        throw new SealError('ERR_OFD_TOO_LARGE', { reason: `entry ${e.path.slice(0, 120)} too large` });
      }
      try {
        // Decompress into a buffer of exactly the declared size: a bomb cannot grow beyond it.
        out = inflateSync(raw, { out: new Uint8Array(e.uncompressedSize) });
      } catch (err) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `cannot inflate ${e.path.slice(0, 120)}: ${err instanceof Error ? err.message.slice(0, 80) : 'error'}` });
      }
      if (out.length !== e.uncompressedSize) {
        throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `size of ${e.path.slice(0, 120)} differs from its header` });
      }
    }
    if (crc32(out) !== e.crc32) {
      throw new SealError('ERR_OFD_ZIP_INVALID', { reason: `CRC-32 mismatch in ${e.path.slice(0, 120)}` });
    }
    return out;
  }
}
