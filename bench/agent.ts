// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Agent load benchmark: the REAL built agent (`dist/agent/eseal.mjs agent --dev`, development soft
 * token) under C concurrent authenticated clients × N `seal.sign` each (consent answered with the
 * PIN in one `consent.reply`, as the extension's consent window does). Reports errors, throughput,
 * p50/p99 latency through the socket, the agent's RSS before/after (from /proc), that every
 * signature was audited (and the audit chain verifies), and — for the protocol overhead — the same
 * work done in-process on a copy of the token (login + SES_Signature + logout) against a single
 * sequential client.
 *
 * Scale with ESEAL_BENCH_AGENT_CLIENTS (default 50) and ESEAL_BENCH_AGENT_REQUESTS (per client,
 * default 20, which keeps the default run well under a minute; 200 is the full issue-4 load:
 * every request logs in to the soft token, a scrypt KDF, and requests to one token run one at a
 * time by design).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// eslint-disable-next-line no-restricted-imports -- the bench drives the real transport as the tests do
import WebSocket from 'ws';
import { readAuditLines, verifyAuditLog } from '../agent/audit/AuditLog.js';
import { SealStore } from '../agent/sealstore/SealStore.js';
import { signSealItem } from '../agent/signing/signSealItem.js';
import { SoftTokenProvider } from '../agent/token/soft/SoftToken.js';
import { agentProof, derivePairingKeys, extensionProof, macEquals, openPairedKey, pairingProof } from '../shared/protocol/index.js';

const ORIGIN = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';
const PORTAL = 'http://localhost:8080';
const PIN = '123456';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'scripts', 'build.mjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function stats(values: number[]): { n: number; p50: number; p99: number; mean: number } {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)), mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

type Frame = Record<string, unknown>;

class Client {
  private readonly waiters = new Map<string, (f: Frame) => void>();
  private any: ((f: Frame) => void) | undefined;
  onProgress: ((f: Frame) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as Frame;
      if (f['kind'] === 'progress') return this.onProgress?.(f);
      const id = typeof f['id'] === 'string' ? f['id'] : undefined;
      const w = id === undefined ? undefined : this.waiters.get(id);
      if (w && id !== undefined) {
        this.waiters.delete(id);
        return w(f);
      }
      const a = this.any;
      this.any = undefined;
      a?.(f);
    });
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin: ORIGIN });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  nextAny(frame: unknown): Promise<Frame> {
    return new Promise((resolve) => {
      this.any = resolve;
      this.ws.send(JSON.stringify(frame));
    });
  }

  call(frame: Frame & { id: string }): Promise<Frame> {
    return new Promise((resolve) => {
      this.waiters.set(frame.id, resolve);
      this.ws.send(JSON.stringify(frame));
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close();
  }
}

async function pair(port: number, code: string): Promise<{ keyId: string; key: Uint8Array }> {
  const c = await Client.connect(port);
  const nonceC = new Uint8Array(randomBytes(32));
  const welcome = await c.nextAny({ v: 1, kind: 'hello', versions: [1], nonce: Buffer.from(nonceC).toString('base64') });
  const nonceA = new Uint8Array(Buffer.from(String(welcome['nonce']), 'base64'));
  const instanceId = String(welcome['instanceId']);
  const keys = derivePairingKeys(code, nonceC, nonceA, ORIGIN, instanceId);
  const res = await c.call({ v: 1, kind: 'req', id: 'pair', method: 'pair', params: { proof: Buffer.from(pairingProof(keys, nonceA, nonceC)).toString('base64') } });
  const r = res['result'] as { keyId: string; iv: string; sealedKey: string };
  c.close();
  return { keyId: r.keyId, key: openPairedKey(keys, new Uint8Array(Buffer.from(r.iv, 'base64')), new Uint8Array(Buffer.from(r.sealedKey, 'base64')), r.keyId, instanceId) };
}

async function authenticated(port: number, keyId: string, key: Uint8Array): Promise<Client> {
  const c = await Client.connect(port);
  const nonceC = new Uint8Array(randomBytes(32));
  const welcome = await c.nextAny({ v: 1, kind: 'hello', versions: [1], keyId, nonce: Buffer.from(nonceC).toString('base64') });
  const nonceA = new Uint8Array(Buffer.from(String(welcome['nonce']), 'base64'));
  if (!macEquals(agentProof(key, nonceC, nonceA, String(welcome['instanceId'])), new Uint8Array(Buffer.from(String(welcome['proof']), 'base64')))) throw new Error('ERR_AGENT_IMPOSTOR');
  const ok = await c.nextAny({ v: 1, kind: 'auth', proof: Buffer.from(extensionProof(key, nonceA, nonceC, ORIGIN)).toString('base64') });
  if (ok['kind'] !== 'evt') throw new Error(`auth failed: ${JSON.stringify(ok)}`);
  // Consent window stand-in: approve with the PIN in the same reply.
  c.onProgress = (f) => {
    if (f['stage'] === 'awaiting_consent' || f['stage'] === 'awaiting_pin') c.send({ v: 1, kind: 'req', id: `${String(f['id'])}-ok`, method: 'consent.reply', params: { requestId: f['id'], approved: true, pin: PIN } });
  };
  return c;
}

/** One seal.sign through the socket; returns the latency in ms, or throws the error code. */
async function sealSign(c: Client, id: string, n: number): Promise<number> {
  const t0 = performance.now();
  const res = await c.call({
    v: 1,
    kind: 'req',
    id,
    method: 'seal.sign',
    ctx: { origin: PORTAL },
    params: { sealId: 'dev-official', item: { digest: { alg: 'SM3', value: randomBytes(32).toString('base64') }, propertyInfo: `/bench/${n}`, display: { title: `bench ${n}` } } },
  });
  const ms = performance.now() - t0;
  if (res['ok'] !== true) throw new Error(String((res['error'] as { code?: string } | undefined)?.code ?? 'no error code'));
  return ms;
}

/**
 * The same work in-process on a copy of the token: open, seal lookup, login (scrypt), SES_Signature,
 * logout — the token's own time, subtracted from end-to-end figures (also used by bench/extension.ts).
 */
export function tokenOwnTime(tokenPath: string, stateDir: string, pin = PIN): () => Promise<number> {
  const copy = join(stateDir, 'bench-token-copy.json');
  copyFileSync(tokenPath, copy);
  const provider = new SoftTokenProvider(copy);
  const store = new SealStore(stateDir);
  let i = 0;
  return async () => {
    const t0 = performance.now();
    const session = await provider.open({});
    const entry = await store.find(session, 'dev-official');
    const signer = await store.signerFor(session, entry);
    if (!signer) throw new Error('no signer');
    await session.login(pin);
    await signSealItem({ session, sealDer: entry.der, signer, dataHash: new Uint8Array(randomBytes(32)), propertyInfo: `/bench/${i++}`, time: new Date() });
    await session.logout();
    return performance.now() - t0;
  };
}

export async function benchAgent(): Promise<Record<string, unknown>> {
  const clients = Number(process.env['ESEAL_BENCH_AGENT_CLIENTS'] ?? 50);
  const perClient = Number(process.env['ESEAL_BENCH_AGENT_REQUESTS'] ?? 20);
  const root = repoRoot();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'agent'], { cwd: root, stdio: 'ignore' });
  const eseal = join(root, 'dist', 'agent', 'eseal.mjs');
  const stateDir = mkdtempSync(join(tmpdir(), 'eseal-bench-agent-'));
  const port = await freePort();
  const proc = spawn(process.execPath, [eseal, 'agent', '--dev', '--port', String(port), '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not start: ${out}`)), 60_000);
      proc.stdout.on('data', () => {
        if (out.includes('ws://127.0.0.1')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`agent exited ${String(code)}: ${out}`)));
    });
    const code = /pairing code: (\d{8})/.exec(out)?.[1];
    if (!code) throw new Error('no pairing code printed');
    const { keyId, key } = await pair(port, code);
    const pid = proc.pid ?? 0;

    // Warm-up and the single-client sequential baseline.
    const single = await authenticated(port, keyId, key);
    for (let i = 0; i < 5; i++) await sealSign(single, `warm-${i}`, i);
    // Interleaved (one through the socket, one in-process) so both see the same machine load.
    const sequential: number[] = [];
    const tokenTimes: number[] = [];
    const seqN = Number(process.env['ESEAL_BENCH_AGENT_SEQUENTIAL'] ?? 60);
    const own = tokenOwnTime(join(stateDir, 'dev', 'soft-token.json'), stateDir);
    for (let i = 0; i < seqN; i++) {
      sequential.push(await sealSign(single, `seq-${i}`, i));
      tokenTimes.push(await own());
    }
    single.close();

    const rssBefore = rssMiB(pid);
    const conns = await Promise.all(Array.from({ length: clients }, () => authenticated(port, keyId, key)));
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let peakRss = rssBefore;
    // RSS at each tenth of the run: a leak shows as growth that continues through the second half.
    const total = clients * perClient;
    const rssByDecile: number[] = [];
    const sampler = setInterval(() => {
      try {
        const now = rssMiB(pid);
        peakRss = Math.max(peakRss, now);
        const decile = Math.floor((10 * latencies.length) / total);
        if (decile > rssByDecile.length - 1 && decile < 10) rssByDecile[decile] = now;
      } catch {
        // process gone
      }
    }, 250);
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (c, ci) => {
        for (let i = 0; i < perClient; i++) {
          try {
            latencies.push(await sealSign(c, `load-${ci}-${i}`, i));
          } catch (error) {
            const k = error instanceof Error ? error.message : String(error);
            errors[k] = (errors[k] ?? 0) + 1;
          }
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const rssAfter = rssMiB(pid);
    conns.forEach((c) => c.close());

    const records = [...readAuditLines(join(stateDir, 'audit'))].map((l) => JSON.parse(l.line.slice(65)) as { method: string; result: string; requestId?: string });
    const auditedLoad = records.filter((r) => r.method === 'seal.sign' && r.result === 'ok' && r.requestId?.startsWith('load-')).length;
    const chain = verifyAuditLog(join(stateDir, 'audit'));
    const seq = stats(sequential);
    const tok = stats(tokenTimes);
    const mid = rssByDecile[5];
    return {
      clients,
      requestsPerClient: perClient,
      requests: total,
      errors,
      errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
      seconds: Math.round(elapsed * 10) / 10,
      throughputPerSecond: Math.round((latencies.length / elapsed) * 10) / 10,
      loadLatencyMs: stats(latencies),
      note: 'under load the latency is mostly queueing: requests to one token run one at a time by design',
      sequentialLatencyMs: seq,
      tokenOwnTimeMs: tok,
      overheadMs: { p50: Math.round((seq.p50 - tok.p50) * 100) / 100, mean: Math.round((seq.mean - tok.mean) * 100) / 100, target: 5, includes: 'socket round trips (request, consent progress + reply, result) and three fsync-ed audit records' },
      rssMiB: {
        beforeLoad: rssBefore,
        afterLoad: rssAfter,
        peak: peakRss,
        byTenthOfRun: rssByDecile,
        growthSecondHalf: mid === undefined ? null : Math.round((rssAfter - mid) * 10) / 10,
      },
      audit: { loadRequestsAudited: auditedLoad, allAudited: auditedLoad === latencies.length, chainOk: chain.ok, records: chain.records },
    };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(stateDir, { recursive: true, force: true });
  }
}
