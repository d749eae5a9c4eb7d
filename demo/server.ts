// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The demo portal: a small government-style site served on localhost (placeholder until the
 * extension issue fills in the voucher list, the notice to stamp and the verification page).
 * Static files only, resolved inside demo/public; no directory listing, no path traversal.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.pdf': 'application/pdf',
  '.ofd': 'application/ofd',
  '.json': 'application/json; charset=utf-8',
};

function publicRoot(): string {
  if (process.env['ESEAL_DEMO_ROOT']) return process.env['ESEAL_DEMO_ROOT'];
  // Bundled: dist/demo/server.mjs → ../../demo/public; unbundled: demo/server.ts → ./public.
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(`${sep}dist${sep}demo`) ? join(here, '..', '..', 'demo', 'public') : join(here, 'public');
}

export function startDemoServer(port: number, root = publicRoot()) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(root, rel === '' ? 'index.html' : rel);
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' });
        res.end(body);
      },
      () => {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('未找到 / not found\n');
      },
    );
  });
  server.listen(port, '127.0.0.1');
  return server;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env['ESEAL_DEMO_PORT'] ?? 8080);
  startDemoServer(port);
  process.stdout.write(`演示门户 / demo portal: http://localhost:${port}/\n`);
}
