// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Benchmark section `crypto`: SM2 sign/verify and SM3 throughput of `shared/crypto` (the browser
 * path: `pureTs` is `sm3Pure` with its WebAssembly compression, `pureTsNoWasm` the TypeScript
 * fallback alone) and of the agent's native SM3 back end, with the references
 * measured in the same run: sm-crypto (the design's original library), Node's `createHash('sm3')`,
 * and `openssl speed` (absent OpenSSL is tolerated and reported as null).
 *
 * Design rationale: wall-clock timing with a warm-up and fixed iteration counts (no adaptive loops),
 * best of three rounds for every figure so a noisy neighbour on a shared machine costs less (OpenSSL's
 * own figures are its averages over 2 s); total runtime stays under ~15 s. MB/s means 10⁶ bytes
 * per second, the unit `openssl speed` reports ("1000s of bytes per second"). Targets (task brief
 * for the crypto core): SM2 verify ≥ 400/s,
 * sign ≥ 1,500/s, pure SM3 ≥ 150 MB/s, agent SM3 ≥ 0.9 × OpenSSL.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { nodeSm3Backend } from '../agent/crypto/nativeSm3.js';
import { bytesToHex } from '../shared/crypto/bytes.js';
import { sm2GenerateKeyPair, sm2Sign, sm2Verify } from '../shared/crypto/sm2.js';
import { clearKeyCache, precomputeBase } from '../shared/crypto/sm2curve.js';
import { registerSm3Backend, setSm3WasmEnabled, sm3, sm3Pure, sm3WasmActive } from '../shared/crypto/sm3.js';

const run = promisify(execFile);

const TARGETS = { sm2SignPerSec: 1500, sm2VerifyPerSec: 400, sm3PureMBps: 150, sm3AgentVsOpenssl: 0.9 } as const;

/**
 * Operations per second of `fn`: `warmup` calls, then `iterations` calls split into three rounds,
 * reporting the best round (a neighbour stealing the CPU only ever makes a round slower).
 */
function opsPerSec(fn: (i: number) => void, iterations: number, warmup = Math.ceil(iterations / 10)): number {
  for (let i = 0; i < warmup; i++) fn(i);
  const perRound = Math.max(1, Math.ceil(iterations / 3));
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    for (let i = 0; i < perRound; i++) fn(i);
    best = Math.max(best, (perRound * 1000) / (performance.now() - start));
  }
  return best;
}

/** Best-of-`rounds` throughput in MB/s (10⁶ B/s) of hashing `data` once per round. */
function mbPerSec(fn: (d: Uint8Array) => unknown, data: Uint8Array, rounds = 3): number {
  fn(data.subarray(0, 65536)); // warm-up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    fn(data);
    const secs = (performance.now() - start) / 1000;
    best = Math.max(best, data.length / 1e6 / secs);
  }
  return best;
}

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
const ratio = (a: number, b: number | null): number | null => (b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);

async function opensslSpeed(): Promise<{ version: string | null; sm2SignPerSec: number | null; sm2VerifyPerSec: number | null; sm3MBps: number | null }> {
  const out = { version: null as string | null, sm2SignPerSec: null as number | null, sm2VerifyPerSec: null as number | null, sm3MBps: null as number | null };
  try {
    out.version = (await run('openssl', ['version'])).stdout.trim();
  } catch {
    return out;
  }
  try {
    const { stdout } = await run('openssl', ['speed', '-seconds', '2', 'sm2'], { timeout: 20_000 });
    // " 256 bits SM2 (CurveSM2)   0.0005s   0.0005s   2081.2   2050.7"
    const m = /SM2[^\n]*?\s([\d.]+)s\s+([\d.]+)s\s+([\d.]+)\s+([\d.]+)\s*$/m.exec(stdout);
    if (m) {
      out.sm2SignPerSec = Number(m[3]);
      out.sm2VerifyPerSec = Number(m[4]);
    }
  } catch {
    // leave null: OpenSSL without SM2
  }
  try {
    const { stdout } = await run('openssl', ['speed', '-seconds', '2', '-bytes', '16384', '-evp', 'sm3'], { timeout: 20_000 });
    // "sm3             257630.04k" in 1000s of bytes per second
    const m = /^sm3\s+([\d.]+)k\s*$/m.exec(stdout);
    if (m) out.sm3MBps = Number(m[1]) / 1000;
  } catch {
    // leave null
  }
  return out;
}

interface SmCrypto {
  sm2: {
    doSignature: (msg: string, priv: string, opts: { der: boolean; hash: boolean; publicKey?: string }) => string;
    doVerifySignature: (msg: string, sig: string, pub: string, opts: { der: boolean; hash: boolean }) => boolean;
  };
  sm3: (msg: number[] | string) => string;
}

function loadSmCrypto(): SmCrypto | undefined {
  try {
    return createRequire(import.meta.url)('sm-crypto') as SmCrypto;
  } catch {
    return undefined; // devDependency: absent in a production install
  }
}

export async function benchCrypto(): Promise<Record<string, unknown>> {
  const msg = new Uint8Array(128).map((_, i) => i);

  // ── SM2, ours (pure TS) ──
  const t0 = performance.now();
  precomputeBase(); // the G comb, built once per process
  const combSetupMs = performance.now() - t0;
  const { privateKey, publicKey } = sm2GenerateKeyPair();
  const signPerSec = opsPerSec(() => sm2Sign(privateKey, msg), 1500);
  const sig = sm2Sign(privateKey, msg);
  if (!sm2Verify(publicKey, msg, sig)) throw new Error('SM2 self-check failed');
  // a key seen for the first time (per-key comb cache cleared before each verification) …
  const verifyPerSec = opsPerSec(() => {
    clearKeyCache();
    sm2Verify(publicKey, msg, sig);
  }, 400);
  // … and one verified repeatedly (its own comb is built during the warm-up)
  clearKeyCache();
  const verifyRepeatedKeyPerSec = opsPerSec(() => sm2Verify(publicKey, msg, sig), 1000, 50);
  clearKeyCache();

  // ── SM2, sm-crypto (few iterations: it is ~10–40× slower) ──
  const sc = loadSmCrypto();
  let scSign: number | null = null;
  let scVerify: number | null = null;
  if (sc !== undefined) {
    const msgStr = 'benchmark message for sm-crypto';
    const privHex = bytesToHex(privateKey);
    const pubHex = bytesToHex(publicKey);
    scSign = opsPerSec(() => sc.sm2.doSignature(msgStr, privHex, { der: true, hash: true, publicKey: pubHex }), 20, 2);
    const scSig = sc.sm2.doSignature(msgStr, privHex, { der: true, hash: true, publicKey: pubHex });
    scVerify = opsPerSec(() => sc.sm2.doVerifySignature(msgStr, scSig, pubHex, { der: true, hash: true }), 10, 1);
  }

  // ── SM3 ──
  const data = new Uint8Array(16 * 1024 * 1024).map((_, i) => (i * 131) & 0xff);
  // the browser path as shipped: wasm compression when the engine has it …
  const sm3Wasm = sm3WasmActive();
  const sm3PureMBps = mbPerSec((d) => sm3Pure(d), data);
  // … and the TypeScript fallback (no WebAssembly, or instantiation refused)
  let sm3NoWasmMBps: number;
  setSm3WasmEnabled(false);
  try {
    sm3NoWasmMBps = mbPerSec((d) => sm3Pure(d), data);
  } finally {
    setSm3WasmEnabled(true);
  }
  const nodeMBps = mbPerSec((d) => createHash('sm3').update(d).digest(), data);
  let sm3NativeMBps: number | null = null;
  const backend = nodeSm3Backend();
  if (backend !== undefined) {
    registerSm3Backend(backend);
    try {
      sm3NativeMBps = mbPerSec((d) => sm3(d), data);
    } finally {
      registerSm3Backend(null);
    }
  }
  let smCryptoSm3MBps: number | null = null;
  if (sc !== undefined) {
    const small = Array.from(data.subarray(0, 1 << 20));
    const start = performance.now();
    sc.sm3(small);
    smCryptoSm3MBps = small.length / 1e6 / ((performance.now() - start) / 1000);
  }

  // ── OpenSSL, same run ──
  const ossl = await opensslSpeed();

  return {
    sm2: {
      ours: { signPerSec: round(signPerSec), verifyPerSec: round(verifyPerSec), verifyRepeatedKeyPerSec: round(verifyRepeatedKeyPerSec), combSetupMs: round(combSetupMs) },
      smCrypto: { signPerSec: round(scSign), verifyPerSec: round(scVerify) },
      openssl: { signPerSec: ossl.sm2SignPerSec, verifyPerSec: ossl.sm2VerifyPerSec },
    },
    sm3MBps: {
      pureTs: round(sm3PureMBps),
      pureTsUsesWasm: sm3Wasm,
      pureTsNoWasm: round(sm3NoWasmMBps),
      agentNativeBackend: round(sm3NativeMBps),
      nodeCreateHash: round(nodeMBps),
      openssl: round(ossl.sm3MBps),
      smCrypto: round(smCryptoSm3MBps),
    },
    opensslVersion: ossl.version,
    targets: {
      ...TARGETS,
      sm2SignMet: signPerSec >= TARGETS.sm2SignPerSec,
      sm2VerifyMet: verifyPerSec >= TARGETS.sm2VerifyPerSec,
      sm2VerifyRepeatedKeyMet: verifyRepeatedKeyPerSec >= TARGETS.sm2VerifyPerSec,
      sm3PureMet: sm3PureMBps >= TARGETS.sm3PureMBps,
      sm3AgentRatioVsOpenssl: sm3NativeMBps !== null ? ratio(sm3NativeMBps, ossl.sm3MBps) : null,
      sm3AgentMet: sm3NativeMBps !== null && ossl.sm3MBps !== null ? sm3NativeMBps >= TARGETS.sm3AgentVsOpenssl * ossl.sm3MBps : null,
      signVsOpenssl: ratio(signPerSec, ossl.sm2SignPerSec),
      verifyVsOpenssl: ratio(verifyPerSec, ossl.sm2VerifyPerSec),
      sm3PureVsOpenssl: ratio(sm3PureMBps, ossl.sm3MBps),
      sm3PureNoWasmVsOpenssl: ratio(sm3NoWasmMBps, ossl.sm3MBps),
      signVsSmCrypto: ratio(signPerSec, scSign),
      verifyVsSmCrypto: ratio(verifyPerSec, scVerify),
    },
  };
}
