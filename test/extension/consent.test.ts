// SPDX-License-Identifier: Apache-2.0
// The consent window end to end in Debian Chromium: built extension, REAL agent with its dev soft
// token, pairing through the options page. A portal page calls the SDK; the test acts as the user
// in the consent window (contract C DOM) and checks what the page, the window and the agent see:
// - before pairing: ERR_AGENT_NOT_PAIRED and no window;
// - a voucher (seal.sign): origin, title, pages, seal, signer, SM3 fingerprint shown; the PIN
//   typed in the window; the SES_Signature verifies (shared/seal, test PKI) over the data's SM3;
// - wrong PIN then right PIN: the retry round shows the error and the retries left;
// - Esc and closing the window reject (ERR_USER_CANCELLED);
// - a 20-item batch: one PIN, per-item results in the window and as page progress events;
// - a non-allowed origin is refused with no window; the page cannot read the PIN (no page-visible
//   message carries it, the window cannot be opened or framed by the page) and cannot forge its
//   origin (extra fields are refused; the window and the audit show the real origin);
// - sealPdf: the window renders the page with pdf.js and draws the seal at the rect; the sealed PDF
//   passes qpdf and verifies (shared/verify, test PKI);
// - agent stopped: ERR_AGENT_UNAVAILABLE, status says which part is missing;
// - restarted with policy pin.maxAgeDays and a key first seen long ago: the window warns that the
//   PIN should be changed.
// Screenshots of the window go to test-artifacts/.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditLines } from '../../agent/audit/AuditLog.js';
import { sm3 } from '../../shared/crypto/index.js';
import { verifySesSignature } from '../../shared/seal/index.js';
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import { loadTestPki } from '../support/testPki.js';
import { classicPdf, qpdfCheck } from '../shared/pdf/support/makePdf.js';
import { DEV_PIN } from '../agent/integration/harness.js';
import { ARTIFACTS, CHROMIUM, message, startConsentRig, text, type ConsentRig } from './consentSupport.js';

const SEAL = 'dev-official';

type Eseal = {
  sealData(item: unknown, o: unknown): Promise<Record<string, unknown>>;
  sealBatch(items: unknown[], o: unknown): Promise<Record<string, unknown>>;
  status(): Promise<Record<string, unknown>>;
  on(event: string, listener: (d: unknown) => void): () => void;
};

/** Starts `eseal.sealData` in the page (not awaited) and returns the settled outcome later. */
function startSealData(page: Page, item: unknown): Promise<{ ok: boolean; result?: Record<string, unknown>; code?: string; progress: Record<string, unknown>[] }> {
  return page.evaluate(async ({ item, sealId }) => {
    const w = window as unknown as { eseal: Eseal };
    const progress: Record<string, unknown>[] = [];
    try {
      const result = await w.eseal.sealData(item, { sealId, onProgress: (p: Record<string, unknown>) => progress.push(p) });
      return { ok: true, result, progress };
    } catch (e) {
      return { ok: false, code: (e as { code: string }).code, progress };
    }
  }, { item, sealId: SEAL });
}

const voucher = (n: number) => {
  const data = `财政直接支付凭证 2026-${String(n).padStart(4, '0')} 收款人 某某建设有限公司 金额 ${12345 + n}.67 元`;
  return {
    data: Buffer.from(data).toString('base64'),
    bytes: Buffer.from(data),
    item: { itemId: `v${n}`, data: Buffer.from(data).toString('base64'), propertyInfo: `/vouchers/2026-${String(n).padStart(4, '0')}`, display: { title: `财政直接支付凭证 2026-${String(n).padStart(4, '0')}`, docName: 'voucher.xml', pages: 1 } },
  };
};

describe.skipIf(!existsSync(CHROMIUM))('consent window end to end (Chromium + real agent + dev token)', () => {
  let rig: ConsentRig;
  /** Measured figures (recorded, not asserted): written to test-artifacts/consent-timings.json. */
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    rig = await startConsentRig();
  }, 90_000);

  afterAll(async () => {
    await rig?.close();
    if (Object.keys(timings).length > 0) writeFileSync(join(ARTIFACTS, 'consent-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  });

  it('before pairing: sealing says not paired, and no window opens', async () => {
    const page = await rig.portalPage();
    const pagesBefore = rig.context.pages().length;
    const outcome = await startSealData(page, voucher(1).item);
    expect(outcome).toMatchObject({ ok: false, code: 'ERR_AGENT_NOT_PAIRED' });
    const status = await page.evaluate(() => (window as unknown as { eseal: Eseal }).eseal.status());
    expect(status).toMatchObject({ agent: { connected: false, paired: false, error: { code: 'ERR_AGENT_NOT_PAIRED' } } });
    expect(rig.context.pages().length).toBe(pagesBefore);
    await page.close();
    await rig.pair();
  }, 60_000);

  it('a voucher: the window shows what is sealed; PIN in the window; the SES_Signature verifies', async () => {
    const page = await rig.portalPage();
    const v = voucher(1);
    const windowOpened = rig.nextConsentWindow();
    const t0 = Date.now();
    const outcome = startSealData(page, v.item);
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    timings['callToConsentWindowShownMs'] = Date.now() - t0;
    expect(await text(win, '#origin')).toBe(rig.portal);
    expect(await text(win, '#doc-title')).toContain('财政直接支付凭证 2026-0001');
    expect(await text(win, '#page-count')).toBe('1');
    expect(await text(win, '#seal-name')).not.toBe('');
    expect(await text(win, '#seal-type')).toContain(await message(win, 'consent_sealType_official'));
    expect(await win.getAttribute('#seal-picture', 'src')).toMatch(/^data:image\/png;base64,/);
    expect(await text(win, '#signer')).toContain('某某市财政局');
    // The agent sends the issuer and the start of validity: both shown, not the "—"/"until" fallbacks.
    expect(await text(win, '#signer')).toMatch(/\d{4}-\d{2}-\d{2} — \d{4}-\d{2}-\d{2}/);
    const hex = Buffer.from(sm3(new Uint8Array(v.bytes))).toString('hex').toUpperCase();
    expect((await text(win, '#fingerprint')).replace(/\s/g, '')).toBe(`SM3${hex}`);
    expect(await win.getAttribute('input#pin', 'type')).toBe('password');
    expect(await win.evaluate(() => document.activeElement?.id)).toBe('pin');
    await win.screenshot({ path: join(ARTIFACTS, 'consent-single.png') });
    await win.fill('#pin', DEV_PIN);
    const closed = win.waitForEvent('close', { timeout: 15_000 });
    const t1 = Date.now();
    await win.press('#pin', 'Enter');
    const r = await outcome;
    timings['approveToResultMs'] = Date.now() - t1;
    if (!r.ok) throw new Error(`sealData failed: ${String(r.code)}`);
    await closed; // the window closes at the end
    const result = r.result as { signature: string; sealId: string };
    expect(result.sealId).toBe(SEAL);
    expect(r.progress.map((p) => p['stage'])).toEqual(expect.arrayContaining(['awaiting_consent', 'signing']));
    const pki = await loadTestPki();
    const report = await verifySesSignature(new Uint8Array(Buffer.from(result.signature, 'base64')), { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], documentHash: sm3(new Uint8Array(v.bytes)) });
    expect(report.indication).toBe('TOTAL_PASSED');
    // What the page saw never contains the PIN (nor anything of the consent beyond stage names).
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen.join('\n'));
    expect(seen).toContain('eseal:sealData-result');
    expect(seen).not.toContain(DEV_PIN);
    expect(seen).not.toContain('retriesLeft');
    await page.close();
  }, 60_000);

  it('wrong PIN, then the right PIN: the retry shows the error and the retries left', async () => {
    const page = await rig.portalPage();
    const windowOpened = rig.nextConsentWindow();
    const outcome = startSealData(page, voucher(2).item);
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    await win.fill('#pin', '000000');
    await win.click('#approve');
    await win.waitForFunction(() => document.body.dataset['state'] === 'pin', undefined, { timeout: 15_000 });
    expect(await text(win, '#message')).toContain(await message(win, 'consent_pinWrong'));
    const retries = /\d+/.exec(await text(win, '#retries'))?.[0] ?? 'none';
    expect(await text(win, '#retries')).toBe(await message(win, 'consent_retriesLeft', retries));
    expect(await win.inputValue('#pin')).toBe(''); // the wrong PIN was cleared
    expect(await win.evaluate(() => document.activeElement?.id)).toBe('pin');
    await win.screenshot({ path: join(ARTIFACTS, 'consent-pin-retry.png') });
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    const r = await outcome;
    expect(r).toMatchObject({ ok: true, result: { sealId: SEAL } });
    expect(r.progress.map((p) => p['stage'])).toEqual(expect.arrayContaining(['awaiting_consent', 'awaiting_pin', 'signing']));
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen.join('\n'));
    expect(seen).not.toContain(DEV_PIN);
    expect(seen).not.toContain('000000');
    await page.close();
  }, 60_000);

  it('Esc rejects; closing the window rejects', async () => {
    const page = await rig.portalPage();
    let windowOpened = rig.nextConsentWindow();
    let outcome = startSealData(page, voucher(3).item);
    let win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    // Keyboard: the PIN field is labelled; Enter with no PIN approves nothing and says so.
    expect(await win.getByLabel(await message(win, 'consent_pin')).getAttribute('id')).toBe('pin');
    await win.press('#pin', 'Enter');
    expect(await text(win, '#message')).toBe(await message(win, 'consent_enterPin'));
    expect(await win.evaluate(() => document.body.dataset['state'])).toBe('review');
    expect(await win.evaluate(() => document.activeElement?.id)).toBe('pin');
    // The window closes itself on Esc, so the key press may not see its own completion.
    await win.press('#pin', 'Escape', { noWaitAfter: true }).catch(() => undefined);
    expect(await outcome).toMatchObject({ ok: false, code: 'ERR_USER_CANCELLED' });

    windowOpened = rig.nextConsentWindow();
    outcome = startSealData(page, voucher(4).item);
    win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    await win.close();
    expect(await outcome).toMatchObject({ ok: false, code: 'ERR_USER_CANCELLED' });
    await page.close();
  }, 60_000);

  it('a 20-item batch: one PIN, per-item results in the window and as page progress', async () => {
    const page = await rig.portalPage();
    const items = Array.from({ length: 20 }, (_, i) => voucher(100 + i).item);
    const windowOpened = rig.nextConsentWindow();
    const outcome = page.evaluate(async ({ items, sealId }) => {
      const w = window as unknown as { eseal: Eseal };
      const progress: Record<string, unknown>[] = [];
      const off = w.eseal.on('progress', (p) => progress.push(p as Record<string, unknown>));
      try {
        return { ok: true, result: await w.eseal.sealBatch(items, { sealId }), progress };
      } catch (e) {
        return { ok: false, code: (e as { code: string }).code, progress };
      } finally {
        off();
      }
    }, { items, sealId: SEAL });
    const win = await Promise.race([windowOpened, outcome.then((r) => Promise.reject(new Error(`sealBatch ended without a window: ${JSON.stringify(r)}`)))]);
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    expect(await win.locator('#batch-list li').count()).toBe(20);
    expect(await win.locator('#batch-list li[data-status="pending"]').count()).toBe(20);
    expect(await text(win, '#doc-title')).toContain('20');
    await win.fill('#pin', DEV_PIN);
    const t1 = Date.now();
    await win.press('#pin', 'Enter');
    await win.waitForFunction(() => document.body.dataset['state'] === 'done', undefined, { timeout: 30_000 });
    timings['batch20ApproveToDoneMs'] = Date.now() - t1;
    await win.screenshot({ path: join(ARTIFACTS, 'consent-batch.png') });
    expect(await win.locator('#batch-list li[data-status="ok"]').count()).toBe(20);
    expect(await win.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).value)).toBe(20);
    const r = await outcome;
    expect(r).toMatchObject({ ok: true, result: { total: 20, signed: 20, complete: true } });
    const itemEvents = r.progress.filter((p) => p['stage'] === 'item');
    expect(itemEvents.map((p) => p['itemId'])).toEqual(items.map((i) => i.itemId));
    expect(itemEvents.every((p) => p['ok'] === true && typeof p['signature'] === 'string' && p['action'] === 'sealBatch')).toBe(true);
    await page.close();
  }, 90_000);

  it('a host the policy does not list sees no extension (no content script), and no window opens', async () => {
    const page = await rig.portalPage(rig.otherOrigin);
    const opened: string[] = [];
    const onPage = (p: Page): void => {
      opened.push(p.url());
    };
    rig.context.on('page', onPage);
    const outcome = await startSealData(page, voucher(5).item);
    await page.waitForTimeout(500); // a window would have been created by now
    rig.context.off('page', onPage);
    expect(outcome).toMatchObject({ ok: false, code: 'ERR_EXTENSION_MISSING' });
    expect(opened).toEqual([]);
    await page.close();
  }, 30_000);

  it('the page cannot reach the PIN or the window, and cannot forge its origin', async () => {
    const page = await rig.portalPage();
    // 1. The consent page is not web-accessible: the page can neither frame nor fetch it.
    const reach = await page.evaluate(async (url) => {
      const out: string[] = [];
      try {
        await fetch(url);
        out.push('fetch-ok');
      } catch {
        out.push('fetch-blocked');
      }
      const frame = document.createElement('iframe');
      frame.src = url;
      document.body.append(frame);
      await new Promise((r) => setTimeout(r, 500));
      try {
        out.push(frame.contentDocument?.getElementById('pin') ? 'frame-readable' : 'frame-empty');
      } catch {
        out.push('frame-cross-origin');
      }
      const g = globalThis as unknown as { chrome?: { runtime?: { sendMessage?: unknown } } };
      out.push(typeof g.chrome?.runtime?.sendMessage === 'function' ? 'runtime-available' : 'runtime-absent');
      return out;
    }, `chrome-extension://${rig.extensionId}/consent.html#${'0'.repeat(32)}`);
    expect(reach).toEqual(['fetch-blocked', 'frame-empty', 'runtime-absent']);

    // 2. A forged request naming another origin: the strict schema refuses the extra field.
    const forged = await page.evaluate(async () => {
      const id = 'forge-1';
      return new Promise<unknown>((resolve) => {
        window.addEventListener('message', (e) => {
          const d = e.data as { action?: string; id?: string };
          if (d.id === id && d.action === 'eseal:sealData-result') resolve(d);
        });
        window.postMessage({ action: 'eseal:sealData', id, params: { sealId: 'dev-official', origin: 'https://www.gov.cn', item: { data: 'AAAA', propertyInfo: '/x', display: { title: 'x' } } } }, location.origin);
      });
    });
    expect(forged).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID' } });

    // 3. A title that claims another origin: the window shows the real one, the audit records it.
    const windowOpened = rig.nextConsentWindow();
    const outcome = startSealData(page, { ...voucher(6).item, display: { title: '来自 https://www.gov.cn 的凭证', pages: 1 } });
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    expect(await text(win, '#origin')).toBe(rig.portal);
    // A page listener sees nothing while the user types.
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    expect(await outcome).toMatchObject({ ok: true });
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen.join('\n'));
    expect(seen).not.toContain(DEV_PIN);
    const audit = [...readAuditLines(join(rig.agent.stateDir, 'audit'))].map((l) => JSON.parse(l.line.slice(65)) as { method: string; origin: string });
    const signs = audit.filter((a) => a.method === 'seal.sign');
    expect(signs.length).toBeGreaterThan(0);
    expect(new Set(signs.map((a) => a.origin))).toEqual(new Set([rig.portal]));
    await page.close();
  }, 60_000);

  it('sealPdf: the window previews the page with the seal; the sealed PDF verifies', async () => {
    const page = await rig.portalPage();
    const input = classicPdf();
    const windowOpened = rig.nextConsentWindow();
    const outcome = page.evaluate(async ({ pdf, sealId }) => {
      const w = window as unknown as { eseal: { sealPdf(r: unknown, o: unknown): Promise<{ document: Uint8Array } & Record<string, unknown>> } };
      try {
        const r = await w.eseal.sealPdf({ document: new Uint8Array(pdf), fileName: 'notice.pdf', title: '关于开展财政资金检查的通知', placement: { page: 1, x: 150, y: 60 } }, { sealId, reason: '同意' });
        let binary = '';
        for (const b of r.document) binary += String.fromCharCode(b);
        return { ok: true, document: btoa(binary), isBytes: r.document instanceof Uint8Array, page: r['page'], fieldName: r['fieldName'] };
      } catch (e) {
        return { ok: false, code: (e as { code: string }).code };
      }
    }, { pdf: [...input], sealId: SEAL });
    const win = await Promise.race([windowOpened, outcome.then((r) => Promise.reject(new Error(`sealPdf ended without a window: ${JSON.stringify(r)}`)))]);
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    expect(await text(win, '#origin')).toBe(rig.portal);
    expect(await text(win, '#doc-title')).toContain('关于开展财政资金检查的通知');
    expect(await text(win, '#page-count')).toBe('1');
    // pdf.js rendered page 1 into the canvas, with the seal drawn where it will go.
    await win.waitForFunction(() => document.getElementById('preview')?.dataset['rendered'] === '1', undefined, { timeout: 20_000 });
    const painted = await win.evaluate(() => {
      const c = document.getElementById('preview') as HTMLCanvasElement;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let red = 0;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b] = [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0];
        if (r > 150 && g < 90 && b < 90) red++;
        if (r < 80 && g < 80 && b < 80) dark++;
      }
      return { w: c.width, h: c.height, red, dark };
    });
    expect(painted.w).toBeGreaterThan(100);
    expect(painted.red).toBeGreaterThan(100); // the seal (and its frame)
    expect(painted.dark).toBeGreaterThan(50); // the page's text
    await win.screenshot({ path: join(ARTIFACTS, 'consent-pdf.png') });
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    const r = await outcome;
    if (!r.ok) throw new Error(`sealPdf failed: ${String(r.code)}`);
    expect(r).toMatchObject({ isBytes: true, page: 1, fieldName: 'Signature1' });
    const out = new Uint8Array(Buffer.from(r.document as string, 'base64'));
    expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true); // incremental
    expect(qpdfCheck(out).code).toBe(0);
    const pki = await loadTestPki();
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.signatures).toHaveLength(1);
    expect(report.indication).toBe('TOTAL_PASSED');
    await page.close();
  }, 90_000);

  it('agent not running: sealing says the agent is missing; status tells which part', async () => {
    await rig.agent.stop();
    const page = await rig.portalPage();
    const outcome = await startSealData(page, voucher(7).item);
    expect(outcome).toMatchObject({ ok: false, code: 'ERR_AGENT_UNAVAILABLE' });
    const status = await page.evaluate(() => (window as unknown as { eseal: Eseal }).eseal.status());
    expect(status).toMatchObject({ agent: { connected: false, error: { code: 'ERR_AGENT_UNAVAILABLE' } } });
    await page.close();
  }, 60_000);

  it('a PIN older than the policy allows: the window shows the change-PIN warning', async () => {
    const old = new Date(Date.now() - 400 * 24 * 3600 * 1000).toISOString();
    await rig.restartAgent({
      policy: { pin: { maxAgeDays: 90 } },
      // The agent keeps when it first saw each key in token-care.json: make that 400 days ago.
      edit: (stateDir) => {
        const file = join(stateDir, 'token-care.json');
        const records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { firstSeen: string; pinChanged?: string }>;
        expect(Object.keys(records).length).toBeGreaterThan(0);
        for (const r of Object.values(records)) {
          r.firstSeen = old;
          delete r.pinChanged;
        }
        writeFileSync(file, JSON.stringify(records));
      },
    });
    const page = await rig.portalPage();
    const windowOpened = rig.nextConsentWindow(30_000);
    const outcome = startSealData(page, voucher(8).item);
    const win = await windowOpened;
    await win.waitForFunction(() => document.body.dataset['state'] === 'review');
    expect(await win.isVisible('#pin-change')).toBe(true);
    expect(await text(win, '#pin-change')).toBe(await message(win, 'consent_pinChangeDue', '400'));
    await win.screenshot({ path: join(ARTIFACTS, 'consent-pin-change-due.png') });
    await win.press('#pin', 'Escape', { noWaitAfter: true }).catch(() => undefined);
    expect(await outcome).toMatchObject({ ok: false, code: 'ERR_USER_CANCELLED' });
    await page.close();
  }, 90_000);
});
