// SPDX-License-Identifier: Apache-2.0
/**
 * SM3's WebAssembly compression and its TypeScript fallback, each forced explicitly, against Node's
 * createHash('sm3'): every length 0..10,000 (at random, unaligned offsets), a 5 MiB input,
 * incremental updates split at random points, HMAC; the fallback when WebAssembly is absent, when
 * instantiation throws and when the module computes garbage; and the checked-in wasm bytes against
 * scripts/gen-sm3-wasm.mjs.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSm3, createSm3Pure, hmacSm3, setSm3WasmEnabled, sm3, sm3Pure, sm3WasmActive } from '../../../shared/crypto/sm3.js';
import { instantiateSm3Wasm, SM3_WASM_BYTES } from '../../../shared/crypto/sm3wasm.js';
import { bytesToHex } from '../../../shared/crypto/bytes.js';
import { seededBytes } from './helpers.js';

const node = (d: Uint8Array): string => createHash('sm3').update(d).digest('hex');

/** Deterministic PRNG (xorshift32) for lengths, offsets and split points. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSm3WasmEnabled(true);
});

const MODES = [
  { mode: 'wasm', wasm: true },
  { mode: 'TypeScript fallback', wasm: false },
] as const;

describe('SM3 WebAssembly compression', () => {
  it('is in use by default under Node', () => {
    expect(sm3WasmActive()).toBe(true);
    expect(setSm3WasmEnabled(false)).toBe(false);
    expect(sm3WasmActive()).toBe(false);
    expect(setSm3WasmEnabled(true)).toBe(true);
  });

  it('checked-in module bytes match scripts/gen-sm3-wasm.mjs and stay under 4 KB', () => {
    const script = fileURLToPath(new URL('../../../scripts/gen-sm3-wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
    expect(SM3_WASM_BYTES.length).toBeLessThan(4096); // synchronous compile on Chrome's main thread
  });

  describe.each(MODES)('$mode', ({ wasm }) => {
    const setMode = (): void => {
      expect(setSm3WasmEnabled(wasm)).toBe(wasm);
    };

    it('matches Node for every length 0..10,000 at random offsets', () => {
      setMode();
      const pool = seededBytes(0x5eed, 10_000 + 64);
      const r = rng(wasm ? 11 : 12);
      for (let len = 0; len <= 10_000; len++) {
        const off = r(64);
        const d = pool.subarray(off, off + len);
        const got = bytesToHex(sm3Pure(d));
        if (got !== node(d)) expect([len, off, got]).toEqual([len, off, node(d)]);
      }
      expect(sm3WasmActive()).toBe(wasm);
    });

    it('matches Node on a 5 MiB input (one-shot and in uneven chunks)', () => {
      setMode();
      const d = seededBytes(wasm ? 5 : 6, 5 * 1024 * 1024 + 13);
      const want = node(d);
      expect(bytesToHex(sm3Pure(d))).toBe(want);
      expect(bytesToHex(sm3(d))).toBe(want);
      const h = createSm3Pure();
      for (let pos = 0, step = 65_535; pos < d.length; pos += step, step = step * 3 + 1 > 300_000 ? 7 : step * 3 + 1) {
        h.update(d.subarray(pos, pos + step));
      }
      expect(bytesToHex(h.digest())).toBe(want);
    });

    it('incremental updates split at random points give the same digest', () => {
      setMode();
      const r = rng(wasm ? 21 : 22);
      for (let t = 0; t < 300; t++) {
        const len = t < 200 ? r(2000) : r(200_000);
        const d = seededBytes(1000 + t, len);
        const cuts = Array.from({ length: r(12) }, () => r(len + 1)).sort((a, b) => a - b);
        const h = t % 2 === 0 ? createSm3Pure() : createSm3();
        let prev = 0;
        for (const c of [...cuts, len]) {
          h.update(d.subarray(prev, c));
          prev = c;
        }
        const got = bytesToHex(h.digest());
        if (got !== node(d)) expect([len, cuts, got]).toEqual([len, cuts, node(d)]);
      }
    });

    it('HMAC-SM3 matches Node createHmac', () => {
      setMode();
      for (const klen of [0, 32, 64, 65, 300]) {
        for (const dlen of [0, 1, 63, 64, 1000, 70_000]) {
          const key = seededBytes(klen + 7, klen);
          const data = seededBytes(dlen + 9, dlen);
          expect(bytesToHex(hmacSm3(key, data))).toBe(createHmac('sm3', key).update(data).digest('hex'));
        }
      }
    });
  });

  describe('falls back to the TypeScript compression', () => {
    const check = (): void => {
      for (const len of [0, 3, 64, 1000, 70_001]) {
        const d = seededBytes(len + 77, len);
        expect(bytesToHex(sm3Pure(d))).toBe(node(d));
        expect(bytesToHex(createSm3Pure().update(d).digest())).toBe(node(d));
      }
    };

    it('when WebAssembly is absent', () => {
      vi.stubGlobal('WebAssembly', undefined);
      expect(instantiateSm3Wasm()).toBeNull();
      expect(setSm3WasmEnabled(true)).toBe(false);
      expect(sm3WasmActive()).toBe(false);
      check();
      vi.unstubAllGlobals();
      expect(setSm3WasmEnabled(true)).toBe(true);
      check();
    });

    it('when instantiation throws (e.g. CSP without wasm-unsafe-eval)', () => {
      const real = WebAssembly;
      vi.stubGlobal('WebAssembly', {
        ...real,
        Memory: real.Memory,
        Module: function Module() {
          throw new real.CompileError('Wasm code generation disallowed by embedder');
        },
      });
      expect(instantiateSm3Wasm()).toBeNull();
      expect(setSm3WasmEnabled(true)).toBe(false);
      check();
    });

    it('when the module computes a wrong compression (self-test)', () => {
      const real = WebAssembly;
      const memory = new real.Memory({ initial: 2, maximum: 2 });
      vi.stubGlobal('WebAssembly', {
        Memory: real.Memory,
        Module: function Module() {
          return {};
        },
        Instance: function Instance() {
          return { exports: { memory, compress: () => undefined } };
        },
      });
      expect(instantiateSm3Wasm()).not.toBeNull(); // it instantiates …
      expect(setSm3WasmEnabled(true)).toBe(false); // … but sm3.ts refuses it
      check();
    });
  });
});
