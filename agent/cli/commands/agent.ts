// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { SealError } from '../../../shared/errors/index.js';
import { parsePolicy, type Policy } from '../../../shared/policy/Policy.js';
import { ensureDevSetup, devPolicy } from '../../dev/devSetup.js';
import { defaultStateDir } from '../../paths/defaultPaths.js';
import { loadPolicy } from '../../policy/loadPolicy.js';
import { createAgent } from '../../server/createAgent.js';
import { providersFromPolicy } from '../../signing/providersFromPolicy.js';
import { SoftTokenProvider } from '../../token/soft/SoftToken.js';
import type { TokenProvider } from '../../token/TokenProvider.js';
import { ESEAL_VERSION } from '../version.js';
import { askAgent } from './status.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

interface AgentOptions {
  port?: string;
  policy?: string;
  allowOrigin: string[];
  dev?: boolean;
  stateDir?: string;
  softToken?: string;
}

/** `eseal agent`: runs the signing agent in the foreground until SIGINT/SIGTERM. */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('运行签章服务（前台） / run the signing agent in the foreground')
    .option('--port <port>', '监听端口（默认取策略 agentPort，17530） / loopback port (default: policy agentPort, 17530)')
    .option('--policy <file>', '策略文件 / policy file (default: the standard location or ESEAL_POLICY)')
    .option('--allow-origin <origin...>', '额外允许连接的扩展来源 / extra extension origins allowed to connect', [])
    .option('--state-dir <dir>', '状态目录（配对、审计、印章元数据） / state directory (pairings, audit, seal metadata)')
    .option('--soft-token <file>', '使用软件令牌文件（仅开发测试） / use a software token file (development only)')
    .option('--dev', '开发模式：内置软件令牌与演示印章（不可用于生产） / development mode: embedded software token and demo seals (not for production)')
    .action(async (opts: AgentOptions) => {
      const stateDir = opts.stateDir ?? defaultStateDir();
      const out = (line: string): boolean => process.stdout.write(`${line}\n`);
      let policy: Policy;
      let policySource: string;
      const providers: TokenProvider[] = [];
      if (opts.dev) {
        const dev = await ensureDevSetup(stateDir, out);
        if (opts.policy !== undefined) {
          const loaded = loadPolicy(opts.policy);
          policy = loaded.policy;
          policySource = loaded.source;
        } else {
          policy = devPolicy(opts.allowOrigin);
          policySource = 'development';
        }
        providers.push(new SoftTokenProvider(dev.tokenPath));
        if (opts.policy !== undefined) providers.push(...providersFromPolicy(policy, (line) => process.stderr.write(`${line}\n`)));
        out('开发模式：内置软件令牌，仅供测试，不可用于生产 / development mode: embedded software token, for testing only');
        out(`开发令牌 PIN / development token PIN: ${dev.pin}`);
      } else {
        const loaded = loadPolicy(opts.policy);
        policy = loaded.policy;
        policySource = loaded.source;
        const soft = opts.softToken ?? join(stateDir, 'soft-token.json');
        if (opts.softToken !== undefined || existsSync(soft)) providers.push(new SoftTokenProvider(soft));
        providers.push(...providersFromPolicy(policy, (line) => process.stderr.write(`${line}\n`)));
      }
      const port = opts.port === undefined ? policy.agentPort : Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SealError('ERR_CLI_USAGE', { reason: `--port ${String(opts.port)}` });
      let agent;
      try {
        agent = await createAgent({ port, policy: policy === undefined ? parsePolicy({}) : policy, policySource, stateDir, version: ESEAL_VERSION, providers, extraOrigins: opts.allowOrigin, development: opts.dev === true });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
        // Someone holds the port: our own agent (it proves itself with the CLI key), or a squatter.
        try {
          await askAgent(port, stateDir, []);
        } catch {
          throw new SealError('ERR_AGENT_IMPOSTOR', { port });
        }
        throw new SealError('ERR_CLI_USAGE', { reason: `an ESeal agent is already running on port ${port} / 签章服务已在端口 ${port} 运行` });
      }
      if (!agent.pairings.hasBrowserPairing()) {
        const code = agent.pairings.currentCode() ?? agent.pairings.openCode();
        out(`尚未配对浏览器。配对码 / not paired yet; pairing code: ${code.code}（${new Date(code.expiresAt).toLocaleTimeString('zh-CN')} 前有效 / valid until ${code.expiresAt}）`);
      }
      out(`ESeal 签章服务已启动 / agent listening on ws://127.0.0.1:${port}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await agent.close();
    });
}
