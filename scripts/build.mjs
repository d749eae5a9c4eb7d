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

/** The viewer page (pdf.js resources come from copyPdfjsResources, shared with the consent window). */
async function copyViewerResources(out) {
  await cp(join(root, 'extension/viewer/viewer.html'), join(out, 'viewer.html'));
  await cp(join(root, 'extension/viewer/viewer.css'), join(out, 'viewer.css'));
}

async function buildExtension() {
  const entryPoints = {
    background: join(root, 'extension/background/background.ts'),
    content: join(root, 'extension/content/content.ts'),
    options: join(root, 'extension/options/options.ts'),
    // The viewer's content script: PDF navigations to the viewer, eseal.openViewer relay.
    pdfIntercept: join(root, 'extension/content/pdfIntercept.ts'),
    // The page SDK (window.eseal), a standalone script a portal includes; also copied to dist/sdk.
    'eseal-sdk': join(root, 'extension/page/eseal-sdk.ts'),
  };
  // Extension pages that bundle pdf.js (pdf.mjs is an ES module): built as ES modules for both
  // browsers and loaded with <script type="module">; the worker and data files go to pdfjs/.
  const pageEntryPoints = {
    consent: join(root, 'extension/consent/consent.ts'),
    // The PDF/OFD viewer page.
    viewer: join(root, 'extension/viewer/viewer.ts'),
  };
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'));
  manifest.version = pkg.version;
  // Chrome/Edge managed policy schema, rendered from the one policy schema (scripts/managedSchema.ts).
  const schemaModule = join(root, '.tmp', 'managedSchema.mjs');
  await build({ ...common, sourcemap: false, entryPoints: [join(root, 'scripts/managedSchema.ts')], outfile: schemaModule, format: 'esm', platform: 'node' });
  const { renderManagedSchema } = await import(`${schemaModule}?t=${Date.now()}`);
  const managedSchema = renderManagedSchema();
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
    await build({
      ...common,
      entryPoints: pageEntryPoints,
      outdir: out,
      format: 'esm',
      platform: 'browser',
      target: target === 'chrome' ? ['chrome120'] : ['firefox128'],
      define: { ...common.define, __ESEAL_BROWSER__: JSON.stringify(target) },
    });
    await copyPdfjsResources(join(out, 'pdfjs'));
    await cp(join(root, 'extension/consent/consent.html'), join(out, 'consent.html'));
    await cp(join(root, 'extension/consent/consent.css'), join(out, 'consent.css'));
    const m = structuredClone(manifest);
    if (target === 'chrome') {
      m.background = { service_worker: 'background.js', type: 'module' };
    } else {
      // Firefox MV3 runs background scripts (event page), not service workers.
      m.background = { scripts: ['background.js'] };
      // data_collection_permissions: expected by addons-linter for new add-ons (Firefox's built-in
      // data consent); ESeal sends nothing anywhere but the local agent, hence "none". The key exists
      // from Firefox 140 (the current ESR; 128 ESR is out of support) and Firefox for Android 142.
      m.browser_specific_settings = {
        gecko: { id: 'eseal@eseal.example.cn', strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
        gecko_android: { strict_min_version: '142.0' },
      };
      delete m.key;
    }
    if (target === 'chrome') {
      m.storage = { managed_schema: 'managed_schema.json' };
      await writeFile(join(out, 'managed_schema.json'), managedSchema);
    }
    await writeFile(join(out, 'manifest.json'), JSON.stringify(m, null, 2));
    await cp(join(root, 'extension/_locales'), join(out, '_locales'), { recursive: true });
    await cp(join(root, 'extension/options/options.html'), join(out, 'options.html'));
    await copyViewerResources(out);
    await cp(join(root, 'extension/icons'), join(out, 'icons'), { recursive: true });
  }
  // The copy for portals: one classic script (IIFE, no module loader needed) plus its typings.
  const sdkOut = join(dist, 'sdk');
  await mkdir(sdkOut, { recursive: true });
  await build({ ...common, sourcemap: false, entryPoints: [join(root, 'extension/page/eseal-sdk.ts')], outfile: join(sdkOut, 'eseal-sdk.js'), format: 'iife', platform: 'browser', target: ['chrome109', 'firefox115', 'edge109'] });
  await cp(join(root, 'extension/page/eseal.d.ts'), join(sdkOut, 'eseal.d.ts'));
}

/** pdf.js run-time files for extension pages (extension/pdfjs/loadPdfjs.ts points pdf.js here). */
async function copyPdfjsResources(out) {
  const pdfjs = join(root, 'node_modules/pdfjs-dist');
  await mkdir(out, { recursive: true });
  await cp(join(pdfjs, 'build/pdf.worker.min.mjs'), join(out, 'pdf.worker.mjs'));
  for (const dir of ['cmaps', 'standard_fonts', 'wasm', 'iccs']) await cp(join(pdfjs, dir), join(out, dir), { recursive: true });
  await cp(join(pdfjs, 'LICENSE'), join(out, 'LICENSE'));
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

/** The demo portal: its server, the headless run, the notice generator, and the pages' scripts. */
async function buildDemo() {
  await buildNodeBundle('demo', 'server', 'demo/server.ts');
  await buildNodeBundle('demo', 'headless', 'demo/headless.ts');
  await buildNodeBundle('demo', 'make-notice', 'demo/notice/make-notice.ts');
  const pages = ['index', 'vouchers', 'notice', 'verify'];
  await build({
    ...common,
    entryPoints: Object.fromEntries(pages.map((p) => [p, join(root, `demo/pages/${p}.ts`)])),
    outdir: join(dist, 'demo', 'js'),
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115'],
  });
}
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
