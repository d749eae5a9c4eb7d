// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The demo portal: a small government-style site served on localhost (demo/public): the 财政直接支付
 * 凭证 list to approve and seal, the notice PDF to stamp, the verification page.
 *
 * Besides the static files (resolved inside demo/public; no listing, no traversal) it serves:
 * - `/js/*.js`: the page scripts, bundled by `node scripts/build.mjs demo` from demo/pages;
 * - `/eseal-sdk.js`: the page SDK the build writes (dist/sdk), unless the root has its own copy;
 * - `/vendor/pdfjs/*`: pdf.js from node_modules, for the page preview (no external resources);
 * - `/api/config`: the Chrome extension id (for links to the extension's viewer);
 * - `/api/archive` (POST a sealed PDF ≤ 8 MiB, GET the list) and `/archive/<n>/<name>`: what a
 *   portal does with a sealed document — keeps it, so the verification page and the extension viewer
 *   can fetch it by URL. In memory only: a demo, restarted empty.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SealError, serializeError } from '../shared/errors/index.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.ofd': 'application/ofd',
  '.json': 'application/json; charset=utf-8',
  '.bcmap': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

const MAX_ARCHIVE_BYTES = 8 * 1024 * 1024;
const MAX_ARCHIVED = 50;

/** The repository root (the folder with package.json and scripts/build.mjs), from bundled or source location. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'build.mjs'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function publicRoot(): string {
  return process.env['ESEAL_DEMO_ROOT'] ?? join(repoRoot(), 'demo', 'public');
}

/** Resolves `rel` inside `root`, or undefined when it would leave it. */
function inside(root: string, rel: string): string | undefined {
  const clean = normalize(rel).replace(/^([/\\])+/, '');
  const file = join(root, clean);
  return file.startsWith(root + sep) ? file : undefined;
}

interface Archived {
  readonly n: number;
  readonly name: string;
  readonly bytes: Buffer;
  readonly at: string;
}

export interface DemoServerOptions {
  /** Where the page SDK is taken from when the root has none (default dist/sdk/eseal-sdk.js). */
  readonly sdkFile?: string;
  /** The bundled page scripts served under /js/ (default dist/demo/js). */
  readonly pagesDir?: string;
}

export function startDemoServer(port: number, root = publicRoot(), options: DemoServerOptions = {}) {
  const repo = repoRoot();
  const sdkFile = options.sdkFile ?? join(repo, 'dist', 'sdk', 'eseal-sdk.js');
  const pdfjsRoot = join(repo, 'node_modules', 'pdfjs-dist');
  const pagesRoot = options.pagesDir ?? join(repo, 'dist', 'demo', 'js');
  const archive: Archived[] = [];
  let next = 1;
  let extensionId = '';
  try {
    extensionId = readFileSync(join(repo, 'extension', 'EXTENSION_ID'), 'utf8').trim();
  } catch {
    extensionId = '';
  }

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown): void => send(res, status, TYPES['.json'] as string, JSON.stringify(value));
  const notFound = (res: ServerResponse): void => send(res, 404, 'text/plain; charset=utf-8', '未找到 / not found\n');
  const file = (res: ServerResponse, path: string | undefined): void => {
    if (!path) {
      send(res, 403, 'text/plain; charset=utf-8', '禁止访问 / forbidden\n');
      return;
    }
    readFile(path).then(
      (body) => send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', body),
      () => notFound(res),
    );
  };

  const receive = (req: IncomingMessage, res: ServerResponse, name: string): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ARCHIVE_BYTES && !refused) {
        refused = true;
        chunks.length = 0;
        json(res, 413, { error: serializeError(new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_ARCHIVE_BYTES })) });
      } else if (!refused) chunks.push(c);
      // Drain a little more so the client reads the 413 instead of a reset; cut off a flood.
      if (size > 4 * MAX_ARCHIVE_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (refused) return;
      const bytes = Buffer.concat(chunks);
      if (!bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
        json(res, 400, { error: serializeError(new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'not a PDF' })) });
        return;
      }
      const item: Archived = { n: next++, name, bytes, at: new Date().toISOString() };
      archive.push(item);
      if (archive.length > MAX_ARCHIVED) archive.shift();
      json(res, 201, { url: `/archive/${item.n}/${encodeURIComponent(item.name)}`, name: item.name, size: bytes.length, at: item.at });
    });
    req.on('error', () => undefined);
  };

  const server = createServer((req, res) => {
    let url: URL;
    let path: string;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      path = decodeURIComponent(url.pathname);
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', '请求无效 / bad request\n');
      return;
    }
    if (path === '/api/config') {
      json(res, 200, { extensionId });
      return;
    }
    if (path === '/api/archive') {
      if (req.method === 'POST') {
        const raw = url.searchParams.get('name') ?? 'sealed.pdf';
        const name = basename(raw).replace(/[^\p{L}\p{N}._（）-]/gu, '_').slice(0, 80) || 'sealed.pdf';
        receive(req, res, name.endsWith('.pdf') ? name : `${name}.pdf`);
        return;
      }
      json(res, 200, archive.map((a) => ({ url: `/archive/${a.n}/${encodeURIComponent(a.name)}`, name: a.name, size: a.bytes.length, at: a.at })));
      return;
    }
    const archived = /^\/archive\/(\d+)\/[^/]+$/.exec(path);
    if (archived) {
      const item = archive.find((a) => a.n === Number(archived[1]));
      if (item) send(res, 200, 'application/pdf', item.bytes);
      else notFound(res);
      return;
    }
    if (/^\/js\/[a-z]+\.js(\.map)?$/.test(path)) {
      // The page scripts (demo/pages/*.ts) as the build bundles them.
      file(res, inside(pagesRoot, path.slice('/js/'.length)));
      return;
    }
    if (path.startsWith('/vendor/pdfjs/')) {
      // Only the two browser builds and the character maps, never the rest of node_modules.
      const rel = path.slice('/vendor/pdfjs/'.length);
      if (/^build\/pdf(\.worker)?\.min\.mjs$/.test(rel) || /^cmaps\/[A-Za-z0-9_-]+\.bcmap$/.test(rel)) file(res, inside(pdfjsRoot, rel));
      else notFound(res);
      return;
    }
    const target = path === '/' ? 'index.html' : path;
    const local = inside(root, target);
    if (path === '/eseal-sdk.js' && local && !existsSync(local)) {
      file(res, sdkFile);
      return;
    }
    file(res, local);
  });
  server.listen(port, '127.0.0.1');
  return server;
}

// Run as a program only as itself (the headless demo bundles this module too).
if (process.argv[1] && /server\.(mjs|ts)$/.test(process.argv[1]) && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env['ESEAL_DEMO_PORT'] ?? 8080);
  startDemoServer(port);
  process.stdout.write(`演示门户 / demo portal: http://localhost:${port}/\n`);
}
