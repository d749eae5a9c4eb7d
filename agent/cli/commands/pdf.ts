// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `eseal pdf seal` — stamps a seal from a token into a PDF, for scripts (issue 5).
 *
 * ```
 * eseal pdf seal IN.pdf OUT.pdf --seal SEAL_ID [--token SERIAL]
 *                (--page N --at X,Y | --keyword TEXT [--page N] [--occurrence K] | --riding Y [--pages A-B])
 *                [--reason TEXT] [--location TEXT] [--cms] [--force] [--json]
 *                [--state-dir DIR] [--soft-token FILE] [--policy FILE]
 * ```
 *
 * The same pipeline as the agent method `pdf.seal` (agent/pdf/sealPdf.ts), run in this process on the
 * tokens this machine offers (the software token in the state directory or `--soft-token`, and the
 * PKCS#11 / SKF libraries the machine policy names). The input is read once into one buffer and the
 * output written as `input ‖ new revision` (never joined in memory), atomically; an existing output
 * is refused unless `--force`.
 *
 * The PIN is never an argument: it comes from the environment variable `ESEAL_PIN`, else the policy's
 * pinentry program (`pin.entry: "pinentry"`), else the token's PIN pad, else standard input (a hidden
 * prompt on a terminal, the first line otherwise). Running the command is the user's consent.
 *
 * Audit: one record per run in `<state>/audit-cli/` (or `<policy audit.directory>-cli`): its own SM3
 * hash chain, so it never interleaves with a running agent's log (`eseal audit verify --dir …`).
 *
 * Exit codes: 0 success; 2 usage and input errors (bad option, missing file, page out of range,
 * output exists); 1 anything else (wrong PIN, token, malformed PDF, …).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { SealError, toSealError } from '../../../shared/errors/index.js';
import { DEFAULT_USER_TIMEOUT_MS } from '../../../shared/protocol/index.js';
import { AuditLog } from '../../audit/AuditLog.js';
import { askPinentry } from '../../consent/pinentry.js';
import { sealPdf, type PdfPlacement, type PdfSealAuthorization } from '../../pdf/sealPdf.js';
import { writePdfParts } from '../../pdf/writePdfParts.js';
import { PdfFile } from '../../pdf/pdfFile.js';
import { defaultStateDir } from '../../paths/defaultPaths.js';
import { loadPolicy } from '../../policy/loadPolicy.js';
import { SealStore } from '../../sealstore/SealStore.js';
import { providersFromPolicy } from '../../signing/providersFromPolicy.js';
import { TokenRegistry } from '../../signing/TokenRegistry.js';
import { SoftTokenProvider } from '../../token/soft/SoftToken.js';
import type { TokenProvider, TokenSession } from '../../token/TokenProvider.js';
import type { Policy } from '../../../shared/policy/Policy.js';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
/** Largest input (the agent's verify limit is smaller; scripts stamp big scans). */
const MAX_INPUT_BYTES = 2 * 1024 * 1024 * 1024 - 1;

interface PdfSealOptions {
  seal?: string;
  token?: string;
  page?: string;
  at?: string;
  keyword?: string;
  occurrence?: string;
  riding?: string;
  pages?: string;
  reason?: string;
  location?: string;
  cms?: boolean;
  force?: boolean;
  json?: boolean;
  stateDir?: string;
  softToken?: string;
  policy?: string;
}

/** Where the command writes (injectable for in-process tests). */
export interface PdfCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Reads the PIN from standard input (hidden on a terminal). */
  readonly readPin: (prompt: string) => Promise<string | undefined>;
}

const defaultIo: PdfCommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
  env: process.env,
  readPin: readPinFromStdin,
};

function usage(reason: string): SealError {
  return new SealError('ERR_CLI_USAGE', { reason });
}

function positiveInt(value: string, flag: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw usage(`${flag} ${value}: a whole number ≥ 1 / 须为正整数`);
  return Number(value);
}

export function parsePlacement(o: PdfSealOptions): PdfPlacement {
  if (o.riding !== undefined) {
    if (o.keyword !== undefined || o.at !== undefined || o.page !== undefined || o.occurrence !== undefined) throw usage('--riding goes with --pages only / --riding 只能与 --pages 同用');
    if (!/^\d+(?:\.\d+)?$/.test(o.riding)) throw usage(`--riding ${o.riding}: Y in millimetres from the top / 距页面顶部的毫米数`);
    let range: { from?: number; to?: number } = {};
    if (o.pages !== undefined) {
      const m = /^(\d{1,6})-(\d{1,6})$/.exec(o.pages);
      if (m === null) throw usage(`--pages ${o.pages}: FROM-TO, e.g. 1-3 / 格式为 起-止`);
      range = { from: positiveInt(m[1] ?? '', '--pages'), to: positiveInt(m[2] ?? '', '--pages') };
    }
    return { riding: { y: Number(o.riding), ...range } };
  }
  if (o.pages !== undefined) throw usage('--pages goes with --riding / --pages 需与 --riding 同用');
  if (o.keyword !== undefined) {
    if (o.at !== undefined) throw usage('give --at or --keyword, not both / --at 与 --keyword 只能选一个');
    if (o.keyword.trim() === '') throw usage('--keyword is empty / 关键字为空');
    return { keyword: o.keyword, ...(o.page !== undefined && { page: positiveInt(o.page, '--page') }), ...(o.occurrence !== undefined && { occurrence: positiveInt(o.occurrence, '--occurrence') }) };
  }
  if (o.occurrence !== undefined) throw usage('--occurrence goes with --keyword / --occurrence 需与 --keyword 同用');
  if (o.at === undefined || o.page === undefined) throw usage('give --page N --at X,Y (millimetres from the top-left) or --keyword TEXT / 请指定 --page 与 --at，或 --keyword');
  const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(o.at);
  if (m === null) throw usage(`--at ${o.at}: X,Y in millimetres, e.g. 150,220 / 格式为 X,Y（毫米）`);
  return { page: positiveInt(o.page, '--page'), x: Number(m[1]), y: Number(m[2]) };
}


function tokenProviders(stateDir: string, softToken: string | undefined, policy: Policy, warn: (line: string) => void): TokenProvider[] {
  const paths = softToken !== undefined ? [softToken] : [join(stateDir, 'soft-token.json'), join(stateDir, 'dev', 'soft-token.json')].filter((p) => existsSync(p));
  return [...paths.map((p) => new SoftTokenProvider(p)), ...providersFromPolicy(policy, warn)];
}

/** Hidden prompt on a terminal; the first line of standard input otherwise. */
export function readPinFromStdin(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  return new Promise((resolve) => {
    let text = '';
    const tty = stdin.isTTY === true;
    if (tty) {
      process.stderr.write(prompt);
      stdin.setRawMode(true);
    }
    stdin.setEncoding('utf8');
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (tty) {
        stdin.setRawMode(false);
        process.stderr.write('\n');
      }
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\n' || ch === '\r') return finish(text);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined); // Ctrl-C, Ctrl-D
        if (tty && (ch === '\u007f' || ch === '\b')) text = text.slice(0, -1);
        else text += ch;
      }
    };
    const onEnd = () => finish(text === '' ? undefined : text);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** The login step of the command line: environment, pinentry, PIN pad or standard input. */
async function cliLogin(session: TokenSession, policy: Policy, io: PdfCommandIo, info: PdfSealAuthorization): Promise<void> {
  if (session.token.pinLocked) throw new SealError('ERR_TOKEN_PIN_LOCKED');
  const fromEnv = io.env['ESEAL_PIN'];
  if (fromEnv !== undefined && fromEnv !== '') return session.login(fromEnv);
  if (policy.pin.entry === 'pinentry' && policy.pin.pinentryProgram !== undefined) {
    const pin = await askPinentry({
      program: policy.pin.pinentryProgram,
      title: 'ESeal 电子签章 / electronic seal',
      description: `eseal pdf seal\n印章 / seal: ${info.entry.name}\n字段 / field: ${info.fieldName}, 第 ${info.preview.page} 页 / page ${info.preview.page}`,
      prompt: 'USB KEY PIN:',
      timeoutMs: DEFAULT_USER_TIMEOUT_MS,
    });
    if (pin === undefined) throw new SealError('ERR_USER_CANCELLED');
    return session.login(pin);
  }
  if (policy.pin.entry === 'pinpad' || session.token.pinPad) {
    io.stderr(`请在 USB KEY 的密码键盘上输入 PIN / enter the PIN on the token's PIN pad (${session.token.label})\n`);
    return session.loginWithPinPad();
  }
  const retries = session.token.pinRetriesLeft === undefined ? '' : `（剩余 ${session.token.pinRetriesLeft} 次 / ${session.token.pinRetriesLeft} attempts left）`;
  const pin = await io.readPin(`${session.token.label} PIN${retries}: `);
  if (pin === undefined || pin === '') throw new SealError('ERR_USER_CANCELLED');
  return session.login(pin);
}

/** Takes `<dir>.lock` for the run: two command lines never write the same audit chain at once. */
function lockAuditDir(dir: string): () => void {
  const path = `${dir}.lock`;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      let alive: boolean;
      try {
        const pid = Number(readFileSync(path, 'utf8').trim());
        alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) rmSync(path, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  throw new SealError('ERR_AUDIT_WRITE_FAILED', { reason: `${path} is held by another eseal process` });
}

async function sealAction(input: string, output: string, o: PdfSealOptions, io: PdfCommandIo): Promise<void> {
  if (o.seal === undefined || o.seal === '') throw usage('--seal is required / 请用 --seal 指定印章');
  const placement = parsePlacement(o);
  if (!o.force && existsSync(output)) throw new SealError('ERR_FILE_EXISTS', { path: output });
  const stateDir = o.stateDir ?? defaultStateDir();
  const policy = loadPolicy(o.policy).policy;
  // Read only where parsed; hashed and copied from disk (the process never holds the file).
  const pdf = PdfFile.open(input, MAX_INPUT_BYTES);
  try {
    await sealFile(pdf, output, o, io, stateDir, policy, placement);
  } finally {
    pdf.close();
  }
}

async function sealFile(pdf: PdfFile, output: string, o: PdfSealOptions, io: PdfCommandIo, stateDir: string, policy: ReturnType<typeof loadPolicy>['policy'], placement: PdfPlacement): Promise<void> {
  const registry = new TokenRegistry(tokenProviders(stateDir, o.softToken, policy, (line) => io.stderr(`${line}\n`)));
  const auditDir = policy.audit.directory !== undefined ? `${policy.audit.directory}-cli` : join(stateDir, 'audit-cli');
  mkdirSync(dirname(auditDir), { recursive: true, mode: 0o700 });
  const unlock = lockAuditDir(auditDir);
  const audit = new AuditLog({ directory: auditDir });
  const facts: { sealId?: string; certSerial?: string; documentDigest?: string } = { sealId: o.seal };
  try {
    const made = await registry.withSession(o.token, (session) =>
      sealPdf({
        session,
        seals: new SealStore(stateDir),
        sealId: o.seal ?? '',
        pdf,
        placement,
        ...(o.reason !== undefined && { reason: o.reason }),
        ...(o.location !== undefined && { location: o.location }),
        cms: o.cms === true,
        onSeal: (_entry, signer) => {
          facts.certSerial = signer.cert.serialNumberHex;
        },
        authorize: async (info) => {
          facts.documentDigest = Buffer.from(info.documentSm3).toString('hex');
          await cliLogin(session, policy, io, info);
        },
      }),
    );
    writePdfParts(output, [pdf, made.revision], { overwrite: o.force === true });
    const outSm3 = Buffer.from(made.outputSm3).toString('hex');
    await audit.append({ origin: 'cli', method: 'pdf.seal', result: 'ok', ...facts, extra: { field: made.fieldName, page: made.page, format: made.format, outputSm3: outSm3 } });
    const rect = made.rect.map((v) => Math.round(v * 100) / 100);
    if (o.json === true) {
      io.stdout(`${JSON.stringify({ output, fieldName: made.fieldName, page: made.page, rect, sealId: made.sealId, format: made.format, signedAt: made.signedAt.toISOString(), documentSm3: facts.documentDigest, outputSm3: outSm3, bytes: pdf.size + made.revision.length }, null, 2)}\n`);
    } else {
      io.stdout(
        [
          `已签章 / sealed: ${output}`,
          `签名域 / field: ${made.fieldName}  (${made.format === 'SES_Signature' ? 'GB/T 38540 SES_Signature' : 'CMS'})`,
          `页码 / page: ${made.page}  位置 / rect: [${rect.join(', ')}]`,
          `输出 SM3 / output SM3: ${outSm3}`,
        ].join('\n') + '\n',
      );
    }
  } catch (error) {
    const e = toSealError(error);
    await audit
      .append({ origin: 'cli', method: 'pdf.seal', result: e.code === 'ERR_USER_CANCELLED' ? 'cancelled' : 'error', errorCode: e.code, ...facts })
      .catch(() => undefined);
    throw e;
  } finally {
    await audit.close().catch(() => undefined);
    unlock();
    await registry.close();
  }
}

/** Commander reports usage errors with exit code 1 by default; ours are 2. */
class PdfCommand extends Command {
  override createCommand(name?: string): Command {
    return new PdfCommand(name);
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(message, { ...errorOptions, exitCode: errorOptions?.exitCode ?? EXIT_USAGE });
  }
}

export function registerPdfCommands(program: Command, io: PdfCommandIo = defaultIo): Command {
  const pdf = new PdfCommand('pdf').description('PDF 文档签章 / seal PDF documents');
  pdf
    .command('seal')
    .description('用 USB KEY 中的印章对 PDF 签章（增量更新，原有签名保持有效）/ stamp a seal from the token into a PDF (incremental update; earlier signatures stay valid)')
    .argument('<in>', '输入 PDF / input PDF')
    .argument('<out>', '输出 PDF / output PDF')
    .option('--seal <sealId>', '印章标识（eseal 的 seals.list 中的 id）/ seal id')
    .option('--token <serial>', 'USB KEY 序列号（默认：第一个）/ token serial (default: the first token)')
    .option('--page <n>', '页码（从 1 起）/ page number (1-based)')
    .option('--at <x,y>', '印章中心位置，距页面左上角的毫米数 / seal centre in mm from the top-left of the page')
    .option('--keyword <text>', '按关键字定位（印章盖在关键字上）/ place the seal over this text')
    .option('--occurrence <k>', '关键字的第几处（默认 1）/ which occurrence of the keyword (default 1)')
    .option('--riding <y>', '骑缝章：切片盖在各页右边缘，中心距页面顶部 Y 毫米 / riding seal: one slice per page at the right edge, centred Y mm from the top')
    .option('--pages <from-to>', '骑缝章跨越的页（默认全部）/ pages the riding seal spans (default all)')
    .option('--reason <text>', '签章原因 / reason')
    .option('--location <text>', '签章地点 / location')
    .option('--cms', 'SM2 密钥：写入 GM/T 0010 CMS 而非 SES_Signature / SM2 keys: a GM/T 0010 CMS instead of an SES_Signature')
    .option('--force', '覆盖已存在的输出文件 / overwrite an existing output file')
    .option('--json', '以 JSON 输出结果 / print the result as JSON')
    .option('--state-dir <dir>', '状态目录 / state directory')
    .option('--soft-token <file>', '软件令牌文件（仅开发测试）/ software token file (development only)')
    .option('--policy <file>', '策略文件（PKCS#11 / SKF 库、PIN 输入方式）/ policy file (token libraries, PIN entry)')
    .addHelpText(
      'after',
      '\nPIN：取自环境变量 ESEAL_PIN，或策略指定的 pinentry 程序、密码键盘，否则从标准输入读取（终端中不回显）。\n' +
        'PIN: from the ESEAL_PIN environment variable, the policy\'s pinentry program or PIN pad, else standard input (hidden on a terminal).\n' +
        '\n例 / example:\n  eseal pdf seal 合同.pdf 合同-已签章.pdf --seal dev-official --page 1 --at 150,240\n  eseal pdf seal in.pdf out.pdf --seal dev-official --keyword "甲方（盖章）"\n  eseal pdf seal in.pdf out.pdf --seal dev-official --riding 150 --pages 1-3\n',
    )
    .action(async (input: string, output: string, o: PdfSealOptions) => {
      try {
        await sealAction(input, output, o, io);
      } catch (err) {
        const e = toSealError(err);
        io.stderr(`错误 ${e.code}: ${e.bilingualMessage}\n`);
        io.setExitCode(e.category === 'input' || e.code === 'ERR_FILE_NOT_FOUND' ? EXIT_USAGE : EXIT_FAILURE);
      }
    });
  program.addCommand(pdf);
  return pdf;
}
