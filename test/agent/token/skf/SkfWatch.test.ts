// SPDX-License-Identifier: Apache-2.0
/**
 * SkfTokenProvider.watch() against libsoftskf.so: SKF_WaitForDevEvent runs through koffi's `.async`
 * on a pool thread (a timer on the event loop keeps firing while it blocks), reports removal then
 * insertion, and stop()/close() cancel it with SKF_CancelWaitForDevEvent promptly, leaving nothing
 * that keeps a process alive (checked in a child process, with a negative control).
 *
 * One device per process (libsoftskf reads SOFTSKF_DIR once), so this file has its own device.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkfTokenProvider } from '../../../../agent/token/skf/SkfTokenProvider.js';
import type { TokenEvent } from '../../../../agent/token/TokenProvider.js';
import { REPO_ROOT, buildTestTokens, makeSoftSkfDir, removeDir, replug, tempDir, unplug } from '../../../test-tokens/testTokenSupport.js';

const SERIAL = 'SKF-W-0001';
const LABEL = '监视测试';

let root = '';
let dir = '';
let library = '';
let provider: SkfTokenProvider;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a device event');
    await sleep(10);
  }
}

beforeAll(() => {
  library = buildTestTokens().skf;
  root = tempDir('eseal-skf-watch-');
  dir = join(root, 'dev');
  makeSoftSkfDir(dir, { label: LABEL, serial: SERIAL, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: 'watch' }] });
  process.env.SOFTSKF_DIR = dir;
  provider = new SkfTokenProvider({ library });
});

afterAll(async () => {
  await provider.close();
  removeDir(root);
});

describe('SkfTokenProvider.watch (SKF_WaitForDevEvent via koffi .async)', () => {
  it('reports removed then inserted while a timer on the event loop keeps firing', async () => {
    const session = await provider.open({ serial: SERIAL });
    await session.login('123456');
    const events: TokenEvent[] = [];
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 10);
    const watcher = provider.watch((e) => events.push(e));
    try {
      await sleep(250);
      expect(events).toEqual([]);
      // The native wait is blocked all this time; the JS thread was not.
      expect(ticks).toBeGreaterThan(10);

      unplug(dir);
      await until(() => events.length === 1);
      expect(events[0]).toMatchObject({ type: 'removed', token: { backend: 'skf', serial: SERIAL, label: LABEL, present: false } });
      // The open session learnt of the removal from the event: it fails fast.
      await expect(session.listCertificates()).rejects.toMatchObject({ code: 'ERR_TOKEN_REMOVED' });

      const ticksBeforeInsert = ticks;
      await sleep(100);
      expect(ticks).toBeGreaterThan(ticksBeforeInsert + 4); // waiting again, still off the JS thread
      replug(dir);
      await until(() => events.length === 2);
      expect(events[1]).toMatchObject({ type: 'inserted', token: { serial: SERIAL, label: LABEL, present: true, pinRetriesLeft: 6 } });
    } finally {
      clearInterval(timer);
      const t0 = performance.now();
      watcher.stop();
      await watcher.done;
      expect(performance.now() - t0).toBeLessThan(500);
    }
    await session.close();
    expect(events).toHaveLength(2);
  });

  it('stop() cancels promptly; SKF_CancelWaitForDevEvent wakes every waiter, the other watcher waits again', async () => {
    const a: TokenEvent[] = [];
    const b: TokenEvent[] = [];
    const wa = provider.watch((e) => a.push(e));
    const wb = provider.watch((e) => b.push(e));
    await sleep(100);
    const t0 = performance.now();
    wa.stop();
    await wa.done;
    expect(performance.now() - t0).toBeLessThan(500);
    await sleep(100);
    unplug(dir);
    await until(() => b.length === 1);
    replug(dir);
    await until(() => b.length === 2);
    expect(b.map((e) => e.type)).toEqual(['removed', 'inserted']);
    expect(a).toEqual([]);
    const t1 = performance.now();
    await provider.close(); // stops wb and waits for its native call to return
    expect(performance.now() - t1).toBeLessThan(500);
    await wb.done;
  });

  it('deviceEvents: poll reports the same events from SKF_EnumDev, and stops at once', async () => {
    const polling = new SkfTokenProvider({ library, deviceEvents: 'poll' });
    const events: TokenEvent[] = [];
    const watcher = polling.watch((e) => events.push(e), 25);
    await sleep(100);
    unplug(dir);
    await until(() => events.length === 1);
    replug(dir);
    await until(() => events.length === 2);
    expect(events.map((e) => [e.type, e.token.serial])).toEqual([['removed', SERIAL], ['inserted', SERIAL]]);
    const t0 = performance.now();
    watcher.stop();
    await watcher.done;
    expect(performance.now() - t0).toBeLessThan(200);
    await polling.close();
  });

  it('after provider.close() nothing keeps the process alive (child process; negative control without close)', () => {
    const probeDir = join(root, 'probe-dev');
    makeSoftSkfDir(probeDir, { serial: 'SKF-PROBE', keys: [] });
    const outfile = join(REPO_ROOT, 'test-tokens', 'build', `skf-watch-probe-${process.pid}.mjs`);
    buildSync({ entryPoints: [join(REPO_ROOT, 'test/agent/token/skf/fixtures/watchExitProbe.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['koffi'], outfile, logLevel: 'silent' });
    try {
      const env = { ...process.env, SOFTSKF_DIR: probeDir };
      const closed = spawnSync(process.execPath, [outfile, library, 'SKF-PROBE', 'close'], { env, encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
      expect(closed.stderr).toBe('');
      expect(closed.stdout).toBe('close done\n');
      expect(closed.signal).toBeNull();
      expect(closed.status).toBe(0);

      const leaked = spawnSync(process.execPath, [outfile, library, 'SKF-PROBE', 'leak'], { env, encoding: 'utf8', timeout: 1500, killSignal: 'SIGKILL' });
      expect(leaked.stdout).toBe('leak done\n');
      expect(leaked.signal).toBe('SIGKILL'); // the pending wait kept it alive until killed
    } finally {
      rmSync(outfile, { force: true });
    }
  });
});
