// SPDX-License-Identifier: Apache-2.0
/**
 * Where the viewer's document may come from (extension/viewer/source.ts) and what the viewer's part
 * of the background does (viewerBackground.ts): policy-allowed origins only, redirects re-checked,
 * the size cap enforced from Content-Length and while streaming, coded errors; interception only for
 * a top-level PDF on an allowed origin; agent verification only for the viewer page itself.
 * A real local HTTP server serves the documents.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { parsePolicy } from '../../../shared/policy/Policy.js';
import { documentKind, fetchDocument, fileNameFromUrl, MAX_VIEWER_BYTES, readCapped } from '../../../extension/viewer/source.js';
import { handleViewerMessage, MAX_PARKED_DOCUMENTS, type ViewerBackgroundDeps } from '../../../extension/viewer/viewerBackground.js';
import type { BrowserApi, RuntimeSender } from '../../../extension/browserApi.js';
import type { AgentLike } from '../../../extension/background/PageRequestHandler.js';

let server: Server;
let base = '';
let other = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/doc.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7\n%%EOF\n');
    if (url === '/huge.pdf') return res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(MAX_VIEWER_BYTES + 1) }).end();
    if (url === '/missing.pdf') return res.writeHead(404).end();
    if (url === '/away') return res.writeHead(302, { location: `${other}/doc.pdf` }).end();
    if (url === '/stay') return res.writeHead(302, { location: `${base}/doc.pdf` }).end();
    return res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  base = `http://localhost:${port}`;
  other = `http://127.0.0.1:${port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const policy = () => parsePolicy({ portals: [{ origin: base, actions: ['verify'] }, { origin: 'https://seal.example.gov.cn', actions: ['status'] }], development: { allowHttpLocalhost: true } });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof SealError ? e.code : `not a SealError: ${String(e)}`;
  }
}

describe('fetchDocument', () => {
  it('downloads from an allowed origin; the file name comes from the path', async () => {
    const doc = await fetchDocument(policy(), `${base}/doc.pdf`);
    expect(new TextDecoder().decode(doc.bytes)).toBe('%PDF-1.7\n%%EOF\n');
    expect(doc.fileName).toBe('doc.pdf');
    expect(documentKind(doc.bytes)).toBe('pdf');
  });

  it('refuses an origin the policy does not list, one listed without verify, and non-http URLs', async () => {
    expect(await code(fetchDocument(policy(), `${other}/doc.pdf`))).toBe('ERR_VIEWER_SOURCE_DENIED');
    expect(await code(fetchDocument(policy(), 'https://seal.example.gov.cn/a.pdf'))).toBe('ERR_VIEWER_SOURCE_DENIED');
    expect(await code(fetchDocument(policy(), 'file:///etc/passwd'))).toBe('ERR_VIEWER_SOURCE_DENIED');
    expect(await code(fetchDocument(parsePolicy({}), `${base}/doc.pdf`))).toBe('ERR_VIEWER_SOURCE_DENIED');
  });

  it('a redirect to a non-allowed origin is refused; within the origin it is followed', async () => {
    expect(await code(fetchDocument(policy(), `${base}/away`))).toBe('ERR_VIEWER_SOURCE_DENIED');
    expect((await fetchDocument(policy(), `${base}/stay`)).bytes.length).toBe(15);
  });

  it('HTTP errors and oversize documents get their codes', async () => {
    const e = await fetchDocument(policy(), `${base}/missing.pdf`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SealError);
    expect((e as SealError).code).toBe('ERR_VIEWER_FETCH_FAILED');
    expect((e as SealError).details).toMatchObject({ status: 404 });
    expect(await code(fetchDocument(policy(), `${base}/huge.pdf`))).toBe('ERR_INPUT_TOO_LARGE');
  });
});

describe('readCapped', () => {
  it('stops a body without Content-Length once it passes the cap', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    expect(await code(readCapped(new Response(body), 10 * 1024))).toBe('ERR_INPUT_TOO_LARGE');
    expect(pulled).toBeLessThan(20);
    expect((await readCapped(new Response(new Uint8Array(2048)), 4096)).length).toBe(2048);
  });
});

describe('small helpers', () => {
  it('file names from URLs, document kinds', () => {
    expect(fileNameFromUrl('https://a.gov.cn/files/%E9%80%9A%E7%9F%A5.pdf?x=1')).toBe('通知.pdf');
    expect(fileNameFromUrl('https://a.gov.cn/')).toBe('document');
    expect(documentKind(new Uint8Array([0x50, 0x4b, 3, 4]))).toBe('ofd');
    expect(documentKind(new TextEncoder().encode('hello'))).toBe('other');
  });
});

describe('viewerBackground: intercept and verify', () => {
  const OWN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
  function deps(agentReply: unknown = { schemaVersion: 1 }) {
    const updates: { tabId: number; url: string }[] = [];
    const created: { url: string; openerTabId?: number }[] = [];
    const session = new Map<string, unknown>();
    const requests: { method: string; params: unknown }[] = [];
    const api = {
      runtime: { id: 'ext', getURL: (p: string) => `${OWN}/${p}` },
      storage: {
        session: {
          set: (items: Record<string, unknown>) => Promise.resolve(void Object.entries(items).forEach(([k, v]) => session.set(k, v))),
          get: () => Promise.resolve(Object.fromEntries(session)),
        },
      },
      tabs: {
        update: (tabId: number, props: { url: string }) => Promise.resolve(void updates.push({ tabId, url: props.url })),
        create: (props: { url: string; openerTabId?: number }) => Promise.resolve(void created.push(props)),
      },
    } as unknown as BrowserApi;
    const agent: AgentLike = {
      state: 'ready',
      request: (method, params) => {
        requests.push({ method, params });
        return Promise.resolve(agentReply);
      },
      cancel: () => undefined,
    };
    const d: ViewerBackgroundDeps = { api, agent: () => Promise.resolve(agent), loadPolicy: () => Promise.resolve({ policy: policy(), source: 'development' }), ownOrigin: OWN, randomId: () => 'a1b2c3d4e5f60718' };
    return { d, updates, requests, created, session };
  }
  const tabSender = (url: string, frameId = 0): RuntimeSender => ({ id: 'ext', url, frameId, tab: { id: 7, url } });

  it('a top-level PDF on an allowed origin is sent to the viewer; the URL is the sender’s, not the payload’s', async () => {
    const { d, updates } = deps();
    const r = await handleViewerMessage({ type: 'eseal:viewer', op: 'intercept', url: 'https://evil.example/x.pdf' }, tabSender(`${base}/doc.pdf`), d);
    expect(r).toEqual({ ok: true, result: { redirected: true } });
    expect(updates).toEqual([{ tabId: 7, url: `${OWN}/viewer.html?src=${encodeURIComponent(`${base}/doc.pdf`)}` }]);
  });

  it('other origins, sub-frames and non-http pages are left alone', async () => {
    const { d, updates } = deps();
    for (const s of [tabSender(`${other}/doc.pdf`), tabSender(`${base}/doc.pdf`, 3), tabSender('file:///tmp/a.pdf'), tabSender('https://seal.example.gov.cn/a.pdf')]) {
      expect(await handleViewerMessage({ op: 'intercept' }, s, d)).toEqual({ ok: true, result: { redirected: false } });
    }
    expect(updates).toEqual([]);
  });

  it('verify: only the viewer page may ask the agent; oversize refused; the agent gets no portal context', async () => {
    const { d, requests } = deps({ schemaVersion: 1, indication: 'TOTAL_PASSED' });
    const fromPortal = await handleViewerMessage({ op: 'verify', document: 'AAAA' }, tabSender(`${base}/page`), d);
    expect(fromPortal).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    const viewer: RuntimeSender = { id: 'ext', url: `${OWN}/viewer.html?src=x`, tab: { id: 9 } };
    const big = await handleViewerMessage({ op: 'verify', document: 'A'.repeat(6 * 1024 * 1024) }, viewer, d);
    expect(big).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_TOO_LARGE' } });
    const ok = await handleViewerMessage({ op: 'verify', document: 'AAAA', fileName: 'a.pdf' }, viewer, d);
    expect(ok).toEqual({ ok: true, result: { schemaVersion: 1, indication: 'TOTAL_PASSED' } });
    expect(requests).toEqual([{ method: 'verify', params: { document: 'AAAA', fileName: 'a.pdf', includePictures: true } }]);
  });

  it('open (SDK): an allowed portal parks the document in storage.session and a viewer tab opens; others are refused', async () => {
    const { d, created, session } = deps();
    const r = await handleViewerMessage({ op: 'open', document: 'JVBERi0xLjcK', fileName: 'C:\\docs\\通知.pdf' }, tabSender(`${base}/portal`), d);
    expect(r).toEqual({ ok: true, result: { opened: true } });
    expect(created).toEqual([{ url: `${OWN}/viewer.html?doc=a1b2c3d4e5f60718`, openerTabId: 7 }]);
    expect(session.get('viewerDoc:a1b2c3d4e5f60718')).toEqual({ document: 'JVBERi0xLjcK', fileName: '通知.pdf', origin: base });
    const denied = await handleViewerMessage({ op: 'open', document: 'JVBERi0xLjcK' }, tabSender(`${other}/portal`), d);
    expect(denied).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    expect(await handleViewerMessage({ op: 'open', document: 'not base64!' }, tabSender(`${base}/p`), d)).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID' } });
    expect(await handleViewerMessage({ op: 'open', document: 'A'.repeat(6 * 1024 * 1024) }, tabSender(`${base}/p`), d)).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_TOO_LARGE' } });
    expect(created).toHaveLength(1);
  });

  it('open (SDK): at most MAX_PARKED_DOCUMENTS wait unopened; then ERR_PROTOCOL_BUSY', async () => {
    const { d, created, session } = deps();
    let n = 0;
    const d2: ViewerBackgroundDeps = { ...d, randomId: () => `id${n++}` };
    for (let i = 0; i < MAX_PARKED_DOCUMENTS; i++) expect(await handleViewerMessage({ op: 'open', document: 'AAAA' }, tabSender(`${base}/p`), d2)).toMatchObject({ ok: true });
    expect(await handleViewerMessage({ op: 'open', document: 'AAAA' }, tabSender(`${base}/p`), d2)).toMatchObject({ ok: false, error: { code: 'ERR_PROTOCOL_BUSY' } });
    expect(created).toHaveLength(MAX_PARKED_DOCUMENTS);
    session.delete('viewerDoc:id0'); // the viewer read one
    expect(await handleViewerMessage({ op: 'open', document: 'AAAA' }, tabSender(`${base}/p`), d2)).toMatchObject({ ok: true });
  });
});
