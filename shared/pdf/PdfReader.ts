// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The PDF structure reader: objects by number (plain or inside `/Type /ObjStm` streams), the
 * trailer, the catalog, the page tree with inherited attributes, the AcroForm and DocMDP.
 *
 * Design rationale: just enough of ISO 32000 to append a signature revision and to find existing
 * signatures; a reader can be made for any historical state (`atSection(i)` sees only sections
 * i…last, i.e. the document as of that revision) so later changes can be compared object by object.
 * Every traversal is bounded (reference chains, page-tree nodes, object-stream nesting) and every
 * unexpected exception is turned into `ERR_PDF_MALFORMED` at the public entry points
 * ({@link guardPdf}).
 */
import { isSealError, SealError } from '../errors/index.js';
import type { PdfDict} from './objects.js';
import { PdfRef, PdfStream, isDict, isInt, isName, isRef, type PdfObject } from './objects.js';
import { Lexer, malformed, parseIndirectObject, parseObject } from './parser.js';
import { decodeStream } from './filters.js';
import { readXrefChain, type EnsureRange, type XrefEntry, type XrefSection } from './xref.js';

export type { EnsureRange } from './xref.js';

/** Buffers read on demand (see {@link attachRangeLoader}) and how to fill them. */
const rangeLoaders = new WeakMap<Uint8Array, EnsureRange>();

/**
 * Declares `bytes` a sparse image of a file: only the head and tail are filled, and every reader
 * opened on it (here or inside the signature writer) calls `ensure` before parsing at an offset.
 * The agent passes the file reader (shared code does no I/O).
 */
export function attachRangeLoader(bytes: Uint8Array, ensure: EnsureRange): void {
  rangeLoaders.set(bytes, ensure);
}

/** Maximum number of page-tree nodes visited in one traversal. */
export const MAX_PAGE_TREE_NODES = 1_000_000;
/** Maximum length of a reference chain (`1 0 R` → `2 0 R` → …). */
export const MAX_REF_CHAIN = 32;
/** Maximum objects in one object stream. */
export const MAX_OBJSTM_OBJECTS = 1_000_000;

/** Runs `fn`; anything but a SealError (RangeError, a bug tripped by hostile input) → ERR_PDF_MALFORMED. */
export function guardPdf<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSealError(e)) throw e;
    throw new SealError('ERR_PDF_MALFORMED', { reason: `unreadable structure (${e instanceof Error ? e.message.slice(0, 100) : 'error'})` }, { cause: e });
  }
}

export interface PageInfo {
  readonly index: number;
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  /** Inherited or own /MediaBox (default US Letter if missing anywhere). */
  readonly mediaBox: readonly [number, number, number, number];
  readonly cropBox?: readonly [number, number, number, number];
  readonly rotate: number;
}

interface ObjStm {
  readonly data: Uint8Array;
  readonly offsets: ReadonlyMap<number, number>;
  readonly byIndex: readonly number[];
  readonly first: number;
}

export class PdfReader {
  private readonly entries = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, PdfObject>();
  private readonly objStms = new Map<number, ObjStm>();
  private readonly resolving = new Set<number>();
  /** Sorted offsets of every object and section (sparse buffers: where an object's bytes end). */
  private offsets: number[] | undefined;

  private constructor(
    readonly bytes: Uint8Array,
    /** Sections newest first (index 0 is the last revision's section). */
    readonly sections: readonly XrefSection[],
    private readonly ensure?: EnsureRange,
  ) {
    for (const sec of sections) for (const [num, e] of sec.entries) if (!this.entries.has(num)) this.entries.set(num, e);
  }

  /** Opens a PDF: reads the xref chain; refuses encrypted files. */
  static open(bytes: Uint8Array): PdfReader {
    return guardPdf(() => {
      const ensure = rangeLoaders.get(bytes);
      const r = new PdfReader(bytes, readXrefChain(bytes, ensure), ensure);
      if (r.trailer.has('Encrypt')) throw new SealError('ERR_PDF_ENCRYPTED');
      if (!isRef(r.trailer.get('Root'))) throw malformed('trailer has no /Root reference');
      return r;
    });
  }

  /** A reader of the document as it was when section `i` was the newest. */
  atSection(i: number): PdfReader {
    return new PdfReader(this.bytes, this.sections.slice(i), this.ensure);
  }

  get trailer(): PdfDict {
    return (this.sections[0] as XrefSection).trailer;
  }

  /** Highest object number + 1 over the trailer /Size and all entries. */
  get size(): number {
    let n = isInt(this.trailer.get('Size')) ? (this.trailer.get('Size') as number) : 0;
    for (const num of this.entries.keys()) if (num + 1 > n) n = num + 1;
    return n;
  }

  entry(num: number): XrefEntry | undefined {
    return this.entries.get(num);
  }

  /** The generation an update must use to redefine object `num`. */
  generationOf(num: number): number {
    const e = this.entries.get(num);
    return e?.type === 1 ? e.field3 : 0;
  }

  /** The object with number `num` (undefined for free or missing objects). */
  getObject(num: number): PdfObject | undefined {
    if (this.cache.has(num)) return this.cache.get(num);
    const e = this.entries.get(num);
    if (e === undefined || e.type === 0) return undefined;
    if (this.resolving.has(num)) throw malformed(`object ${num} refers to itself while being read`);
    this.resolving.add(num);
    try {
      let value: PdfObject;
      if (e.type === 1) {
        const parse = () =>
          parseIndirectObject(this.bytes, e.field2, (ref) => {
            if (this.resolving.has(ref.num)) return undefined;
            const v = this.getObject(ref.num);
            return isInt(v) ? v : undefined;
          });
        let obj: ReturnType<typeof parse>;
        if (this.ensure === undefined || e.field2 < 0 || e.field2 >= this.bytes.length) obj = parse();
        else {
          // Sparse buffer: an object spans to the next object or section; one that reaches past it
          // (or fails there) is read again with the rest of the file filled.
          const end = this.spanEnd(e.field2);
          this.ensure(e.field2, end);
          let o: ReturnType<typeof parse> | undefined;
          try {
            o = parse();
          } catch (err) {
            if (end >= this.bytes.length) throw err;
          }
          if (o === undefined || o.end > end) {
            this.ensure(e.field2, this.bytes.length);
            o = parse();
          }
          obj = o;
        }
        if (obj.num !== num) throw malformed(`xref entry for object ${num} points to object ${obj.num}`);
        value = obj.value;
      } else {
        value = this.fromObjStm(e.field2, e.field3, num);
      }
      this.cache.set(num, value);
      return value;
    } finally {
      this.resolving.delete(num);
    }
  }

  /** The smallest object or section offset after `offset` (or the file's end). */
  private spanEnd(offset: number): number {
    if (this.offsets === undefined) {
      const set = new Set<number>();
      for (const sec of this.sections) {
        set.add(sec.offset);
        if (sec.hybridStreamOffset !== undefined) set.add(sec.hybridStreamOffset);
        for (const e of sec.entries.values()) if (e.type === 1) set.add(e.field2);
      }
      this.offsets = [...set].sort((a, b) => a - b);
    }
    const list = this.offsets;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(this.bytes.length, list[lo] ?? this.bytes.length);
  }

  private loadObjStm(stmNum: number): ObjStm {
    const hit = this.objStms.get(stmNum);
    if (hit !== undefined) return hit;
    const e = this.entries.get(stmNum);
    if (e?.type !== 1) throw malformed(`object stream ${stmNum} is not a plain object`);
    const s = this.getObject(stmNum);
    if (!(s instanceof PdfStream) || !isName(s.dict.get('Type'), 'ObjStm')) throw malformed(`object ${stmNum} is not an object stream`);
    const n = s.dict.get('N');
    const first = s.dict.get('First');
    if (!isInt(n) || !isInt(first) || n < 0 || n > MAX_OBJSTM_OBJECTS || first < 0) throw malformed(`bad /N or /First in object stream ${stmNum}`);
    const data = decodeStream(s);
    if (first > data.length) throw malformed(`object stream ${stmNum} /First beyond its data`);
    const lx = new Lexer(data.subarray(0, first), 0, false);
    const offsets = new Map<number, number>();
    const byIndex: number[] = [];
    for (let i = 0; i < n; i++) {
      const num = lx.tryInt();
      const off = lx.tryInt();
      if (num === undefined || off === undefined) throw malformed(`bad header in object stream ${stmNum}`);
      if (!offsets.has(num)) offsets.set(num, off);
      byIndex.push(off);
    }
    const o: ObjStm = { data, offsets, byIndex, first };
    this.objStms.set(stmNum, o);
    return o;
  }

  private fromObjStm(stmNum: number, index: number, num: number): PdfObject {
    const o = this.loadObjStm(stmNum);
    const off = o.offsets.get(num) ?? o.byIndex[index];
    if (off === undefined) throw malformed(`object ${num} not in object stream ${stmNum}`);
    const pos = o.first + off;
    if (pos >= o.data.length) throw malformed(`object ${num} offset beyond object stream ${stmNum}`);
    return parseObject(new Lexer(o.data, pos, false));
  }

  /** Follows references (bounded) to a direct object. */
  resolve(o: PdfObject | undefined): PdfObject | undefined {
    let cur = o;
    for (let i = 0; cur instanceof PdfRef; i++) {
      if (i >= MAX_REF_CHAIN) throw malformed('reference chain too long');
      cur = this.getObject(cur.num);
    }
    return cur;
  }

  resolveDict(o: PdfObject | undefined): PdfDict | undefined {
    const v = this.resolve(o);
    if (v instanceof PdfStream) return v.dict;
    return isDict(v) ? v : undefined;
  }

  get rootRef(): PdfRef {
    return this.trailer.get('Root') as PdfRef;
  }

  catalog(): PdfDict {
    const c = this.resolveDict(this.rootRef);
    if (c === undefined) throw malformed('the catalog is not a dictionary');
    return c;
  }

  /** Number of pages according to the root /Pages /Count. */
  pageCount(): number {
    const pages = this.resolveDict(this.catalog().get('Pages'));
    const count = pages?.get('Count');
    if (!isInt(count) || count < 0) throw malformed('page tree root has no valid /Count');
    return count;
  }

  /** Page `index` (0-based) with inherited attributes, walking the tree with /Count. */
  getPage(index: number): PageInfo {
    const rootRef = this.catalog().get('Pages');
    if (!isRef(rootRef)) throw malformed('/Pages is not an indirect reference');
    const total = this.pageCount();
    if (!Number.isSafeInteger(index) || index < 0 || index >= total) {
      throw new SealError('ERR_INPUT_INVALID', { name: 'page', reason: `page ${index} out of range (document has ${total} pages)` });
    }
    let nodeRef: PdfRef = rootRef;
    let remaining = index;
    const inherited = new Map<string, PdfObject>();
    const visited = new Set<number>();
    for (let steps = 0; steps < MAX_PAGE_TREE_NODES; steps++) {
      if (visited.has(nodeRef.num)) throw malformed('loop in the page tree');
      visited.add(nodeRef.num);
      const node = this.resolveDict(nodeRef);
      if (node === undefined) throw malformed(`page tree node ${nodeRef.num} is not a dictionary`);
      for (const k of ['MediaBox', 'CropBox', 'Rotate', 'Resources']) if (node.has(k)) inherited.set(k, node.get(k) as PdfObject);
      const kids = this.resolve(node.get('Kids'));
      if (!Array.isArray(kids)) throw malformed(`page tree node ${nodeRef.num} has no /Kids array`);
      let next: PdfRef | undefined;
      for (const kid of kids) {
        if (!isRef(kid)) throw malformed('page tree /Kids entry is not a reference');
        const kd = this.resolveDict(kid);
        if (kd === undefined) throw malformed(`page tree node ${kid.num} is not a dictionary`);
        const isLeaf = isName(kd.get('Type'), 'Page') || (!kd.has('Kids') && !isName(kd.get('Type'), 'Pages'));
        if (isLeaf) {
          if (remaining === 0) return this.pageInfo(index, kid, kd, inherited);
          remaining--;
        } else {
          const c = kd.get('Count');
          if (!isInt(c) || c < 0) throw malformed(`page tree node ${kid.num} has no valid /Count`);
          if (remaining < c) {
            next = kid;
            break;
          }
          remaining -= c;
        }
      }
      if (next === undefined) throw malformed('page tree /Count does not match its leaves');
      nodeRef = next;
    }
    throw malformed('page tree too large');
  }

  private pageInfo(index: number, ref: PdfRef, dict: PdfDict, inherited: Map<string, PdfObject>): PageInfo {
    const box = (k: string): [number, number, number, number] | undefined => {
      const v = this.resolve(dict.has(k) ? dict.get(k) : inherited.get(k));
      if (!Array.isArray(v) || v.length !== 4) return undefined;
      const nums = v.map((x) => this.resolve(x));
      return nums.every((x) => typeof x === 'number') ? (nums as [number, number, number, number]) : undefined;
    };
    const rot = this.resolve(dict.has('Rotate') ? dict.get('Rotate') : inherited.get('Rotate'));
    const cropBox = box('CropBox');
    return { index, ref, dict, mediaBox: box('MediaBox') ?? [0, 0, 612, 792], ...(cropBox === undefined ? {} : { cropBox }), rotate: isInt(rot) ? rot : 0 };
  }

  /** All page references in document order (bounded DFS; loops are errors). */
  pageRefs(): PdfRef[] {
    const rootRef = this.catalog().get('Pages');
    if (!isRef(rootRef)) throw malformed('/Pages is not an indirect reference');
    const out: PdfRef[] = [];
    const visited = new Set<number>();
    const stack: PdfRef[] = [rootRef];
    let steps = 0;
    while (stack.length > 0) {
      if (++steps > MAX_PAGE_TREE_NODES) throw malformed('page tree too large');
      const ref = stack.pop() as PdfRef;
      if (visited.has(ref.num)) throw malformed('loop in the page tree');
      visited.add(ref.num);
      const d = this.resolveDict(ref);
      if (d === undefined) throw malformed(`page tree node ${ref.num} is not a dictionary`);
      const kids = this.resolve(d.get('Kids'));
      if (isName(d.get('Type'), 'Page') || !Array.isArray(kids)) {
        out.push(ref);
        continue;
      }
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = kids[i];
        if (isRef(k)) stack.push(k);
      }
    }
    return out;
  }

  /**
   * DocMDP permission of a certification signature (`/Perms /DocMDP`): 1, 2 or 3, or undefined if
   * the document is not certified. A missing /P means 2 (ISO 32000-1 Table 254).
   */
  docMdpPermission(): 1 | 2 | 3 | undefined {
    const perms = this.resolveDict(this.catalog().get('Perms'));
    const sig = this.resolveDict(perms?.get('DocMDP'));
    if (sig === undefined) return undefined;
    const refs = this.resolve(sig.get('Reference'));
    let p: PdfObject | undefined;
    if (Array.isArray(refs)) {
      for (const r of refs) {
        const rd = this.resolveDict(r);
        if (rd !== undefined && isName(this.resolve(rd.get('TransformMethod')), 'DocMDP')) {
          p = this.resolve(this.resolveDict(rd.get('TransformParams'))?.get('P'));
          break;
        }
      }
    }
    if (p === 1 || p === 3) return p;
    return 2;
  }
}
