// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * OFD seal pictures (a small OFD package as the picture, e.g. the tax bureau's oval invoice seal)
 * → PDF vector operators: the first page's PathObject, TextObject and ImageObject (also inside
 * PageBlocks and the page's templates), as ofdrw's converter draws them (PdfboxMaker.writeStamp).
 *
 * Design rationale: OFD's AbbreviatedData maps one to one to PDF path operators (S/M → m, L → l,
 * B → c, Q → raised to c, A → arcs as Béziers, C → h); objects are placed by Boundary (origin,
 * clip) and CTM, both in millimetres with y down, so the whole page is drawn under one flip.
 * Text is shown with the writer's 'cjk' font (STSong-Light, not embedded): seal OFDs name fonts
 * like 楷体 without embedding them, and every Chinese PDF reader has a substitute. Images are
 * decoded like any seal picture (PNG/JPEG/GIF/BMP). Unsupported constructs — CompositeObject,
 * shadings and patterns, vertical or glyph-index text, other image formats — are
 * ERR_SEAL_PICTURE_UNSUPPORTED. Colour and object Alpha become constant opacity (/ca, /CA).
 * The package is opened with shared/ofd's ZIP reader under tighter limits than documents.
 */
import { isSealError } from '../../errors/index.js';
import { resolveRef } from '../../ofd/signatures.js';
import { attr, child, childPath, children, nameOf, parseXml, text, type XmlElement } from '../../ofd/xml.js';
import { ZipArchive } from '../../ofd/zip.js';
import { sniffPictureFormat } from '../../seal/SES_ESPictrueInfo.js';
import type { PdfEncodedImage, PdfSignatureImage, PdfVectorAppearance } from '../preparePdfSignature.js';
import { decodeBmp } from './bmp.js';
import { decodeGif } from './gif.js';
import { parseJpeg } from './jpeg.js';
import { PICTURE_LIMITS, pictureInvalid, pictureTooLarge, pictureUnsupported } from './limits.js';
import { decodePng } from './png.js';
import { arcToCubics, OpacityStates, OpWriter, textAdvanceEm, utf16Hex } from './vector.js';

const T = 'OFD';
const ZIP_LIMITS = Object.freeze({ maxEntries: 1000, maxTotalUncompressed: 64 * 1024 * 1024, maxEntryUncompressed: 16 * 1024 * 1024, maxRatio: 1100, ratioThreshold: 1024 * 1024 });
const MAX_DEPTH = 16;
const MAX_IMAGES = 32;

interface Res {
  readonly colorSpaces: Map<string, { type: string; bits: number }>;
  readonly drawParams: Map<string, XmlElement>;
  readonly media: Map<string, string>;
}

interface Ctx {
  readonly zip: ZipArchive;
  readonly w: OpWriter;
  readonly res: Res;
  objects: number;
  usesFont: boolean;
  readonly images: Record<string, PdfSignatureImage | PdfEncodedImage>;
  readonly imageByPath: Map<string, string>;
  readonly opacity: OpacityStates;
}

/** A colour element's Alpha (0..255, default opaque) as 0..1. */
function alphaOf(el: XmlElement | undefined): number {
  const a = el === undefined ? undefined : attr(el, 'Alpha');
  const n = a === undefined ? 255 : Number(a);
  return Number.isFinite(n) ? Math.max(0, Math.min(255, n)) / 255 : 1;
}

function nums(s: string | undefined, what: string): number[] {
  if (s === undefined || s.trim() === '') return [];
  const parts = s.trim().split(/[\s,]+/);
  const out = parts.map(Number);
  if (out.some((n) => !Number.isFinite(n) || Math.abs(n) > 1e7)) throw pictureInvalid(T, `bad numbers in ${what}`);
  return out;
}

function box(s: string | undefined, what: string): [number, number, number, number] | undefined {
  const b = nums(s, what);
  if (b.length === 0) return undefined;
  if (b.length !== 4) throw pictureInvalid(T, `${what} needs four numbers`);
  return b as [number, number, number, number];
}

function readXml(zip: ZipArchive, path: string): XmlElement {
  return parseXml(zip.read(path), path);
}

function resolve(zip: ZipArchive, from: string, ref: string | undefined, what: string): string {
  const r = ref === undefined ? undefined : resolveRef(zip, from, ref);
  if (r === undefined || r.missing === true) throw pictureInvalid(T, `${what} ${JSON.stringify((ref ?? '').slice(0, 60))} not in the package`);
  return r.path;
}

/** Reads PublicRes/DocumentRes files: colour spaces, draw parameters, multimedia. */
function readResources(zip: ZipArchive, docPath: string, commonData: XmlElement | undefined): Res {
  const res: Res = { colorSpaces: new Map(), drawParams: new Map(), media: new Map() };
  if (commonData === undefined) return res;
  for (const r of [...children(commonData, 'PublicRes'), ...children(commonData, 'DocumentRes')]) {
    const path = resolve(zip, docPath, text(r), 'resource file');
    const root = readXml(zip, path);
    const base = attr(root, 'BaseLoc');
    const baseFrom = base === undefined ? path : `${resolveRef(zip, path, base + '/x')?.path ?? path}`;
    for (const cs of children(child(root, 'ColorSpaces') ?? root, 'ColorSpace')) {
      const id = attr(cs, 'ID');
      if (id !== undefined) res.colorSpaces.set(id, { type: (attr(cs, 'Type') ?? 'RGB').toUpperCase(), bits: Number(attr(cs, 'BitsPerComponent') ?? 8) });
    }
    for (const dp of children(child(root, 'DrawParams') ?? root, 'DrawParam')) {
      const id = attr(dp, 'ID');
      if (id !== undefined) res.drawParams.set(id, dp);
    }
    for (const mm of children(child(root, 'MultiMedias') ?? root, 'MultiMedia')) {
      const id = attr(mm, 'ID');
      const file = text(child(mm, 'MediaFile'));
      if (id !== undefined && file !== undefined && file !== '') {
        const p = resolveRef(zip, baseFrom, file);
        if (p !== undefined && p.missing !== true) res.media.set(id, p.path);
      }
    }
  }
  return res;
}

/** An OFD colour element → PDF colour operands (gray / rgb / cmyk, 0..1), or undefined when absent. */
function colour(el: XmlElement | undefined, res: Res): number[] | undefined {
  if (el === undefined) return undefined;
  for (const k of ['Pattern', 'AxialShd', 'RadialShd', 'GouraudShd', 'LaGouraudShd']) if (child(el, k) !== undefined) throw pictureUnsupported(`OFD colour with ${k}`);
  const v = attr(el, 'Value');
  if (v === undefined) return undefined;
  const cs = res.colorSpaces.get(attr(el, 'ColorSpace') ?? '') ?? { type: 'RGB', bits: 8 };
  let comps: number[];
  let max = 2 ** (Number.isInteger(cs.bits) && cs.bits >= 1 && cs.bits <= 16 ? cs.bits : 8) - 1;
  if (v.trim().startsWith('#')) {
    comps = v.trim().split(/\s+/).map((h) => parseInt(h.replace('#', ''), 16));
    max = 255;
  } else comps = nums(v, 'colour');
  if (comps.some((c) => !Number.isFinite(c))) throw pictureInvalid(T, 'bad colour value');
  const n = cs.type === 'GRAY' ? 1 : cs.type === 'CMYK' ? 4 : 3;
  if (comps.length !== n) throw pictureInvalid(T, `colour "${v.slice(0, 30)}" does not match its ${cs.type} colour space`);
  return comps.map((c) => Math.max(0, Math.min(1, c / max)));
}

function setColour(w: OpWriter, c: number[], stroke: boolean): void {
  const op = c.length === 1 ? 'g' : c.length === 4 ? 'k' : 'rg';
  w.op(...c, stroke ? op.toUpperCase() : op);
}

/** AbbreviatedData → PDF path operators. */
function pathOps(w: OpWriter, data: string): void {
  const t = data.trim().split(/[\s,]+/).filter((x) => x !== '');
  let i = 0;
  let x = 0;
  let y = 0;
  const n = (): number => {
    const v = Number(t[i++]);
    if (!Number.isFinite(v) || Math.abs(v) > 1e7) throw pictureInvalid(T, 'bad number in AbbreviatedData');
    return v;
  };
  while (i < t.length) {
    const c = t[i++];
    switch (c) {
      case 'S':
      case 'M':
        x = n();
        y = n();
        w.op(x, y, 'm');
        break;
      case 'L':
        x = n();
        y = n();
        w.op(x, y, 'l');
        break;
      case 'Q': {
        const qx = n();
        const qy = n();
        const ex = n();
        const ey = n();
        w.op(x + (2 / 3) * (qx - x), y + (2 / 3) * (qy - y), ex + (2 / 3) * (qx - ex), ey + (2 / 3) * (qy - ey), ex, ey, 'c');
        x = ex;
        y = ey;
        break;
      }
      case 'B': {
        const a = [n(), n(), n(), n(), n(), n()] as [number, number, number, number, number, number];
        w.op(...a, 'c');
        x = a[4];
        y = a[5];
        break;
      }
      case 'A': {
        const rx = n();
        const ry = n();
        const rot = n();
        const large = n() !== 0;
        const sweep = n() !== 0;
        const ex = n();
        const ey = n();
        for (const s of arcToCubics(x, y, rx, ry, rot, large, sweep, ex, ey)) w.op(...(s as [number, number, number, number, number, number]), 'c');
        x = ex;
        y = ey;
        break;
      }
      case 'C':
        w.op('h');
        break;
      default:
        throw pictureInvalid(T, `unknown AbbreviatedData command ${JSON.stringify(String(c).slice(0, 10))}`);
    }
  }
}

/** DeltaX/DeltaY with OFD's "g count value" repetition. */
function deltas(s: string | undefined): number[] {
  if (s === undefined) return [];
  const t = s.trim().split(/\s+/).filter((x) => x !== '');
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === 'g') {
      const count = Number(t[i + 1]);
      const v = Number(t[i + 2]);
      if (!Number.isInteger(count) || count < 0 || count > 100_000 || !Number.isFinite(v)) throw pictureInvalid(T, 'bad DeltaX/DeltaY');
      for (let k = 0; k < count; k++) out.push(v);
      i += 2;
    } else {
      const v = Number(t[i]);
      if (!Number.isFinite(v)) throw pictureInvalid(T, 'bad DeltaX/DeltaY');
      out.push(v);
    }
    if (out.length > 100_000) throw pictureTooLarge(T, '100000 glyph positions');
  }
  return out;
}

function lineStyle(w: OpWriter, el: XmlElement, dp: XmlElement | undefined): void {
  const get = (k: string): string | undefined => attr(el, k) ?? (dp === undefined ? undefined : attr(dp, k));
  w.op(Number(get('LineWidth') ?? 0.353) || 0.353, 'w');
  const cap = get('Cap');
  const join = get('Join');
  w.op(cap === 'Round' ? 1 : cap === 'Square' ? 2 : 0, 'J');
  w.op(join === 'Round' ? 1 : join === 'Bevel' ? 2 : 0, 'j');
  const ml = Number(get('MiterLimit') ?? 3.528);
  w.op(Number.isFinite(ml) && ml >= 1 ? ml : 3.528, 'M');
  const dash = nums(get('DashPattern'), 'DashPattern');
  const off = Number(get('DashOffset') ?? 0) || 0;
  if (dash.length > 0 && dash.length <= 64 && dash.every((d) => d >= 0) && dash.some((d) => d > 0)) w.op(`[${dash.map((d) => String(Math.round(d * 1e4) / 1e4)).join(' ')}]`, off, 'd');
}

function imageFor(ctx: Ctx, id: string | undefined): string {
  const path = id === undefined ? undefined : ctx.res.media.get(id);
  if (path === undefined) throw pictureInvalid(T, `ImageObject refers to missing resource ${JSON.stringify(id ?? '')}`);
  const known = ctx.imageByPath.get(path);
  if (known !== undefined) return known;
  if (ctx.imageByPath.size >= MAX_IMAGES) throw pictureTooLarge(T, `${MAX_IMAGES} images`);
  const data = ctx.zip.read(path);
  const fmt = sniffPictureFormat(data);
  let img: PdfSignatureImage | PdfEncodedImage;
  if (fmt === 'png') img = decodePng(data);
  else if (fmt === 'gif') img = decodeGif(data);
  else if (fmt === 'bmp') img = decodeBmp(data);
  else if (fmt === 'jpg') {
    const j = parseJpeg(data);
    img = { width: j.width, height: j.height, colorSpace: j.components === 1 ? 'DeviceGray' : j.components === 3 ? 'DeviceRGB' : 'DeviceCMYK', filter: 'DCTDecode', data, ...(j.components === 4 && j.adobe ? { decode: [1, 0, 1, 0, 1, 0, 1, 0] } : {}) };
  } else throw pictureUnsupported(`OFD image of format ${fmt}`);
  const name = `Im${ctx.imageByPath.size + 1}`;
  ctx.imageByPath.set(path, name);
  ctx.images[name] = img;
  return name;
}

function drawObjects(container: XmlElement, ctx: Ctx, depth: number): void {
  if (depth > MAX_DEPTH) throw pictureTooLarge(T, `${MAX_DEPTH} levels of PageBlock nesting`);
  for (const el of children(container)) {
    if (++ctx.objects > PICTURE_LIMITS.maxOfdObjects) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxOfdObjects} objects`);
    const name = nameOf(el);
    if (name === 'PageBlock') {
      drawObjects(el, ctx, depth + 1);
      continue;
    }
    if (name !== 'PathObject' && name !== 'TextObject' && name !== 'ImageObject') throw pictureUnsupported(`OFD ${name}`);
    if (attr(el, 'Visible') === 'false') continue;
    const b = box(attr(el, 'Boundary'), `${name} Boundary`);
    if (b === undefined) throw pictureInvalid(T, `${name} without Boundary`);
    const { w, res } = ctx;
    const dp = res.drawParams.get(attr(el, 'DrawParam') ?? '');
    w.op('q');
    w.op(1, 0, 0, 1, b[0], b[1], 'cm');
    w.op(0, 0, b[2], b[3], 're W n');
    const ctm = nums(attr(el, 'CTM'), 'CTM');
    if (ctm.length === 6) w.op(...(ctm as [number, number, number, number, number, number]), 'cm');
    else if (ctm.length !== 0) throw pictureInvalid(T, 'CTM needs six numbers');
    const fillColour = colour(child(el, 'FillColor'), res) ?? colour(dp === undefined ? undefined : child(dp, 'FillColor'), res) ?? [0, 0, 0];
    const strokeColour = colour(child(el, 'StrokeColor'), res) ?? colour(dp === undefined ? undefined : child(dp, 'StrokeColor'), res) ?? [0, 0, 0];
    const fillAlpha = alphaOf(child(el, 'FillColor') ?? (dp === undefined ? undefined : child(dp, 'FillColor')));
    const strokeAlpha = alphaOf(child(el, 'StrokeColor') ?? (dp === undefined ? undefined : child(dp, 'StrokeColor')));
    // the object's own Alpha (0..255) multiplies its colours' alpha
    const objAlpha = attr(el, 'Alpha') === undefined ? 1 : alphaOf(el);
    const gs = ctx.opacity.name(fillAlpha * objAlpha, strokeAlpha * objAlpha);
    if (gs !== undefined) w.op(`/${gs}`, 'gs');
    if (name === 'PathObject') {
      const stroke = attr(el, 'Stroke') !== 'false';
      const fill = attr(el, 'Fill') === 'true';
      const data = text(child(el, 'AbbreviatedData')) ?? '';
      if ((stroke || fill) && data !== '') {
        if (fill) setColour(w, fillColour, false);
        if (stroke) {
          setColour(w, strokeColour, true);
          lineStyle(w, el, dp);
        }
        pathOps(w, data);
        const eo = attr(el, 'Rule') === 'Even-Odd' ? '*' : '';
        w.op(fill && stroke ? `B${eo}` : fill ? `f${eo}` : 'S');
      }
    } else if (name === 'TextObject') {
      if (children(el, 'CGTransform').length > 0) throw pictureUnsupported('OFD text with CGTransform (glyph indices)');
      for (const k of ['ReadDirection', 'CharDirection']) if ((Number(attr(el, k) ?? 0) || 0) !== 0) throw pictureUnsupported(`OFD text with ${k}`);
      const size = Number(attr(el, 'Size'));
      if (!(size > 0 && size < 1e4)) throw pictureInvalid(T, 'TextObject without a valid Size');
      const fill = attr(el, 'Fill') !== 'false';
      const hscale = Number(attr(el, 'HScale') ?? 1) || 1;
      if (fill) {
        setColour(w, fillColour, false);
        let x = 0;
        let y = 0;
        for (const tc of children(el, 'TextCode')) {
          const str = [...(tc.textContent ?? '')];
          if (attr(tc, 'X') !== undefined) x = Number(attr(tc, 'X'));
          if (attr(tc, 'Y') !== undefined) y = Number(attr(tc, 'Y'));
          if (!Number.isFinite(x) || !Number.isFinite(y)) throw pictureInvalid(T, 'bad TextCode position');
          const dx = deltas(attr(tc, 'DeltaX'));
          const dy = deltas(attr(tc, 'DeltaY'));
          ctx.usesFont = str.length > 0 || ctx.usesFont;
          str.forEach((ch, k) => {
            if (ch.trim() !== '') w.op('BT /F1', size, 'Tf', hscale, 0, 0, -1, x, y, 'Tm', utf16Hex(ch), 'Tj ET');
            // OFD: a missing delta means the glyph's own advance
            x += k < dx.length ? (dx[k] as number) : textAdvanceEm(ch) * size * hscale;
            y += k < dy.length ? (dy[k] as number) : 0;
          });
        }
      }
    } else {
      const img = imageFor(ctx, attr(el, 'ResourceID'));
      // The image fills the unit square of object space, its first row at y = 0 (y down).
      w.op(1, 0, 0, -1, 0, 1, 'cm');
      w.op(`/${img} Do`);
    }
    w.op('Q');
  }
}

/** Converts an OFD seal picture (its first page) to vector content for the writer. */
export function ofdPictureToVector(data: Uint8Array): PdfVectorAppearance {
  if (data.length > PICTURE_LIMITS.maxBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxBytes} bytes`);
  try {
    return convert(data);
  } catch (e) {
    if (isSealError(e)) {
      if (e.code.startsWith('ERR_OFD_')) throw pictureInvalid(T, `${e.code}: ${e.message.slice(0, 120)}`);
      throw e;
    }
    throw pictureInvalid(T, e instanceof Error ? e.message.slice(0, 100) : 'conversion failed');
  }
}

function convert(data: Uint8Array): PdfVectorAppearance {
  const zip = ZipArchive.open(data, ZIP_LIMITS);
  const ofdPath = resolve(zip, '/OFD.xml', '/OFD.xml', 'OFD.xml');
  const ofd = readXml(zip, ofdPath);
  const docPath = resolve(zip, ofdPath, text(childPath(ofd, 'DocBody', 'DocRoot')), 'DocRoot');
  const doc = readXml(zip, docPath);
  const common = child(doc, 'CommonData');
  const res = readResources(zip, docPath, common);
  const firstPage = children(child(doc, 'Pages') ?? doc, 'Page')[0];
  if (firstPage === undefined) throw pictureInvalid(T, 'the picture has no page');
  const pagePath = resolve(zip, docPath, attr(firstPage, 'BaseLoc'), 'page');
  const page = readXml(zip, pagePath);
  const physical = box(text(childPath(page, 'Area', 'PhysicalBox')), 'PhysicalBox') ?? box(text(common === undefined ? undefined : childPath(common, 'PageArea', 'PhysicalBox')), 'PhysicalBox');
  if (physical === undefined || !(physical[2] > 0 && physical[3] > 0)) throw pictureInvalid(T, 'no page size (PhysicalBox)');
  const w = new OpWriter(T);
  const ctx: Ctx = { zip, w, res, objects: 0, usesFont: false, images: {}, imageByPath: new Map(), opacity: new OpacityStates() };
  // OFD page space: millimetres, y down from the PhysicalBox origin. PDF form space: y up from 0.
  w.op(1, 0, 0, -1, -physical[0], physical[3] + physical[1], 'cm');
  // Templates first (background), then the page's layers, in document order.
  const templates = new Map<string, string>();
  for (const tp of common === undefined ? [] : children(common, 'TemplatePage')) {
    const id = attr(tp, 'ID');
    const loc = attr(tp, 'BaseLoc');
    if (id !== undefined && loc !== undefined) templates.set(id, resolve(zip, docPath, loc, 'template page'));
  }
  for (const t of children(page, 'Template')) {
    const path = templates.get(attr(t, 'TemplateID') ?? '');
    if (path === undefined) throw pictureInvalid(T, 'page refers to a missing template');
    const tpl = readXml(zip, path);
    for (const layer of children(child(tpl, 'Content') ?? tpl, 'Layer')) drawObjects(layer, ctx, 1);
  }
  for (const layer of children(child(page, 'Content') ?? page, 'Layer')) drawObjects(layer, ctx, 1);
  return {
    width: physical[2],
    height: physical[3],
    content: w.text(),
    ...(Object.keys(ctx.images).length > 0 ? { images: ctx.images } : {}),
    ...(ctx.usesFont ? { fonts: { F1: 'cjk' as const } } : {}),
    ...(ctx.opacity.used ? { extGStates: ctx.opacity.states } : {}),
  };
}
