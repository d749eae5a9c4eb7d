// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `npm run bench`: every benchmark section, printed as one JSON document on stdout (progress on
 * stderr). Each section measures our code and, in the same run, a reference (OpenSSL, Node's native
 * crypto, sm-crypto) so the ratios are comparable across machines. Timed assertions live here, not in
 * unit tests. `--only NAME` runs one section. `--pdf-child MODE JSON` is the PDF section's child
 * process (bench/pdf.ts), not for direct use.
 */
import { cpus, totalmem } from 'node:os';

type Section = () => Promise<Record<string, unknown>>;

// Loaded on use: a PDF child process must not carry the other sections (its RSS is measured).
const sections: Record<string, Section> = {
  crypto: async () => (await import('./crypto.js')).benchCrypto(),
  ofd: async () => (await import('./ofd.js')).benchOfd(),
  agent: async () => (await import('./agent.js')).benchAgent(),
  pdf: async () => (await import('./pdf.js')).benchPdf(),
  extension: async () => (await import('./extension.js')).benchExtension(),
};

async function main(): Promise<void> {
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
  const results: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(sections)) {
    if (only && name !== only) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const started = performance.now();
    try {
      results[name] = await run();
    } catch (error) {
      results[name] = { error: error instanceof Error ? error.message : String(error) };
    }
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    results,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

if (process.argv[2] === '--pdf-child') await (await import('./pdfChild.js')).runPdfChild(process.argv.slice(3));
else await main();
