// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { AgentServer } from '../../server/AgentServer.js';
import { DEFAULT_AGENT_PORT } from '../../../shared/protocol/index.js';
import { SealError } from '../../../shared/errors/index.js';
import { ESEAL_VERSION } from '../version.js';

/** `eseal agent`: runs the signing agent in the foreground until SIGINT/SIGTERM. */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('运行签章服务（前台） / run the signing agent in the foreground')
    .option('--port <port>', '监听端口 / loopback port', String(DEFAULT_AGENT_PORT))
    .option('--allow-origin <origin...>', '允许连接的扩展来源 / extension origins allowed to connect', [])
    .option('--dev', '使用内置开发用软件令牌（不可用于生产） / use the embedded development software token (not for production)')
    .action(async (opts: { port: string; allowOrigin: string[]; dev?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SealError('ERR_CLI_USAGE', { reason: `--port ${opts.port}` });
      const server = new AgentServer({
        port,
        allowedOrigins: opts.allowOrigin,
        version: ESEAL_VERSION,
        tokenDescription: opts.dev ? 'development software token (placeholder until the agent issue)' : 'none',
      });
      await server.listen();
      process.stdout.write(`ESeal 签章服务已启动 / agent listening on ws://127.0.0.1:${port}\n`);
      if (opts.dev) process.stdout.write('开发模式：内置软件令牌，仅供测试 / development mode: embedded software token, for testing only\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
