// SPDX-License-Identifier: Apache-2.0
// One build script with named targets (house style, after web-eid's build.mjs):
//   node scripts/build.mjs [all|extension|agent|demo|bench|clean]
// esbuild bundles: the extension for Chrome/Edge (MV3 service worker) and Firefox (MV3 with
// background scripts), the agent + `eseal` command, the demo portal server, and the bench.
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __ESEAL_VERSION__: JSON.stringify(pkg.version) },
};

/** Node-side bundles keep native and heavy runtime packages external (installed by npm ci). */
const nodeExternal = ['pkcs11js', 'koffi', 'ws', 'playwright-core', 'sm-crypto'];

async function buildExtension() {
  const entryPoints = {
    background: join(root, 'extension/background/background.ts'),
    content: join(root, 'extension/content/content.ts'),
    options: join(root, 'extension/options/options.ts'),
    // The page SDK (window.eseal), a standalone script a portal includes; also copied to dist/sdk.
    'eseal-sdk': join(root, 'extension/page/eseal-sdk.ts'),
  };
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'));
  manifest.version = pkg.version;
  for (const target of ['chrome', 'firefox']) {
    const out = join(dist, 'extension', target);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    await build({
      ...common,
      entryPoints,
      outdir: out,
      format: target === 'chrome' ? 'esm' : 'iife',
      platform: 'browser',
      target: target === 'chrome' ? ['chrome120'] : ['firefox128'],
      define: { ...common.define, __ESEAL_BROWSER__: JSON.stringify(target) },
    });
    const m = structuredClone(manifest);
    if (target === 'chrome') {
      m.background = { service_worker: 'background.js', type: 'module' };
    } else {
      // Firefox MV3 runs background scripts (event page), not service workers.
      m.background = { scripts: ['background.js'] };
      m.browser_specific_settings = { gecko: { id: 'eseal@eseal.example.cn', strict_min_version: '128.0' } };
      delete m.key;
    }
    await writeFile(join(out, 'manifest.json'), JSON.stringify(m, null, 2));
    await cp(join(root, 'extension/_locales'), join(out, '_locales'), { recursive: true });
    await cp(join(root, 'extension/options/options.html'), join(out, 'options.html'));
    await cp(join(root, 'extension/icons'), join(out, 'icons'), { recursive: true });
  }
  // The copy for portals: one classic script (IIFE, no module loader needed) plus its typings.
  const sdkOut = join(dist, 'sdk');
  await mkdir(sdkOut, { recursive: true });
  await build({ ...common, sourcemap: false, entryPoints: [join(root, 'extension/page/eseal-sdk.ts')], outfile: join(sdkOut, 'eseal-sdk.js'), format: 'iife', platform: 'browser', target: ['chrome109', 'firefox115', 'edge109'] });
  await cp(join(root, 'extension/page/eseal.d.ts'), join(sdkOut, 'eseal.d.ts'));
}

/** `require` for bundled CommonJS dependencies inside an ESM bundle. */
const REQUIRE_SHIM = "import { createRequire as __esealCreateRequire } from 'node:module'; const require = __esealCreateRequire(import.meta.url);";

/** One Node ESM bundle (`<name>.mjs`) in dist/<folder>, native and heavy packages left external. */
async function buildNodeBundle(folder, name, entry, banner = REQUIRE_SHIM) {
  const out = join(dist, folder);
  await mkdir(out, { recursive: true });
  await build({
    ...common,
    entryPoints: { [name]: join(root, entry) },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    external: nodeExternal,
    banner: { js: banner },
  });
  return join(out, `${name}.mjs`);
}

async function buildAgent() {
  const eseal = await buildNodeBundle('agent', 'eseal', 'agent/cli/eseal.ts', `#!/usr/bin/env node\n${REQUIRE_SHIM}`);
  await chmod(eseal, 0o755);
}

const buildDemo = () => buildNodeBundle('demo', 'server', 'demo/server.ts');
const buildBench = () => buildNodeBundle('bench', 'index', 'bench/index.ts');

/** Regenerates docs/errors.md from the registry (a test checks it is current). */
async function buildDocs() {
  const out = join(root, '.tmp', 'errorTable.mjs');
  await build({ ...common, sourcemap: false, entryPoints: [join(root, 'scripts/errorTable.ts')], outfile: out, format: 'esm', platform: 'node' });
  const { renderErrorTable } = await import(`${out}?t=${Date.now()}`);
  await writeFile(join(root, 'docs', 'errors.md'), renderErrorTable());
}

const targets = {
  docs: buildDocs,
  clean: () => rm(dist, { recursive: true, force: true }),
  extension: buildExtension,
  agent: buildAgent,
  demo: buildDemo,
  bench: buildBench,
  all: async () => {
    await buildExtension();
    await buildAgent();
    await buildDemo();
  },
};

const name = process.argv[2] ?? 'all';
const run = targets[name];
if (!run) {
  console.error(`unknown target ${name}; one of ${Object.keys(targets).join(', ')}`);
  process.exit(2);
}
await run();
