// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Reading the signature structures of an OFD package (GB/T 33190-2016 §18, GM/T 0099-2020):
 * `OFD.xml` → `DocBody/Signatures` → `Signatures.xml` → `Signature/@BaseLoc` → `Signature.xml`.
 *
 * Path rules (seal-formats.md §6.9): an absolute path (`/Doc_0/…`) is taken from the package root; a
 * relative one is resolved against the folder of the file that contains it, then, if nothing is there,
 * against the package root. Lookups fall back to a case-insensitive match. A path that climbs above the
 * root is refused.
 */
import { SealError } from '../errors/index.js';
import type { StampPosition } from '../verify/VerificationReport.js';
import { attr, attrOrChild, child, children, childPath, parseXml, text, type XmlElement } from './xml.js';
import { normalizePackagePath, type ZipArchive } from './zip.js';

/** Folder of a package path: `/Doc_0/Signs/Signatures.xml` → `/Doc_0/Signs`. */
export function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Resolves a path written in the file `from` to a package path. Returns `{ path }` for an existing entry,
 * `{ path, missing: true }` for a well-formed path that is not in the package, or `undefined` when the
 * path leaves the package.
 */
export function resolveRef(zip: ZipArchive, from: string, ref: string): { path: string; missing?: true } | undefined {
  const r = ref.trim().replace(/\\/g, '/');
  if (r === '') return undefined;
  const candidates: string[] = [];
  if (r.startsWith('/')) {
    const p = normalizePackagePath(r);
    if (p === undefined) return undefined;
    candidates.push(p);
  } else {
    const rel = normalizePackagePath(`${folderOf(from)}/${r}`);
    const abs = normalizePackagePath('/' + r);
    if (rel === undefined && abs === undefined) return undefined;
    if (rel !== undefined) candidates.push(rel);
    if (abs !== undefined && abs !== rel) candidates.push(abs);
  }
  for (const c of candidates) {
    const found = zip.resolve(c);
    if (found !== undefined) return { path: found };
  }
  const first = candidates[0];
  return first === undefined ? undefined : { path: first, missing: true };
}

export interface OfdSignatureEntry {
  /** `ID` attribute (may be empty in broken files). */
  readonly id: string;
  /** `Seal` (default) or `Sign`. */
  readonly type: 'Seal' | 'Sign';
  /** The `Type` attribute as written, if any. */
  readonly typeText?: string;
  readonly baseLoc: string;
  /** The Signatures.xml that lists it. */
  readonly listPath: string;
  /** Resolved Signature.xml path; undefined when BaseLoc leaves the package. */
  readonly signatureXmlPath?: string;
  readonly signatureXmlMissing?: boolean;
}

export interface OfdReference {
  readonly fileRef: string;
  /** Resolved package path, or undefined when it leaves the package. */
  readonly path?: string;
  readonly exists: boolean;
  readonly checkValue: string;
}

export interface OfdSignatureXml {
  readonly provider: Readonly<Record<string, string>>;
  readonly signatureMethod?: string;
  readonly signatureDateTime?: string;
  /** `References/@CheckMethod` as written; undefined when absent (= MD5 per GB/T 33190). */
  readonly checkMethod?: string;
  readonly references: readonly OfdReference[];
  readonly stamps: readonly StampPosition[];
  readonly stampIds: readonly string[];
  /** `Seal/BaseLoc` resolved. */
  readonly sealPath?: string;
  readonly sealPathMissing?: boolean;
  readonly sealBaseLoc?: string;
  /** `SignedValue` (or `SignValue`) resolved. */
  readonly signedValuePath?: string;
  readonly signedValueLoc?: string;
  readonly signedValueMissing?: boolean;
}

/**
 * Parses the free-format `SignatureDateTime` seen in the wild: `20200817111329Z`,
 * `20201004072855.302Z`, `20201010151120`, `2020-06-20 17:18:49`, ISO 8601. Without a zone the time
 * is taken as China Standard Time (UTC+8), which is what the producers that omit it (ofdrw on
 * Chinese servers) write. Returns undefined when unreadable.
 */
export function parseSignatureDateTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d{4})-?(\d{2})-?(\d{2})[T\s]?(\d{2}):?(\d{2}):?(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(se) > 60) return undefined;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (frac !== undefined) ms += Math.round(Number(`0.${frac}`) * 1000);
  if (zone === undefined) ms -= 8 * 3600_000;
  else if (zone !== 'Z') {
    const z = zone.replace(':', '');
    ms -= (z.startsWith('-') ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Paths of the Signatures.xml lists named by OFD.xml (one per DocBody that has one). */
export function findSignatureLists(zip: ZipArchive): { lists: string[]; declaredMissing: string[] } {
  const ofdPath = zip.resolve('/OFD.xml');
  if (ofdPath === undefined) throw new SealError('ERR_OFD_ENTRY_MISSING', { path: '/OFD.xml' });
  const root = parseXml(zip.read(ofdPath), ofdPath);
  const lists: string[] = [];
  const declaredMissing: string[] = [];
  for (const body of children(root, 'DocBody')) {
    const s = text(child(body, 'Signatures'));
    if (s === undefined || s === '') continue;
    const r = resolveRef(zip, ofdPath, s);
    if (r === undefined) throw new SealError('ERR_OFD_ZIP_UNSAFE', { reason: `Signatures path leaves the package: ${s.slice(0, 120)}` });
    if (r.missing === true) declaredMissing.push(r.path);
    else if (!lists.includes(r.path)) lists.push(r.path);
  }
  return { lists, declaredMissing };
}

/** More signatures than any real document carries; bounds the work (each costs SM2 verifications and certificate parsing). */
const MAX_SIGNATURES = 256;

export function readSignatureList(zip: ZipArchive, listPath: string): OfdSignatureEntry[] {
  const root = parseXml(zip.read(listPath), listPath);
  const out: OfdSignatureEntry[] = [];
  for (const s of children(root, 'Signature')) {
    if (out.length >= MAX_SIGNATURES) throw new SealError('ERR_OFD_TOO_LARGE', { reason: `more than ${MAX_SIGNATURES} signatures` });
    const typeText = attr(s, 'Type');
    const type = typeText !== undefined && typeText.trim().toLowerCase() === 'sign' ? 'Sign' : 'Seal';
    const baseLoc = attr(s, 'BaseLoc') ?? text(child(s, 'BaseLoc')) ?? '';
    const r = resolveRef(zip, listPath, baseLoc);
    out.push({
      id: attr(s, 'ID') ?? '',
      type,
      ...(typeText === undefined ? {} : { typeText }),
      baseLoc,
      listPath,
      ...(r === undefined ? {} : { signatureXmlPath: r.path }),
      ...(r?.missing === true ? { signatureXmlMissing: true } : {}),
    });
  }
  return out;
}

function numbers(s: string | undefined, n: number): number[] | undefined {
  if (s === undefined) return undefined;
  const parts = s.trim().split(/[\s,]+/).map(Number);
  if (parts.length < n || parts.slice(0, n).some((x) => !Number.isFinite(x))) return undefined;
  return parts.slice(0, n);
}

function box(s: string | undefined): readonly [number, number, number, number] | undefined {
  const v = numbers(s, 4);
  return v === undefined ? undefined : [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0];
}

/** Parses a Signature.xml (bytes already read) into its parts; element order does not matter. */
export function parseSignatureXml(zip: ZipArchive, path: string, bytes: Uint8Array): OfdSignatureXml {
  const root = parseXml(bytes, path);
  const si = child(root, 'SignedInfo');
  if (si === undefined) throw new SealError('ERR_OFD_XML_INVALID', { path, reason: 'no SignedInfo element' });
  const provider: Record<string, string> = {};
  const prov = child(si, 'Provider');
  if (prov !== undefined) {
    for (const name of ['ProviderName', 'Version', 'Company', 'ProtocolVer']) {
      const v = attrOrChild(prov, name);
      if (v !== undefined) provider[name] = v;
    }
  }
  const refsEl = child(si, 'References');
  const checkMethod = refsEl === undefined ? undefined : attr(refsEl, 'CheckMethod');
  const references: OfdReference[] = [];
  for (const ref of refsEl === undefined ? [] : children(refsEl, 'Reference')) {
    const fileRef = attr(ref, 'FileRef') ?? '';
    const checkValue = text(child(ref, 'CheckValue')) ?? '';
    const r = resolveRef(zip, path, fileRef);
    references.push({ fileRef, ...(r === undefined ? {} : { path: r.path }), exists: r !== undefined && r.missing !== true, checkValue });
  }
  const stamps: StampPosition[] = [];
  const stampIds: string[] = [];
  for (const sa of children(si, 'StampAnnot')) {
    const b = box(attr(sa, 'Boundary'));
    if (b === undefined) continue;
    const clip = box(attr(sa, 'Clip'));
    stamps.push({ page: attr(sa, 'PageRef') ?? '', box: b, unit: 'mm', ...(clip === undefined ? {} : { clip }) });
    stampIds.push(attr(sa, 'ID') ?? '');
  }
  const sealLoc = text(childPath(si, 'Seal', 'BaseLoc'));
  const sealRef = sealLoc === undefined || sealLoc === '' ? undefined : resolveRef(zip, path, sealLoc);
  // `SignedValue` per the standard; DianJu writes `SignValue`.
  const svLoc = text(child(root, 'SignedValue')) ?? text(child(root, 'SignValue'));
  const svRef = svLoc === undefined || svLoc === '' ? undefined : resolveRef(zip, path, svLoc);
  const signatureMethod = text(child(si, 'SignatureMethod'));
  const signatureDateTime = text(child(si, 'SignatureDateTime'));
  return {
    provider,
    ...(signatureMethod === undefined ? {} : { signatureMethod }),
    ...(signatureDateTime === undefined ? {} : { signatureDateTime }),
    ...(checkMethod === undefined ? {} : { checkMethod }),
    references,
    stamps,
    stampIds,
    ...(sealLoc === undefined ? {} : { sealBaseLoc: sealLoc }),
    ...(sealRef === undefined ? {} : { sealPath: sealRef.path }),
    ...(sealRef?.missing === true ? { sealPathMissing: true } : {}),
    ...(svLoc === undefined ? {} : { signedValueLoc: svLoc }),
    ...(svRef === undefined ? {} : { signedValuePath: svRef.path }),
    ...(svRef?.missing === true ? { signedValueMissing: true } : {}),
  };
}

export type { XmlElement };
