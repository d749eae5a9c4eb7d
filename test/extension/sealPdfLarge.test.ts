// SPDX-License-Identifier: Apache-2.0
// eseal.sealPdf with a document larger than one agent frame allows (> MAX_INLINE_BYTES), end to end:
// Debian Chromium with the built extension, the real agent (--dev soft token), the SDK in a portal
// page. The background uploads the PDF in chunks (doc.begin/put), the agent seals it after consent and
// PIN in the extension's window, the background reads the signed PDF back (doc.get) and the page gets
// `document: Uint8Array`; the result passes qpdf --check and verifyDocument (TOTAL_PASSED).
// sealPdf({url}): a relative URL on the page's own origin is downloaded by the extension with the
// site's cookie and sealed; a URL on another origin is ERR_POLICY_DENIED and never requested.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINE_BYTES } from '../../shared/protocol/methods.js';
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import { DEV_PIN } from '../agent/integration/harness.js';
import { buildPdf, onePageObjects, qpdfCheck } from '../shared/pdf/support/makePdf.js';
import { loadTestPki } from '../support/testPki.js';
import { CHROMIUM, startConsentRig, type ConsentRig } from './consentSupport.js';

let rig: ConsentRig;
const URL_PDF = buildPdf([...onePageObjects({ catalogExtra: ' /ESealPadding 6 0 R' }), { dict: '', data: new Uint8Array(randomBytes(64 * 1024)) }]);

beforeAll(async () => {
  rig = await startConsentRig({ files: { '/docs/contract.pdf': URL_PDF } });
  await rig.pair();
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

describe.skipIf(!existsSync(CHROMIUM))('sealPdf with a > 4 MiB PDF through the SDK', () => {
  it('chunked to the agent and back; the page gets the sealed bytes, which verify', async () => {
    const input = buildPdf([...onePageObjects({ catalogExtra: ' /ESealPadding 6 0 R' }), { dict: '', data: new Uint8Array(randomBytes(MAX_INLINE_BYTES + 2 * 1024 * 1024)) }]);
    expect(input.length).toBeGreaterThan(MAX_INLINE_BYTES);
    const page = await rig.portalPage();
    const windowOpened = rig.nextConsentWindow(30_000);
    const outcome = page.evaluate(
      async ({ pdf, sealId }) => {
        const w = window as unknown as { eseal: { sealPdf(r: unknown, o: unknown): Promise<{ document: Uint8Array } & Record<string, unknown>> } };
        const bin = atob(pdf);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        try {
          const r = await w.eseal.sealPdf({ document: bytes, fileName: 'large.pdf', title: '大文件盖章', placement: { page: 1, x: 150, y: 60 } }, { sealId });
          let out = '';
          for (let i = 0; i < r.document.length; i += 0x8000) out += String.fromCharCode(...r.document.subarray(i, i + 0x8000));
          return { ok: true, document: btoa(out), isBytes: r.document instanceof Uint8Array, keys: Object.keys(r) };
        } catch (e) {
          return { ok: false, code: (e as { code: string }).code, details: JSON.stringify((e as { details?: unknown }).details) };
        }
      },
      { pdf: Buffer.from(input).toString('base64'), sealId: 'dev-official' },
    );
    const win = await Promise.race([windowOpened, outcome.then((r) => Promise.reject(new Error(`sealPdf ended without a window: ${JSON.stringify(r)}`)))]);
    await win.waitForFunction(() => document.body.dataset['state'] === 'review', undefined, { timeout: 30_000 });
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    const r = await outcome;
    if (!r.ok) throw new Error(`sealPdf failed: ${String(r.code)}`);
    expect(r.isBytes).toBe(true);
    expect(r.keys).not.toContain('documentRef');
    const out = new Uint8Array(Buffer.from(r.document ?? '', 'base64'));
    expect(out.length).toBeGreaterThan(input.length);
    expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(qpdfCheck(out).code).toBe(0);
    const pki = await loadTestPki();
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.indication).toBe('TOTAL_PASSED');
    await page.close();
  }, 180_000);


  it('sealPdf({url}) on the page origin: downloaded with the site cookie, sealed, verifies', async () => {
    const page = await rig.portalPage();
    await page.evaluate(() => {
      document.cookie = 'portal_session=s3cr3t; path=/';
    });
    const before = rig.served.length;
    const windowOpened = rig.nextConsentWindow(30_000);
    const outcome = page.evaluate(async () => {
      const w = window as unknown as { eseal: { sealPdf(r: unknown, o: unknown): Promise<{ document: Uint8Array } & Record<string, unknown>> } };
      try {
        const r = await w.eseal.sealPdf({ url: 'docs/contract.pdf', title: '合同（URL）', placement: { page: 1, x: 150, y: 60 } }, { sealId: 'dev-official' });
        let out = '';
        for (let i = 0; i < r.document.length; i += 0x8000) out += String.fromCharCode(...r.document.subarray(i, i + 0x8000));
        return { ok: true, document: btoa(out) };
      } catch (e) {
        return { ok: false, code: (e as { code: string }).code };
      }
    });
    const win = await Promise.race([windowOpened, outcome.then((r) => Promise.reject(new Error(`sealPdf ended without a window: ${JSON.stringify(r)}`)))]);
    await win.waitForFunction(() => document.body.dataset['state'] === 'review', undefined, { timeout: 30_000 });
    await win.fill('#pin', DEV_PIN);
    await win.press('#pin', 'Enter');
    const r = await outcome;
    if (!r.ok) throw new Error(`sealPdf failed: ${String(r.code)}`);
    const fetched = rig.served.slice(before).filter((s) => s.path === '/docs/contract.pdf');
    expect(fetched.length).toBe(1);
    expect(fetched[0]?.cookie).toContain('portal_session=s3cr3t');
    const out = new Uint8Array(Buffer.from(r.document ?? '', 'base64'));
    expect(Buffer.from(out.subarray(0, URL_PDF.length)).equals(Buffer.from(URL_PDF))).toBe(true);
    expect(qpdfCheck(out).code).toBe(0);
    const pki = await loadTestPki();
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.indication).toBe('TOTAL_PASSED');
    await page.close();
  }, 120_000);

  it('sealPdf({url}) on another origin: ERR_POLICY_DENIED, nothing fetched, no window', async () => {
    const page = await rig.portalPage();
    const before = rig.served.length;
    let windows = 0;
    const count = (): void => void windows++;
    rig.context.on('page', count);
    const code = await page.evaluate(async (url) => {
      const w = window as unknown as { eseal: { sealPdf(r: unknown, o: unknown): Promise<unknown> } };
      try {
        await w.eseal.sealPdf({ url, title: 't', placement: { page: 1, x: 150, y: 60 } }, { sealId: 'dev-official' });
        return 'resolved';
      } catch (e) {
        return (e as { code: string }).code;
      }
    }, `${rig.otherOrigin}/docs/contract.pdf`);
    rig.context.off('page', count);
    expect(code).toBe('ERR_POLICY_DENIED');
    expect(rig.served.slice(before).map((s) => s.path)).not.toContain('/docs/contract.pdf');
    expect(windows).toBe(0);
    await page.close();
  }, 60_000);

});
