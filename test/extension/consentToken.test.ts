// SPDX-License-Identifier: Apache-2.0
// The consent window with ESeal's C SM2 PKCS#11 test token behind the REAL agent (Chromium, built
// extension, pairing as in e2e.test.ts):
// - the key is pulled mid-batch (the token's `removed` control file, created from the page's own
//   progress listener after the 3rd signed item): the page gets clean per-item results (signed,
//   failed, never attempted; `stopped` = ERR_TOKEN_REMOVED) and the window stays open showing them;
// - the page's `eseal.on('token.changed')` hears the key go and come back (agent events through the
//   content relay);
// - a token with a PIN pad: the window asks for no PIN, shows "请在USB KEY的密码键盘上输入PIN"
//   (or its English text) while the agent waits on the pad, and the seal is made.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestTokens, makeSm2TestTokenDir, removeDir, replug, tempDir, unplug } from '../test-tokens/testTokenSupport.js';
import { makeBoundSeal } from '../agent/integration/sealFixtures.js';
import { ARTIFACTS, CHROMIUM, message, startConsentRig, text, type ConsentRig } from './consentSupport.js';

const PIN = '123456';
const P11 = { serial: 'E000000000000031', seal: 'p11-e2e' };
const PAD = { serial: 'E000000000000032', seal: 'p11-e2e-pad' };

async function makeP11Token(dir: string, serial: string, sealLabel: string, extra: { pinpad?: boolean } = {}): Promise<void> {
  makeSm2TestTokenDir(dir, { label: `ESeal ${serial.slice(-2)}`, serial, profile: 'A', pin: PIN, ...extra, keys: [{ name: 'seal-sm2', curve: 'SM2', cn: `某某市财政局 (${serial})` }] });
  const der = await makeBoundSeal(new Uint8Array(readFileSync(join(dir, 'seal-sm2.cert.der'))), `某某市财政局（${serial}）`);
  const header = `#sm2testtoken-data\nlabel.hex=${Buffer.from(sealLabel).toString('hex')}\napplication.hex=${Buffer.from('ESeal').toString('hex')}\n\n`;
  writeFileSync(join(dir, 'seal1.data'), Buffer.concat([Buffer.from(header), der]));
}

const item = (i: number) => ({
  itemId: `item-${i}`,
  digest: { alg: 'SM3', value: Buffer.alloc(32, i % 250).toString('base64') },
  propertyInfo: `/vouchers/2026-${String(i).padStart(4, '0')}`,
  display: { title: `财政直接支付凭证 2026-${String(i).padStart(4, '0')}` },
});

describe.skipIf(!existsSync(CHROMIUM))('consent window with the C PKCS#11 test token (Chromium + real agent)', () => {
  let rig: ConsentRig;
  const dirs = { p11: '', pad: '' };

  beforeAll(async () => {
    const libs = buildTestTokens();
    dirs.p11 = tempDir('eseal-consent-p11-');
    dirs.pad = tempDir('eseal-consent-pad-');
    await makeP11Token(dirs.p11, P11.serial, P11.seal);
    await makeP11Token(dirs.pad, PAD.serial, PAD.seal, { pinpad: true });
    rig = await startConsentRig({
      agentPolicy: { token: { pkcs11Libraries: [libs.pkcs11] } },
      agentEnv: { SM2TESTTOKEN_DIR: [dirs.p11, dirs.pad].join(':') },
    });
    await rig.pair();
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
    for (const d of Object.values(dirs)) if (d !== '') removeDir(d);
  });

  it('key pulled mid-batch: clean per-item results for the page, and the window shows them', async () => {
    const page = await rig.portalPage();
    await page.exposeFunction('pullKey', () => unplug(dirs.p11));
    await page.evaluate(() => {
      const events: unknown[] = [];
      (window as unknown as { __tokenEvents: unknown[] }).__tokenEvents = events;
      (window as unknown as { eseal: { on(e: string, l: (d: unknown) => void): () => void } }).eseal.on('token.changed', (d) => events.push(d));
    });
    const total = 1000;
    const items = Array.from({ length: total }, (_, i) => item(i));
    const windowOpened = rig.nextConsentWindow();
    const outcome = page.evaluate(async ({ items, sealId, tokenSerial }) => {
      const w = window as unknown as { eseal: { sealBatch(i: unknown[], o: unknown): Promise<Record<string, unknown>> }; pullKey(): Promise<void> };
      let signedSeen = 0;
      const progress: Record<string, unknown>[] = [];
      try {
        const result = await w.eseal.sealBatch(items, {
          sealId,
          tokenSerial,
          onProgress: (p: Record<string, unknown>) => {
            progress.push(p);
            if (p['stage'] === 'item' && p['ok'] === true && ++signedSeen === 3) void w.pullKey();
          },
        });
        return { ok: true, result, progress };
      } catch (e) {
        return { ok: false, code: (e as { code: string }).code, progress };
      }
    }, { items, sealId: P11.seal, tokenSerial: P11.serial });
    const win = await Promise.race([windowOpened, outcome.then((r) => Promise.reject(new Error(`sealBatch ended without a window: ${JSON.stringify(r).slice(0, 300)}`)))]);
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    expect(await win.locator('#batch-list li').count()).toBe(total);
    await win.fill('#pin', PIN);
    await win.press('#pin', 'Enter');
    const r = await outcome;
    if (!r.ok) throw new Error(`sealBatch failed: ${String(r.code)}`);
    const result = r.result as { total: number; signed: number; complete: boolean; stopped?: { code: string }; items: { itemId: string; ok: boolean; attempted?: boolean; error?: { code: string } }[] };
    expect(result).toMatchObject({ total, complete: false, stopped: { code: 'ERR_TOKEN_REMOVED' } });
    expect(result.signed).toBeGreaterThanOrEqual(3);
    expect(result.signed).toBeLessThan(total);
    expect(result.items.map((i) => i.itemId)).toEqual(items.map((i) => i.itemId));
    // Signed items first, then one failed attempt (the pull), then the rest never attempted.
    expect(result.items.slice(0, result.signed).every((i) => i.ok)).toBe(true);
    const rest = result.items.slice(result.signed);
    expect(rest.every((i) => !i.ok && i.error?.code === 'ERR_TOKEN_REMOVED')).toBe(true);
    expect(rest.filter((i) => i.attempted !== false).length).toBeLessThanOrEqual(1);
    // The page saw each signed item as progress, with its signature.
    const itemEvents = r.progress.filter((p) => p['stage'] === 'item' && p['ok'] === true);
    expect(itemEvents.length).toBe(result.signed);
    // The window stays open with the outcome per item and the reason.
    await win.waitForFunction(() => document.body.dataset['state'] === 'done', undefined, { timeout: 15_000 });
    expect(await win.locator('#batch-list li[data-status="ok"]').count()).toBe(result.signed);
    expect(await win.locator('#batch-list li[data-status="failed"]').count()).toBe(total - result.signed);
    expect(await text(win, '#message')).toContain('ERR_TOKEN_REMOVED');
    expect(await text(win, '#message')).toContain(await message(win, 'consent_batchPartial', String(result.signed), String(total)));
    await win.screenshot({ path: join(ARTIFACTS, 'consent-batch-key-pulled.png') });
    expect(win.isClosed()).toBe(false);
    await win.click('#reject'); // "close"
    await win.waitForEvent('close', { timeout: 5_000 }).catch(() => undefined);
    expect(win.isClosed()).toBe(true);
    replug(dirs.p11);
    // Agent events reach the page: the key went away and came back.
    const heard = async (type: string): Promise<boolean> =>
      page.evaluate(({ type, serial }) => (window as unknown as { __tokenEvents: { type?: string; serial?: string }[] }).__tokenEvents.some((e) => e.type === type && e.serial === serial), { type, serial: P11.serial });
    await expect.poll(() => heard('removed'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => heard('inserted'), { timeout: 20_000 }).toBe(true);
    await page.close();
  }, 120_000);

  it('a PIN pad token: no PIN field, the window says to use the pad, and the seal is made', async () => {
    writeFileSync(join(dirs.pad, 'pinpad-input'), `${PIN}\n`); // what the user "types" on the pad
    const page = await rig.portalPage();
    const windowOpened = rig.nextConsentWindow();
    const outcome = page.evaluate(async ({ it, sealId, tokenSerial }) => {
      const w = window as unknown as { eseal: { sealData(i: unknown, o: unknown): Promise<Record<string, unknown>> } };
      const stages: unknown[] = [];
      try {
        await w.eseal.sealData(it, { sealId, tokenSerial, onProgress: (p: { stage: string }) => stages.push(p.stage) });
        return { ok: true, stages };
      } catch (e) {
        return { ok: false, code: (e as { code: string }).code, stages };
      }
    }, { it: item(7), sealId: PAD.seal, tokenSerial: PAD.serial });
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    // Record every state and message the window goes through, in the test process (no race with
    // the window closing at the end).
    const trail: string[] = [];
    await win.exposeFunction('noteState', (entry: string) => void trail.push(entry));
    await win.evaluate(() => {
      const note = (window as unknown as { noteState: (e: string) => void }).noteState;
      new MutationObserver(() => note(`${document.body.dataset['state'] ?? ''}|${document.getElementById('message')?.textContent ?? ''}`)).observe(document.body, { attributes: true, subtree: true, childList: true, characterData: true });
    });
    expect(await win.isVisible('#pin')).toBe(false);
    expect(await text(win, '#message')).toBe(await message(win, 'consent_pinpadAfter'));
    const padPrompt = `pinpad|${await message(win, 'consent_pinpad')}`;
    await win.click('#approve');
    const r = await outcome;
    expect(r).toMatchObject({ ok: true });
    expect(r.stages).toEqual(expect.arrayContaining(['awaiting_consent', 'awaiting_pinpad', 'signing']));
    expect(trail).toContain(padPrompt);
    await page.close();
  }, 60_000);
});
