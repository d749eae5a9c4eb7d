// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Vitest global setup: builds the test PKI once per test run into a fresh temporary directory with
 * `scripts/make-test-pki.sh` (OpenSSL 3.0 command line), provides the directory to the tests
 * (`inject('testPkiDir')`, see `testPki.ts`; also `ESEAL_TEST_PKI_DIR` for child processes), and
 * deletes it in teardown. Private keys therefore only ever exist under the OS temp directory.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import './providedContext.js';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'eseal-test-pki-'));
  try {
    await execFileAsync('bash', [join(repoRoot, 'scripts', 'make-test-pki.sh'), dir], { timeout: 60_000 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    const err = e as { stderr?: string; message?: string };
    throw new Error(`scripts/make-test-pki.sh failed: ${err.stderr ?? err.message ?? String(e)}`, { cause: e });
  }
  project.provide('testPkiDir', dir);
  process.env.ESEAL_TEST_PKI_DIR = dir;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
