// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { deserializeError } from '../../../shared/errors/index.js';
import { DEFAULT_AGENT_PORT, extensionProof, verifyWelcome } from '../../../shared/protocol/index.js';
import { CLI_ORIGIN, PairingStore } from '../../pairing/PairingStore.js';
import { defaultStateDir } from '../../paths/defaultPaths.js';
import { loadPolicy } from '../../policy/loadPolicy.js';
import { openLoopbackClient } from '../../server/AgentServer.js';

/**
 * Asks the running agent over loopback, authenticated with the command line's own pairing key from
 * the state directory (created on first use); a peer whose welcome proof fails is reported as
 * ERR_AGENT_IMPOSTOR (something else is squatting on the port).
 */
export async function askAgent(port: number, stateDir: string, calls: readonly { method: string; params?: Record<string, unknown> }[]): Promise<{ welcome: Record<string, unknown>; results: unknown[] }> {
  const { keyId, key } = new PairingStore(stateDir).cliKey();
  const client = await openLoopbackClient(port, CLI_ORIGIN);
  try {
    const nonceC = new Uint8Array(randomBytes(32));
    client.send({ v: 1, kind: 'hello', versions: [1], keyId, nonce: Buffer.from(nonceC).toString('base64') });
    const welcome = await client.next();
    const { nonceA } = verifyWelcome(welcome, key, nonceC);
    client.send({ v: 1, kind: 'auth', proof: Buffer.from(extensionProof(key, nonceA, nonceC, CLI_ORIGIN)).toString('base64') });
    const authed = await client.next();
    if (authed['kind'] !== 'evt') throw deserializeError(authed['error']);
    const results: unknown[] = [];
    let n = 0;
    for (const call of calls) {
      const id = `cli-${++n}`;
      client.send({ v: 1, kind: 'req', id, method: call.method, params: call.params ?? {} });
      for (;;) {
        const m = await client.next(60_000);
        if (m['kind'] !== 'res' || m['id'] !== id) continue;
        if (m['ok'] !== true) throw deserializeError(m['error']);
        results.push(m['result']);
        break;
      }
    }
    return { welcome, results };
  } finally {
    client.close();
  }
}

export function agentPort(opts: { port?: string; policy?: string }): number {
  if (opts.port !== undefined) return Number(opts.port);
  try {
    return loadPolicy(opts.policy).policy.agentPort;
  } catch {
    return DEFAULT_AGENT_PORT;
  }
}

/** `eseal status`: is the agent running, which version, which tokens. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('查询正在运行的签章服务 / ask the running signing agent')
    .option('--port <port>', '端口 / port')
    .option('--policy <file>', '策略文件（取端口） / policy file (for the port)')
    .option('--state-dir <dir>', '状态目录 / state directory')
    .option('--json', 'JSON 输出 / JSON output')
    .action(async (opts: { port?: string; policy?: string; stateDir?: string; json?: boolean }) => {
      const { welcome, results } = await askAgent(agentPort(opts), opts.stateDir ?? defaultStateDir(), [{ method: 'status' }]);
      const status = results[0] as { agentVersion: string; development: boolean; policy: { source: string }; tokens: { label: string; serial: string; backend: string; developmentOnly: boolean }[] };
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ...status, pairingOpen: welcome['pairingOpen'] }, null, 2)}\n`);
      const lines = [
        `ESeal 签章服务 / agent ${status.agentVersion}${status.development ? '（开发模式 / development mode）' : ''}`,
        `策略 / policy: ${status.policy.source}`,
        `USB KEY: ${status.tokens.length === 0 ? '未插入 / none' : status.tokens.map((t) => `${t.label} (${t.backend} ${t.serial}${t.developmentOnly ? ', 开发用 / development only' : ''})`).join('; ')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
