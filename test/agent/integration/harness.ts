// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Integration harness: builds the agent bundle (fresh, once per run, under a lock so parallel test
 * files do not race), starts the REAL `dist/agent/eseal.mjs agent` on a free loopback port with a
 * temp state dir and policy, and a Node client that speaks the protocol as the extension would
 * (hello → verify the agent's proof → auth, or pair with the one-time code; consent and PIN answered
 * through `consent.reply`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { deserializeError } from '../../../shared/errors/index.js';
import { derivePairingKeys, extensionProof, openPairedKey, pairingProof, verifyWelcome } from '../../../shared/protocol/index.js';
import { repoRoot } from '../../support/builtArtifacts.js';
import { testPkiDir } from '../../support/testPki.js';

export const EXT_ORIGIN = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';
export const PORTAL = 'http://localhost:8080';
export const DEV_PIN = '123456';
export const AGENT = join(repoRoot, 'dist/agent/eseal.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (name.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist/agent when any agent/ or shared/ source is newer than the bundle. */
export async function ensureAgentBuilt(): Promise<void> {
  const lock = join(repoRoot, 'dist', '.agent-build.lock');
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after two minutes (a build takes seconds).
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (i > 1200) throw new Error('agent build lock held too long');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    let built = 0;
    try {
      built = statSync(AGENT).mtimeMs;
    } catch {
      built = 0;
    }
    const newest = Math.max(newestSource(join(repoRoot, 'agent')), newestSource(join(repoRoot, 'shared')));
    if (built < newest) execFileSync(process.execPath, ['scripts/build.mjs', 'agent'], { cwd: repoRoot, stdio: 'inherit' });
  } finally {
    rmdirSync(lock);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface StartedAgent {
  readonly port: number;
  readonly stateDir: string;
  readonly proc: ChildProcess;
  output(): string;
  /** The pairing code the agent printed at start. */
  printedCode(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly policy?: unknown;
  readonly stateDir?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export async function startAgent(o: StartOptions = {}): Promise<StartedAgent> {
  await ensureAgentBuilt();
  const port = await freePort();
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'eseal-agent-'));
  const args = [AGENT, 'agent', '--dev', '--port', String(port), '--state-dir', stateDir, ...(o.args ?? [])];
  if (o.policy !== undefined) {
    const policyPath = join(stateDir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(o.policy));
    args.push('--policy', policyPath);
  }
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ESEAL_DEV_PKI: testPkiDir(), ...o.env } });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 30_000);
    const check = (): void => {
      if (out.includes('ws://127.0.0.1')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited ${String(code)}:\n${out}`));
    });
  });
  return {
    port,
    stateDir,
    proc,
    output: () => out,
    printedCode: () => /pairing code: (\d{8})/.exec(out)?.[1] ?? '',
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** Runs the built CLI; returns stdout. */
export function cli(args: readonly string[]): string {
  return execFileSync(process.execPath, [AGENT, ...args], { encoding: 'utf8', env: { ...process.env, ESEAL_DEV_PKI: testPkiDir() } });
}

/** Opens a pairing code through the CLI (as an administrator would with `eseal pair`). */
export function openPairingCode(stateDir: string): string {
  return (JSON.parse(cli(['pair', '--no-wait', '--json', '--state-dir', stateDir]).trim()) as { code: string }).code;
}

export type Frame = Record<string, unknown>;

export interface ConsentPlan {
  /** Answer to awaiting_consent (default true). */
  readonly approve?: boolean;
  /** PINs to give, one per awaiting_pin, in order (the first may go with the consent). */
  readonly pins?: readonly string[];
  /** Give the first PIN with the consent reply instead of waiting for awaiting_pin. */
  readonly pinWithConsent?: boolean;
}

export class TestClient {
  private readonly inbox: Frame[] = [];
  private readonly waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  nonceC = new Uint8Array(randomBytes(32));
  nonceA = new Uint8Array(0);
  instanceId = '';
  private seq = 0;
  /** Ids of our own consent.reply requests: their acknowledgements are not interesting. */
  private readonly acks = new Set<string>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as Frame;
      if (f['kind'] === 'res' && typeof f['id'] === 'string' && this.acks.delete(f['id']) && f['ok'] === true) return;
      const i = this.waiters.findIndex((w) => w.pred(f));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(f);
      } else this.inbox.push(f);
    });
    ws.on('error', () => undefined);
  }

  static connect(port: number, o: { origin?: string; host?: string } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin: o.origin ?? EXT_ORIGIN, headers: o.host ? { host: o.host } : {} });
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${String(res.statusCode)} ${String(res.headers['x-eseal-error'])}`)));
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(pred: (f: Frame) => boolean = () => true, timeoutMs = 30_000): Promise<Frame> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a frame and returns the next frame (for single-answer frames). */
  async roundTrip(frame: unknown): Promise<Frame> {
    const reply = this.next();
    this.send(frame);
    return reply;
  }

  async hello(keyId?: string): Promise<Frame> {
    const welcome = await this.roundTrip({ v: 1, kind: 'hello', versions: [1], nonce: Buffer.from(this.nonceC).toString('base64'), ...(keyId !== undefined && { keyId }) });
    if (typeof welcome['nonce'] === 'string') this.nonceA = new Uint8Array(Buffer.from(welcome['nonce'], 'base64'));
    if (typeof welcome['instanceId'] === 'string') this.instanceId = welcome['instanceId'];
    return welcome;
  }

  /**
   * The extension's side of §6.3: hello with keyId, check the agent's proof (a squatter without K
   * cannot make it → ERR_AGENT_IMPOSTOR), then send our proof.
   */
  async authenticate(keyId: string, key: Uint8Array, origin = EXT_ORIGIN): Promise<Frame> {
    const welcome = await this.hello(keyId);
    verifyWelcome(welcome, key, this.nonceC); // ERR_AGENT_NOT_PAIRED / ERR_AGENT_IMPOSTOR
    const reply = await this.roundTrip({ v: 1, kind: 'auth', proof: Buffer.from(extensionProof(key, this.nonceA, this.nonceC, origin)).toString('base64') });
    if (reply['kind'] !== 'evt') throw deserializeError(reply['error']);
    return reply;
  }

  /** First pairing with the one-time code; returns the new key. */
  async pair(code: string, origin = EXT_ORIGIN): Promise<{ keyId: string; key: Uint8Array }> {
    if (this.nonceA.length === 0) await this.hello();
    const keys = derivePairingKeys(code, this.nonceC, this.nonceA, origin, this.instanceId);
    const res = await this.roundTrip({ v: 1, kind: 'req', id: `pair-${++this.seq}`, method: 'pair', params: { proof: Buffer.from(pairingProof(keys, this.nonceA, this.nonceC)).toString('base64'), label: 'vitest' } });
    if (res['ok'] !== true) throw deserializeError(res['error']);
    const r = res['result'] as { keyId: string; iv: string; sealedKey: string };
    return { keyId: r.keyId, key: openPairedKey(keys, new Uint8Array(Buffer.from(r.iv, 'base64')), new Uint8Array(Buffer.from(r.sealedKey, 'base64')), r.keyId, this.instanceId) };
  }

  /**
   * Sends a request and drives consent/PIN until the final `res`; returns it with every progress
   * frame seen.
   */
  async request(method: string, params: unknown, o: { id?: string; ctx?: unknown; deadlineMs?: number; consent?: ConsentPlan; onProgress?: (f: Frame) => void } = {}): Promise<{ res: Frame; progress: Frame[] }> {
    const id = o.id ?? `r-${++this.seq}-${randomBytes(3).toString('hex')}`;
    const progress: Frame[] = [];
    const pins = [...(o.consent?.pins ?? [])];
    this.send({ v: 1, kind: 'req', id, method, params, ...(o.ctx !== undefined && { ctx: o.ctx }), ...(o.deadlineMs !== undefined && { deadlineMs: o.deadlineMs }) });
    for (;;) {
      const f = await this.next((x) => x['id'] === id, 60_000);
      if (f['kind'] === 'res') return { res: f, progress };
      progress.push(f);
      o.onProgress?.(f);
      if (o.consent === undefined) continue;
      if (f['stage'] === 'awaiting_consent') {
        const approved = o.consent.approve ?? true;
        const pin = o.consent.pinWithConsent ? pins.shift() : undefined;
        const replyId = `${id}-c${++this.seq}`;
        this.acks.add(replyId);
        this.send({ v: 1, kind: 'req', id: replyId, method: 'consent.reply', params: { requestId: id, approved, ...(pin !== undefined && { pin }) } });
      } else if (f['stage'] === 'awaiting_pin') {
        const pin = pins.shift();
        const replyId = `${id}-p${++this.seq}`;
        this.acks.add(replyId);
        this.send({ v: 1, kind: 'req', id: replyId, method: 'consent.reply', params: { requestId: id, approved: pin !== undefined, ...(pin !== undefined && { pin }) } });
      }
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Pairs a fresh client with a running agent through `eseal pair` and returns its key. */
export async function pairedClient(agent: StartedAgent): Promise<{ client: TestClient; keyId: string; key: Uint8Array }> {
  const code = openPairingCode(agent.stateDir);
  const first = await TestClient.connect(agent.port);
  const { keyId, key } = await first.pair(code);
  first.close();
  const client = await TestClient.connect(agent.port);
  await client.authenticate(keyId, key);
  return { client, keyId, key };
}

export const digestItem = (n = 1) => ({
  itemId: `v${n}`,
  digest: { alg: 'SM3', value: Buffer.alloc(32, n).toString('base64') },
  propertyInfo: `/vouchers/2026-${String(n).padStart(4, '0')}`,
  display: { title: `财政直接支付凭证 2026-${String(n).padStart(4, '0')}` },
});
