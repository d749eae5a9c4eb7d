// SPDX-License-Identifier: Apache-2.0
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, GENESIS_HASH, verifyAuditLog, type AuditEntry } from '../../../agent/audit/AuditLog.js';
import { SealError } from '../../../shared/errors/index.js';
import { builtAgentPath } from '../../support/builtArtifacts.js';

// sm-crypto is the independent SM3 oracle (the log itself uses Node's native SM3).
const smCrypto = createRequire(import.meta.url)('sm-crypto') as { sm3: (input: string | number[]) => string };

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eseal-audit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (i: number): AuditEntry => ({
  origin: 'https://zfzf.czj.example.gov.cn',
  method: 'seal.sign',
  result: i % 7 === 0 ? 'error' : 'ok',
  requestId: `r${i}`,
  sealId: '33010600000001',
  certSerial: '1a2b',
  documentDigest: 'ab'.repeat(32),
  ...(i % 7 === 0 ? { errorCode: 'ERR_TOKEN_PIN_INCORRECT' } : {}),
  extra: { item: i },
});

async function writeLog(dir: string, n: number, maxFileBytes?: number): Promise<void> {
  const log = new AuditLog({ directory: dir, ...(maxFileBytes ? { maxFileBytes } : {}) });
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(entry(i + 1))));
  await log.close();
}

function currentLines(dir: string): string[] {
  return readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
}

describe('AuditLog', () => {
  it('chains concurrent appends with contiguous sequence numbers and verifies', async () => {
    const dir = freshDir();
    await writeLog(dir, 50);
    const result = verifyAuditLog(dir);
    expect(result).toMatchObject({ ok: true, records: 50, head: { seq: 50 } });
    const lines = currentLines(dir);
    expect(lines.map((l) => (JSON.parse(l.slice(65)) as { seq: number }).seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((JSON.parse(lines[0]!.slice(65)) as { prev: string }).prev).toBe(GENESIS_HASH);
  });

  it('uses SM3(prev ‖ body), as an independent SM3 computes it', async () => {
    const dir = freshDir();
    await writeLog(dir, 2);
    const [first, second] = currentLines(dir);
    const bytes = (hex: string, text: string) => [...Buffer.concat([Buffer.from(hex, 'hex'), Buffer.from(text, 'utf8')])];
    expect(first!.slice(0, 64)).toBe(smCrypto.sm3(bytes(GENESIS_HASH, first!.slice(65))));
    expect(second!.slice(0, 64)).toBe(smCrypto.sm3(bytes(first!.slice(0, 64), second!.slice(65))));
  });

  it('continues the chain after a restart and across rotations', async () => {
    const dir = freshDir();
    await writeLog(dir, 30, 2_000);
    await writeLog(dir, 30, 2_000);
    expect(readdirSync(dir).filter((f) => /^audit-\d+\.log$/.test(f)).length).toBeGreaterThan(3);
    expect(verifyAuditLog(dir)).toMatchObject({ ok: true, records: 60, head: { seq: 60 } });
  });

  it('cuts off a torn last line (never acknowledged) when reopened', async () => {
    const dir = freshDir();
    await writeLog(dir, 5);
    appendFileSync(join(dir, 'audit.log'), 'deadbeef {"seq":6,"ti');
    await writeLog(dir, 1);
    expect(verifyAuditLog(dir)).toMatchObject({ ok: true, records: 6 });
  });

  it('never records a PIN', async () => {
    const dir = freshDir();
    const log = new AuditLog({ directory: dir });
    expect(() => log.append({ origin: 'cli', method: 'pin.change', result: 'ok', extra: { newPin: '123456' } })).toThrow(SealError);
    expect(() => log.append({ origin: 'cli', method: 'x', result: 'ok', extra: { 用户口令: 'x' } })).toThrow(/secrets/);
    await log.close();
  });

  it('reports a failed disk write as ERR_AUDIT_WRITE_FAILED and refuses later appends', async () => {
    const dir = freshDir();
    const log = new AuditLog({ directory: dir });
    await log.append(entry(1));
    renameSync(join(dir, 'audit.log'), join(dir, 'moved.log'));
    mkdirSync(join(dir, 'audit.log')); // a directory where the file should be: open() fails
    await expect(log.append(entry(2))).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' });
    await expect(log.append(entry(3))).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' });
    // Opening a log whose file cannot be read is refused the same way.
    expect(() => new AuditLog({ directory: dir })).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_WRITE_FAILED' }) as Error);
  });

  describe('detects tampering', () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['an edited field', (dir) => {
        const lines = currentLines(dir);
        lines[3] = lines[3]!.replace('"result":"ok"', '"result":"error"');
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /modified/],
      ['a deleted record', (dir) => {
        const lines = currentLines(dir);
        lines.splice(4, 1);
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /sequence/],
      ['an inserted record', (dir) => {
        const lines = currentLines(dir);
        lines.splice(4, 0, lines[2]!);
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /sequence/],
      ['two records swapped', (dir) => {
        const lines = currentLines(dir);
        [lines[2], lines[3]] = [lines[3]!, lines[2]!];
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /sequence/],
      ['a record re-hashed after editing (chain link breaks)', (dir) => {
        const lines = currentLines(dir);
        const body = lines[3]!.slice(65).replace('"result":"ok"', '"result":"denied"');
        const prev = lines[2]!.slice(0, 64);
        const hash = smCrypto.sm3([...Buffer.concat([Buffer.from(prev, 'hex'), Buffer.from(body)])]);
        lines[3] = `${hash} ${body}`;
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /link/],
      ['the last record removed', (dir) => {
        const lines = currentLines(dir);
        lines.pop();
        writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      }, /removed from the end/],
      ['the head file removed', (dir) => unlinkSync(join(dir, 'audit.head')), /head file is missing/],
      ['the last records rewritten and re-chained (the head remembers the old hash)', (dir) => {
        const lines = currentLines(dir);
        const rebuilt = lines.slice(0, 8);
        let prev = rebuilt[7]!.slice(0, 64);
        for (const line of lines.slice(8)) {
          const body = line.slice(65).replace('"result":"ok"', '"result":"denied"');
          const hash = smCrypto.sm3([...Buffer.concat([Buffer.from(prev, 'hex'), Buffer.from(body)])]);
          rebuilt.push(`${hash} ${body.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${prev}"`)}`);
          prev = hash;
        }
        writeFileSync(join(dir, 'audit.log'), rebuilt.join('\n') + '\n');
      }, /differs from the one the head recorded|link|modified/],
      ['garbage appended', (dir) => appendFileSync(join(dir, 'audit.log'), 'not a record\n'), /well-formed/],
    ];
    it.each(cases)('%s', async (_label, tamper, reason) => {
      const dir = freshDir();
      await writeLog(dir, 10);
      expect(verifyAuditLog(dir).ok).toBe(true);
      tamper(dir);
      const result = verifyAuditLog(dir);
      expect(result.ok).toBe(false);
      expect(result.problem?.reason).toMatch(reason);
      expect(result.problem?.reasonZh).toMatch(/[\u4e00-\u9fff]/);
    });

    it('accepts a head that lags behind the log (a crash after the records were committed)', async () => {
      const dir = freshDir();
      await writeLog(dir, 10);
      const lines = currentLines(dir);
      writeFileSync(join(dir, 'audit.head'), `7 ${lines[6]!.slice(0, 64)}\n`);
      expect(verifyAuditLog(dir)).toMatchObject({ ok: true, records: 10 });
      writeFileSync(join(dir, 'audit.head'), `7 ${'ab'.repeat(32)}\n`);
      expect(verifyAuditLog(dir)).toMatchObject({ ok: false, problem: { line: 7 } });
    });

    it('a whole rotated segment deleted', async () => {
      const dir = freshDir();
      await writeLog(dir, 40, 2_000);
      const segment = readdirSync(dir).filter((f) => /^audit-\d+\.log$/.test(f)).sort()[1]!;
      unlinkSync(join(dir, segment));
      expect(verifyAuditLog(dir)).toMatchObject({ ok: false });
    });
  });
});

describe('eseal audit (built command)', () => {
  it('verify exits 0 on an intact log and 1 after tampering; export gives JSON and CSV', async () => {
    const dir = freshDir();
    await writeLog(dir, 8);
    const eseal = builtAgentPath();
    const ok = spawnSync(process.execPath, [eseal, 'audit', 'verify', '--dir', dir], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('审计日志完整：8 条记录');
    const json = JSON.parse(execFileSync(process.execPath, [eseal, 'audit', 'export', '--dir', dir], { encoding: 'utf8' })) as { chainIntact: boolean; records: unknown[] };
    expect(json.chainIntact).toBe(true);
    expect(json.records).toHaveLength(8);
    const csv = execFileSync(process.execPath, [eseal, 'audit', 'export', '--dir', dir, '--format', 'csv'], { encoding: 'utf8' });
    expect(csv.split('\n')[0]).toBe('seq,time,origin,method,result,requestId,sealId,certSerial,documentDigest,errorCode');
    expect(csv.trim().split('\n')).toHaveLength(9);
    const lines = currentLines(dir);
    lines[1] = lines[1]!.replace('"origin":"https', '"origin":"http');
    writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
    const bad = spawnSync(process.execPath, [eseal, 'audit', 'verify', '--dir', dir], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('审计日志校验失败');
    const usage = spawnSync(process.execPath, [eseal, 'audit', 'export', '--dir', dir, '--from', 'yesterday'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('ERR_CLI_USAGE');
  });
});
