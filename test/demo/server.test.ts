// SPDX-License-Identifier: Apache-2.0
// The demo portal server: static files inside the root only, the SDK and pdf.js from the build and
// node_modules (nothing else of node_modules), the archive of stamped PDFs with its limits.
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../demo/server.js';
import { freePort } from '../agent/integration/harness.js';
import { repoRoot } from '../support/builtArtifacts.js';

let server: Server;
let port = 0;
let sdkDir = '';

/** A raw request (no URL normalisation by a client library, so `..` reaches the server). */
function get(path: string, method = 'GET', body?: Buffer): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  port = await freePort();
  sdkDir = mkdtempSync(join(tmpdir(), 'eseal-demo-sdk-'));
  writeFileSync(join(sdkDir, 'eseal-sdk.js'), '/* sdk */');
  server = startDemoServer(port, join(repoRoot, 'demo/public'), { sdkFile: join(sdkDir, 'eseal-sdk.js') });
  await new Promise((r) => server.once('listening', r));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(sdkDir, { recursive: true, force: true });
});

describe('demo server', () => {
  it('serves the pages, the notice and the OFD sample with their types', async () => {
    expect((await get('/')).type).toContain('text/html');
    expect((await get('/vouchers.html')).body.toString()).toContain('财政直接支付凭证');
    const pdf = await get('/notice.pdf');
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await get('/samples/ofdrw-v4-seal.ofd')).status).toBe(200);
  });

  it('serves the SDK from the build when the root has none', async () => {
    const r = await get('/eseal-sdk.js');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('/* sdk */');
  });

  it('never leaves its roots', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/vendor/pdfjs/../../package.json', '/vendor/pdfjs/package.json', '/vendor/pdfjs/build/pdf.mjs.map', '/js/../../package.json']) {
      const r = await get(p);
      expect([403, 404], p).toContain(r.status);
      expect(r.body.toString(), p).not.toContain('"name"');
    }
    expect((await get('/vendor/pdfjs/build/pdf.min.mjs')).status).toBe(200);
    expect((await get('/vendor/pdfjs/cmaps/UniGB-UCS2-H.bcmap')).status).toBe(200);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it('archives stamped PDFs (PDF only, size-capped) and serves them back', async () => {
    const notPdf = await get('/api/archive', 'POST', Buffer.from('not a pdf'));
    expect(notPdf.status).toBe(400);
    expect(JSON.parse(notPdf.body.toString())).toMatchObject({ error: { code: 'ERR_INPUT_INVALID' } });
    const tooLarge = await get('/api/archive', 'POST', Buffer.alloc(9 * 1024 * 1024, 0x25));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body.toString())).toMatchObject({ error: { code: 'ERR_INPUT_TOO_LARGE' } });
    const body = Buffer.from('%PDF-1.7\n% test\n%%EOF\n');
    const posted = await get(`/api/archive?name=${encodeURIComponent('../../通知（已盖章）.pdf')}`, 'POST', body);
    expect(posted.status).toBe(201);
    const { url, name } = JSON.parse(posted.body.toString()) as { url: string; name: string };
    expect(name).toBe('通知（已盖章）.pdf');
    const back = await get(url);
    expect(back.type).toBe('application/pdf');
    expect(back.body.equals(body)).toBe(true);
    const list = JSON.parse((await get('/api/archive')).body.toString()) as { url: string }[];
    expect(list.map((a) => a.url)).toContain(url);
    expect((await get('/archive/999999/x.pdf')).status).toBe(404);
  });

  it('tells the pages the Chrome extension id', async () => {
    const cfg = JSON.parse((await get('/api/config')).body.toString()) as { extensionId: string };
    expect(cfg.extensionId).toMatch(/^[a-p]{32}$/);
  });
});
