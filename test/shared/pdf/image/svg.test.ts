// SPDX-License-Identifier: Apache-2.0
/**
 * SVG → PDF operators, checked geometrically from the operators produced: transforms, arcs,
 * colours, text on a path (each glyph's midpoint on the path, turned along its tangent) and
 * glyph-by-glyph positioned text. (Rendering is checked in sealAppearance.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { svgToVector } from '../../../../shared/pdf/image/svg.js';

const te = new TextEncoder();
const conv = (body: string, vb = '0 0 200 200') => svgToVector(te.encode(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${vb}">${body}</svg>`));
/** Every "… Tm <hex> Tj" in the content: matrix and the text. */
function glyphs(content: string): { m: number[]; text: string }[] {
  return [...content.matchAll(/([-\d. ]+) Tm <([0-9a-f]+)> Tj/g)].map((g) => ({
    m: (g[1] as string).trim().split(' ').slice(-6).map(Number),
    text: String.fromCharCode(...((g[2] as string).match(/.{4}/g) ?? []).map((h) => parseInt(h, 16))),
  }));
}
/** Points of the cubic segments ("x1 y1 x2 y2 x3 y3 c") evaluated at u, starting from the preceding point. */
function cubicPoints(content: string, u: number): [number, number][] {
  const lines = content.split('\n');
  const out: [number, number][] = [];
  let cur: [number, number] = [0, 0];
  for (const l of lines) {
    const t = l.trim().split(' ');
    const op = t[t.length - 1];
    const n = t.slice(0, -1).map(Number);
    if (op === 'm' || op === 'l') cur = [n[0] as number, n[1] as number];
    if (op === 'c') {
      const v = 1 - u;
      const p = (i: number, c0: number): number => v * v * v * c0 + 3 * v * v * u * (n[i] as number) + 3 * v * u * u * (n[i + 2] as number) + u * u * u * (n[i + 4] as number);
      out.push([p(0, cur[0]), p(1, cur[1])]);
      cur = [n[4] as number, n[5] as number];
    }
  }
  return out;
}

describe('svgToVector', () => {
  it('maps the viewBox to the form space (y flipped) and keeps its size', () => {
    const v = conv('<circle r="1"/>', '10 20 300 150');
    expect([v.width, v.height]).toEqual([300, 150]);
    expect(v.content.split('\n')[0]).toBe('1 0 0 -1 -10 170 cm');
    expect(v.fonts).toBeUndefined();
  });

  it('composes transform lists left to right as SVG does', () => {
    const v = conv('<rect width="1" height="1" transform="translate(10,20) scale(2) rotate(90)"/>');
    const m = /\n([-\d. ]+) cm\n[^\n]*rg\n0 0 1 1 re/.exec(v.content)?.[1]?.split(' ').map(Number);
    // translate · scale · rotate: (x, y) → (10 − 2y, 20 + 2x)
    expect(m).toEqual([0, 2, -2, 0, 10, 20]);
  });

  it('arcs become Béziers that stay on the circle and end where asked', () => {
    const v = conv('<path d="M 0 50 A 50 50 0 0 1 100 50" fill="none" stroke="red"/>', '0 0 100 100');
    for (const u of [0, 0.25, 0.5, 0.75, 1]) for (const [x, y] of cubicPoints(v.content, u)) expect(Math.hypot(x - 50, y - 50)).toBeCloseTo(50, 1);
    const last = v.content.split('\n').filter((l) => l.endsWith(' c')).pop()?.split(' ');
    expect(last?.slice(4, 6).map(Number)).toEqual([100, 50]);
    // sweep-flag 1 from left to right through the top (y down): the midpoint is at y = 0
    const mids = cubicPoints(v.content, 1);
    expect(Math.min(...mids.map((p) => p[1]))).toBeCloseTo(0, 1);
  });

  it('colours: #abc, #aabbcc, rgb() with percentages, names, currentColor', () => {
    expect(conv('<rect width="1" height="1" fill="#f00"/>').content).toContain('1 0 0 rg');
    expect(conv('<rect width="1" height="1" fill="#00ff00"/>').content).toContain('0 1 0 rg');
    expect(conv('<rect width="1" height="1" fill="rgb(100%, 0%, 50%)"/>').content).toMatch(/1 0 0\.(49|50)\d* rg/);
    expect(conv('<rect width="1" height="1" style="fill:crimson"/>').content).toMatch(/0\.862745 0\.078431 0\.235294 rg/);
    expect(conv('<g color="#00f"><rect width="1" height="1" fill="currentColor"/></g>').content).toContain('0 0 1 rg');
  });

  it('fill-/stroke-opacity and group opacity become constant-alpha graphics states, shared by equal values', () => {
    const v = conv('<g opacity="0.5"><rect width="1" height="1" fill="red" fill-opacity="0.5"/><circle r="1" fill="red" stroke="red" stroke-opacity="0.8"/></g><rect width="2" height="2" fill="red" style="fill-opacity:25%"/>');
    expect(v.extGStates).toEqual({ GS1: { fillAlpha: 0.25, strokeAlpha: 1 }, GS2: { fillAlpha: 0.5, strokeAlpha: 0.4 } });
    expect(v.content.match(/\/GS1 gs/g)).toHaveLength(2);
    expect(v.content.match(/\/GS2 gs/g)).toHaveLength(1);
    expect(conv('<rect width="1" height="1"/>').extGStates).toBeUndefined();
  });

  it('text on a path: every glyph centred on the arc and turned along it', () => {
    const v = conv('<path id="a" d="M 35 100 A 65 65 0 0 1 165 100"/><text font-size="20"><textPath href="#a" startOffset="50%" text-anchor="middle">北京测试公司</textPath></text>');
    expect(v.fonts).toEqual({ F1: 'cjk' });
    const g = glyphs(v.content);
    expect(g.map((x) => x.text).join('')).toBe('北京测试公司');
    for (const { m } of g) {
      const [c, s, , , x, y] = m as [number, number, number, number, number, number];
      // the glyph's midpoint: origin + half an em along the baseline direction
      const mx = x + c * 10;
      const my = y + s * 10;
      expect(Math.hypot(mx - 100, my - 100)).toBeCloseTo(65, 0);
      // the baseline is tangent: perpendicular to the radius
      expect(Math.abs((mx - 100) * c + (my - 100) * s)).toBeLessThan(2); // < 2° off the tangent
    }
    // centred: the middle of the run is at the top of the arc
    const xs = g.map(({ m }) => (m[4] as number) + (m[0] as number) * 10);
    expect((xs[2] as number + (xs[3] as number)) / 2).toBeCloseTo(100, 0);
  });

  it('glyph-by-glyph text: x/y lists, rotate, anchor per chunk', () => {
    const v = conv('<text x="10 40" y="50 60" rotate="90" font-size="10">甲乙丙</text>');
    const g = glyphs(v.content);
    expect(g.map((x) => x.text)).toEqual(['甲', '乙', '丙']);
    expect(g[0]?.m.map((n) => Math.round(n * 1000) / 1000)).toEqual([0, 1, 1, 0, 10, 50]);
    expect(g[1]?.m.slice(4)).toEqual([40, 60]);
    expect(g[2]?.m.slice(4)).toEqual([50, 60]); // continues after 乙 (one em)
    const mid = glyphs(conv('<text x="100" y="20" font-size="10" text-anchor="middle">甲乙</text>').content);
    expect(mid[0]?.m.slice(4)).toEqual([90, 20]);
  });
});
