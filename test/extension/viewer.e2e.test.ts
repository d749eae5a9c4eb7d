// SPDX-License-Identifier: Apache-2.0
// The viewer end to end in Debian Chromium with the built extension: documents served by a local
// portal (an origin the development policy allows for `verify`), opened with viewer.html?src=, the
// file picker, and by navigating to a PDF (intercepted). Badges (`.seal-badge[data-status]`) and panel
// entries (`.signature-entry`) are checked against the results the samples' README states, and for
// PDFs signed here with the test PKI through the shared writer (ECDSA CMS, SM2 SES_Signature):
// clean, tampered, and annotated after signing. First in the browser alone (no trust anchors →
// unknown for good signatures), then with a REAL agent paired through the options page whose policy
// names the test PKI as trust anchors (→ valid). Screenshots go to test-artifacts/viewer/.
import { waitForPortalScripts } from './contentScriptsSupport.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';
import { loadTestPki } from '../support/testPki.js';
import { DEV_TOKEN_PIN, ensureDevSetup } from '../../agent/dev/devSetup.js';
import { testPkiDir } from '../support/testPki.js';
import { AGENT, ensureAgentBuilt, EXT_ORIGIN, freePort, startAgent, type StartedAgent } from '../agent/integration/harness.js';
import { drawSealPng } from '../../agent/dev/sealPicture.js';
import { preparePdfSignature, sealPictureAppearance } from '../../shared/pdf/index.js';
import { sm3 } from '../../shared/crypto/sm3.js';
import { detachedCms, makeTestPki } from '../shared/cms/cmsBuilder.js';
import { classicPdf } from '../shared/pdf/support/makePdf.js';
import { addAnnotation, signWith } from '../shared/verify/pdfFixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const SAMPLES = join(repoRoot, 'test/fixtures/samples/ofd');
const ARTIFACTS = join(repoRoot, 'test-artifacts/viewer');
/** A real multi-page PDF on Debian (36 pages), concatenated into a long document. */
const MANUAL = '/usr/share/doc/libtasn1-doc/libtasn1.pdf';

/** Badge per signature, in document order, as test/fixtures/samples/README.md states (no trust anchor). */
const OFD_EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'gomain-jiangsu-tax-v4.ofd': ['unknown'],
  'kinggrid-v4-invoice.ofd': ['unknown'],
  'dianju-v4-signvalue-name.ofd': ['unknown'],
  'gomain-two-digital-signs-gmt0010.ofd': ['unknown', 'unknown'],
  'gomain-yunnan-v4-two-seals.ofd': ['invalid', 'invalid'],
  'dms360-v1-seal.ofd': ['invalid'],
  'ofdrw-v4-seal.ofd': ['invalid'],
  'ofdrw-v4-riding-seal.ofd': ['unknown'],
};

describe.skipIf(!existsSync(CHROMIUM))('viewer in Chromium (built extension)', () => {
  let context: BrowserContext;
  let worker: Worker;
  let server: Server;
  let agent: StartedAgent | undefined;
  let port = 0;
  let portal = '';
  let extensionId = '';
  let profile = '';
  let extDir = '';
  const pdfs = new Map<string, Uint8Array>();
  let cmsPki: ReturnType<typeof makeTestPki> | undefined;
  let pkiOfd: Uint8Array | undefined;

  beforeAll(async () => {
    // Signed here with the test PKI: ECDSA P-256 CMS, SM2 SES_Signature; tampered and annotated copies.
    const p256 = await signWith(classicPdf(), 'p256', { fieldName: 'Approval' });
    // The SES seal with its picture drawn in the widget (the shared appearance writer), so the badge
    // sits over a visible seal as a reader would show it.
    const ses = await signWith(classicPdf(), 'ses', { fieldName: 'Seal 1', rect: [380, 640, 493, 753], appearance: sealPictureAppearance({ type: 'png', data: drawSealPng(160), widthMm: 40, heightMm: 40 }) });
    const tampered = p256.bytes.slice();
    const at = new TextDecoder('latin1').decode(tampered).indexOf('Hello ESeal');
    tampered[at] = 0x4a; // 'H' → 'J' inside the signed range
    if (existsSync(MANUAL)) {
      // ~1000 pages (28 copies of the libtasn1 manual, by qpdf), signed on its last page.
      const dir = mkdtempSync(join(tmpdir(), 'eseal-viewer-long-'));
      try {
        execFileSync('qpdf', ['--empty', '--pages', ...Array<string>(28).fill(MANUAL), '--', join(dir, 'long.pdf')]);
        const long = new Uint8Array(readFileSync(join(dir, 'long.pdf')));
        pdfs.set('long.pdf', (await signWith(long, 'p256', { fieldName: 'LastPage', page: 28 * 36 - 1, rect: [400, 80, 520, 180] })).bytes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // A signature field laid out but never signed (zero /Contents), with the seal picture drawn.
    const unsigned = preparePdfSignature(classicPdf(), { page: 0, rect: [380, 640, 493, 753], fieldName: 'Blank', signingTime: new Date(), contentsReserveBytes: 4096, subFilter: 'adbe.pkcs7.detached', appearance: sealPictureAppearance({ type: 'png', data: drawSealPng(160), widthMm: 40, heightMm: 40 }) }).bytes;
    pdfs.set('unsigned.pdf', unsigned);
    // Sealed by the agent's own code: `eseal pdf seal` on the development SM2 software token (its
    // certificates come from the test PKI), the demo portal's Chinese notice at a chosen position.
    {
      await ensureAgentBuilt();
      const dir = mkdtempSync(join(tmpdir(), 'eseal-viewer-cli-'));
      try {
        process.env['ESEAL_DEV_PKI'] = testPkiDir();
        await ensureDevSetup(join(dir, 'state'));
        const notice = join(repoRoot, 'demo/public/notice.pdf');
        const input = join(dir, 'in.pdf');
        cpSync(existsSync(notice) ? notice : join(dir, 'missing'), input);
        const env: NodeJS.ProcessEnv = { ...process.env, ESEAL_DEV_PKI: testPkiDir(), ESEAL_PIN: DEV_TOKEN_PIN };
        const out = join(dir, 'agent-sealed.pdf');
        const r = spawnSync(process.execPath, [AGENT, 'pdf', 'seal', input, out, '--seal', 'dev-official', '--state-dir', join(dir, 'state'), '--page', '1', '--at', '150,240'], { encoding: 'utf8', env });
        if (r.status !== 0) throw new Error(`eseal pdf seal failed: ${r.stderr}`);
        const sealed = new Uint8Array(readFileSync(out));
        pdfs.set('agent-sealed.pdf', sealed);
        // Tampered: one byte of the first page's content changed inside the signed range.
        const bad = sealed.slice();
        const at = new TextDecoder('latin1').decode(bad).indexOf('stream') + 20;
        if (at < 20) throw new Error('no stream in the sealed PDF');
        bad[at] = (bad[at] ?? 0) ^ 0x01;
        pdfs.set('agent-sealed-tampered.pdf', bad);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    pdfs.set('p256.pdf', p256.bytes).set('ses.pdf', ses.bytes).set('tampered.pdf', tampered).set('annotated.pdf', addAnnotation(ses.bytes));

    // The page SDK as portals get it (dist/sdk/eseal-sdk.js): window.eseal.openViewer.
    const pageScript = readFileSync(join(repoRoot, 'dist/sdk/eseal-sdk.js'), 'utf8');

    port = await freePort();
    portal = `http://localhost:${port}`;
    server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
      if (path === '/openViewer.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(pageScript);
      if (path === '/portal.html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><meta charset="utf-8"><title>portal</title><script src="/openViewer.js"></script><p>门户</p>');
      if (path === '/signed/test-pki.ofd' && pkiOfd) return res.writeHead(200, { 'content-type': 'application/ofd' }).end(pkiOfd);
      const ofd = /^\/ofd\/([\w.-]+\.ofd)$/.exec(path)?.[1];
      if (ofd && existsSync(join(SAMPLES, ofd))) return res.writeHead(200, { 'content-type': 'application/ofd' }).end(readFileSync(join(SAMPLES, ofd)));
      const pdf = /^\/pdf\/([\w.-]+\.pdf)$/.exec(path)?.[1];
      const bytes = pdf === undefined ? undefined : pdfs.get(pdf);
      if (bytes) return res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(bytes.length) }).end(bytes);
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

    // A private copy of the built extension: other builds may replace dist/ while this runs.
    const built = builtExtensionDir('chrome');
    if (!existsSync(join(built, 'viewer.html'))) throw new Error('the built extension has no viewer.html: run node scripts/build.mjs extension');
    extDir = mkdtempSync(join(tmpdir(), 'eseal-viewer-ext-'));
    cpSync(built, extDir, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'eseal-viewer-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false,
      locale: 'zh-CN',
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`, '--lang=zh-CN',
      ],
    });
    worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    extensionId = new URL(worker.url()).host;
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await agent?.stop();
    for (const d of [profile, extDir, cmsPki?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function setPolicy(agentPort: number): Promise<void> {
    await worker.evaluate(
      async (devPolicy) => {
        await (globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }).chrome.storage.local.set({ devPolicy });
      },
      { agentPort, portals: [{ origin: portal, actions: ['status', 'verify'] }], development: { allowHttpLocalhost: true } },
    );
    await waitForPortalScripts(worker, 'http://localhost/*');
  }

  const viewerUrl = (src: string) => `chrome-extension://${extensionId}/viewer.html?src=${encodeURIComponent(src)}`;

  async function settled(page: Page): Promise<string> {
    await page.waitForFunction(() => ['ready', 'error', 'empty'].includes(document.body.dataset['state'] ?? ''), null, { timeout: 60_000 });
    return (await page.evaluate(() => document.body.dataset['state'])) ?? '';
  }

  async function badges(page: Page): Promise<{ id: string; status: string; onPage: boolean }[]> {
    return page.$$eval('.seal-badge', (els) => els.map((e) => ({ id: (e as HTMLElement).dataset['signatureId'] ?? '', status: (e as HTMLElement).dataset['status'] ?? '', onPage: e.closest('.page') !== null })));
  }

  /** Console lines about the CSP (an eval or remote code attempt would show here). */
  const cspViolations: string[] = [];

  async function open(src: string, shot?: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|unsafe-eval/i.test(msg.text())) cspViolations.push(msg.text());
    });
    await page.goto(viewerUrl(src));
    expect(await settled(page), await page.textContent('#status-line') ?? '').toBe('ready');
    if (shot) await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: false });
    return page;
  }

  describe('in the browser alone (agent not running: no trust anchors)', () => {
    beforeAll(async () => {
      await setPolicy(await freePort()); // nothing listens there
    });

    it.each(Object.keys(OFD_EXPECTED))('OFD %s: badges as the README states, one panel entry per signature', async (name) => {
      const page = await open(`${portal}/ofd/${name}`, `ofd-${name.replace(/\.ofd$/, '')}.png`);
      const expected = OFD_EXPECTED[name] ?? [];
      expect((await badges(page)).map((b) => b.status)).toEqual(expected);
      expect(await page.$$eval('.signature-entry', (els) => els.map((e) => (e as HTMLElement).dataset['status']))).toEqual(expected);
      expect(await page.evaluate(() => document.body.dataset['verifiedBy'])).toBe('browser');
      expect(await page.evaluate(() => document.body.dataset['kind'])).toBe('ofd');
      await page.close();
    });

    it('seal pictures are shown for OFD seals: a PNG picture, and an OFD vector picture', async () => {
      const page = await open(`${portal}/ofd/dianju-v4-signvalue-name.ofd`);
      const size = await page.$eval('.seal-card img.seal-picture', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
      expect(size[0]).toBeGreaterThan(10);
      await page.close();
      // An OFD vector seal picture, drawn through pdf.js (vectorSeal.ts).
      const vector = await open(`${portal}/ofd/gomain-jiangsu-tax-v4.ofd`);
      await vector.waitForFunction(() => (document.querySelector<HTMLImageElement>('.seal-card img.seal-picture')?.naturalWidth ?? 0) > 0, null, { timeout: 20_000 });
      expect(await vector.$$('.picture-note')).toHaveLength(0);
      await vector.screenshot({ path: join(ARTIFACTS, 'ofd-vector-seal-picture.png') });
      await vector.close();
    });

    it('PDFs: the badge sits over the signature widget on the rendered page; tampered → invalid; good → unknown', async () => {
      const good = await open(`${portal}/pdf/p256.pdf`, 'pdf-p256-browser.png');
      expect(await badges(good)).toEqual([{ id: 'Approval', status: 'unknown', onPage: true }]);
      expect(await good.evaluate(() => document.querySelector<HTMLElement>('.page')?.dataset['rendered'])).toBe('true');
      // The canvas has ink (pdf.js drew the page, "Hello ESeal").
      const ink = await good.$eval('.page-canvas', (c) => {
        const cv = c as HTMLCanvasElement;
        const d = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray();
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if ((d[i] ?? 255) < 128) dark++;
        return dark;
      });
      expect(ink).toBeGreaterThan(100);
      // Keyboard: the badge takes focus, Enter highlights its entry in the panel.
      await good.focus('.seal-badge');
      await good.keyboard.press('Enter');
      expect(await good.getAttribute('.signature-entry[data-signature-id="Approval"]', 'class')).toContain('highlight');
      await good.close();
      // A seal picture in a field that was never signed is badged too, and not as valid.
      const blank = await open(`${portal}/pdf/unsigned.pdf`, 'pdf-unsigned-field.png');
      const blankBadges = await badges(blank);
      expect(blankBadges).toHaveLength(1);
      expect(blankBadges[0]).toMatchObject({ id: 'Blank', onPage: true });
      expect(['invalid', 'unknown']).toContain(blankBadges[0]?.status);
      await blank.close();
      const bad = await open(`${portal}/pdf/tampered.pdf`, 'pdf-tampered.png');
      expect(await badges(bad)).toEqual([{ id: 'Approval', status: 'invalid', onPage: true }]);
      expect(await bad.getAttribute('.signature-entry', 'data-change')).toBe('modified');
      await bad.close();
    });

    it.skipIf(!existsSync(MANUAL))('a 1008-page PDF: every page laid out, the badge on the last page, first page drawn', async () => {
      const started = Date.now();
      const page = await open(`${portal}/pdf/long.pdf`);
      const ms = Date.now() - started;
      expect(await page.$$eval('.page', (els) => els.length)).toBe(1008);
      expect(await badges(page)).toEqual([{ id: 'LastPage', status: 'unknown', onPage: true }]);
      expect(await page.$eval('.seal-badge', (b) => (b.closest('.page') as HTMLElement).dataset['page'])).toBe('1007');
      // Pages are drawn only when scrolled into view.
      const drawn = await page.$$eval('.page[data-rendered="true"]', (els) => els.length);
      expect(drawn).toBeGreaterThan(0);
      expect(drawn).toBeLessThan(20);
      await page.$eval('.seal-badge', (b) => b.scrollIntoView());
      await page.waitForFunction(() => document.querySelector('.seal-badge')?.closest<HTMLElement>('.page')?.dataset['rendered'] === 'true', null, { timeout: 30_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'pdf-long-last-page.png') });
      console.log(`viewer: ${pdfs.get('long.pdf')?.length ?? 0} bytes, 1008 pages → ready in ${ms} ms (open, verify, lay out every page, draw the first)`);
      await page.close();
    });

    it('a local file through the picker; the language switch shows English', async () => {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/viewer.html`);
      expect(await settled(page)).toBe('empty');
      await page.setInputFiles('#file-input', join(SAMPLES, 'gomain-yunnan-v4-two-seals.ofd'));
      await page.waitForFunction(() => document.body.dataset['state'] === 'ready', null, { timeout: 60_000 });
      expect((await badges(page)).map((b) => b.status)).toEqual(['invalid', 'invalid']);
      expect(await page.textContent('#overall')).toBe('至少一个签章/签名无效');
      await page.click('#lang-toggle');
      await expect.poll(() => page.textContent('#overall')).toBe('At least one seal or signature is invalid');
      expect(await page.textContent('.signature-entry dd[data-row="changed"]')).toBe('Yes: content protected by the signature was modified (the signature is broken)');
      await page.screenshot({ path: join(ARTIFACTS, 'ofd-yunnan-english.png') });
      await page.close();
    });

    it('a document handed over by a portal (parked in storage.session by the background) opens once by its id', async () => {
      const bytes = readFileSync(join(SAMPLES, 'ofdrw-v4-seal.ofd')).toString('base64');
      await worker.evaluate(
        async (v) => {
          await (globalThis as unknown as { chrome: { storage: { session: { set(v: unknown): Promise<void> } } } }).chrome.storage.session.set({ 'viewerDoc:0123456789abcdef': v });
        },
        { document: bytes, fileName: 'from-portal.ofd', origin: portal },
      );
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/viewer.html?doc=0123456789abcdef`);
      expect(await settled(page)).toBe('ready');
      expect((await badges(page)).map((b) => b.status)).toEqual(['invalid']);
      expect(await page.textContent('#source')).toContain(portal);
      // One time only: a reload finds nothing.
      await page.reload();
      expect(await settled(page)).toBe('error');
      expect(await page.textContent('#status-line')).toContain('ERR_INPUT_INVALID');
      await page.close();
    });

    it('eseal.openViewer from an allowed portal opens a viewer tab on the document; another origin is refused without a tab', async () => {
      const b64 = readFileSync(join(SAMPLES, 'gomain-yunnan-v4-two-seals.ofd')).toString('base64');
      const call = (p: Page) => p.evaluate(async (d) => {
        const w = window as unknown as { eseal: { openViewer(i: unknown): Promise<unknown> } };
        try {
          return await w.eseal.openViewer({ document: d, fileName: 'yunnan.ofd' });
        } catch (e) {
          return { code: (e as { code?: string }).code };
        }
      }, b64);
      const page = await context.newPage();
      await page.goto(`${portal}/portal.html`);
      const [viewer, result] = await Promise.all([context.waitForEvent('page', { timeout: 15_000 }), call(page)]);
      expect(result).toEqual({ opened: true });
      expect(viewer.url()).toMatch(/viewer\.html\?doc=[0-9a-f]{32}$/);
      expect(await settled(viewer)).toBe('ready');
      expect((await badges(viewer)).map((b) => b.status)).toEqual(['invalid', 'invalid']);
      await viewer.screenshot({ path: join(ARTIFACTS, 'sdk-open-viewer.png') });
      await viewer.close();
      await page.close();
      const pagesBefore = context.pages().length;
      const other = await context.newPage();
      await other.goto(`http://127.0.0.1:${port}/portal.html`);
      // 127.0.0.1 is not in the policy: no content script there, the extension looks absent.
      expect(await call(other)).toEqual({ code: 'ERR_EXTENSION_MISSING' });
      expect(context.pages().length).toBe(pagesBefore + 1);
      await other.close();
    });

    it('a source the policy does not allow is refused with a coded error; nothing is fetched from it', async () => {
      const page = await context.newPage();
      await page.goto(viewerUrl(`http://127.0.0.1:${port}/ofd/gomain-jiangsu-tax-v4.ofd`));
      expect(await settled(page)).toBe('error');
      expect(await page.textContent('#status-line')).toContain('ERR_VIEWER_SOURCE_DENIED');
      expect(await page.$$('.seal-badge')).toHaveLength(0);
      await page.close();
    });

    it('navigating to a PDF on the allowed origin opens the viewer; on another origin the page is left alone', async () => {
      const page = await context.newPage();
      await page.goto(`${portal}/pdf/tampered.pdf`).catch(() => undefined);
      await page.waitForURL(/viewer\.html\?src=/, { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('src')).toBe(`${portal}/pdf/tampered.pdf`);
      expect(await settled(page)).toBe('ready');
      expect((await badges(page)).map((b) => b.status)).toEqual(['invalid']);
      await page.close();
      const other = await context.newPage();
      const otherUrl = `http://127.0.0.1:${port}/pdf/tampered.pdf`;
      await other.goto(otherUrl).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(other.url()).toBe(otherUrl);
      await other.close();
    });
  });

  describe('with the agent paired (its policy trusts the test PKI)', () => {
    beforeAll(async () => {
      const pki = await loadTestPki();
      // An OFD signed by a test PKI (as in test/agent/cli/verify.test.ts): the GOMAIN two-signature
      // sample with both signed values replaced by GM/T 0010 signatures over the untouched Signature.xml.
      cmsPki = makeTestPki();
      const files: Record<string, Uint8Array> = unzipSync(new Uint8Array(readFileSync(join(SAMPLES, 'gomain-two-digital-signs-gmt0010.ofd'))));
      for (const sign of ['Sign_0', 'Sign_1']) {
        const xmlName = `Doc_0/Signs/${sign}/Signature.xml`;
        const xml = new TextDecoder().decode(files[xmlName]).replace(/FileRef="\/?([^"]+)"(\s*)>(\s*)<ofd:CheckValue>[^<]*</g, (_m, ref: string, a: string, b: string) => {
          const data = files[ref] as Uint8Array;
          return `FileRef="/${ref}"${a}>${b}<ofd:CheckValue>${Buffer.from(sm3(data)).toString('base64')}<`;
        });
        files[xmlName] = new TextEncoder().encode(xml);
        files[`Doc_0/Signs/${sign}/SignedValue.dat`] = detachedCms(cmsPki.unit, files[xmlName], new Date(Date.now() + 5000));
      }
      pkiOfd = zipSync(files);
      agent = await startAgent({
        policy: {
          extensionOrigins: [EXT_ORIGIN],
          portals: [{ origin: portal, actions: ['status', 'verify'] }],
          trust: { roots: [pki.certFiles.root, pki.certFiles.inter, cmsPki.rootPem, cmsPki.interPem] },
          development: { allowHttpLocalhost: true },
        },
      });
      await setPolicy(agent.port);
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/options.html`);
      await page.fill('#pairCode', agent.printedCode());
      await page.click('#pairButton');
      await page.waitForSelector('#pairResult.ok', { timeout: 15_000 });
      await page.close();
    });

    it('ECDSA CMS and SM2 SES PDFs → valid, verified by the agent', async () => {
      for (const [name, id] of [['p256.pdf', 'Approval'], ['ses.pdf', 'Seal 1']] as const) {
        const page = await open(`${portal}/pdf/${name}`, `pdf-${name.replace('.pdf', '')}-agent.png`);
        expect(await page.evaluate(() => document.body.dataset['verifiedBy'])).toBe('agent');
        expect(await badges(page)).toEqual([{ id, status: 'valid', onPage: true }]);
        expect(await page.textContent('#overall')).toBe('全部 1 个签章/签名有效');
        await page.close();
      }
    });

    it('an OFD signed by a test PKI → valid with the agent; unknown in the browser alone', async () => {
      const page = await open(`${portal}/signed/test-pki.ofd`, 'ofd-test-pki-agent.png');
      expect(await page.evaluate(() => document.body.dataset['verifiedBy'])).toBe('agent');
      expect((await badges(page)).map((b) => b.status)).toEqual(['valid', 'valid']);
      await page.close();
      // The same document where the agent is not reachable: the browser's own report.
      await setPolicy(await freePort());
      const alone = await open(`${portal}/signed/test-pki.ofd`);
      expect(await alone.evaluate(() => document.body.dataset['verifiedBy'])).toBe('browser');
      expect((await badges(alone)).map((b) => b.status)).toEqual(['unknown', 'unknown']);
      await alone.close();
      await setPolicy(agent?.port ?? 0);
    });

    it('a PDF sealed by the agent (eseal pdf seal, dev SM2 token) → valid; the same file tampered → invalid', async () => {
      const good = await open(`${portal}/pdf/agent-sealed.pdf`, 'pdf-agent-sealed.png');
      expect(await good.evaluate(() => document.body.dataset['verifiedBy'])).toBe('agent');
      expect(await badges(good)).toEqual([{ id: 'Signature1', status: 'valid', onPage: true }]);
      await good.close();
      const bad = await open(`${portal}/pdf/agent-sealed-tampered.pdf`, 'pdf-agent-sealed-tampered.png');
      expect(await badges(bad)).toEqual([{ id: 'Signature1', status: 'invalid', onPage: true }]);
      expect(await bad.getAttribute('.signature-entry', 'data-change')).toBe('modified');
      await bad.close();
    });

    it('an annotation added after sealing → still valid, and the panel shows the change', async () => {
      const page = await open(`${portal}/pdf/annotated.pdf`, 'pdf-annotated-agent.png');
      expect(await badges(page)).toEqual([{ id: 'Seal 1', status: 'valid', onPage: true }]);
      expect(await page.getAttribute('.signature-entry', 'data-change')).toBe('annotations');
      expect(await page.textContent('.signature-entry dd[data-row="changed"]')).toContain('批注');
      await page.close();
    });

    it('tampered → invalid also with the agent; an OFD sample keeps its README result', async () => {
      const bad = await open(`${portal}/pdf/tampered.pdf`);
      expect(await bad.evaluate(() => document.body.dataset['verifiedBy'])).toBe('agent');
      expect((await badges(bad)).map((b) => b.status)).toEqual(['invalid']);
      await bad.close();
      const ofd = await open(`${portal}/ofd/gomain-yunnan-v4-two-seals.ofd`);
      expect((await badges(ofd)).map((b) => b.status)).toEqual(['invalid', 'invalid']);
      await ofd.close();
    });
  });

  afterAll(() => {
    // Screenshots were written; and nothing in any opened document tripped the extension's CSP.
    if (existsSync(ARTIFACTS)) expect(readdirSync(ARTIFACTS).length).toBeGreaterThan(0);
    expect(cspViolations).toEqual([]);
  });
});
