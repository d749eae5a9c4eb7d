// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `npm run bench`: every benchmark section, printed as one JSON document on stdout (progress on
 * stderr). Each section measures our code and, in the same run, a reference (OpenSSL, Node's native
 * crypto, sm-crypto) so the ratios are comparable across machines. Timed assertions live here, not in
 * unit tests. `--only NAME` runs one section.
 */
import { cpus, totalmem } from 'node:os';
import { benchCrypto } from './crypto.js';
import { benchOfd } from './ofd.js';
import { benchAgent } from './agent.js';

type Section = () => Promise<Record<string, unknown>>;

const sections: Record<string, Section> = {
  crypto: benchCrypto,
  ofd: benchOfd,
  agent: benchAgent,
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

await main();
