// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Shared pieces of the SVG and OFD converters: a bounded builder of PDF content operators, SVG/OFD
 * elliptical arcs as cubic Béziers (PDF has no arc operator), and UTF-16 show strings for the
 * writer's 'cjk' font.
 */
import { formatNumber } from '../objects.js';
import { PICTURE_LIMITS, pictureTooLarge } from './limits.js';

export type Matrix = [number, number, number, number, number, number];

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** m1 then m2 (PDF order: a point is transformed by m1 first). */
export function multiply(m1: Matrix, m2: Matrix): Matrix {
  const [a, b, c, d, e, f] = m1;
  const [A, B, C, D, E, F] = m2;
  return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F];
}

export const num = (n: number): string => formatNumber(Math.abs(n) < 1e-9 ? 0 : n);

/** Collects operators; counts drawing operations against {@link PICTURE_LIMITS.maxVectorOps}. */
export class OpWriter {
  private readonly parts: string[] = [];
  private ops = 0;
  constructor(private readonly type: string) {}

  op(...tokens: (string | number)[]): void {
    if (++this.ops > PICTURE_LIMITS.maxVectorOps) throw pictureTooLarge(this.type, `${PICTURE_LIMITS.maxVectorOps} drawing operations`);
    this.parts.push(tokens.map((t) => (typeof t === 'number' ? num(t) : t)).join(' '));
  }

  text(): string {
    return this.parts.join('\n');
  }
}

/**
 * An elliptical arc from (x1, y1) to (x2, y2) (SVG implementation notes, F.6.5) as cubic Bézier
 * segments [c1x, c1y, c2x, c2y, x, y]; a degenerate arc is a straight line.
 */
export function arcToCubics(x1: number, y1: number, rx: number, ry: number, angleDeg: number, largeArc: boolean, sweep: boolean, x2: number, y2: number): number[][] {
  if ((x1 === x2 && y1 === y2) || !Number.isFinite(rx + ry + angleDeg)) return [];
  rx = Math.abs(rx);
  ry = Math.abs(ry);
  if (rx === 0 || ry === 0) return [[x1, y1, x2, y2, x2, y2]];
  const phi = (angleDeg * Math.PI) / 180;
  const cos = Math.cos(phi);
  const sin = Math.sin(phi);
  const dx = (x1 - x2) / 2;
  const dy = (y1 - y2) / 2;
  const x1p = cos * dx + sin * dy;
  const y1p = -sin * dx + cos * dy;
  const lambda = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry);
  if (lambda > 1) {
    rx *= Math.sqrt(lambda);
    ry *= Math.sqrt(lambda);
  }
  const num_ = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p;
  const den = rx * rx * y1p * y1p + ry * ry * x1p * x1p;
  let coef = den === 0 ? 0 : Math.sqrt(Math.max(0, num_ / den));
  if (largeArc === sweep) coef = -coef;
  const cxp = (coef * rx * y1p) / ry;
  const cyp = (-coef * ry * x1p) / rx;
  const cx = cos * cxp - sin * cyp + (x1 + x2) / 2;
  const cy = sin * cxp + cos * cyp + (y1 + y2) / 2;
  const angle = (ux: number, uy: number, vx: number, vy: number): number => {
    const a = Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy);
    return a;
  };
  const theta1 = angle(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry);
  let dtheta = angle((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry);
  if (!sweep && dtheta > 0) dtheta -= 2 * Math.PI;
  if (sweep && dtheta < 0) dtheta += 2 * Math.PI;
  const segs = Math.max(1, Math.ceil(Math.abs(dtheta) / (Math.PI / 2) - 1e-9));
  const delta = dtheta / segs;
  const t = (4 / 3) * Math.tan(delta / 4);
  const out: number[][] = [];
  const pt = (th: number): [number, number] => [cx + rx * Math.cos(th) * cos - ry * Math.sin(th) * sin, cy + rx * Math.cos(th) * sin + ry * Math.sin(th) * cos];
  const deriv = (th: number): [number, number] => [-rx * Math.sin(th) * cos - ry * Math.cos(th) * sin, -rx * Math.sin(th) * sin + ry * Math.cos(th) * cos];
  let th = theta1;
  for (let i = 0; i < segs; i++) {
    const th2 = th + delta;
    const [px1, py1] = pt(th);
    const [px2, py2] = i === segs - 1 ? [x2, y2] : pt(th2);
    const [d1x, d1y] = deriv(th);
    const [d2x, d2y] = deriv(th2);
    out.push([px1 + t * d1x, py1 + t * d1y, px2 - t * d2x, py2 - t * d2y, px2, py2]);
    th = th2;
  }
  return out;
}

/** A full ellipse as move + four Béziers + close (KAPPA approximation). */
export function ellipseOps(w: OpWriter, cx: number, cy: number, rx: number, ry: number): void {
  const k = 0.5522847498;
  w.op(cx + rx, cy, 'm');
  w.op(cx + rx, cy + k * ry, cx + k * rx, cy + ry, cx, cy + ry, 'c');
  w.op(cx - k * rx, cy + ry, cx - rx, cy + k * ry, cx - rx, cy, 'c');
  w.op(cx - rx, cy - k * ry, cx - k * rx, cy - ry, cx, cy - ry, 'c');
  w.op(cx + k * rx, cy - ry, cx + rx, cy - k * ry, cx + rx, cy, 'c');
  w.op('h');
}

/** A hex show string in UTF-16BE (the writer's 'cjk' font uses the UniGB-UTF16-H CMap). */
export function utf16Hex(s: string): string {
  let out = '<';
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(4, '0');
  return out + '>';
}

/** Advance of a string in em for the 'cjk' font: full width 1, ASCII half width (its /W). */
export function textAdvanceEm(s: string): number {
  let n = 0;
  for (const ch of s) n += (ch.codePointAt(0) ?? 0) < 0x7f ? 0.5 : 1;
  return n;
}

/** Graphics states for constant opacity, shared by equal values (/GS1, /GS2…). */
export class OpacityStates {
  readonly states: Record<string, { fillAlpha: number; strokeAlpha: number }> = {};
  private readonly byKey = new Map<string, string>();

  /** The `gs` operand for these opacities, or undefined when both are 1. */
  name(fillAlpha: number, strokeAlpha: number): string | undefined {
    const f = Math.round(Math.max(0, Math.min(1, fillAlpha)) * 1000) / 1000;
    const s = Math.round(Math.max(0, Math.min(1, strokeAlpha)) * 1000) / 1000;
    if (f === 1 && s === 1) return undefined;
    const key = `${f}/${s}`;
    let n = this.byKey.get(key);
    if (n === undefined) {
      if (this.byKey.size >= 200) throw pictureTooLarge('vector picture', '200 distinct opacities');
      n = `GS${this.byKey.size + 1}`;
      this.byKey.set(key, n);
      this.states[n] = { fillAlpha: f, strokeAlpha: s };
    }
    return n;
  }

  get used(): boolean {
    return this.byKey.size > 0;
  }
}
