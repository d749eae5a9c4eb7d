// SPDX-License-Identifier: Apache-2.0
/** Makes sure the esbuild outputs exist, so integration tests can run the real built programs. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function builtAgentPath(): string {
  const path = `${repoRoot}dist/agent/eseal.mjs`;
  if (!existsSync(path)) execFileSync(process.execPath, ['scripts/build.mjs', 'agent'], { cwd: repoRoot, stdio: 'inherit' });
  return path;
}

export function builtExtensionDir(target: 'chrome' | 'firefox'): string {
  const dir = `${repoRoot}dist/extension/${target}`;
  if (!existsSync(`${dir}/manifest.json`)) execFileSync(process.execPath, ['scripts/build.mjs', 'extension'], { cwd: repoRoot, stdio: 'inherit' });
  return dir;
}
