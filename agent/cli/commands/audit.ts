// SPDX-License-Identifier: Apache-2.0
/** `eseal audit verify|export`: for administrators reading the tamper-evident usage record. */
import type { Command } from 'commander';
import { readAuditLines, verifyAuditLog, type AuditRecord } from '../../audit/AuditLog.js';
import { writeFileAtomic } from '../../fs/writeFileAtomic.js';
import { defaultAuditDir } from '../../paths/defaultPaths.js';
import { SealError } from '../../../shared/errors/index.js';

function parseTime(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new SealError('ERR_CLI_USAGE', { reason: `${flag} ${value} is not an ISO 8601 time` });
  return t;
}

const CSV_COLUMNS = ['seq', 'time', 'origin', 'method', 'result', 'requestId', 'sealId', 'certSerial', 'documentDigest', 'errorCode'] as const;

function csvCell(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  // Quote everything and neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('审计日志（用章记录） / the audit log (usage records)');

  audit
    .command('verify')
    .description('校验审计日志是否被修改、删除、插入或调换 / check the log for edits, deletions, insertions or reordering')
    .option('--dir <dir>', '审计目录 / audit directory', defaultAuditDir())
    .option('--json', '输出 JSON / print JSON')
    .action((opts: { dir: string; json?: boolean }) => {
      const result = verifyAuditLog(opts.dir);
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else if (result.ok) {
        process.stdout.write(`审计日志完整：${result.records} 条记录，头 ${result.head.seq} ${result.head.hash}\nAudit log intact: ${result.records} records, head ${result.head.seq} ${result.head.hash}\n`);
      } else {
        const p = result.problem;
        process.stdout.write(`审计日志校验失败：${p?.file ?? ''} 第 ${p?.line ?? 0} 条记录${p?.reasonZh ?? ''}\nAudit log check FAILED: ${p?.file ?? ''} record ${p?.line ?? 0} ${p?.reason ?? ''}\n`);
      }
      if (!result.ok) process.exitCode = 1;
    });

  audit
    .command('export')
    .description('导出审计记录 / export the audit records')
    .option('--dir <dir>', '审计目录 / audit directory', defaultAuditDir())
    .option('--from <time>', '起始时间（ISO 8601）/ from time')
    .option('--to <time>', '截止时间（ISO 8601）/ to time')
    .option('--format <format>', 'json 或 csv / json or csv', 'json')
    .option('--out <file>', '输出文件（默认标准输出）/ output file (default stdout)')
    .action((opts: { dir: string; from?: string; to?: string; format: string; out?: string }) => {
      if (opts.format !== 'json' && opts.format !== 'csv') throw new SealError('ERR_CLI_USAGE', { reason: `--format ${opts.format}` });
      const from = parseTime(opts.from, '--from');
      const to = parseTime(opts.to, '--to');
      const check = verifyAuditLog(opts.dir);
      const records: AuditRecord[] = [];
      for (const { line } of readAuditLines(opts.dir)) {
        let record: AuditRecord;
        try {
          record = JSON.parse(line.slice(65)) as AuditRecord;
        } catch {
          continue;
        }
        const t = Date.parse(record.time);
        if ((from !== undefined && t < from) || (to !== undefined && t > to)) continue;
        records.push(record);
      }
      let text: string;
      if (opts.format === 'json') {
        text = JSON.stringify({ exportedAt: new Date().toISOString(), chainIntact: check.ok, head: check.head, problem: check.problem, records }, null, 2) + '\n';
      } else {
        text = [CSV_COLUMNS.join(','), ...records.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
      }
      if (opts.out) writeFileAtomic(opts.out, text);
      else process.stdout.write(text);
      if (!check.ok) {
        process.stderr.write(`警告：审计日志校验失败 / warning: the audit log failed its check (${check.problem?.reason ?? ''})\n`);
        process.exitCode = 1;
      }
    });
}
