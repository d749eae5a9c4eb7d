// SPDX-License-Identifier: Apache-2.0
/**
 * The fast Jacobian/comb arithmetic of shared/crypto/sm2curve.ts against @noble/curves' generic
 * Weierstrass code instantiated with the same SM2 parameters (an independent, audited oracle).
 */
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { describe, expect, it } from 'vitest';
import { SM2_CURVE, clearKeyCache, isOnCurve, liftX, mulAddBase, mulAddBaseXModN, mulBase, mulPoint } from '../../../shared/crypto/sm2curve.js';
import { sm2ValidatePublicKey } from '../../../shared/crypto/sm2.js';
import { bytesToHex } from '../../../shared/crypto/bytes.js';
import { codeOf, seededBytes } from './helpers.js';

const C = SM2_CURVE;
const Point = weierstrass<bigint>({ p: C.p, n: C.n, h: 1n, a: C.a, b: C.b, Gx: C.Gx, Gy: C.Gy });
const N = C.n;

function scalar(seed: number): bigint {
  return BigInt(`0x${bytesToHex(seededBytes(seed, 32))}`) % N;
}

// Edge scalars: tiny, near n, powers of two, and byte patterns that exercise the signed-digit carry.
const EDGE: bigint[] = [
  1n, 2n, 3n, 127n, 128n, 129n, 255n, 256n, 0x8080n, 2n ** 128n, 2n ** 255n, N - 1n, N - 2n, N - 128n,
  BigInt(`0x${'80'.repeat(32)}`), BigInt(`0x${'7f'.repeat(32)}`), BigInt(`0x${'81'.repeat(32)}`) % N, BigInt(`0x${'ff'.repeat(31)}`),
];

describe('SM2 arithmetic vs @noble/curves', () => {
  it('generator and parameters are accepted by noble (curve sanity)', () => {
    expect(() => Point.BASE.assertValidity()).not.toThrow();
    expect(isOnCurve(C.Gx, C.Gy)).toBe(true);
  });

  it('fixed-base k·G matches for edge and random scalars', () => {
    const ks = [...EDGE, ...Array.from({ length: 60 }, (_, i) => scalar(i + 1))];
    for (const k of ks) {
      const ours = mulBase(k);
      const ref = Point.BASE.multiply(k).toAffine();
      expect([k, ours?.x, ours?.y]).toEqual([k, ref.x, ref.y]);
    }
    expect(mulBase(0n)).toBeUndefined();
    expect(mulBase(N)).toBeUndefined();
  });

  it('u·G + v·Q matches for edge and random scalars', () => {
    for (let i = 0; i < 40; i++) {
      const Q = Point.BASE.multiply(scalar(1000 + i));
      const u = i < EDGE.length ? (EDGE[i] as bigint) : scalar(2000 + i);
      const v = i < EDGE.length ? (EDGE[EDGE.length - 1 - i] as bigint) : scalar(3000 + i);
      const ours = mulAddBase(u, Q.toAffine(), v);
      const ref = Point.BASE.multiply(u).add(Q.multiply(v)).toAffine();
      expect([ours?.x, ours?.y]).toEqual([ref.x, ref.y]);
    }
    // cancellation to infinity: u·G + v·(−G·u/v) … simplest: Q = G, v = n − u
    expect(mulAddBase(5n, { x: C.Gx, y: C.Gy }, N - 5n)).toBeUndefined();
    // u = 0 and v = 0
    const Q = Point.BASE.multiply(77n).toAffine();
    expect(mulAddBase(0n, Q, 3n)).toEqual(Point.BASE.multiply(231n).toAffine());
    expect(mulAddBase(9n, Q, 0n)).toEqual(Point.BASE.multiply(9n).toAffine());
    expect(mulPoint(Q, N)).toBeUndefined();
  });

  it('point validation agrees with noble on perturbed encodings', () => {
    for (let i = 0; i < 60; i++) {
      const P = Point.BASE.multiply(scalar(5000 + i));
      const bytes = P.toBytes(false);
      if (i % 2 === 1) {
        const j = 1 + (i % 64);
        bytes[j] = (bytes[j] as number) ^ (1 << (i % 8));
      }
      let nobleOk = true;
      try {
        Point.fromBytes(bytes).assertValidity();
      } catch {
        nobleOk = false;
      }
      const ours = codeOf(() => sm2ValidatePublicKey(bytes));
      expect(ours === 'no error').toBe(nobleOk);
      if (!nobleOk) expect(ours).toBe('ERR_CRYPTO_POINT_INVALID');
    }
  });

  it('liftX matches noble decompression', () => {
    for (let i = 0; i < 20; i++) {
      const P = Point.BASE.multiply(scalar(7000 + i)).toAffine();
      expect(liftX(P.x, (P.y & 1n) === 1n)).toBe(P.y);
      expect(liftX(P.x, (P.y & 1n) === 0n)).toBe(C.p - P.y);
    }
  });

  it('the verification check (Jacobian x mod n) matches noble, with and without the per-key comb', () => {
    clearKeyCache();
    const Q = Point.BASE.multiply(scalar(9000));
    for (let i = 0; i < 12; i++) {
      // i ≥ 3: the key has been seen often enough to get its own comb
      const u = scalar(9100 + i);
      const v = i === 5 ? 1n : i === 6 ? N - 1n : scalar(9200 + i);
      const x = Point.BASE.multiply(u).add(Q.multiply(v)).toAffine().x;
      expect(mulAddBaseXModN(u, Q.toAffine(), v, x % N)).toBe(true);
      expect(mulAddBaseXModN(u, Q.toAffine(), v, (x + 1n) % N)).toBe(false);
      expect(mulAddBase(u, Q.toAffine(), v)).toEqual(Point.BASE.multiply(u).add(Q.multiply(v)).toAffine());
    }
    // u·G + v·Q = infinity is never a match
    expect(mulAddBaseXModN(7n, { x: C.Gx, y: C.Gy }, N - 7n, 0n)).toBe(false);
    clearKeyCache();
  });

  it('accepts x1 = c + n (x coordinates in [n, p) reduce mod n)', () => {
    // find a curve point with n ≤ x < p (about half of the x in that range are abscissae)
    let x = N;
    let y: bigint | undefined;
    while ((y = liftX(x, false)) === undefined) x++;
    expect(x < C.p).toBe(true);
    const Q = { x, y };
    expect(Point.fromAffine(Q).toAffine()).toEqual(Q);
    expect(mulAddBaseXModN(0n, Q, 1n, x - N)).toBe(true);
    expect(mulAddBaseXModN(0n, Q, 1n, x - N + 1n)).toBe(false);
  });
});
