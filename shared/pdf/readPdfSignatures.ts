// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Finds every signature field of a PDF and reports, per signature, the raw material a verifier
 * needs: `/ByteRange`, the `/Contents` bytes, `/SubFilter`, `/M`, field name, page and rectangle,
 * a ByteRange sanity verdict, the revision (by `%%EOF`) the signature covers, and a first
 * classification of what later revisions changed.
 *
 * Design rationale (documents.md §2.1, §2.3): pdf.js never exposes `/Contents`, so we read the
 * raw bytes ourselves. The sanity rules are the ones the RUB attacks (USF, signature wrapping)
 * call for: four integers, starting at 0, the gap being exactly the `/Contents` hex string with
 * its delimiters (no more, no less), ranges inside the file, and the second range ending at a
 * revision boundary. A failed rule is reported, never thrown: the caller turns it into
 * FORMAT_FAILURE.
 *
 * Modification classification (a heuristic in the spirit of pyHanko's difference analysis, much
 * simpler): the state of the document at the signed revision is compared, object by object, with
 * the final state for every object number that a later xref section defines. Each object gets a
 * kind; the signature's level is the worst kind:
 * - neutral (level NONE): unchanged re-definitions, xref and object-stream containers, the /Info
 *   dictionary, new objects that are not annotations (fonts, images, appearance streams — they
 *   only matter if something changed references them, and that something is classified itself);
 * - SIGNATURES: new /Sig or /DocTimeStamp dictionaries, new or newly filled signature fields,
 *   pages whose only change is /Annots gaining signature widgets, AcroForm/catalog changes limited
 *   to /Fields, /SigFlags, /DR, /DA, /NeedAppearances, /AcroForm, /DSS, arrays that only grow by
 *   signature fields;
 * - FORM_FILLING: an existing non-signature field whose only changes are /V, /AP, /AS;
 * - ANNOTATIONS: new or changed annotations, /Annots growing by non-signature annotations;
 * - OTHER: anything else (page content or resources, deleted objects, catalog entries, …).
 */
import { SealError } from '../errors/index.js';
import type { PdfDict} from './objects.js';
import { PdfStream, PdfString, decodeTextString, isDict, isInt, isName, isRef, serialize, type PdfObject, type PdfRef } from './objects.js';
import { guardPdf, PdfReader } from './PdfReader.js';
import { findEofMarkers } from './xref.js';

export type PdfModificationLevel = 'NONE' | 'SIGNATURES' | 'FORM_FILLING' | 'ANNOTATIONS' | 'OTHER';
const LEVELS: readonly PdfModificationLevel[] = ['NONE', 'SIGNATURES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'];

export interface PdfObjectChange {
  readonly objectNumber: number;
  readonly level: PdfModificationLevel;
  /** Short English note: what the object is and what changed. */
  readonly note: string;
}

export interface PdfByteRangeCheck {
  readonly ok: boolean;
  /** Human-readable reasons when not ok (English). */
  readonly problems: readonly string[];
  readonly coversWholeFile: boolean;
  /** End of the second range (c + d), i.e. the length of the signed revision. */
  readonly signedEnd?: number;
}

export interface PdfSignatureInfo {
  /** Fully qualified field name (partial names joined with '.'). */
  readonly fieldName: string;
  readonly fieldObjectNumber?: number;
  readonly signatureObjectNumber?: number;
  /** 0-based page of the widget, when it can be determined. */
  readonly page?: number;
  readonly rect?: readonly number[];
  readonly filter?: string;
  readonly subFilter?: string;
  /** /M as written (PDF date text). */
  readonly signingTime?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  readonly byteRange?: readonly number[];
  /** /Contents bytes as stored (including zero padding). */
  readonly contents: Uint8Array;
  /** /Contents trimmed to the DER length of its first element (the CMS), when it parses. */
  readonly cms?: Uint8Array;
  readonly byteRangeCheck: PdfByteRangeCheck;
  /** Index (0-based, file order) of the `%%EOF` revision the signed range ends at. */
  readonly revision?: number;
  /** Number of xref sections written after the signed revision. */
  readonly laterSections: number;
  /** Whether this is the document's certification signature (`/Perms /DocMDP` points to it). */
  readonly certification: boolean;
  /**
   * `/P` of a DocMDP transform in this signature's own `/Reference` array (the signed dictionary, so a
   * later revision cannot remove it the way it can drop `/Perms`); `/P` absent means 2.
   */
  readonly docMdpPermission?: 1 | 2 | 3;
  readonly modificationLevel: PdfModificationLevel;
  readonly changes: readonly PdfObjectChange[];
  /**
   * Whether every SIGNATURES-level change only adds document time-stamps or `/DSS` (PAdES LTA
   * updates, which DocMDP P=1 allows); true when there is no such change.
   */
  readonly timeStampsOnly: boolean;
}

export interface PdfSignatureList {
  readonly signatures: readonly PdfSignatureInfo[];
  /** The certification (DocMDP) signature of the document, if any (`/Perms /DocMDP`). */
  readonly certification?: { readonly permission: 1 | 2 | 3; readonly signatureObjectNumber?: number };
  /** End offsets of every `%%EOF` revision, in file order. */
  readonly revisionEnds: readonly number[];
}

const MAX_FIELDS = 100_000;
const MAX_CHANGES_REPORTED = 1000;
/** Most signature fields read from one PDF (the OFD reader's cap is the same). */
export const MAX_SIGNATURES = 256;
/** Object comparisons across all signatures of one file (a few seconds at most; incremental updates touch few objects). */
const MAX_CLASSIFIED_OBJECTS = 100_000;

function str(r: PdfReader, o: PdfObject | undefined): string | undefined {
  const v = r.resolve(o);
  return v instanceof PdfString ? decodeTextString(v.bytes) : undefined;
}

function nameOf(r: PdfReader, o: PdfObject | undefined): string | undefined {
  const v = r.resolve(o);
  return isName(v) ? v.name : undefined;
}

/** Length of the DER element at the start of `b`, if it has a definite length inside `b`. */
function derLength(b: Uint8Array): number | undefined {
  if (b.length < 2 || b[0] !== 0x30) return undefined;
  const first = b[1] as number;
  if (first < 0x80) return 2 + first <= b.length ? 2 + first : undefined;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || 2 + n > b.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
  return 2 + n + len <= b.length ? 2 + n + len : undefined;
}

interface FieldHit {
  readonly ref?: PdfRef;
  readonly dict: PdfDict;
  readonly name: string;
}

function signatureFields(r: PdfReader): FieldHit[] {
  const af = r.resolveDict(r.catalog().get('AcroForm'));
  const top = r.resolve(af?.get('Fields'));
  const out: FieldHit[] = [];
  if (!Array.isArray(top)) return out;
  const stack: { o: PdfObject; prefix: string; ft?: string }[] = top.map((o) => ({ o, prefix: '' })).reverse();
  const seen = new Set<number>();
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > MAX_FIELDS) throw new SealError('ERR_PDF_MALFORMED', { reason: 'too many form fields' });
    const { o, prefix, ft } = stack.pop() as { o: PdfObject; prefix: string; ft?: string };
    if (isRef(o)) {
      if (seen.has(o.num)) continue;
      seen.add(o.num);
    }
    const d = r.resolveDict(o);
    if (d === undefined) continue;
    const t = str(r, d.get('T'));
    const full = t === undefined ? prefix : prefix === '' ? t : `${prefix}.${t}`;
    const myFt = nameOf(r, d.get('FT')) ?? ft;
    const kids = r.resolve(d.get('Kids'));
    // A field whose kids are only widgets (no /T) is terminal.
    const fieldKids = Array.isArray(kids) ? kids.filter((k) => r.resolveDict(k)?.has('T') === true) : [];
    if (fieldKids.length > 0) {
      for (let i = fieldKids.length - 1; i >= 0; i--) stack.push({ o: fieldKids[i] as PdfObject, prefix: full, ...(myFt === undefined ? {} : { ft: myFt }) });
      continue;
    }
    if (myFt === 'Sig' && d.has('V')) out.push({ ...(isRef(o) ? { ref: o } : {}), dict: d, name: full });
  }
  return out;
}

function pageOfWidget(r: PdfReader, field: FieldHit, pageIndex: () => Map<number, number>, annotPage: () => Map<number, number>): number | undefined {
  const p = field.dict.get('P');
  if (isRef(p)) {
    const i = pageIndex().get(p.num);
    if (i !== undefined) return i;
  }
  if (field.ref !== undefined) {
    const i = annotPage().get(field.ref.num);
    if (i !== undefined) return i;
  }
  // widgets as kids of the field
  const kids = r.resolve(field.dict.get('Kids'));
  if (Array.isArray(kids)) for (const k of kids) if (isRef(k) && annotPage().has(k.num)) return annotPage().get(k.num);
  return undefined;
}

/** DocMDP `/P` declared by the signature dictionary itself (its `/Reference` array), if any. */
function ownDocMdp(r: PdfReader, sig: PdfDict): 1 | 2 | 3 | undefined {
  const refs = r.resolve(sig.get('Reference'));
  if (!Array.isArray(refs)) return undefined;
  for (const x of refs.slice(0, 16)) {
    const rd = r.resolveDict(x);
    if (rd === undefined || !isName(r.resolve(rd.get('TransformMethod')), 'DocMDP')) continue;
    const p = r.resolve(r.resolveDict(rd.get('TransformParams'))?.get('P'));
    return p === 1 || p === 3 ? p : 2;
  }
  return undefined;
}

function checkByteRange(bytes: Uint8Array, br: PdfObject | undefined, contents: PdfObject | undefined): PdfByteRangeCheck {
  const problems: string[] = [];
  if (!Array.isArray(br) || br.length !== 4 || !br.every((x) => isInt(x) && x >= 0)) {
    return { ok: false, problems: ['/ByteRange is missing or not four non-negative integers'], coversWholeFile: false };
  }
  const [a, b, c, d] = br as [number, number, number, number];
  if (a !== 0) problems.push('/ByteRange does not start at 0');
  if (a + b > bytes.length || c + d > bytes.length) problems.push('/ByteRange extends beyond the end of the file');
  if (c < a + b) problems.push('/ByteRange ranges overlap or are out of order');
  if (!(contents instanceof PdfString)) problems.push('/Contents is missing or not a string');
  else if (contents.start === undefined || contents.end === undefined) problems.push('/Contents position unknown (signature dictionary inside an object stream)');
  else {
    if (!contents.hex) problems.push('/Contents is not a hex string');
    if (contents.start !== a + b) problems.push(`the first range ends at ${a + b}, not at the /Contents string (${contents.start})`);
    if (contents.end !== c) problems.push(`the second range starts at ${c}, not right after the /Contents string (${contents.end})`);
  }
  return { ok: problems.length === 0, problems, coversWholeFile: c + d === bytes.length, signedEnd: c + d };
}

function levelMax(a: PdfModificationLevel, b: PdfModificationLevel): PdfModificationLevel {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

function same(a: PdfObject | undefined, b: PdfObject | undefined): boolean {
  if (a instanceof PdfStream || b instanceof PdfStream) {
    if (!(a instanceof PdfStream && b instanceof PdfStream)) return false;
    if (serialize(a.dict) !== serialize(b.dict) || a.data.length !== b.data.length) return false;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  if (a === undefined || b === undefined) return a === b;
  return serialize(a) === serialize(b);
}

const ANNOT_SUBTYPES = new Set(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight', 'Underline', 'Squiggly', 'StrikeOut', 'Stamp', 'Caret', 'Ink', 'Popup', 'FileAttachment', 'Sound', 'Movie', 'Widget', 'Screen', 'PrinterMark', 'TrapNet', 'Watermark', '3D', 'Redact']);

/** Compares the state at a signed revision with the final state (see the module note). */
export function classifyChanges(
  final: PdfReader,
  atSigning: PdfReader,
  laterSectionCount: number,
  budget: { left: number } = { left: Infinity },
): { level: PdfModificationLevel; changes: PdfObjectChange[]; timeStampsOnly: boolean } {
  const nums = new Set<number>();
  const containers = new Set<number>();
  for (let i = 0; i < laterSectionCount; i++) {
    const sec = final.sections[i];
    if (sec === undefined) break;
    if (sec.streamObjectNumber !== undefined) containers.add(sec.streamObjectNumber);
    for (const n of sec.entries.keys()) nums.add(n);
  }
  const isSigWidget = (r: PdfReader, o: PdfObject | undefined): boolean => {
    const d = r.resolveDict(o);
    if (d === undefined) return false;
    if (isName(r.resolve(d.get('FT')), 'Sig')) return true;
    return isName(r.resolve(r.resolveDict(d.get('Parent'))?.get('FT')), 'Sig');
  };
  const isAnnot = (d: PdfDict) => isName(d.get('Type'), 'Annot') || (isName(d.get('Subtype')) && ANNOT_SUBTYPES.has((d.get('Subtype') as { name: string }).name) && d.has('Rect'));
  // Page content streams as signed (only looked up when a changed stream needs a better note).
  let contentNums: Set<number> | undefined;
  const contentStreams = (): Set<number> => {
    if (contentNums !== undefined) return contentNums;
    contentNums = new Set();
    try {
      for (const p of atSigning.pageRefs()) {
        const c = atSigning.resolveDict(p)?.get('Contents');
        const list = isRef(c) ? [c, ...(Array.isArray(atSigning.resolve(c)) ? (atSigning.resolve(c) as PdfObject[]) : [])] : Array.isArray(c) ? c : [];
        for (const x of list) if (isRef(x)) contentNums.add(x.num);
      }
    } catch {
      // A broken page tree only costs the nicer note; the level is OTHER either way.
    }
    return contentNums;
  };
  const infoNum = isRef(atSigning.trailer.get('Info')) ? (atSigning.trailer.get('Info') as PdfRef).num : -1;
  const rootNum = atSigning.rootRef.num;
  const afRaw = atSigning.catalog().get('AcroForm');
  const afNum = isRef(afRaw) ? afRaw.num : -1;
  const ONLY_SIG_KEYS_AF = new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']);
  const ONLY_SIG_KEYS_CATALOG = new Set(['AcroForm', 'DSS']);

  const grownBy = (oldArr: PdfObject[], newArr: PdfObject[]): PdfObject[] | undefined => {
    if (newArr.length < oldArr.length) return undefined;
    for (let i = 0; i < oldArr.length; i++) if (!same(oldArr[i], newArr[i])) return undefined;
    return newArr.slice(oldArr.length);
  };
  // Whether the SIGNATURES-level change being classified only adds document time-stamps or /DSS
  // (PAdES LTA updates, allowed even under DocMDP P=1); set by classify() as it goes.
  let lta = false;
  const isDocTsWidget = (r: PdfReader, o: PdfObject | undefined): boolean => {
    const d = r.resolveDict(o);
    if (d === undefined || !isSigWidget(r, d)) return false;
    const v = d.get('V') ?? r.resolveDict(d.get('Parent'))?.get('V');
    return isName(r.resolveDict(v)?.get('Type'), 'DocTimeStamp');
  };
  const addedLevel = (added: PdfObject[]): PdfModificationLevel => {
    lta = added.length > 0 && added.every((x) => isDocTsWidget(final, x));
    return added.every((x) => isSigWidget(final, x)) ? 'SIGNATURES' : 'ANNOTATIONS';
  };

  const classify = (num: number): { level: PdfModificationLevel; note: string } => {
    lta = false;
    if (containers.has(num)) return { level: 'NONE', note: 'cross-reference stream' };
    const now = final.getObject(num);
    const before = atSigning.getObject(num);
    if (now === undefined) return before === undefined ? { level: 'NONE', note: 'free entry' } : { level: 'OTHER', note: 'object deleted' };
    if (now instanceof PdfStream && (isName(now.dict.get('Type'), 'XRef') || isName(now.dict.get('Type'), 'ObjStm'))) return { level: 'NONE', note: 'xref or object stream container' };
    if (num === infoNum) return { level: 'NONE', note: 'document information dictionary' };
    const nd = now instanceof PdfStream ? now.dict : isDict(now) ? now : undefined;
    if (before === undefined) {
      if (nd !== undefined && (isName(nd.get('Type'), 'Sig') || isName(nd.get('Type'), 'DocTimeStamp'))) {
        lta = isName(nd.get('Type'), 'DocTimeStamp');
        return { level: 'SIGNATURES', note: lta ? 'new document time-stamp' : 'new signature dictionary' };
      }
      if (nd !== undefined && isSigWidget(final, nd)) {
        lta = isDocTsWidget(final, nd);
        return { level: 'SIGNATURES', note: 'new signature field' };
      }
      if (nd !== undefined && !(now instanceof PdfStream) && isAnnot(nd)) return { level: 'ANNOTATIONS', note: 'new annotation' };
      return { level: 'NONE', note: 'new object not referenced by an unchanged object' };
    }
    if (same(before, now)) return { level: 'NONE', note: 'redefined unchanged' };
    // XMP metadata rewritten on save (pyHanko's metadata rule): not page content.
    const isXmp = (o: PdfObject | undefined) => o instanceof PdfStream && isName(o.dict.get('Type'), 'Metadata') && isName(o.dict.get('Subtype'), 'XML');
    if (isXmp(before) && isXmp(now)) return { level: 'NONE', note: 'XMP metadata stream updated' };
    if (Array.isArray(before) && Array.isArray(now)) {
      const added = grownBy(before, now);
      return added === undefined ? { level: 'OTHER', note: 'array changed' } : { level: addedLevel(added), note: `array grew by ${added.length}` };
    }
    if (isDict(before) && isDict(now)) {
      const keys = new Set([...before.map.keys(), ...now.map.keys()]);
      const diff = [...keys].filter((k) => !same(before.get(k), now.get(k)));
      const within = (allowed: Set<string>) => diff.every((k) => allowed.has(k));
      if (isName(before.get('Type'), 'Page')) {
        if (!within(new Set(['Annots']))) return { level: 'OTHER', note: `page changed: ${diff.join(', ')}` };
        const oa = atSigning.resolve(before.get('Annots'));
        const na = final.resolve(now.get('Annots'));
        const added = grownBy(Array.isArray(oa) ? oa : [], Array.isArray(na) ? na : []);
        return added === undefined ? { level: 'ANNOTATIONS', note: 'page /Annots changed' } : { level: addedLevel(added), note: `page /Annots grew by ${added.length}` };
      }
      if (num === rootNum) {
        // A catalog /Metadata pointing to an XMP stream (new or rewritten) is neutral like /Info.
        const metaOk = !diff.includes('Metadata') || isXmp(final.resolve(now.get('Metadata')));
        const rest = diff.filter((k) => k !== 'Metadata');
        if (!metaOk || !rest.every((k) => ONLY_SIG_KEYS_CATALOG.has(k))) return { level: 'OTHER', note: `catalog changed: ${diff.join(', ')}` };
        if (rest.length === 0) return { level: 'NONE', note: 'catalog: XMP metadata reference' };
        if (isDict(before.get('AcroForm')) || isDict(now.get('AcroForm'))) {
          const of = atSigning.resolve(atSigning.resolveDict(before.get('AcroForm'))?.get('Fields'));
          const nf = final.resolve(final.resolveDict(now.get('AcroForm'))?.get('Fields'));
          const added = grownBy(Array.isArray(of) ? of : [], Array.isArray(nf) ? nf : []);
          if (added === undefined) return { level: 'OTHER', note: 'AcroForm /Fields changed' };
          return { level: addedLevel(added), note: 'catalog: AcroForm fields added' };
        }
        lta = rest.every((k) => k === 'DSS');
        return { level: 'SIGNATURES', note: 'catalog: /AcroForm or /DSS' };
      }
      if (num === afNum) {
        if (!within(ONLY_SIG_KEYS_AF)) return { level: 'OTHER', note: `AcroForm changed: ${diff.join(', ')}` };
        const of = atSigning.resolve(before.get('Fields'));
        const nf = final.resolve(now.get('Fields'));
        const added = grownBy(Array.isArray(of) ? of : [], Array.isArray(nf) ? nf : []);
        return added === undefined ? { level: 'OTHER', note: 'AcroForm /Fields changed' } : { level: added.length === 0 ? 'SIGNATURES' : addedLevel(added), note: 'AcroForm fields added' };
      }
      if (isSigWidget(atSigning, before) && within(new Set(['V', 'AP', 'AS', 'F']))) {
        lta = isDocTsWidget(final, now);
        return { level: 'SIGNATURES', note: 'signature field signed' };
      }
      if (before.has('FT') && within(new Set(['V', 'AP', 'AS']))) return { level: 'FORM_FILLING', note: 'form field value changed' };
      if (isAnnot(before)) return { level: 'ANNOTATIONS', note: 'annotation changed' };
    }
    if (before instanceof PdfStream && contentStreams().has(num)) return { level: 'OTHER', note: 'page content stream changed' };
    return { level: 'OTHER', note: 'object changed' };
  };

  let level: PdfModificationLevel = 'NONE';
  let timeStampsOnly = true;
  const changes: PdfObjectChange[] = [];
  for (const num of [...nums].sort((a, b) => a - b)) {
    if (--budget.left < 0) {
      // Bounded work on hostile files: what could not be analysed counts as a disallowed change.
      changes.push({ objectNumber: num, level: 'OTHER', note: 'change analysis limit reached; not classified' });
      return { level: 'OTHER', changes, timeStampsOnly: false };
    }
    const c = classify(num);
    if (c.level === 'SIGNATURES' && !lta) timeStampsOnly = false;
    level = levelMax(level, c.level);
    if (changes.length < MAX_CHANGES_REPORTED) changes.push({ objectNumber: num, ...c });
  }
  return { level, changes, timeStampsOnly };
}

/** Lists every signature field with a value (see the module note). Throws only on unreadable files. */
export function readPdfSignatures(bytes: Uint8Array): PdfSignatureList {
  if (!(bytes instanceof Uint8Array)) throw new SealError('ERR_INPUT_INVALID', { name: 'bytes', reason: 'not a Uint8Array' });
  return guardPdf(() => {
    const r = PdfReader.open(bytes);
    const eofStarts: number[] = [];
    const revisionEnds = findEofMarkers(bytes);
    for (const end of revisionEnds) {
      let s = end;
      while (s > 0 && bytes[s - 1] !== 0x46 /* F */) s--;
      eofStarts.push(s);
    }
    let pageIdx: Map<number, number> | undefined;
    const pageIndex = () => (pageIdx ??= new Map(r.pageRefs().map((p, i) => [p.num, i])));
    let annotIdx: Map<number, number> | undefined;
    const annotPage = () => {
      if (annotIdx !== undefined) return annotIdx;
      annotIdx = new Map();
      r.pageRefs().forEach((p, i) => {
        const annots = r.resolve(r.resolveDict(p)?.get('Annots'));
        if (Array.isArray(annots)) for (const a of annots) if (isRef(a) && !annotIdx?.has(a.num)) annotIdx?.set(a.num, i);
      });
      return annotIdx;
    };
    const permission = r.docMdpPermission();
    const docMdpRef = r.resolveDict(r.catalog().get('Perms'))?.get('DocMDP');
    const certNum = isRef(docMdpRef) ? docMdpRef.num : undefined;
    const seenSig = new Set<number>();
    const signatures: PdfSignatureInfo[] = [];
    const fields = signatureFields(r);
    const budget = { left: MAX_CLASSIFIED_OBJECTS };
    // Each signature's later-change classification walks every later revision: quadratic in the
    // number of signed revisions, so a hostile file with a thousand of them is refused up front.
    if (fields.length > MAX_SIGNATURES) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'PDF signature count', limit: MAX_SIGNATURES });
    for (const field of fields) {
      const v = field.dict.get('V');
      if (isRef(v)) {
        if (seenSig.has(v.num)) continue;
        seenSig.add(v.num);
      }
      const sig = r.resolveDict(v);
      if (sig === undefined) continue;
      const contentsObj = r.resolve(sig.get('Contents'));
      const contents = contentsObj instanceof PdfString ? contentsObj.bytes : new Uint8Array(0);
      const derLen = derLength(contents);
      const brObj = r.resolve(sig.get('ByteRange'));
      const byteRange: PdfObject[] | undefined = Array.isArray(brObj) ? brObj.map((x) => r.resolve(x) ?? null) : undefined;
      // /Contents must be direct (its offsets are what the ByteRange must skip).
      const check = checkByteRange(bytes, byteRange, sig.get('Contents'));
      const signedEnd = check.signedEnd;
      let revision: number | undefined;
      if (signedEnd !== undefined) {
        const k = revisionEnds.findIndex((end, i) => signedEnd >= (eofStarts[i] as number) && signedEnd <= end);
        if (k >= 0) revision = k;
      }
      const problems = [...check.problems];
      if (check.ok && revision === undefined) problems.push('the signed range does not end at a %%EOF marker');
      let laterSections = 0;
      let level: PdfModificationLevel = 'NONE';
      let changes: PdfObjectChange[] = [];
      let timeStampsOnly = true;
      if (signedEnd !== undefined && signedEnd <= bytes.length) {
        while (laterSections < r.sections.length && (r.sections[laterSections]?.offset ?? 0) >= signedEnd) laterSections++;
        if (r.sections.slice(laterSections).some((s) => s.offset >= signedEnd)) {
          level = 'OTHER';
          problems.push('xref sections out of file order');
        } else if (laterSections > 0 && laterSections < r.sections.length) {
          const res = classifyChanges(r, r.atSection(laterSections), laterSections, budget);
          level = levelMax(level, res.level);
          changes = res.changes;
          timeStampsOnly = res.timeStampsOnly;
        } else if (laterSections >= r.sections.length) {
          level = 'OTHER';
          problems.push('no cross-reference section inside the signed range');
        }
      }
      const rect = r.resolve(field.dict.get('Rect'));
      const page = pageOfWidget(r, field, pageIndex, annotPage);
      const sub = nameOf(r, sig.get('SubFilter'));
      const filter = nameOf(r, sig.get('Filter'));
      const m = str(r, sig.get('M'));
      const reason = str(r, sig.get('Reason'));
      const location = str(r, sig.get('Location'));
      const contactInfo = str(r, sig.get('ContactInfo'));
      const ownP = ownDocMdp(r, sig);
      signatures.push({
        fieldName: field.name,
        ...(field.ref === undefined ? {} : { fieldObjectNumber: field.ref.num }),
        ...(isRef(v) ? { signatureObjectNumber: v.num } : {}),
        ...(page === undefined ? {} : { page }),
        ...(Array.isArray(rect) && rect.every((x) => typeof x === 'number') ? { rect: rect } : {}),
        ...(filter === undefined ? {} : { filter }),
        ...(sub === undefined ? {} : { subFilter: sub }),
        ...(m === undefined ? {} : { signingTime: m }),
        ...(reason === undefined ? {} : { reason }),
        ...(location === undefined ? {} : { location }),
        ...(contactInfo === undefined ? {} : { contactInfo }),
        ...(Array.isArray(byteRange) && byteRange.every((x) => typeof x === 'number') ? { byteRange: byteRange } : {}),
        contents,
        ...(derLen === undefined ? {} : { cms: contents.subarray(0, derLen) }),
        byteRangeCheck: { ...check, ok: problems.length === 0, problems },
        ...(revision === undefined ? {} : { revision }),
        laterSections,
        certification: certNum !== undefined && isRef(v) && v.num === certNum,
        ...(ownP === undefined ? {} : { docMdpPermission: ownP }),
        modificationLevel: level,
        changes,
        timeStampsOnly,
      });
    }
    return {
      signatures,
      revisionEnds,
      ...(permission === undefined ? {} : { certification: { permission, ...(certNum === undefined ? {} : { signatureObjectNumber: certNum }) } }),
    };
  });
}
