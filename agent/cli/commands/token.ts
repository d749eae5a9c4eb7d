// SPDX-License-Identifier: Apache-2.0
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultStateDir } from '../../paths/defaultPaths.js';
import { loadPolicy } from '../../policy/loadPolicy.js';
import { providersFromPolicy } from '../../signing/providersFromPolicy.js';
import { SoftTokenProvider } from '../../token/soft/SoftToken.js';
import type { TokenInfo } from '../../token/TokenProvider.js';

/**
 * `eseal token list`: the tokens this machine offers — the software token (the development one under
 * `<state>/dev/` and `<state>/soft-token.json`, or `--soft-token FILE`) and every PKCS#11 / SKF library
 * the machine policy names (`token.pkcs11Libraries`, `token.skfLibraries`).
 */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('USB KEY / 令牌 / tokens');
  token
    .command('list')
    .description('列出令牌 / list tokens')
    .option('--state-dir <dir>', '状态目录 / state directory')
    .option('--soft-token <file>', '软件令牌文件 / software token file')
    .option('--policy <file>', '策略文件（PKCS#11 / SKF 库） / policy file (PKCS#11 / SKF libraries)')
    .option('--json', 'JSON 输出 / JSON output')
    .action(async (opts: { stateDir?: string; softToken?: string; policy?: string; json?: boolean }) => {
      const stateDir = opts.stateDir ?? defaultStateDir();
      const paths = opts.softToken !== undefined ? [opts.softToken] : [join(stateDir, 'soft-token.json'), join(stateDir, 'dev', 'soft-token.json')].filter((p) => existsSync(p));
      const tokens: TokenInfo[] = [];
      for (const p of paths) tokens.push(...(await new SoftTokenProvider(p).list()));
      const providers = providersFromPolicy(loadPolicy(opts.policy).policy, (line) => process.stderr.write(`${line}\n`));
      for (const provider of providers) {
        try {
          tokens.push(...(await provider.list()));
        } catch (error) {
          process.stderr.write(`${provider.backend}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}\n`);
        } finally {
          await provider.close().catch(() => undefined);
        }
      }
      if (opts.json) return void process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      if (tokens.length === 0) return void process.stdout.write('未检测到令牌 / no token found\n');
      for (const t of tokens) {
        process.stdout.write(`${t.label}  ${t.backend}  ${t.serial}  PIN 剩余次数 / retries left: ${String(t.pinRetriesLeft ?? '?')}${t.pinLocked ? '  已锁定 / LOCKED' : ''}${t.developmentOnly ? '  开发用 / development only' : ''}\n`);
      }
    });
}
