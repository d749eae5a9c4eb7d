// SPDX-License-Identifier: Apache-2.0
// The import boundaries of the house style are enforced by ESLint; this proves the rules fire.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/builtArtifacts.js';

const eslint = new ESLint({ cwd: repoRoot });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}`);
}

describe('import boundaries (ESLint)', () => {
  it.each([
    ['shared/errors/index.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'no-restricted-imports'],
    ['shared/errors/index.ts', "import { AgentServer } from '../../agent/server/AgentServer.js';\nexport const x = AgentServer;\n", 'import-x/no-restricted-paths'],
    ['shared/errors/index.ts', "import { browserApi } from '../../extension/browserApi.js';\nexport const x = browserApi;\n", 'import-x/no-restricted-paths'],
    ['shared/errors/index.ts', "import { createHash } from 'crypto';\nexport const x = createHash;\n", 'no-restricted-imports'],
    ['shared/errors/index.ts', 'export const x = Buffer.from([]);\n', 'no-restricted-globals'],
    ['shared/errors/index.ts', 'export const x = (globalThis as { chrome?: unknown }).chrome ?? window;\n', 'no-restricted-globals'],
    ['agent/cli/version.ts', "import { browserApi } from '../../extension/browserApi.js';\nexport const x = browserApi;\n", 'import-x/no-restricted-paths'],
    ['extension/browserApi.ts', "import { AgentServer } from '../agent/server/AgentServer.js';\nexport const x = AgentServer;\n", 'import-x/no-restricted-paths'],
    ['agent/cli/version.ts', "import * as p from 'pkcs11js';\nexport const x = p;\n", 'no-restricted-imports'],
    ['agent/cli/version.ts', "import * as w from 'ws';\nexport const x = w;\n", 'no-restricted-imports'],
    ['agent/cli/version.ts', "import { createRequire } from 'node:module';\nexport const p = createRequire(import.meta.url)('pkcs11js') as unknown;\n", 'no-restricted-syntax'],
    ['agent/cli/version.ts', 'async function f(): Promise<void> {}\nexport function g(): void { f(); }\n', '@typescript-eslint/no-floating-promises'],
  ])('%s: flags %s', async (file, code, rule) => {
    expect(await ruleIdsFor(file, code)).toContain(rule);
  });

  it('allows shared/ to import its own crypto folder', async () => {
    expect(await ruleIdsFor('shared/errors/index.ts', "import { sm3 } from '../crypto/sm3.js';\nexport const x = sm3;\n")).toEqual([]);
  });

  it('allows the permitted imports', async () => {
    expect(await ruleIdsFor('agent/server/AgentServer.ts', "import { WebSocketServer } from 'ws';\nexport const x = WebSocketServer;\n")).toEqual([]);
  });
});
