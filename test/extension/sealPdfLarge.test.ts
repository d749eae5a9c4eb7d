// SPDX-License-Identifier: Apache-2.0
// eseal.sealPdf with a document larger than one agent frame allows (> MAX_INLINE_BYTES), end to end:
// Debian Chromium with the built extension, the real agent (--dev soft token), the SDK in a portal
// page. The background uploads the PDF in chunks (doc.begin/put), the agent seals it after consent and
// PIN in the extension's window, the background reads the signed PDF back (doc.get) and the page gets
// `document: Uint8Array`; the result passes qpdf --check and verifyDocument (TOTAL_PASSED).
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

beforeAll(async () => {
  rig = await startConsentRig();
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

});
