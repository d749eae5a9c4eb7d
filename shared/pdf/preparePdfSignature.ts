// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Appends one signature revision to a PDF (incremental update, ISO 32000-1 §7.5.6, §12.8) and
 * fills the signature in place afterwards.
 *
 * Design rationale (documents.md §1.1, §1.7; pyHanko's `IncrementalPdfFileWriter`):
 * - The input bytes are copied unchanged; the new revision holds only new and changed objects:
 *   the signature dictionary, a merged signature field/widget with an `/AP /N` form XObject (the
 *   seal picture as an RGB image XObject with an `/SMask`, or an empty form), the page (or its
 *   indirect `/Annots` array), the AcroForm (or its indirect `/Fields` array) and the catalog when
 *   it must point to a new or inline AcroForm.
 * - The new cross-reference section is of the same kind as the file's last one: a classic table
 *   with a trailer, or an uncompressed xref stream with `/W` and `/Index`. After a hybrid section
 *   we write a classic table without `/XRefStm` (documents.md §1.7).
 * - `/ID` keeps its first element (an input to encryption keys, §7.6.3.3) and gets a new second one,
 *   derived deterministically from the input and the signing time (tests are reproducible).
 * - `/ByteRange` is written with a fixed 40-character body (four numbers of up to 12 digits, i.e.
 *   files up to ~1 TB; pyHanko#336 is the large-file bug this avoids) and filled before returning,
 *   so only the zeroed `/Contents` hex string remains for {@link fillPdfSignature}.
 * - The signature dictionary is always a plain indirect object (never in an object stream).
 * - Encrypted input → ERR_PDF_ENCRYPTED; a certification signature with DocMDP /P 1 →
 *   ERR_PDF_CHANGES_FORBIDDEN.
 * - On pages with /Rotate 90/180/270 the appearance is counter-rotated so the seal shows upright.
 * Not yet: /Lock and seed values are ignored; an existing empty signature field is not reused.
 */
import { zlibSync } from 'fflate';
import { sm3 } from '../crypto/sm3.js';
import { SealError } from '../errors/index.js';
import {
  PdfDict,
  PdfRef,
  PdfStream,
  PdfString,
  decodeTextString,
  formatNumber,
  isDict,
  isInt,
  isName,
  isRef,
  latin1Bytes,
  name,
  pdfDate,
  serialize,
  serializeIndirect,
  textString,
  type PdfObject,
} from './objects.js';
import { malformed } from './parser.js';
import { guardPdf, PdfReader } from './PdfReader.js';

export interface PdfSignatureImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 3 bytes, row-major from the top-left. */
  readonly rgb: Uint8Array;
  /** width × height bytes of opacity (255 = opaque), optional. */
  readonly alpha?: Uint8Array;
  /**
   * The same pixels as palette indices (palette PNG/GIF/BMP), optional: written as an /Indexed
   * image of `bits` per pixel — about 3× (8-bit) to 24× (1-bit) less data to compress than RGB.
   */
  readonly indexed?: { readonly palette: Uint8Array; readonly indices: Uint8Array; readonly bits: 1 | 2 | 4 | 8 };
}

/** An image already encoded for PDF: a JPEG seal picture passed through as /DCTDecode. */
export interface PdfEncodedImage {
  readonly width: number;
  readonly height: number;
  readonly colorSpace: 'DeviceGray' | 'DeviceRGB' | 'DeviceCMYK';
  readonly filter: 'DCTDecode';
  /** The stream data as is (the JPEG file). */
  readonly data: Uint8Array;
  /** /Decode array, e.g. [1 0 1 0 1 0 1 0] for Adobe's inverted CMYK. */
  readonly decode?: readonly number[];
}

/**
 * Vector content (SVG and OFD seal pictures) drawn in its own space [0 0 width height], y up; the
 * writer scales that space to the widget rectangle.
 */
export interface PdfVectorAppearance {
  readonly width: number;
  readonly height: number;
  /** PDF content-stream operators (Latin-1 text; strings as hex). */
  readonly content: string;
  /** Images used by `Do`, by resource name (`Im1`…). */
  readonly images?: Readonly<Record<string, PdfSignatureImage | PdfEncodedImage>>;
  /**
   * Fonts used by `Tf`, by resource name. 'cjk' = the non-embedded Adobe-GB1 font STSong-Light with
   * the UniGB-UTF16-H CMap: show strings are UTF-16BE, every reader with Chinese fonts can show them.
   */
  readonly fonts?: Readonly<Record<string, 'cjk'>>;
  /** Graphics states used by `gs`, by resource name: constant fill (/ca) and stroke (/CA) opacity. */
  readonly extGStates?: Readonly<Record<string, { readonly fillAlpha: number; readonly strokeAlpha: number }>>;
}

/** The widget's appearance: a raster or JPEG picture, vector content, or nothing (image undefined). */
export interface PdfSignatureAppearance {
  readonly image?: PdfSignatureImage | PdfEncodedImage | undefined;
  readonly vector?: PdfVectorAppearance;
}

/** One extra appearance on a page (0-based), rect in default user space. */
export interface PdfExtraStamp {
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
  readonly appearance: PdfSignatureAppearance;
}

/** Most extra stamps in one revision. */
export const MAX_EXTRA_STAMPS = 1000;

export interface PreparePdfSignatureOptions {
  /** 0-based page index. */
  readonly page: number;
  /** Widget rectangle [x1, y1, x2, y2] in default user space (points). */
  readonly rect: readonly [number, number, number, number];
  readonly fieldName?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  readonly signingTime: Date;
  readonly appearance?: PdfSignatureAppearance;
  /**
   * More pictures drawn by the same revision (so covered by this signature) as locked /Stamp
   * annotations on other pages: the other slices of a riding seal (骑缝章), see ridingSealParts.
   */
  readonly extraStamps?: readonly PdfExtraStamp[];
  /** Bytes reserved for the CMS (the hex placeholder is twice as long). */
  readonly contentsReserveBytes: number;
  readonly subFilter: 'adbe.pkcs7.detached';
}

export interface PreparedPdfSignature {
  /** Original bytes ‖ the new revision, with a zeroed /Contents placeholder. */
  readonly bytes: Uint8Array;
  readonly byteRange: readonly [number, number, number, number];
  /** Offset of the `<` of the /Contents hex string. */
  readonly contentsOffset: number;
  /** Length of the /Contents hex string including `<` and `>`. */
  readonly contentsLength: number;
  /** The field name used (given or generated). */
  readonly fieldName: string;
  /** Object number of the signature dictionary. */
  readonly signatureObjectNumber: number;
}

export interface PreparedPdfSignatureRevision extends Omit<PreparedPdfSignature, 'bytes'> {
  /** Length of the input; the revision starts at this offset. */
  readonly originalLength: number;
  /** The appended revision only, /ByteRange filled, /Contents zeroed (offsets are absolute). */
  readonly revision: Uint8Array;
}

/** Largest /Contents reservation accepted (4 MiB of CMS). */
export const MAX_CONTENTS_RESERVE = 4 * 1024 * 1024;
/** Largest seal picture accepted (pixels per side). */
export const MAX_IMAGE_SIDE = 8192;
/** Largest vector appearance content (characters). */
export const MAX_VECTOR_CONTENT = 16 * 1024 * 1024;
/** Width of the /ByteRange array body: "0 a b c" padded with spaces. */
const BYTE_RANGE_WIDTH = 40;
const MAX_FIELDS_SCANNED = 100_000;

function invalid(nameOf: string, reason: string): SealError {
  return new SealError('ERR_INPUT_INVALID', { name: nameOf, reason });
}

function checkOptions(o: PreparePdfSignatureOptions): [number, number, number, number] {
  if (typeof o !== 'object' || o === null) throw invalid('options', 'not an object');
  if (!Number.isSafeInteger(o.page) || o.page < 0) throw invalid('page', 'not a non-negative integer');
  if (!Array.isArray(o.rect) || o.rect.length !== 4 || !o.rect.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) < 1e6)) {
    throw invalid('rect', 'not four finite numbers');
  }
  const [x1, y1, x2, y2] = o.rect;
  const r: [number, number, number, number] = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
  if (r[2] - r[0] <= 0 || r[3] - r[1] <= 0) throw invalid('rect', 'empty rectangle');
  if (!(o.signingTime instanceof Date) || Number.isNaN(o.signingTime.getTime())) throw invalid('signingTime', 'not a valid Date');
  if (!Number.isSafeInteger(o.contentsReserveBytes) || o.contentsReserveBytes < 64 || o.contentsReserveBytes > MAX_CONTENTS_RESERVE) {
    throw invalid('contentsReserveBytes', `must be an integer in 64..${MAX_CONTENTS_RESERVE}`);
  }
  if (o.subFilter !== 'adbe.pkcs7.detached') throw invalid('subFilter', 'only adbe.pkcs7.detached is supported');
  for (const k of ['fieldName', 'reason', 'location', 'contactInfo'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v.length > 1000)) throw invalid(k, 'not a string of at most 1000 characters');
  }
  if (o.fieldName !== undefined && (o.fieldName === '' || o.fieldName.includes('.'))) throw invalid('fieldName', 'empty or contains a period');
  if (o.appearance !== undefined) checkAppearance(o.appearance, 'appearance');
  const stamps = o.extraStamps;
  if (stamps !== undefined) {
    if (!Array.isArray(stamps) || stamps.length > MAX_EXTRA_STAMPS) throw invalid('extraStamps', `not an array of at most ${MAX_EXTRA_STAMPS} entries`);
    stamps.forEach((x: PdfExtraStamp, i: number) => {
      if (typeof x !== 'object' || x === null || !Number.isSafeInteger(x.page) || x.page < 0) throw invalid(`extraStamps[${i}].page`, 'not a non-negative integer');
      const r = x.rect;
      if (!Array.isArray(r) || r.length !== 4 || !r.every((v: unknown) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e6)) throw invalid(`extraStamps[${i}].rect`, 'not four finite numbers');
      if (Math.abs(r[2] - r[0]) <= 0 || Math.abs(r[3] - r[1]) <= 0) throw invalid(`extraStamps[${i}].rect`, 'empty rectangle');
      if (typeof x.appearance !== 'object' || (x.appearance as unknown) === null) throw invalid(`extraStamps[${i}].appearance`, 'missing');
      checkAppearance(x.appearance, `extraStamps[${i}].appearance`);
    });
  }
  return r;
}

function checkAppearance(a: PdfSignatureAppearance, what: string): void {
  const img = a.image;
  if (img !== undefined) checkImage(img, `${what}.image`);
  const vec = a.vector;
  if (vec !== undefined) {
    if (img !== undefined) throw invalid(what, 'both image and vector given');
    if (!(vec.width > 0 && vec.height > 0 && vec.width < 1e6 && vec.height < 1e6)) throw invalid('appearance.vector', 'width and height must be positive');
    // eslint-disable-next-line no-control-regex
    if (typeof vec.content !== 'string' || vec.content.length > MAX_VECTOR_CONTENT || /[^\x00-\xff]/.test(vec.content)) {
      throw invalid('appearance.vector.content', `not Latin-1 text of at most ${MAX_VECTOR_CONTENT} characters`);
    }
    const images = Object.entries(vec.images ?? {});
    const fonts = Object.entries(vec.fonts ?? {});
    const states = Object.entries(vec.extGStates ?? {});
    if (images.length + fonts.length + states.length > 256) throw invalid('appearance.vector', 'more than 256 resources');
    for (const [k, v] of states) {
      const ok = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
      if (!/^[A-Za-z][A-Za-z0-9]{0,15}$/.test(k) || typeof v !== 'object' || v === null || !ok(v.fillAlpha) || !ok(v.strokeAlpha)) throw invalid('appearance.vector.extGStates', 'bad graphics state');
    }
    for (const [k, v] of images) {
      if (!/^[A-Za-z][A-Za-z0-9]{0,15}$/.test(k)) throw invalid('appearance.vector.images', 'bad resource name');
      checkImage(v, `appearance.vector.images.${k}`);
    }
    for (const [k, v] of fonts) if (!/^[A-Za-z][A-Za-z0-9]{0,15}$/.test(k) || v !== 'cjk') throw invalid('appearance.vector.fonts', 'bad font entry');
  }
}

function checkImage(img: PdfSignatureImage | PdfEncodedImage, what: string): void {
  const { width, height } = img;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw invalid(what, `size must be 1..${MAX_IMAGE_SIDE} pixels per side`);
  }
  if ('filter' in img) {
    if (img.filter !== 'DCTDecode' || !(img.data instanceof Uint8Array) || img.data.length === 0) throw invalid(what, 'encoded image must be non-empty DCTDecode data');
    if (!['DeviceGray', 'DeviceRGB', 'DeviceCMYK'].includes(img.colorSpace)) throw invalid(what, 'bad colour space');
    if (img.decode !== undefined && (!Array.isArray(img.decode) || img.decode.length > 8 || !img.decode.every((x) => x === 0 || x === 1))) throw invalid(what, 'bad /Decode array');
    return;
  }
  const { rgb, alpha, indexed } = img;
  if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3) throw invalid(`${what}.rgb`, 'length is not width × height × 3');
  if (alpha !== undefined && (!(alpha instanceof Uint8Array) || alpha.length !== width * height)) throw invalid(`${what}.alpha`, 'length is not width × height');
  if (indexed !== undefined) {
    const { palette, indices, bits } = indexed;
    if (![1, 2, 4, 8].includes(bits) || !(palette instanceof Uint8Array) || palette.length === 0 || palette.length % 3 !== 0 || palette.length > 3 * 2 ** bits) {
      throw invalid(`${what}.indexed`, 'palette must hold 1..2^bits RGB entries');
    }
    if (!(indices instanceof Uint8Array) || indices.length !== width * height) throw invalid(`${what}.indexed.indices`, 'length is not width × height');
  }
}

/** Top-level and nested field names (/T joined with '.'), bounded. */
function existingFieldNames(reader: PdfReader, fields: PdfObject | undefined): Set<string> {
  const names = new Set<string>();
  const stack: { o: PdfObject | undefined; prefix: string }[] = [];
  const arr = reader.resolve(fields);
  if (Array.isArray(arr)) for (const f of arr) stack.push({ o: f, prefix: '' });
  const seen = new Set<number>();
  let steps = 0;
  while (stack.length > 0 && steps++ < MAX_FIELDS_SCANNED) {
    const { o, prefix } = stack.pop() as { o: PdfObject | undefined; prefix: string };
    if (isRef(o)) {
      if (seen.has(o.num)) continue;
      seen.add(o.num);
    }
    const d = reader.resolveDict(o);
    if (d === undefined) continue;
    const t = reader.resolve(d.get('T'));
    const full = t instanceof PdfString ? (prefix === '' ? '' : `${prefix}.`) + decodeTextString(t.bytes) : prefix;
    if (full !== '') names.add(full);
    const kids = reader.resolve(d.get('Kids'));
    if (Array.isArray(kids)) for (const k of kids) stack.push({ o: k, prefix: full });
  }
  return names;
}

interface ExistingSigField {
  readonly fieldRef: PdfRef;
  readonly field: PdfDict;
  /** The same object as the field (merged field/widget; the only form supported so far). */
  readonly widgetRef: PdfRef;
  readonly widget: PdfDict;
}

/** The unsigned signature field named `full` (field and its widget, possibly the same object), if any. */
function findEmptySignatureField(reader: PdfReader, fields: PdfObject | undefined, full: string): ExistingSigField | undefined {
  const arr = reader.resolve(fields);
  const stack: { o: PdfObject; prefix: string; ft?: PdfObject }[] = Array.isArray(arr) ? arr.map((o) => ({ o, prefix: '' })) : [];
  const seen = new Set<number>();
  let steps = 0;
  while (stack.length > 0 && steps++ < MAX_FIELDS_SCANNED) {
    const { o, prefix, ft } = stack.pop() as { o: PdfObject; prefix: string; ft?: PdfObject };
    if (!isRef(o) || seen.has(o.num)) continue;
    seen.add(o.num);
    const d = reader.resolveDict(o);
    if (d === undefined) continue;
    const t = reader.resolve(d.get('T'));
    const name_ = t instanceof PdfString ? (prefix === '' ? '' : `${prefix}.`) + decodeTextString(t.bytes) : prefix;
    const myFt = d.get('FT') ?? ft;
    const kids = reader.resolve(d.get('Kids'));
    if (name_ === full && t instanceof PdfString) {
      if (!isName(reader.resolve(myFt), 'Sig') || d.has('V')) return undefined;
      if (d.has('Rect')) return { fieldRef: o, field: d, widgetRef: o, widget: d };
      // A field with separate widget kids: written correctly per ISO 32000, but poppler 22.12 then
      // reports the field as unsigned, so we do not claim support until a validator agrees.
      throw new SealError('ERR_NOT_IMPLEMENTED', { feature: 'signing an existing signature field whose widget is a separate kid' });
    }
    if (Array.isArray(kids)) for (const k of kids) stack.push({ o: k, prefix: name_, ...(myFt === undefined ? {} : { ft: myFt }) });
  }
  return undefined;
}

/** Writes an image XObject (and its /SMask) through `put`; returns its reference. */
function writeImage(img: PdfSignatureImage | PdfEncodedImage, alloc: () => PdfRef, put: (ref: PdfRef, value: PdfObject) => void): PdfRef {
  const ref = alloc();
  if ('filter' in img) {
    const dict = new PdfDict([
      ['Type', name('XObject')],
      ['Subtype', name('Image')],
      ['Width', img.width],
      ['Height', img.height],
      ['ColorSpace', name(img.colorSpace)],
      ['BitsPerComponent', 8],
      ['Filter', name(img.filter)],
    ]);
    if (img.decode !== undefined) dict.set('Decode', [...img.decode]);
    put(ref, new PdfStream(dict, img.data));
    return ref;
  }
  const smaskRef = img.alpha === undefined || colourKeyRange(img) !== undefined ? undefined : alloc();
  const { image, smask } = imageStreams(img, smaskRef);
  put(ref, image);
  if (smask !== undefined && smaskRef !== undefined) put(smaskRef, smask);
  return ref;
}

/** The Type0 font for 'cjk' text: STSong-Light (Adobe-GB1), not embedded, UTF-16 CMap. */
function writeCjkFont(alloc: () => PdfRef, put: (ref: PdfRef, value: PdfObject) => void): PdfRef {
  const fontRef = alloc();
  const descRef = alloc();
  put(
    descRef,
    new PdfDict([
      ['Type', name('FontDescriptor')],
      ['FontName', name('STSong-Light')],
      ['Flags', 6],
      ['FontBBox', [-25, -254, 1000, 880]],
      ['ItalicAngle', 0],
      ['Ascent', 880],
      ['Descent', -120],
      ['CapHeight', 880],
      ['StemV', 93],
    ]),
  );
  const cid = new PdfDict([
    ['Type', name('Font')],
    ['Subtype', name('CIDFontType0')],
    ['BaseFont', name('STSong-Light')],
    ['CIDSystemInfo', new PdfDict([['Registry', new PdfString(latin1Bytes('Adobe'), false)], ['Ordering', new PdfString(latin1Bytes('GB1'), false)], ['Supplement', 4]])],
    ['FontDescriptor', descRef],
    ['DW', 1000],
    ['W', [1, 95, 500]],
  ]);
  put(
    fontRef,
    new PdfDict([
      ['Type', name('Font')],
      ['Subtype', name('Type0')],
      ['BaseFont', name('STSong-Light')],
      ['Encoding', name('UniGB-UTF16-H')],
      ['DescendantFonts', [cid]],
    ]),
  );
  return fontRef;
}

/** Palette indices packed `bits` per pixel, rows padded to whole bytes (ISO 32000-1 §8.9.3). */
function packIndices(indices: Uint8Array, width: number, height: number, bits: number, entries: number): Uint8Array {
  const stride = Math.ceil((width * bits) / 8);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = indices[y * width + x] as number;
      if (v >= entries) throw invalid('appearance.image.indexed.indices', `index ${v} beyond the ${entries}-entry palette`);
      const bit = x * bits;
      const p = y * stride + (bit >> 3);
      out[p] = (out[p] as number) | (v << (8 - bits - (bit & 7)));
    }
  }
  return out;
}

/**
 * For a palette picture whose transparency is all-or-nothing and exactly the pixels of one
 * contiguous index range (a PNG tRNS or GIF transparent index): that range, usable as a colour-key
 * /Mask [lo hi] instead of a full /SMask image (ISO 32000-1 §8.9.6.4).
 */
export function colourKeyRange(img: PdfSignatureImage): [number, number] | undefined {
  const ix = img.indexed;
  const alpha = img.alpha;
  if (ix === undefined || alpha === undefined) return undefined;
  const entries = ix.palette.length / 3;
  const state = new Int8Array(entries); // 0 unseen, 1 opaque, 2 transparent
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] as number;
    const k = ix.indices[i] as number;
    if ((a !== 0 && a !== 255) || k >= entries) return undefined;
    const s = a === 0 ? 2 : 1;
    if (state[k] !== 0 && state[k] !== s) return undefined;
    state[k] = s;
  }
  let lo = -1;
  let hi = -1;
  for (let k = 0; k < entries; k++) {
    if (state[k] !== 2) continue;
    if (lo < 0) lo = k;
    else if (hi !== k - 1) return undefined;
    hi = k;
  }
  // entries never used may sit inside the range: harmless, no pixel has them
  return lo < 0 ? undefined : [lo, hi];
}

function imageStreams(img: PdfSignatureImage, smaskRef: PdfRef | undefined): { image: PdfStream; smask?: PdfStream } {
  const ix = img.indexed;
  const dict = new PdfDict([
    ['Type', name('XObject')],
    ['Subtype', name('Image')],
    ['Width', img.width],
    ['Height', img.height],
    ['ColorSpace', ix === undefined ? name('DeviceRGB') : [name('Indexed'), name('DeviceRGB'), ix.palette.length / 3 - 1, new PdfString(ix.palette, true)]],
    ['BitsPerComponent', ix === undefined ? 8 : ix.bits],
    ['Filter', name('FlateDecode')],
  ]);
  const key = colourKeyRange(img);
  if (key !== undefined) dict.set('Mask', key);
  else if (smaskRef !== undefined) dict.set('SMask', smaskRef);
  const data = ix === undefined ? img.rgb : packIndices(ix.indices, img.width, img.height, ix.bits, ix.palette.length / 3);
  const image = new PdfStream(dict, zlibSync(data, { level: 6 }));
  if (img.alpha === undefined || smaskRef === undefined || key !== undefined) return { image };
  const smask = new PdfStream(
    new PdfDict([
      ['Type', name('XObject')],
      ['Subtype', name('Image')],
      ['Width', img.width],
      ['Height', img.height],
      ['ColorSpace', name('DeviceGray')],
      ['BitsPerComponent', 8],
      ['Filter', name('FlateDecode')],
    ]),
    zlibSync(img.alpha, { level: 6 }),
  );
  return { image, smask };
}

/**
 * Appends a signature revision with an empty (zeroed) `/Contents` of `contentsReserveBytes` bytes.
 * Hash `result.byteRange` ({@link pdfByteRangeDigest}), build the CMS, then {@link fillPdfSignature}.
 */
export function preparePdfSignature(pdf: Uint8Array, opts: PreparePdfSignatureOptions): PreparedPdfSignature {
  const { revision, originalLength, ...rest } = preparePdfSignatureRevision(pdf, opts);
  const bytes = new Uint8Array(originalLength + revision.length);
  bytes.set(pdf, 0);
  bytes.set(revision, originalLength);
  return { bytes, ...rest };
}

/**
 * Like {@link preparePdfSignature} but returns only the appended revision: the signed file is
 * `pdf ‖ revision`. Large files are hashed and written from the original buffer plus this tail
 * instead of a second full-size copy (peak memory ≈ file size, issue #5's budget).
 */
export function preparePdfSignatureRevision(pdf: Uint8Array, opts: PreparePdfSignatureOptions): PreparedPdfSignatureRevision {
  if (!(pdf instanceof Uint8Array)) throw invalid('pdf', 'not a Uint8Array');
  const rect = checkOptions(opts);
  return guardPdf(() => build(pdf, opts, rect));
}

function build(pdf: Uint8Array, opts: PreparePdfSignatureOptions, optsRect: [number, number, number, number]): PreparedPdfSignatureRevision {
  let rect = optsRect;
  const reader = PdfReader.open(pdf);
  if (reader.docMdpPermission() === 1) throw new SealError('ERR_PDF_CHANGES_FORBIDDEN');
  const catalog = reader.catalog();
  const rootRef = reader.rootRef;

  let next = reader.size;
  const alloc = (): PdfRef => new PdfRef(next++, 0);
  /** Objects to write, by number (a later write of the same number replaces an earlier one). */
  const objects = new Map<number, { ref: PdfRef; value: PdfObject }>();
  const put = (ref: PdfRef, value: PdfObject) => objects.set(ref.num, { ref, value });
  const redefine = (ref: PdfRef): PdfRef => new PdfRef(ref.num, reader.generationOf(ref.num));

  // ── AcroForm lookup (for names) ──
  const afRaw = catalog.get('AcroForm');
  const afDict = reader.resolveDict(afRaw);
  const taken = existingFieldNames(reader, afDict?.get('Fields'));
  let fieldName = opts.fieldName;
  if (fieldName === undefined) {
    for (let i = 1; fieldName === undefined; i++) if (!taken.has(`Signature${i}`)) fieldName = `Signature${i}`;
  }
  // An existing empty signature field of that name is signed in place (its own /Rect and page).
  const existing = taken.has(fieldName) ? findEmptySignatureField(reader, afDict?.get('Fields'), fieldName) : undefined;
  if (taken.has(fieldName) && existing === undefined) throw invalid('fieldName', `a field named ${fieldName} already exists and is not an empty signature field`);
  let page = reader.getPage(opts.page);
  if (existing !== undefined) {
    const r = reader.resolve(existing.widget.get('Rect'));
    const nums = Array.isArray(r) ? r.map((x) => reader.resolve(x)) : [];
    if (nums.length !== 4 || !nums.every((x) => typeof x === 'number')) throw malformed(`signature field ${fieldName} has no valid /Rect`);
    const [x1, y1, x2, y2] = nums as [number, number, number, number];
    rect = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
    if (rect[2] - rect[0] <= 0 || rect[3] - rect[1] <= 0) throw malformed(`signature field ${fieldName} has an empty /Rect`);
    const p = existing.widget.get('P');
    const idx = isRef(p) ? reader.pageRefs().findIndex((x) => x.num === p.num) : -1;
    if (idx >= 0) page = reader.getPage(idx);
  }

  const sigRef = alloc();
  const widgetRef = existing?.widgetRef ?? alloc();
  const apRef = alloc();

  // ── appearance ──
  // On a page shown rotated (/Rotate), the form is counter-rotated by /Matrix so the seal is upright
  // on screen; its BBox then has the on-screen width and height (ISO 32000-1 §12.5.5).
  let cjkFont: PdfRef | undefined;
  const appearanceForm = (formRef: PdfRef, a: PdfSignatureAppearance | undefined, r: readonly [number, number, number, number], rotate: number): void => {
    const rot = ((rotate % 360) + 360) % 360;
    const swap = rot === 90 || rot === 270;
    const w = swap ? r[3] - r[1] : r[2] - r[0];
    const h = swap ? r[2] - r[0] : r[3] - r[1];
    const apDict = new PdfDict([
      ['Type', name('XObject')],
      ['Subtype', name('Form')],
      ['BBox', [0, 0, w, h]],
    ]);
    if (rot === 90) apDict.set('Matrix', [0, 1, -1, 0, h, 0]);
    else if (rot === 180) apDict.set('Matrix', [-1, 0, 0, -1, w, h]);
    else if (rot === 270) apDict.set('Matrix', [0, -1, 1, 0, 0, w]);
    let apContent: string;
    const image = a?.image;
    const vector = a?.vector;
    if (image !== undefined) {
      const imgRef = writeImage(image, alloc, put);
      apDict.set('Resources', new PdfDict([['XObject', new PdfDict([['Im0', imgRef]])]]));
      apContent = `q ${formatNumber(w)} 0 0 ${formatNumber(h)} 0 0 cm /Im0 Do Q\n`;
    } else if (vector !== undefined) {
      // The picture's own space [0 0 vw vh] is scaled to the box; content is clipped to it.
      const res = new PdfDict();
      const xo = Object.entries(vector.images ?? {});
      if (xo.length > 0) res.set('XObject', new PdfDict(xo.map(([k, v]) => [k, writeImage(v, alloc, put)])));
      const fonts = Object.keys(vector.fonts ?? {});
      if (fonts.length > 0) {
        cjkFont ??= writeCjkFont(alloc, put);
        const f = cjkFont;
        res.set('Font', new PdfDict(fonts.map((k) => [k, f])));
      }
      const states = Object.entries(vector.extGStates ?? {});
      if (states.length > 0) {
        res.set('ExtGState', new PdfDict(states.map(([k, v]) => [k, new PdfDict([['Type', name('ExtGState')], ['ca', v.fillAlpha], ['CA', v.strokeAlpha]])])));
      }
      apDict.set('Resources', res);
      apContent = `q 0 0 ${formatNumber(w)} ${formatNumber(h)} re W n ${formatNumber(w / vector.width)} 0 0 ${formatNumber(h / vector.height)} 0 0 cm\n${vector.content}\nQ\n`;
    } else {
      apDict.set('Resources', new PdfDict());
      apContent = '% DSBlank\n';
    }
    put(formRef, new PdfStream(apDict, latin1Bytes(apContent)));
  };
  appearanceForm(apRef, opts.appearance, rect, page.rotate);

  // ── widget (merged field + annotation), or the existing field signed in place ──
  const ap = new PdfDict([['N', apRef]]);
  if (existing !== undefined) {
    const merged = existing.fieldRef.num === existing.widgetRef.num;
    const field = existing.field.clone().set('V', sigRef);
    if (merged) field.set('AP', ap);
    put(redefine(existing.fieldRef), field);
    if (!merged) put(redefine(existing.widgetRef), existing.widget.clone().set('AP', ap));
  } else put(
    widgetRef,
    new PdfDict([
      ['Type', name('Annot')],
      ['Subtype', name('Widget')],
      ['FT', name('Sig')],
      ['T', textString(fieldName)],
      ['V', sigRef],
      ['Rect', rect],
      ['P', page.ref],
      ['F', 4],
      ['AP', ap],
    ]),
  );

  // ── extra stamps (riding-seal slices): locked, printable /Stamp annotations ──
  const addToPage = new Map<number, { page: typeof page; refs: PdfRef[] }>();
  const annotsArr = reader.resolve(page.dict.get('Annots'));
  const alreadyOnPage = existing !== undefined && Array.isArray(annotsArr) && annotsArr.some((a) => isRef(a) && a.num === widgetRef.num);
  if (!alreadyOnPage) addToPage.set(page.ref.num, { page, refs: [widgetRef] });
  for (const x of opts.extraStamps ?? []) {
    const p = reader.getPage(x.page);
    const r: [number, number, number, number] = [Math.min(x.rect[0], x.rect[2]), Math.min(x.rect[1], x.rect[3]), Math.max(x.rect[0], x.rect[2]), Math.max(x.rect[1], x.rect[3])];
    const formRef = alloc();
    appearanceForm(formRef, x.appearance, r, p.rotate);
    const annotRef = alloc();
    put(
      annotRef,
      new PdfDict([
        ['Type', name('Annot')],
        ['Subtype', name('Stamp')],
        ['Rect', r],
        ['P', p.ref],
        // Print (4) + Locked (128): shown and printed, not movable or deletable in viewers
        ['F', 132],
        ['NM', textString(`${fieldName}#${addToPage.size}-${annotRef.num}`)],
        ['AP', new PdfDict([['N', formRef]])],
      ]),
    );
    const entry = addToPage.get(p.ref.num) ?? { page: p, refs: [] };
    entry.refs.push(annotRef);
    addToPage.set(p.ref.num, entry);
  }

  // ── page /Annots ──
  for (const { page: pg, refs } of addToPage.values()) {
    const annots = pg.dict.get('Annots');
    if (isRef(annots)) {
      const arr = reader.resolve(annots);
      if (!Array.isArray(arr)) throw malformed('page /Annots is not an array');
      put(redefine(annots), [...arr, ...refs]);
    } else {
      const arr = reader.resolve(annots);
      const newPage = pg.dict.clone().set('Annots', Array.isArray(arr) ? [...arr, ...refs] : refs);
      put(redefine(pg.ref), newPage);
    }
  }

  // ── AcroForm ──
  const sigFlags = (d: PdfDict | undefined): number => {
    const f = reader.resolve(d?.get('SigFlags'));
    return (isInt(f) ? f : 0) | 3;
  };
  const withField = (d: PdfDict | undefined): PdfDict => {
    const nd = d === undefined ? new PdfDict() : d.clone();
    const fields = d?.get('Fields');
    if (existing !== undefined) {
      // the field is already listed
    } else if (isRef(fields)) {
      const arr = reader.resolve(fields);
      if (!Array.isArray(arr)) throw malformed('/AcroForm /Fields is not an array');
      put(redefine(fields), [...arr, widgetRef]);
    } else {
      const arr = reader.resolve(fields);
      nd.set('Fields', Array.isArray(arr) ? [...arr, widgetRef] : [widgetRef]);
    }
    return nd.set('SigFlags', sigFlags(d));
  };
  const currentFlags = reader.resolve(afDict?.get('SigFlags'));
  if (existing !== undefined && isInt(currentFlags) && (currentFlags & 3) === 3) {
    // signing a listed field with /SigFlags already set: the AcroForm stays as it is
  } else if (isRef(afRaw) && afDict !== undefined) {
    put(redefine(afRaw), withField(afDict));
  } else if (isDict(afRaw)) {
    put(redefine(rootRef), catalog.clone().set('AcroForm', withField(afRaw)));
  } else {
    const afRef = alloc();
    put(afRef, withField(undefined));
    put(redefine(rootRef), catalog.clone().set('AcroForm', afRef));
  }

  // ── signature dictionary (text written by hand: we need the offsets) ──
  const hexLen = opts.contentsReserveBytes * 2;
  const extra: string[] = [];
  if (opts.reason !== undefined) extra.push(`/Reason ${serialize(textString(opts.reason))}`);
  if (opts.location !== undefined) extra.push(`/Location ${serialize(textString(opts.location))}`);
  if (opts.contactInfo !== undefined) extra.push(`/ContactInfo ${serialize(textString(opts.contactInfo))}`);
  const sigHead = `${sigRef.num} 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /${opts.subFilter} /M (${pdfDate(opts.signingTime)})${extra.map((e) => ' ' + e).join('')}\n/ByteRange [`;
  const sigMid = `${' '.repeat(BYTE_RANGE_WIDTH)}]\n/Contents `;
  const sigTail = `>>\nendobj\n`;

  // ── assemble ──
  const parts: Uint8Array[] = [];
  let length = pdf.length;
  const push = (b: Uint8Array) => {
    parts.push(b);
    length += b.length;
  };
  const last = pdf[pdf.length - 1];
  if (last !== 0x0a && last !== 0x0d) push(latin1Bytes('\n'));
  const offsets = new Map<number, { gen: number; offset: number }>();
  offsets.set(sigRef.num, { gen: 0, offset: length });
  push(latin1Bytes(sigHead));
  const byteRangePos = length;
  push(latin1Bytes(sigMid));
  const contentsOffset = length;
  const contents = new Uint8Array(hexLen + 2).fill(0x30);
  contents[0] = 0x3c;
  contents[hexLen + 1] = 0x3e;
  push(contents);
  push(latin1Bytes(sigTail));
  for (const { ref, value } of [...objects.values()].sort((a, b) => a.ref.num - b.ref.num)) {
    offsets.set(ref.num, { gen: ref.gen, offset: length });
    push(serializeIndirect(ref, value));
  }

  // ── trailer data ──
  const prevTrailer = reader.trailer;
  const idArr = reader.resolve(prevTrailer.get('ID'));
  const id0Obj = Array.isArray(idArr) ? reader.resolve(idArr[0]) : undefined;
  const seed = new Uint8Array([...latin1Bytes(`${pdf.length}|${opts.signingTime.toISOString()}|${fieldName}|`), ...sm3(pdf.subarray(Math.max(0, pdf.length - 4096)))]);
  const newId = sm3(seed).subarray(0, 16);
  const id0 = id0Obj instanceof PdfString && id0Obj.bytes.length > 0 ? id0Obj.bytes : newId;
  const id = [new PdfString(id0, true), new PdfString(newId, true)];
  const info = prevTrailer.get('Info');
  const prevOffset = reader.sections[0]?.offset ?? 0;
  const lastKind = reader.sections[0]?.kind ?? 'table';

  let xrefOffset: number;
  if (lastKind === 'table') {
    const size = Math.max(next, reader.size);
    xrefOffset = length;
    let text = 'xref\n0 1\n0000000000 65535 f\r\n';
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1] === (nums[j] as number) + 1) j++;
      text += `${nums[i]} ${j - i + 1}\n`;
      for (let k = i; k <= j; k++) {
        const e = offsets.get(nums[k] as number) as { gen: number; offset: number };
        if (e.offset > 9_999_999_999) throw malformed('file too large for a classic xref table');
        text += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`;
      }
      i = j + 1;
    }
    const trailer = new PdfDict([['Size', size], ['Root', rootRef]]);
    if (info !== undefined) trailer.set('Info', info);
    trailer.set('ID', id).set('Prev', prevOffset);
    text += `trailer\n${serialize(trailer)}\nstartxref\n${xrefOffset}\n%%EOF\n`;
    push(latin1Bytes(text));
  } else {
    const xrefRef = alloc();
    const size = Math.max(next, reader.size);
    xrefOffset = length;
    offsets.set(xrefRef.num, { gen: 0, offset: xrefOffset });
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    let w2 = 4;
    while (xrefOffset >= 2 ** (8 * w2)) w2++;
    const rowLen = 1 + w2 + 2;
    const data = new Uint8Array(nums.length * rowLen);
    const index: number[] = [];
    nums.forEach((num, i) => {
      const e = offsets.get(num) as { gen: number; offset: number };
      const p = i * rowLen;
      data[p] = 1;
      let v = e.offset;
      for (let k = w2; k >= 1; k--) {
        data[p + k] = v % 256;
        v = Math.floor(v / 256);
      }
      data[p + w2 + 1] = (e.gen >> 8) & 0xff;
      data[p + w2 + 2] = e.gen & 0xff;
      if (index.length > 0 && (index[index.length - 2] as number) + (index[index.length - 1] as number) === num) index[index.length - 1] = (index[index.length - 1] as number) + 1;
      else index.push(num, 1);
    });
    const dict = new PdfDict([
      ['Type', name('XRef')],
      ['Size', size],
      ['W', [1, w2, 2]],
      ['Index', index],
      ['Root', rootRef],
    ]);
    if (info !== undefined) dict.set('Info', info);
    dict.set('ID', id).set('Prev', prevOffset);
    push(serializeIndirect(xrefRef, new PdfStream(dict, data)));
    push(latin1Bytes(`startxref\n${xrefOffset}\n%%EOF\n`));
  }

  // ── the revision alone (absolute offsets), with /ByteRange filled ──
  const revision = new Uint8Array(length - pdf.length);
  let p = 0;
  for (const part of parts) {
    revision.set(part, p);
    p += part.length;
  }
  const contentsLength = hexLen + 2;
  const byteRange = [0, contentsOffset, contentsOffset + contentsLength, length - (contentsOffset + contentsLength)] as const;
  const brText = byteRange.join(' ');
  if (brText.length > BYTE_RANGE_WIDTH) throw malformed('file too large for the /ByteRange placeholder');
  revision.set(latin1Bytes(brText), byteRangePos - pdf.length);
  return { originalLength: pdf.length, revision, byteRange, contentsOffset, contentsLength, fieldName, signatureObjectNumber: sigRef.num };
}

/**
 * Writes `cms` (DER) as hex into the zeroed /Contents placeholder, in place, and returns the bytes.
 * Throws ERR_INPUT_TOO_LARGE when it does not fit the reservation.
 */
export function fillPdfSignature(prepared: PreparedPdfSignature, cms: Uint8Array): Uint8Array {
  writeContentsHex(prepared.bytes, prepared.contentsOffset, prepared.contentsLength, cms);
  return prepared.bytes;
}

/** {@link fillPdfSignature} for {@link preparePdfSignatureRevision}: fills the revision in place. */
export function fillPdfSignatureRevision(prepared: PreparedPdfSignatureRevision, cms: Uint8Array): Uint8Array {
  writeContentsHex(prepared.revision, prepared.contentsOffset - prepared.originalLength, prepared.contentsLength, cms);
  return prepared.revision;
}

function writeContentsHex(b: Uint8Array, contentsOffset: number, contentsLength: number, cms: Uint8Array): void {
  if (!(cms instanceof Uint8Array) || cms.length === 0) throw invalid('contents', 'not a non-empty Uint8Array');
  const capacity = (contentsLength - 2) / 2;
  if (cms.length > capacity) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'signature /Contents', limit: `${capacity} bytes` });
  if (contentsOffset < 0 || b[contentsOffset] !== 0x3c || b[contentsOffset + contentsLength - 1] !== 0x3e) {
    throw invalid('prepared', '/Contents placeholder not found at contentsOffset');
  }
  const HEX = '0123456789ABCDEF';
  b.fill(0x30, contentsOffset + 1, contentsOffset + contentsLength - 1);
  let p = contentsOffset + 1;
  for (const x of cms) {
    b[p++] = HEX.charCodeAt(x >> 4);
    b[p++] = HEX.charCodeAt(x & 15);
  }
}
