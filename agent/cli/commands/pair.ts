// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { SealError } from '../../../shared/errors/index.js';
import { CLI_ORIGIN, PairingStore } from '../../pairing/PairingStore.js';
import { defaultStateDir } from '../../paths/defaultPaths.js';

/**
 * `eseal pair`: shows a one-time pairing code (8 digits, 5 minutes, 5 attempts) for the running
 * agent to accept, and waits until a browser pairs; `--list` shows paired browsers, `--revoke ID`
 * removes one (effective at its next connection).
 */
export function registerPairCommand(program: Command): void {
  program
    .command('pair')
    .description('与浏览器扩展配对 / pair a browser extension with the agent')
    .option('--list', '列出已配对的浏览器 / list paired browsers')
    .option('--revoke <keyId>', '撤销配对 / revoke a pairing')
    .option('--state-dir <dir>', '状态目录 / state directory')
    .option('--json', 'JSON 输出 / JSON output')
    .option('--no-wait', '显示配对码后立即返回 / print the code and return')
    .action(async (opts: { list?: boolean; revoke?: string; stateDir?: string; json?: boolean; wait: boolean }) => {
      const store = new PairingStore(opts.stateDir ?? defaultStateDir());
      const out = (line: string): boolean => process.stdout.write(`${line}\n`);
      if (opts.list) {
        const rows = store.list().map((p) => ({ keyId: p.keyId, origin: p.origin, label: p.label, createdAt: p.createdAt, cli: p.origin === CLI_ORIGIN }));
        if (opts.json) return void out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return void out('没有已配对的浏览器 / no paired browsers');
        for (const r of rows) out(`${r.keyId}  ${r.createdAt}  ${r.origin}  ${r.label}`);
        return;
      }
      if (opts.revoke !== undefined) {
        if (!store.revoke(opts.revoke)) throw new SealError('ERR_CLI_USAGE', { reason: `no pairing ${opts.revoke}` });
        return void out(`已撤销配对 / revoked ${opts.revoke}`);
      }
      const before = new Set(store.list().map((p) => p.keyId));
      const code = store.openCode();
      if (opts.json) out(JSON.stringify({ code: code.code, expiresAt: code.expiresAt, attempts: code.attemptsLeft }));
      else out(`配对码 / pairing code: ${code.code.slice(0, 4)} ${code.code.slice(4)}\n请在 ESeal 扩展的设置页输入，${new Date(code.expiresAt).toLocaleTimeString('zh-CN')} 前有效，可尝试 ${code.attemptsLeft} 次 / enter it in the ESeal extension options; valid until ${code.expiresAt}, ${code.attemptsLeft} attempts`);
      if (!opts.wait) return;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const added = store.list().find((p) => !before.has(p.keyId) && p.origin !== CLI_ORIGIN);
        if (added) return void out(`配对成功 / paired: ${added.keyId} ${added.origin} ${added.label}`);
        if (!store.currentCode()) throw new SealError('ERR_AGENT_AUTH_FAILED', { reason: 'the pairing code expired or was used up' });
      }
    });
}
