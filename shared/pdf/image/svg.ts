// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * SVG seal pictures → PDF vector operators (drawn by the writer as the widget's form content).
 *
 * Why convert rather than rasterise: a seal drawn as vectors stays sharp at any zoom and print
 * resolution, is a few kilobytes, and needs no rasteriser or fonts in the browser or the agent.
 * The cost is that only the subset of SVG that seal pictures use is understood:
 * - elements: svg (root only), g, path (full path grammar incl. arcs), circle, ellipse, rect
 *   (rx/ry), line, polyline, polygon, text (one run; x/y/dx/dy/rotate lists glyph by glyph; or
 *   one textPath along a path — arc text, glyphs centred on the path and turned along it, off-path
 *   glyphs not drawn as in SVG), tspan without own positions; title, desc, metadata and defs are
 *   skipped (only a textPath may refer into them; url() paints are refused);
 * - properties (attribute or style=""), inherited as in SVG: fill, stroke, stroke-width,
 *   fill-rule, stroke-linecap, stroke-linejoin, stroke-miterlimit, stroke-dasharray, color,
 *   font-size, text-anchor, letter-spacing, display/visibility, fill-/stroke-opacity and opacity
 *   (as constant alpha per shape: a group's opacity is applied to each of its shapes, which differs
 *   from SVG only where shapes of one translucent group overlap), transform lists.
 * - text is shown in the 'cjk' font (STSong-Light, not embedded); text-anchor uses its widths.
 * Everything else (image, use, textLength, gradients, clip paths, masks, filters, CSS selectors,
 * percentage lengths…) is ERR_SEAL_PICTURE_UNSUPPORTED with its name: a wrong
 * seal must not be drawn silently. Size, element count and nesting are capped.
 */
import { isSealError } from '../../errors/index.js';
import { attr, children, nameOf, parseXml, type XmlElement } from '../../ofd/xml.js';
import type { PdfVectorAppearance } from '../preparePdfSignature.js';
import { PICTURE_LIMITS, pictureInvalid, pictureTooLarge, pictureUnsupported } from './limits.js';
import { arcToCubics, ellipseOps, OpacityStates, OpWriter, textAdvanceEm, utf16Hex, type Matrix } from './vector.js';

const T = 'SVG';

const NAMED: Readonly<Record<string, [number, number, number]>> = {
  black: [0, 0, 0], white: [255, 255, 255], red: [255, 0, 0], darkred: [139, 0, 0], crimson: [220, 20, 60], firebrick: [178, 34, 34],
  maroon: [128, 0, 0], orangered: [255, 69, 0], tomato: [255, 99, 71], green: [0, 128, 0], lime: [0, 255, 0], blue: [0, 0, 255],
  navy: [0, 0, 128], yellow: [255, 255, 0], orange: [255, 165, 0], purple: [128, 0, 128], gray: [128, 128, 128], grey: [128, 128, 128],
  silver: [192, 192, 192], darkgray: [169, 169, 169], darkgrey: [169, 169, 169], lightgray: [211, 211, 211], lightgrey: [211, 211, 211],
};

type Paint = [number, number, number] | 'none' | 'currentColor';

interface Style {
  fill: Paint;
  stroke: Paint;
  color: [number, number, number];
  strokeWidth: number;
  fillRule: 'nonzero' | 'evenodd';
  lineCap: number;
  lineJoin: number;
  miterLimit: number;
  dash: number[];
  fontSize: number;
  anchor: 'start' | 'middle' | 'end';
  letterSpacing: number;
  fillOpacity: number;
  strokeOpacity: number;
  /** Product of the ancestors' and own `opacity` (applied to each shape: see the module note). */
  groupAlpha: number;
}

const DEFAULT_STYLE: Style = { fill: [0, 0, 0], stroke: 'none', color: [0, 0, 0], strokeWidth: 1, fillRule: 'nonzero', lineCap: 0, lineJoin: 0, miterLimit: 4, dash: [], fontSize: 16, anchor: 'start', letterSpacing: 0, fillOpacity: 1, strokeOpacity: 1, groupAlpha: 1 };

function parseColor(v: string, prop: string): Paint {
  const s = v.trim().toLowerCase();
  if (s === 'none' || s === 'transparent') return 'none';
  if (s === 'currentcolor') return 'currentColor';
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m?.[1] !== undefined) return [...m[1]].map((c) => parseInt(c + c, 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m?.[1] !== undefined) return [0, 2, 4].map((i) => parseInt((m as RegExpExecArray)[1]!.slice(i, i + 2), 16)) as [number, number, number];
  m = /^rgb\(\s*([\d.]+%?)\s*,?\s*([\d.]+%?)\s*,?\s*([\d.]+%?)\s*\)$/.exec(s);
  if (m !== null) {
    return [m[1], m[2], m[3]].map((x) => {
      const n = parseFloat(x as string);
      return Math.max(0, Math.min(255, Math.round((x as string).endsWith('%') ? n * 2.55 : n)));
    }) as [number, number, number];
  }
  const named = NAMED[s];
  if (named !== undefined) return named;
  throw pictureUnsupported(`SVG ${prop} "${v.slice(0, 40)}"`);
}

function parseLength(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v.trim() === '') return fallback;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(px|pt|mm|cm|in)?\s*$/i.exec(v);
  if (m?.[1] === undefined) throw pictureUnsupported(`SVG length "${v.slice(0, 40)}" in ${what}`);
  const n = parseFloat(m[1]);
  const unit = (m[2] ?? 'px').toLowerCase();
  const factor = unit === 'pt' ? 4 / 3 : unit === 'mm' ? 96 / 25.4 : unit === 'cm' ? 96 / 2.54 : unit === 'in' ? 96 : 1;
  const r = n * factor;
  if (!Number.isFinite(r) || Math.abs(r) > 1e7) throw pictureInvalid(T, `bad length in ${what}`);
  return r;
}

function numbers(s: string, what: string): number[] {
  const out: number[] = [];
  const re = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;
  const rest = s.replace(re, (x) => {
    out.push(parseFloat(x));
    return ' ';
  });
  if (/[^\s,]/.test(rest)) throw pictureInvalid(T, `bad number list in ${what}`);
  if (out.some((n) => !Number.isFinite(n) || Math.abs(n) > 1e7)) throw pictureInvalid(T, `number out of range in ${what}`);
  return out;
}

function parseTransform(v: string): Matrix {
  let m: Matrix = [1, 0, 0, 1, 0, 0];
  const re = /\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)\s*,?/gy;
  let pos = 0;
  let t: RegExpExecArray | null;
  while ((t = re.exec(v)) !== null) {
    pos = re.lastIndex;
    const a = numbers(t[2] ?? '', 'transform');
    const [x = 0, y, z] = a;
    let n: Matrix;
    switch (t[1]) {
      case 'matrix':
        if (a.length !== 6) throw pictureInvalid(T, 'matrix() needs six numbers');
        n = a as Matrix;
        break;
      case 'translate':
        n = [1, 0, 0, 1, x, y ?? 0];
        break;
      case 'scale':
        n = [x, 0, 0, y ?? x, 0, 0];
        break;
      case 'rotate': {
        const r = (x * Math.PI) / 180;
        const c = Math.cos(r);
        const s = Math.sin(r);
        const cx = y ?? 0;
        const cy = z ?? 0;
        n = [c, s, -s, c, cx - c * cx + s * cy, cy - s * cx - c * cy];
        break;
      }
      case 'skewX':
        n = [1, 0, Math.tan((x * Math.PI) / 180), 1, 0, 0];
        break;
      default:
        n = [1, Math.tan((x * Math.PI) / 180), 0, 1, 0, 0];
    }
    // SVG lists apply right to left to the points: the total is m × n (n nearer the element).
    m = [n[0] * m[0] + n[1] * m[2], n[0] * m[1] + n[1] * m[3], n[2] * m[0] + n[3] * m[2], n[2] * m[1] + n[3] * m[3], n[4] * m[0] + n[5] * m[2] + m[4], n[4] * m[1] + n[5] * m[3] + m[5]];
  }
  if (v.slice(pos).trim() !== '') throw pictureUnsupported(`SVG transform "${v.slice(0, 40)}"`);
  return m;
}

/** Properties from attributes and the style attribute (style wins, as in CSS). */
function ownProps(el: XmlElement): Map<string, string> {
  const props = new Map<string, string>();
  for (const k of ['fill', 'stroke', 'stroke-width', 'fill-rule', 'stroke-linecap', 'stroke-linejoin', 'stroke-miterlimit', 'stroke-dasharray', 'color', 'font-size', 'text-anchor', 'letter-spacing', 'display', 'visibility', 'opacity', 'fill-opacity', 'stroke-opacity', 'font-family', 'font-weight', 'clip-path', 'mask', 'filter', 'marker-start', 'marker-mid', 'marker-end']) {
    const v = attr(el, k);
    if (v !== undefined) props.set(k, v);
  }
  const style = attr(el, 'style');
  if (style !== undefined) {
    for (const decl of style.split(';')) {
      const i = decl.indexOf(':');
      if (i < 0) {
        if (decl.trim() !== '') throw pictureInvalid(T, 'bad style attribute');
        continue;
      }
      props.set(decl.slice(0, i).trim().toLowerCase(), decl.slice(i + 1).replace(/!important/i, '').trim());
    }
  }
  return props;
}

function applyProps(parent: Style, props: Map<string, string>): { style: Style; hidden: boolean } {
  const s: Style = { ...parent };
  let hidden = false;
  for (const [k, raw] of props) {
    const v = raw.trim();
    if (v === 'inherit') continue;
    switch (k) {
      case 'fill':
      case 'stroke':
        if (/url\(/i.test(v)) throw pictureUnsupported(`SVG ${k} "${v.slice(0, 40)}" (gradients and patterns)`);
        s[k] = parseColor(v, k);
        break;
      case 'color': {
        const c = parseColor(v, k);
        if (Array.isArray(c)) s.color = c;
        break;
      }
      case 'stroke-width':
        s.strokeWidth = parseLength(v, k, 1);
        break;
      case 'fill-rule':
        s.fillRule = v === 'evenodd' ? 'evenodd' : 'nonzero';
        break;
      case 'stroke-linecap':
        s.lineCap = v === 'round' ? 1 : v === 'square' ? 2 : 0;
        break;
      case 'stroke-linejoin':
        s.lineJoin = v === 'round' ? 1 : v === 'bevel' ? 2 : 0;
        break;
      case 'stroke-miterlimit':
        s.miterLimit = Math.max(1, parseLength(v, k, 4));
        break;
      case 'stroke-dasharray':
        s.dash = v === 'none' ? [] : numbers(v, k);
        if (s.dash.length > 64 || s.dash.some((d) => d < 0)) throw pictureInvalid(T, 'bad stroke-dasharray');
        if (s.dash.length % 2 === 1) s.dash = [...s.dash, ...s.dash];
        break;
      case 'font-size':
        s.fontSize = parseLength(v, k, 16);
        break;
      case 'letter-spacing':
        s.letterSpacing = v === 'normal' ? 0 : parseLength(v, k, 0);
        break;
      case 'text-anchor':
        s.anchor = v === 'middle' ? 'middle' : v === 'end' ? 'end' : 'start';
        break;
      case 'display':
        if (v === 'none') hidden = true;
        break;
      case 'visibility':
        if (v === 'hidden' || v === 'collapse') hidden = true;
        break;
      case 'opacity':
      case 'fill-opacity':
      case 'stroke-opacity': {
        const n = v.endsWith('%') ? parseFloat(v) / 100 : parseFloat(v);
        if (!Number.isFinite(n)) throw pictureInvalid(T, `bad ${k}`);
        const a = Math.max(0, Math.min(1, n));
        if (k === 'opacity') s.groupAlpha = parent.groupAlpha * a;
        else if (k === 'fill-opacity') s.fillOpacity = a;
        else s.strokeOpacity = a;
        break;
      }
      case 'clip-path':
      case 'mask':
      case 'filter':
      case 'marker-start':
      case 'marker-mid':
      case 'marker-end':
        if (v !== 'none') throw pictureUnsupported(`SVG ${k}`);
        break;
      default:
      // font-family / font-weight: the 'cjk' font is used whatever is asked
    }
  }
  return { style: s, hidden };
}

/** SVG path data → PDF path operators (quadratics raised to cubics, arcs as cubics). */
function pathOps(w: Pick<OpWriter, 'op'>, d: string): void {
  const tokens = d.match(/[MmZzLlHhVvCcSsQqTtAa]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g) ?? [];
  if (d.replace(/[MmZzLlHhVvCcSsQqTtAa]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[\s,]/g, '') !== '') throw pictureInvalid(T, 'bad path data');
  let i = 0;
  let cmd = '';
  let x = 0;
  let y = 0;
  let sx = 0;
  let sy = 0;
  let lastC: [number, number] | undefined; // reflection point for S
  let lastQ: [number, number] | undefined; // for T
  const isNum = (t: string | undefined): boolean => t !== undefined && !/^[A-Za-z]$/.test(t);
  const n = (): number => {
    const t = tokens[i++];
    if (!isNum(t)) throw pictureInvalid(T, 'path data ends early');
    const v = parseFloat(t as string);
    if (!Number.isFinite(v) || Math.abs(v) > 1e7) throw pictureInvalid(T, 'path number out of range');
    return v;
  };
  const flag = (): boolean => {
    // flags may be written without separators ("a10 10 0 1120 20"): take one digit
    const t = tokens[i];
    if (t === undefined || !/^[01]/.test(t)) throw pictureInvalid(T, 'bad arc flag');
    if (t.length > 1) tokens[i] = t.slice(1);
    else i++;
    return t[0] === '1';
  };
  const cubic = (x1: number, y1: number, x2: number, y2: number, ex: number, ey: number) => {
    w.op(x1, y1, x2, y2, ex, ey, 'c');
    lastC = [x2, y2];
    x = ex;
    y = ey;
  };
  while (i < tokens.length) {
    const t = tokens[i] as string;
    if (/^[A-Za-z]$/.test(t)) {
      cmd = t;
      i++;
      if (cmd === 'Z' || cmd === 'z') {
        w.op('h');
        x = sx;
        y = sy;
        lastC = lastQ = undefined;
        continue;
      }
    } else if (cmd === '' || cmd === 'Z' || cmd === 'z') throw pictureInvalid(T, 'path data starts without a command');
    const rel = cmd === cmd.toLowerCase();
    const ox = rel ? x : 0;
    const oy = rel ? y : 0;
    const prevC = lastC;
    const prevQ = lastQ;
    lastC = lastQ = undefined;
    switch (cmd.toUpperCase()) {
      case 'M':
        x = ox + n();
        y = oy + n();
        sx = x;
        sy = y;
        w.op(x, y, 'm');
        cmd = rel ? 'l' : 'L'; // following pairs are line-tos
        break;
      case 'L':
        x = ox + n();
        y = oy + n();
        w.op(x, y, 'l');
        break;
      case 'H':
        x = ox + n();
        w.op(x, y, 'l');
        break;
      case 'V':
        y = oy + n();
        w.op(x, y, 'l');
        break;
      case 'C': {
        const a = [n(), n(), n(), n(), n(), n()];
        cubic(ox + a[0]!, oy + a[1]!, ox + a[2]!, oy + a[3]!, ox + a[4]!, oy + a[5]!);
        break;
      }
      case 'S': {
        const a = [n(), n(), n(), n()];
        const [rx, ry] = prevC === undefined ? [x, y] : [2 * x - prevC[0], 2 * y - prevC[1]];
        cubic(rx, ry, ox + a[0]!, oy + a[1]!, ox + a[2]!, oy + a[3]!);
        break;
      }
      case 'Q':
      case 'T': {
        let qx: number;
        let qy: number;
        if (cmd.toUpperCase() === 'Q') {
          qx = ox + n();
          qy = oy + n();
        } else [qx, qy] = prevQ === undefined ? [x, y] : [2 * x - prevQ[0], 2 * y - prevQ[1]];
        const ex = ox + n();
        const ey = oy + n();
        const x0 = x;
        const y0 = y;
        cubic(x0 + (2 / 3) * (qx - x0), y0 + (2 / 3) * (qy - y0), ex + (2 / 3) * (qx - ex), ey + (2 / 3) * (qy - ey), ex, ey);
        lastC = undefined;
        lastQ = [qx, qy];
        break;
      }
      case 'A': {
        const rx = n();
        const ry = n();
        const rot = n();
        const large = flag();
        const sweep = flag();
        const ex = ox + n();
        const ey = oy + n();
        for (const c of arcToCubics(x, y, rx, ry, rot, large, sweep, ex, ey)) w.op(...(c as [number, number, number, number, number, number]), 'c');
        x = ex;
        y = ey;
        break;
      }
      default:
        throw pictureInvalid(T, `unknown path command ${cmd}`);
    }
  }
}

interface Ctx {
  readonly w: OpWriter;
  readonly root: XmlElement;
  readonly opacity: OpacityStates;
  elements: number;
  usesFont: boolean;
}

/** Records path operators as a polyline (first subpath; curves flattened) for text on a path. */
class Flattener {
  readonly pts: [number, number][] = [];
  private started = false;
  private done = false;
  op(...t: (string | number)[]): void {
    const o = t[t.length - 1];
    const n = t.slice(0, -1) as number[];
    if (this.done) return;
    if (o === 'm') {
      if (this.started) this.done = true;
      else this.pts.push([n[0]!, n[1]!]);
      this.started = true;
    } else if (o === 'l') this.pts.push([n[0]!, n[1]!]);
    else if (o === 'c') {
      const [x0, y0] = this.pts[this.pts.length - 1] ?? [0, 0];
      for (let k = 1; k <= 32; k++) {
        const u = k / 32;
        const v = 1 - u;
        this.pts.push([v * v * v * x0 + 3 * v * v * u * n[0]! + 3 * v * u * u * n[2]! + u * u * u * n[4]!, v * v * v * y0 + 3 * v * v * u * n[1]! + 3 * v * u * u * n[3]! + u * u * u * n[5]!]);
      }
    } else if (o === 'h' && this.pts.length > 0) {
      this.pts.push(this.pts[0]!);
      this.done = true;
    }
    if (this.pts.length > PICTURE_LIMITS.maxVectorOps) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxVectorOps} path points`);
  }
}

function findById(root: XmlElement, id: string): XmlElement | undefined {
  const stack: XmlElement[] = [root];
  let steps = 0;
  while (stack.length > 0 && steps++ < PICTURE_LIMITS.maxSvgElements * 2) {
    const el = stack.pop() as XmlElement;
    if (attr(el, 'id') === id) return el;
    stack.push(...children(el));
  }
  return undefined;
}

/** One glyph shown at (x, y) turned by `deg` (clockwise on screen, as SVG's rotate). */
function showGlyph(w: OpWriter, size: number, ch: string, x: number, y: number, deg: number): void {
  const r = (deg * Math.PI) / 180;
  const c = Math.cos(r);
  const sn = Math.sin(r);
  // y grows downwards in SVG space: the text matrix flips the glyphs back upright.
  w.op('BT /F1', size, 'Tf', c, sn, sn, -c, x, y, 'Tm', utf16Hex(ch), 'Tj ET');
}

function paintOp(s: Style, ctx: Ctx): string | undefined {
  const fill = s.fill === 'currentColor' ? s.color : s.fill;
  const stroke = s.stroke === 'currentColor' ? s.color : s.stroke;
  const doFill = fill !== 'none';
  const doStroke = stroke !== 'none' && s.strokeWidth > 0;
  if (!doFill && !doStroke) return undefined;
  const { w } = ctx;
  if (doFill) w.op(fill[0] / 255, fill[1] / 255, fill[2] / 255, 'rg');
  if (doStroke) {
    w.op(stroke[0] / 255, stroke[1] / 255, stroke[2] / 255, 'RG');
    w.op(s.strokeWidth, 'w');
    w.op(s.lineCap, 'J');
    w.op(s.lineJoin, 'j');
    w.op(s.miterLimit, 'M');
    w.op(`[${s.dash.map((d) => String(Math.round(d * 1000) / 1000)).join(' ')}] 0 d`);
  }
  const gs = ctx.opacity.name(doFill ? s.fillOpacity * s.groupAlpha : 1, doStroke ? s.strokeOpacity * s.groupAlpha : 1);
  if (gs !== undefined) w.op(`/${gs}`, 'gs');
  const eo = s.fillRule === 'evenodd' ? '*' : '';
  return doFill && doStroke ? `B${eo}` : doFill ? `f${eo}` : 'S';
}

function textContent(el: XmlElement): string {
  let out = '';
  for (let n = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 3 || n.nodeType === 4) out += n.nodeValue ?? '';
    else if (n.nodeType === 1) {
      const c = n as XmlElement;
      const name = nameOf(c);
      if (name !== 'tspan') throw pictureUnsupported(`SVG <${name}> inside <${nameOf(el)}>`);
      for (const a of ['x', 'y', 'dx', 'dy', 'rotate', 'style', 'fill', 'font-size', 'transform']) if (attr(c, a) !== undefined) throw pictureUnsupported(`SVG <tspan ${a}>`);
      out += textContent(c);
    }
  }
  return out;
}

function drawElement(el: XmlElement, parent: Style, ctx: Ctx, depth: number): void {
  if (depth > PICTURE_LIMITS.maxSvgDepth) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxSvgDepth} levels of nesting`);
  if (++ctx.elements > PICTURE_LIMITS.maxSvgElements) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxSvgElements} elements`);
  const name = nameOf(el);
  if (['title', 'desc', 'metadata', 'defs', 'style'].includes(name)) {
    if (name === 'style' && (el.textContent ?? '').trim() !== '') throw pictureUnsupported('SVG <style> sheets');
    return;
  }
  if (!['g', 'path', 'circle', 'ellipse', 'rect', 'line', 'polyline', 'polygon', 'text'].includes(name)) throw pictureUnsupported(`SVG <${name}>`);
  const { style, hidden } = applyProps(parent, ownProps(el));
  if (hidden) return;
  const { w } = ctx;
  const tf = attr(el, 'transform');
  w.op('q');
  if (tf !== undefined) w.op(...parseTransform(tf), 'cm');
  const len = (a: string, fallback = 0): number => parseLength(attr(el, a), `<${name} ${a}>`, fallback);
  let paint: string | undefined;
  switch (name) {
    case 'g':
      for (const c of children(el)) drawElement(c, style, ctx, depth + 1);
      break;
    case 'path': {
      const d = attr(el, 'd') ?? '';
      paint = paintOp(style, ctx);
      if (paint !== undefined) pathOps(w, d);
      break;
    }
    case 'circle':
    case 'ellipse': {
      const rx = name === 'circle' ? len('r') : len('rx');
      const ry = name === 'circle' ? rx : len('ry');
      if (rx > 0 && ry > 0) {
        paint = paintOp(style, ctx);
        if (paint !== undefined) ellipseOps(w, len('cx'), len('cy'), rx, ry);
      }
      break;
    }
    case 'rect': {
      const x = len('x');
      const y = len('y');
      const wd = len('width');
      const ht = len('height');
      let rx = attr(el, 'rx') === undefined ? undefined : len('rx');
      let ry = attr(el, 'ry') === undefined ? undefined : len('ry');
      rx ??= ry ?? 0;
      ry ??= rx;
      rx = Math.min(rx, wd / 2);
      ry = Math.min(ry, ht / 2);
      if (wd > 0 && ht > 0) {
        paint = paintOp(style, ctx);
        if (paint !== undefined) {
          if (rx <= 0 || ry <= 0) w.op(x, y, wd, ht, 're');
          else {
            w.op(x + rx, y, 'm');
            w.op(x + wd - rx, y, 'l');
            for (const c of arcToCubics(x + wd - rx, y, rx, ry, 0, false, true, x + wd, y + ry)) w.op(...(c as [number, number, number, number, number, number]), 'c');
            w.op(x + wd, y + ht - ry, 'l');
            for (const c of arcToCubics(x + wd, y + ht - ry, rx, ry, 0, false, true, x + wd - rx, y + ht)) w.op(...(c as [number, number, number, number, number, number]), 'c');
            w.op(x + rx, y + ht, 'l');
            for (const c of arcToCubics(x + rx, y + ht, rx, ry, 0, false, true, x, y + ht - ry)) w.op(...(c as [number, number, number, number, number, number]), 'c');
            w.op(x, y + ry, 'l');
            for (const c of arcToCubics(x, y + ry, rx, ry, 0, false, true, x + rx, y)) w.op(...(c as [number, number, number, number, number, number]), 'c');
            w.op('h');
          }
        }
      }
      break;
    }
    case 'line': {
      paint = paintOp({ ...style, fill: 'none' }, ctx);
      if (paint !== undefined) {
        w.op(len('x1'), len('y1'), 'm');
        w.op(len('x2'), len('y2'), 'l');
      }
      break;
    }
    case 'polyline':
    case 'polygon': {
      const pts = numbers(attr(el, 'points') ?? '', `<${name} points>`);
      if (pts.length >= 4) {
        paint = paintOp(style, ctx);
        if (paint !== undefined) {
          w.op(pts[0]!, pts[1]!, 'm');
          for (let k = 2; k + 1 < pts.length; k += 2) w.op(pts[k]!, pts[k + 1]!, 'l');
          if (name === 'polygon') w.op('h');
        }
      }
      break;
    }
    default:
      drawText(el, style, ctx);
  }
  if (paint !== undefined) w.op(paint);
  w.op('Q');
}

/**
 * <text>: one run, per-character x/y/dx/dy/rotate lists (arc text written glyph by glyph), or one
 * <textPath> (arc text along a path, as seal generators write it). Glyph advances are the 'cjk'
 * font's (full width 1 em, ASCII 1/2 em) plus letter-spacing.
 */
function drawText(el: XmlElement, style: Style, ctx: Ctx): void {
  const { w } = ctx;
  for (const a of ['textLength', 'lengthAdjust', 'writing-mode']) if (attr(el, a) !== undefined) throw pictureUnsupported(`SVG <text ${a}>`);
  const fill = style.fill === 'currentColor' ? style.color : style.fill;
  const size = style.fontSize;
  const adv = (ch: string): number => textAdvanceEm(ch) * size + style.letterSpacing;
  const elems = children(el);
  const tp = elems.find((c) => nameOf(c) === 'textPath');
  if (tp !== undefined) {
    if (elems.length !== 1 || (el.textContent ?? '').trim() !== (tp.textContent ?? '').trim()) throw pictureUnsupported('SVG <text> mixing <textPath> with other content');
    const href = attr(tp, 'href') ?? '';
    const target = href.startsWith('#') ? findById(ctx.root, href.slice(1)) : undefined;
    if (target === undefined || nameOf(target) !== 'path') throw pictureInvalid(T, `<textPath> refers to ${JSON.stringify(href.slice(0, 40))}, which is not a path here`);
    if (attr(target, 'transform') !== undefined) throw pictureUnsupported('SVG <textPath> on a transformed path');
    for (const a of ['method', 'spacing', 'side', 'path']) if (attr(tp, a) !== undefined) throw pictureUnsupported(`SVG <textPath ${a}>`);
    const { style: ts, hidden } = applyProps(style, ownProps(tp));
    const tfill = ts.fill === 'currentColor' ? ts.color : ts.fill;
    const chars = [...textContent(tp).replace(/\s+/g, ' ').trim()];
    if (hidden || tfill === 'none' || chars.length === 0) return;
    const flat = new Flattener();
    pathOps(flat, attr(target, 'd') ?? '');
    const pts = flat.pts;
    const cum = [0];
    for (let k = 1; k < pts.length; k++) cum.push(cum[k - 1]! + Math.hypot(pts[k]![0] - pts[k - 1]![0], pts[k]![1] - pts[k - 1]![1]));
    const total = cum[cum.length - 1] ?? 0;
    if (total <= 0) return;
    const so = attr(tp, 'startOffset');
    let offset = so === undefined ? 0 : so.trim().endsWith('%') ? (parseFloat(so) / 100) * total : parseLength(so, 'startOffset', 0);
    const tadv = (ch: string): number => textAdvanceEm(ch) * ts.fontSize + ts.letterSpacing;
    const run = chars.reduce((n, ch) => n + tadv(ch), 0);
    offset -= ts.anchor === 'middle' ? run / 2 : ts.anchor === 'end' ? run : 0;
    ctx.usesFont = true;
    w.op(tfill[0] / 255, tfill[1] / 255, tfill[2] / 255, 'rg');
    const tgs = ctx.opacity.name(ts.fillOpacity * ts.groupAlpha, 1);
    if (tgs !== undefined) w.op(`/${tgs}`, 'gs');
    let k = 1;
    for (const ch of chars) {
      const a = tadv(ch);
      const mid = offset + (a - ts.letterSpacing) / 2;
      offset += a;
      if (mid < 0 || mid > total || ch === ' ') continue; // off the path: not drawn (SVG 2 §11.8.3)
      while (k < cum.length - 1 && cum[k]! < mid) k++;
      const [x0, y0] = pts[k - 1]!;
      const [x1, y1] = pts[k]!;
      const segLen = cum[k]! - cum[k - 1]! || 1;
      const u = (mid - cum[k - 1]!) / segLen;
      const deg = (Math.atan2(y1 - y0, x1 - x0) * 180) / Math.PI;
      const r = (deg * Math.PI) / 180;
      const half = (a - ts.letterSpacing) / 2;
      showGlyph(w, ts.fontSize, ch, x0 + u * (x1 - x0) - Math.cos(r) * half, y0 + u * (y1 - y0) - Math.sin(r) * half, deg);
    }
    return;
  }
  const xs = numbers(attr(el, 'x') ?? '0', '<text x>');
  const ys = numbers(attr(el, 'y') ?? '0', '<text y>');
  const dxs = numbers(attr(el, 'dx') ?? '', '<text dx>');
  const dys = numbers(attr(el, 'dy') ?? '', '<text dy>');
  const rots = numbers(attr(el, 'rotate') ?? '', '<text rotate>');
  const chars = [...textContent(el).replace(/\s+/g, ' ').trim()];
  if (fill === 'none' || chars.length === 0) return;
  ctx.usesFont = true;
  w.op(fill[0] / 255, fill[1] / 255, fill[2] / 255, 'rg');
  const gs = ctx.opacity.name(style.fillOpacity * style.groupAlpha, 1);
  if (gs !== undefined) w.op(`/${gs}`, 'gs');
  if (xs.length <= 1 && ys.length <= 1 && dxs.length === 0 && dys.length === 0 && rots.length === 0) {
    // one run: one show string
    const run = chars.reduce((n, ch) => n + adv(ch), 0);
    const x0 = (xs[0] ?? 0) - (style.anchor === 'middle' ? run / 2 : style.anchor === 'end' ? run : 0);
    if (style.letterSpacing !== 0) w.op(style.letterSpacing, 'Tc'); // unscaled text space = SVG units here
    w.op('BT /F1', size, 'Tf', 1, 0, 0, -1, x0, ys[0] ?? 0, 'Tm', utf16Hex(chars.join('')), 'Tj ET');
    if (style.letterSpacing !== 0) w.op(0, 'Tc');
    return;
  }
  // glyph by glyph; every absolute x starts a new chunk, anchored on its own
  let x = 0;
  let y = 0;
  chars.forEach((ch, i) => {
    const a = adv(ch);
    if (i < xs.length) x = xs[i]! - (style.anchor === 'middle' ? a / 2 : style.anchor === 'end' ? a : 0);
    if (i < ys.length) y = ys[i]!;
    x += dxs[i] ?? 0;
    y += dys[i] ?? 0;
    const deg = rots.length === 0 ? 0 : (rots[Math.min(i, rots.length - 1)] as number);
    if (ch !== ' ') showGlyph(w, size, ch, x, y, deg);
    x += a;
  });
}

/** Converts an SVG seal picture to vector content for the writer. */
export function svgToVector(data: Uint8Array): PdfVectorAppearance {
  if (data.length > PICTURE_LIMITS.maxSvgBytes) throw pictureTooLarge(T, `${PICTURE_LIMITS.maxSvgBytes} bytes`);
  let root: XmlElement;
  try {
    root = parseXml(data, 'seal picture (SVG)');
  } catch (e) {
    if (isSealError(e) && e.code === 'ERR_OFD_XML_INVALID') throw pictureInvalid(T, String(e.details.reason ?? 'not well-formed XML'));
    throw e;
  }
  try {
    return convert(root);
  } catch (e) {
    if (isSealError(e)) throw e;
    throw pictureInvalid(T, e instanceof Error ? e.message.slice(0, 100) : 'conversion failed');
  }
}

function convert(root: XmlElement): PdfVectorAppearance {
  if (nameOf(root) !== 'svg') throw pictureInvalid(T, `root element is <${nameOf(root)}>, not <svg>`);
  const vb = attr(root, 'viewBox');
  let minX = 0;
  let minY = 0;
  let width: number;
  let height: number;
  if (vb !== undefined) {
    const v = numbers(vb, 'viewBox');
    if (v.length !== 4) throw pictureInvalid(T, 'viewBox needs four numbers');
    [minX, minY, width, height] = v as [number, number, number, number];
  } else {
    width = parseLength(attr(root, 'width'), 'width', 0);
    height = parseLength(attr(root, 'height'), 'height', 0);
  }
  if (!(width > 0 && height > 0)) throw pictureInvalid(T, 'no positive size (viewBox or width/height)');
  const w = new OpWriter(T);
  const ctx: Ctx = { w, root, opacity: new OpacityStates(), elements: 0, usesFont: false };
  // SVG space: y down from (minX, minY). PDF form space: y up from (0, 0).
  w.op(1, 0, 0, -1, -minX, height + minY, 'cm');
  const { style, hidden } = applyProps(DEFAULT_STYLE, ownProps(root));
  if (!hidden) for (const c of children(root)) drawElement(c, style, ctx, 1);
  return { width, height, content: w.text(), ...(ctx.usesFont ? { fonts: { F1: 'cjk' as const } } : {}), ...(ctx.opacity.used ? { extGStates: ctx.opacity.states } : {}) };
}
