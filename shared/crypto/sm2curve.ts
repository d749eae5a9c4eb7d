// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Point arithmetic on the SM2 recommended curve (GB/T 32918.5-2017), specialised for speed.
 * Internal to `shared/crypto`: the public API is `sm2.ts`.
 *
 * Design rationale:
 * - Measured on the (shared, 2-core) development machine, @noble/curves' generic Weierstrass code
 *   (complete projective formulas) did about 1,100 fixed-base multiplications/s and 300
 *   verification-style double multiplications/s on this curve, short of our
 *   targets (sign ≥ 1,500/s, verify ≥ 400/s). The SM2 curve has a = −3, so Jacobian coordinates
 *   with the a = −3 doubling (3M+5S) and mixed affine additions (8M+3S) roughly halve the field
 *   work. Field elements stay native `bigint` (`(a*b) % p` is one V8 builtin call); modular inverses
 *   use noble's audited `invert` (extended Euclid).
 * - Fixed-base multiplication `kG` uses a signed radix-2^8 comb: 33 windows × 128 affine multiples of
 *   `2^(8w)·G`, built lazily on first use (~4,200 points, tens of milliseconds, ~1 MB). Then `kG` is
 *   at most 33 mixed additions and no doublings.
 * - Verification `sG + tP` uses width-5 wNAF for `tP` (8 odd affine multiples of P, 256 doublings)
 *   and adds the comb terms for `sG` into the same accumulator; the final check compares x in
 *   Jacobian form, so no inversion is spent on it. Keys verified repeatedly get their own comb
 *   (see `cachedComb`).
 * - noble's Weierstrass point is the independent oracle for all of this in the tests
 *   (`test/shared/crypto/sm2curve.test.ts`).
 * - Side channels: JavaScript BigInt arithmetic is not constant-time, and the comb skips zero digits.
 *   Secrets enter point multiplication as the per-signature nonce k and, once per key object, the
 *   private key when its public key is derived. This
 *   code is the browser and development path; production keys sign inside USB tokens. Do not use it
 *   where an attacker can time many signatures with precision.
 */
import { invert } from '@noble/curves/abstract/modular.js';

/** SM2 recommended curve parameters (GB/T 32918.5-2017; cross-checked with OpenSSL's built-in SM2 group). */
export const SM2_CURVE = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  h: 1n,
});

const P = SM2_CURVE.p;
const B = SM2_CURVE.b;
const N = SM2_CURVE.n;

/** An affine point; infinity is never represented in affine form here. */
export interface Affine {
  readonly x: bigint;
  readonly y: bigint;
}

/** A mutable Jacobian accumulator (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
interface Jac {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

export function modP(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

export function modN(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}

export function invP(a: bigint): bigint {
  return invert(a, P);
}

export function invN(a: bigint): bigint {
  return invert(a, N);
}

/** a^e mod p by square-and-multiply (public exponents only). */
function powP(a: bigint, e: bigint): bigint {
  let result = 1n;
  let base = a;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}

/** Right-hand side of the curve equation y² = x³ − 3x + b. */
function rhs(x: bigint): bigint {
  return modP(((x * x) % P) * x - 3n * x + B);
}

/** Whether (x, y) are field elements satisfying the curve equation. */
export function isOnCurve(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  return (y * y) % P === rhs(x);
}

/** y with the requested parity such that (x, y) is on the curve, or undefined if x is not an abscissa. */
export function liftX(x: bigint, odd: boolean): bigint | undefined {
  if (x < 0n || x >= P) return undefined;
  const a = rhs(x);
  // p ≡ 3 (mod 4): a square root is a^((p+1)/4).
  let y = powP(a, (P + 1n) >> 2n);
  if ((y * y) % P !== a) return undefined;
  if (((y & 1n) === 1n) !== odd) y = P - y;
  if (y === P) y = 0n; // unreachable on this curve (no point with y = 0), kept for clarity
  return y;
}

/** In-place doubling, a = −3 (EFD dbl-2001-b). */
function dbl(p: Jac): void {
  const { X, Y, Z } = p;
  if (Z === 0n || Y === 0n) {
    p.Z = 0n;
    return;
  }
  const delta = (Z * Z) % P;
  const gamma = (Y * Y) % P;
  const beta = (X * gamma) % P;
  const alpha = (3n * (X - delta + P) * (X + delta)) % P;
  let X3 = (alpha * alpha - 8n * beta) % P;
  if (X3 < 0n) X3 += P;
  // gamma² stays unreduced: one modular reduction fewer, the final % absorbs it
  let Y3 = (alpha * (4n * beta - X3) - 8n * gamma * gamma) % P;
  if (Y3 < 0n) Y3 += P;
  p.X = X3;
  p.Y = Y3;
  p.Z = (2n * Y * Z) % P;
}

/** In-place mixed addition p += (x2, y2) with an affine second operand. */
function addAffine(p: Jac, x2: bigint, y2: bigint): void {
  const { X, Y, Z } = p;
  if (Z === 0n) {
    p.X = x2;
    p.Y = y2;
    p.Z = 1n;
    return;
  }
  const zz = (Z * Z) % P;
  let H = ((x2 * zz) % P) - X;
  if (H < 0n) H += P;
  let R = ((((y2 * Z) % P) * zz) % P) - Y;
  if (R < 0n) R += P;
  if (H === 0n) {
    if (R === 0n) dbl(p);
    else p.Z = 0n;
    return;
  }
  const HH = (H * H) % P;
  const HHH = (H * HH) % P;
  const V = (X * HH) % P;
  let X3 = (R * R - HHH - 2n * V) % P;
  if (X3 < 0n) X3 += P;
  let Y3 = (R * (V - X3) - Y * HHH) % P;
  if (Y3 < 0n) Y3 += P;
  p.X = X3;
  p.Y = Y3;
  p.Z = (Z * H) % P;
}

/** Affine form of a Jacobian point, or undefined for infinity. */
function toAffine(p: Jac): Affine | undefined {
  if (p.Z === 0n) return undefined;
  const zi = invP(p.Z);
  const zi2 = (zi * zi) % P;
  return { x: (p.X * zi2) % P, y: (((p.Y * zi2) % P) * zi) % P };
}

/** Batch conversion to affine with one inversion (Montgomery's trick); inputs must not be infinity. */
function batchAffine(points: readonly Jac[]): Affine[] {
  const prefix: bigint[] = new Array<bigint>(points.length);
  let acc = 1n;
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc;
    acc = (acc * (points[i] as Jac).Z) % P;
  }
  let inv = invP(acc);
  const out: Affine[] = new Array<Affine>(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const pt = points[i] as Jac;
    const zi = (inv * (prefix[i] as bigint)) % P;
    inv = (inv * pt.Z) % P;
    const zi2 = (zi * zi) % P;
    out[i] = { x: (pt.X * zi2) % P, y: (((pt.Y * zi2) % P) * zi) % P };
  }
  return out;
}

// ── fixed-base combs ─────────────────────────────────────────────────────────────────────────────

/**
 * Signed radix-2^bits comb for a fixed point B: tables[w][j] holds (j+1)·2^(bits·w)·B in affine
 * form (flat [x0, y0, x1, y1, …]), for digits 1 … 2^(bits−1). A scalar below 2^256 then needs one
 * mixed addition per non-zero digit and no doublings.
 */
interface Comb {
  readonly bits: number;
  readonly tables: readonly bigint[][];
}

function buildComb(base0: Affine, bits: number): Comb {
  const half = 1 << (bits - 1);
  const windows = Math.ceil(256 / bits) + 1; // one more window for the final carry
  const tables: bigint[][] = [];
  let base = base0;
  for (let w = 0; w < windows; w++) {
    const jac: Jac[] = [];
    const acc: Jac = { X: base.x, Y: base.y, Z: 1n };
    for (let j = 0; j < half; j++) {
      if (j > 0) addAffine(acc, base.x, base.y);
      jac.push({ X: acc.X, Y: acc.Y, Z: acc.Z });
    }
    const aff = batchAffine(jac);
    const flat: bigint[] = new Array<bigint>(2 * half);
    aff.forEach((pt, j) => {
      flat[2 * j] = pt.x;
      flat[2 * j + 1] = pt.y;
    });
    tables.push(flat);
    if (w + 1 < windows) {
      // next base = 2^bits·base = 2·(half·base)
      const last = aff[half - 1] as Affine;
      const nb: Jac = { X: last.x, Y: last.y, Z: 1n };
      dbl(nb);
      base = toAffine(nb) as Affine;
    }
  }
  return { bits, tables };
}

/** Adds k·B into `acc` using B's comb; 0 ≤ k < 2^256. */
function addCombMultiple(acc: Jac, comb: Comb, k: bigint): void {
  const { bits, tables } = comb;
  const half = 1 << (bits - 1);
  const full = 1 << bits;
  const mask = BigInt(full - 1);
  const shift = BigInt(bits);
  let carry = 0;
  for (let w = 0; w < tables.length; w++) {
    let d = Number(k & mask) + carry;
    k >>= shift;
    if (d > half) {
      d -= full;
      carry = 1;
    } else {
      carry = 0;
    }
    if (d === 0) continue;
    const t = tables[w] as bigint[];
    if (d > 0) {
      addAffine(acc, t[2 * d - 2] as bigint, t[2 * d - 1] as bigint);
    } else {
      const y = t[-2 * d - 1] as bigint;
      addAffine(acc, t[-2 * d - 2] as bigint, P - y);
    }
  }
}

/** The comb for G: radix 2^8, 33 windows × 128 points, built on first use. */
let G_COMB: Comb | undefined;

function gComb(): Comb {
  return (G_COMB ??= buildComb({ x: SM2_CURVE.Gx, y: SM2_CURVE.Gy }, 8));
}

/** Builds the comb for G now instead of on first use (benchmarks call this to exclude the set-up cost). */
export function precomputeBase(): void {
  gComb();
}

/** k·G in affine form, or undefined when k ≡ 0 (mod n). Requires 0 ≤ k < 2^256. */
export function mulBase(k: bigint): Affine | undefined {
  const acc: Jac = { X: 0n, Y: 1n, Z: 0n };
  addCombMultiple(acc, gComb(), k);
  return toAffine(acc);
}

// ── per-key combs for repeated verification ─────────────────────────────────────────────────────

/**
 * Verifying many signatures by the same key (a seal maker, one signer across a batch of documents)
 * is common. A key seen `CACHE_AFTER` times gets its own radix-2^6 comb (~1,400 points, built in the
 * time of about six verifications), after which its verifications need no doublings at all (about
 * 4× faster). At most `CACHE_KEYS` keys are kept, least recently used first out. Public keys only:
 * nothing secret is cached.
 */
const CACHE_AFTER = 3;
const CACHE_KEYS = 8;
const keySeen = new Map<string, number>();
const keyCombs = new Map<string, Comb>();

function cachedComb(q: Affine): Comb | undefined {
  const id = `${q.x.toString(16)}:${q.y.toString(16)}`;
  const hit = keyCombs.get(id);
  if (hit !== undefined) {
    keyCombs.delete(id);
    keyCombs.set(id, hit); // most recently used last
    return hit;
  }
  const seen = (keySeen.get(id) ?? 0) + 1;
  keySeen.delete(id);
  if (seen < CACHE_AFTER) {
    keySeen.set(id, seen);
    if (keySeen.size > 64) keySeen.delete(keySeen.keys().next().value as string);
    return undefined;
  }
  const comb = buildComb(q, 6);
  keyCombs.set(id, comb);
  if (keyCombs.size > CACHE_KEYS) keyCombs.delete(keyCombs.keys().next().value as string);
  return comb;
}

/** Forgets all per-key combs (tests and benchmarks). */
export function clearKeyCache(): void {
  keySeen.clear();
  keyCombs.clear();
}

/** Width-5 non-adjacent form of k, least significant digit first; digits are odd in [-15, 15] or 0. */
function wnaf5(k: bigint): Int8Array {
  const out = new Int8Array(258);
  let i = 0;
  while (k > 0n) {
    if (k & 1n) {
      let d = Number(k & 31n);
      if (d > 16) d -= 32;
      out[i] = d;
      k -= BigInt(d);
    }
    k >>= 1n;
    i++;
  }
  return out;
}

/** Odd multiples P, 3P, …, 15P in affine form (undefined entries cannot occur for a point of order n). */
function oddMultiples(pt: Affine): Affine[] {
  const two: Jac = { X: pt.x, Y: pt.y, Z: 1n };
  dbl(two);
  const twoA = toAffine(two) as Affine;
  const jac: Jac[] = [];
  const acc: Jac = { X: pt.x, Y: pt.y, Z: 1n };
  for (let i = 1; i < 8; i++) {
    addAffine(acc, twoA.x, twoA.y);
    jac.push({ X: acc.X, Y: acc.Y, Z: acc.Z });
  }
  return [pt, ...batchAffine(jac)];
}

/**
 * u·G + v·Q in affine form, or undefined for infinity. `Q` must be a validated point of order n and
 * 0 ≤ u, v < 2^256. Variable-time: for public scalars only (verification).
 */
export function mulAddBase(u: bigint, q: Affine, v: bigint): Affine | undefined {
  return toAffine(mulAddJac(u, q, v, false));
}

function mulAddJac(u: bigint, q: Affine, v: bigint, useCache: boolean): Jac {
  const acc: Jac = { X: 0n, Y: 1n, Z: 0n };
  const comb = useCache ? cachedComb(q) : undefined;
  if (comb !== undefined) {
    addCombMultiple(acc, comb, v);
  } else if (v !== 0n) {
    const table = oddMultiples(q);
    const naf = wnaf5(v);
    let top = naf.length - 1;
    while (top >= 0 && naf[top] === 0) top--;
    for (let i = top; i >= 0; i--) {
      dbl(acc);
      const d = naf[i] as number;
      if (d > 0) {
        const t = table[(d - 1) >> 1] as Affine;
        addAffine(acc, t.x, t.y);
      } else if (d < 0) {
        const t = table[(-d - 1) >> 1] as Affine;
        addAffine(acc, t.x, P - t.y);
      }
    }
  }
  addCombMultiple(acc, gComb(), u);
  return acc;
}

/**
 * The SM2 verification check: whether u·G + v·Q is a finite point whose x coordinate is ≡ c (mod n).
 * Compares in Jacobian form (x = X/Z², and x ∈ [0, p) with n < p < 2n means x ∈ {c, c + n}), which
 * saves the modular inversion of a conversion to affine. Uses the per-key comb cache for Q.
 */
export function mulAddBaseXModN(u: bigint, q: Affine, v: bigint, c: bigint): boolean {
  const acc = mulAddJac(u, q, v, true);
  if (acc.Z === 0n) return false;
  const zz = (acc.Z * acc.Z) % P;
  if ((c * zz) % P === acc.X) return true;
  const c2 = c + N;
  return c2 < P && (c2 * zz) % P === acc.X;
}

/** k·Q for an arbitrary scalar (used for the order check n·Q = O); variable-time. */
export function mulPoint(q: Affine, k: bigint): Affine | undefined {
  return mulAddBase(0n, q, k);
}
