// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The agent's audit log (用章记录): append-only, one record per request and decision, hash-chained
 * with SM3, written with fsync so that nothing acknowledged is lost in a crash.
 *
 * Design rationale:
 * - Line format `HASH␠BODY\n`, where BODY is the record's JSON text and
 *   HASH = hex SM3(prevHash ‖ UTF-8(BODY)). Verification hashes the stored bytes; it never
 *   re-serialises JSON, so formatting can never make an honest log look tampered.
 * - BODY carries `seq` (1, 2, 3, … across rotations) and `prev` (the previous line's HASH; 64 zeros
 *   for the first record ever). An edit breaks HASH; a deletion, insertion or reordering breaks
 *   `seq` or `prev`.
 * - Removing records from the *end* cannot be seen from the chain alone, so the head (last seq and
 *   hash) is also written to `audit.head` after every commit, as a high-water mark: after a crash it
 *   may lag, never lead. `eseal audit export` prints the head so an administrator can keep it
 *   elsewhere.
 * - Rotation renames `audit.log` to `audit-<firstSeq>.log` and starts a new file whose first record
 *   chains to the last hash of the old one, so the chain runs across files.
 * - Appends are group-committed: records queued while a write+fsync is in flight go out together
 *   in the next one, each caller's promise resolving only after its record is on disk.
 * - A torn last line (a crash mid-write, never acknowledged) is cut off when the log is opened.
 * - The PIN never enters a record: the record type has no place for it and any extra field whose
 *   name mentions a PIN or password is refused.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SealError } from '../../shared/errors/index.js';

export const GENESIS_HASH = '0'.repeat(64);
const CURRENT = 'audit.log';
const HEAD = 'audit.head';
const SEGMENT = /^audit-(\d{1,15})\.log$/;

/** What the caller says about one request or decision. */
export interface AuditEntry {
  /** Portal origin as taken from the browser, or `cli` / `agent`. */
  readonly origin: string;
  /** Protocol method or CLI action, e.g. `seal.sign`, `pin.change`, `pairing.accept`. */
  readonly method: string;
  /** `ok`, `error`, `denied` (policy), `cancelled` (user), `consented`, … */
  readonly result: string;
  readonly requestId?: string;
  readonly sealId?: string;
  /** Hex serial number of the signer certificate. */
  readonly certSerial?: string;
  /** Hex SM3 (or SHA-256) digest of the document or data signed. */
  readonly documentDigest?: string;
  readonly errorCode?: string;
  /** Other flat facts (counts, item index). Never secrets. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  /** ISO 8601 UTC. */
  readonly time: string;
  readonly prev: string;
}

export interface AuditLogOptions {
  readonly directory: string;
  /** Rotate when the current file would exceed this many bytes (default 16 MiB). */
  readonly maxFileBytes?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

const FORBIDDEN_KEY = /pin|passw|secret|passphrase|口令|密码/i;

function sm3Hex(prev: string, body: string): string {
  return createHash('sm3').update(Buffer.from(prev, 'hex')).update(body, 'utf8').digest('hex');
}

function checkEntry(entry: AuditEntry): void {
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'extra') continue;
    if (value !== undefined && typeof value !== 'string') throw new SealError('ERR_INPUT_INVALID', { name: `audit.${key}`, reason: 'must be a string' });
    if (typeof value === 'string' && value.length > 1024) throw new SealError('ERR_INPUT_INVALID', { name: `audit.${key}`, reason: 'longer than 1024 characters' });
  }
  for (const [key, value] of Object.entries(entry.extra ?? {})) {
    if (FORBIDDEN_KEY.test(key)) throw new SealError('ERR_INPUT_INVALID', { name: `audit.extra.${key}`, reason: 'secrets are never audited' });
    if (typeof value === 'string' && value.length > 1024) throw new SealError('ERR_INPUT_INVALID', { name: `audit.extra.${key}`, reason: 'longer than 1024 characters' });
  }
}

interface Pending {
  readonly line: string;
  readonly record: AuditRecord;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

export class AuditLog {
  private readonly directory: string;
  private readonly maxFileBytes: number;
  private readonly now: () => Date;
  private lastSeq = 0;
  private lastHash = GENESIS_HASH;
  private currentBytes = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;

  constructor(options: AuditLogOptions) {
    this.directory = options.directory;
    this.maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      this.recover();
    } catch (error) {
      if (error instanceof SealError) throw error;
      throw new SealError('ERR_AUDIT_WRITE_FAILED', {}, { cause: error });
    }
  }

  /** The last committed record's sequence number and hash. */
  get head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /**
   * Appends one record; resolves after it is on disk (write + fsync). If the disk write fails the
   * promise rejects with ERR_AUDIT_WRITE_FAILED and the caller must not report success.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new SealError('ERR_AUDIT_WRITE_FAILED'));
    checkEntry(entry);
    const record: AuditRecord = {
      seq: this.lastSeq + 1,
      time: this.now().toISOString(),
      prev: this.lastHash,
      origin: entry.origin,
      method: entry.method,
      result: entry.result,
      ...(entry.requestId !== undefined && { requestId: entry.requestId }),
      ...(entry.sealId !== undefined && { sealId: entry.sealId }),
      ...(entry.certSerial !== undefined && { certSerial: entry.certSerial }),
      ...(entry.documentDigest !== undefined && { documentDigest: entry.documentDigest }),
      ...(entry.errorCode !== undefined && { errorCode: entry.errorCode }),
      ...(entry.extra !== undefined && { extra: entry.extra }),
    };
    const body = JSON.stringify(record);
    const hash = sm3Hex(record.prev, body);
    this.lastSeq = record.seq;
    this.lastHash = hash;
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${hash} ${body}\n`, record, resolve, reject });
      if (!this.flushing) setImmediate(() => this.flush());
    });
  }

  /** Waits for queued records, then refuses further appends. */
  async close(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) await new Promise((r) => setImmediate(r));
    this.closed = true;
  }

  private flush(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    try {
      // Write in chunks that respect the rotation size; a single record larger than the limit
      // still goes out whole (a record is never split across files).
      let chunk = '';
      let chunkBytes = 0;
      for (const p of batch) {
        const lineBytes = Buffer.byteLength(p.line);
        if (this.currentBytes + chunkBytes > 0 && this.currentBytes + chunkBytes + lineBytes > this.maxFileBytes) {
          if (chunk) this.writeDurably(chunk, chunkBytes);
          chunk = '';
          chunkBytes = 0;
          if (this.currentBytes > 0) this.rotate();
        }
        chunk += p.line;
        chunkBytes += lineBytes;
      }
      if (chunk) this.writeDurably(chunk, chunkBytes);
      const last = batch[batch.length - 1];
      if (last) this.writeHead(last.record.seq, last.line.slice(0, 64));
      for (const p of batch) p.resolve(p.record);
    } catch (error) {
      // The chain in memory no longer matches the disk: stop accepting records.
      this.closed = true;
      const failure = new SealError('ERR_AUDIT_WRITE_FAILED', {}, { cause: error });
      for (const p of batch) p.reject(failure);
      for (const p of this.queue) p.reject(failure);
      this.queue = [];
    } finally {
      this.flushing = false;
    }
    if (this.queue.length > 0) setImmediate(() => this.flush());
  }

  private writeDurably(text: string, bytes: number): void {
    const fd = openSync(join(this.directory, CURRENT), 'a', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.currentBytes += bytes;
  }

  /**
   * The head is a high-water mark, written after the records it names are on disk. It is not
   * fsync'd itself (that would double the cost of every commit): after a crash it may lag behind the
   * log, which verification accepts; what it can never do is name a record the log no longer has.
   */
  private writeHead(seq: number, hash: string): void {
    const tmp = join(this.directory, `${HEAD}.tmp`);
    writeFileSync(tmp, `${seq} ${hash}\n`, { mode: 0o600 });
    renameSync(tmp, join(this.directory, HEAD));
  }

  private rotate(): void {
    const firstSeq = this.lastSeqOnDiskFirst();
    renameSync(join(this.directory, CURRENT), join(this.directory, `audit-${String(firstSeq).padStart(12, '0')}.log`));
    this.currentBytes = 0;
  }

  private lastSeqOnDiskFirst(): number {
    const text = readFileSync(join(this.directory, CURRENT), 'utf8');
    const firstLine = text.slice(0, text.indexOf('\n'));
    const body = JSON.parse(firstLine.slice(65)) as { seq: number };
    return body.seq;
  }

  /** Reads the tail of the chain on open, cutting off a torn (never acknowledged) last line. */
  private recover(): void {
    const current = join(this.directory, CURRENT);
    let source: string | undefined = existsSync(current) ? current : undefined;
    if (!source) {
      const segments = listSegments(this.directory);
      const last = segments[segments.length - 1];
      source = last ? join(this.directory, last.file) : undefined;
    }
    if (!source) return;
    let text = readFileSync(source, 'utf8');
    const cut = text.lastIndexOf('\n') + 1;
    if (cut < Buffer.byteLength(text)) {
      truncateSync(source, Buffer.byteLength(text.slice(0, cut)));
      text = text.slice(0, cut);
    }
    const lines = text.split('\n').filter((l) => l.length > 0);
    const lastLine = lines[lines.length - 1];
    if (lastLine) {
      const body = JSON.parse(lastLine.slice(65)) as { seq: number };
      this.lastSeq = body.seq;
      this.lastHash = lastLine.slice(0, 64);
    }
    if (source === current) this.currentBytes = statSync(current).size;
  }
}

export function listSegments(directory: string): { file: string; firstSeq: number }[] {
  return readdirSync(directory)
    .map((file) => ({ file, m: SEGMENT.exec(file) }))
    .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ file: x.file, firstSeq: Number(x.m[1]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly records: number;
  readonly head: { seq: number; hash: string };
  /** First problem found: the global record number (1-based line across files) and why. */
  readonly problem?: { line: number; file: string; reason: string; reasonZh: string };
}

/** Reads every record of the log in order (segments, then the current file). */
export function* readAuditLines(directory: string): Generator<{ file: string; lineNo: number; line: string }> {
  const files = [...listSegments(directory).map((s) => s.file), ...(existsSync(join(directory, CURRENT)) ? [CURRENT] : [])];
  for (const file of files) {
    const text = readFileSync(join(directory, file), 'utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let lineNo = 0;
    for (const line of lines) yield { file, lineNo: ++lineNo, line };
  }
}

/** Checks the whole chain: every hash, sequence number, back link, and the head file. */
export function verifyAuditLog(directory: string): AuditVerification {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  const fail = (file: string, reason: string, reasonZh: string): AuditVerification => ({
    ok: false,
    records: count,
    head: { seq: expectedSeq - 1, hash: prevHash },
    problem: { line: count + 1, file, reason, reasonZh },
  });
  if (!existsSync(directory)) return { ok: false, records: 0, head: { seq: 0, hash: GENESIS_HASH }, problem: { line: 0, file: directory, reason: 'the audit directory does not exist', reasonZh: '审计目录不存在' } };
  const headFile = join(directory, HEAD);
  const headText = existsSync(headFile) ? readFileSync(headFile, 'utf8').trim().split(' ') : undefined;
  const headSeq = headText === undefined ? undefined : Number(headText[0]);
  let hashAtHead: string | undefined;
  for (const { file, line } of readAuditLines(directory)) {
    const match = /^([0-9a-f]{64}) (\{.*\})$/.exec(line);
    if (!match) return fail(file, 'is not a well-formed record', '格式错误');
    const [, hash = '', body = ''] = match;
    let record: Partial<AuditRecord>;
    try {
      record = JSON.parse(body) as Partial<AuditRecord>;
    } catch {
      return fail(file, 'is not valid JSON', '不是有效的 JSON');
    }
    if (record.seq !== expectedSeq) return fail(file, `has sequence ${String(record.seq)}, expected ${expectedSeq} (a record was deleted, inserted or moved)`, `序号为 ${String(record.seq)}，应为 ${expectedSeq}（记录被删除、插入或调换）`);
    if (record.prev !== prevHash) return fail(file, 'does not link to the previous record', '与前一条记录的链接不符');
    if (sm3Hex(prevHash, body) !== hash) return fail(file, 'was modified (hash mismatch)', '内容被修改（杂凑值不符）');
    if (record.seq === headSeq) hashAtHead = hash;
    prevHash = hash;
    expectedSeq++;
    count++;
  }
  // The head may lag behind the log after a crash (records committed after the last head update),
  // but it must name a record the log still has, with the same hash.
  if (headText !== undefined) {
    const lastSeq = expectedSeq - 1;
    if (headSeq === undefined || !Number.isInteger(headSeq) || headSeq > lastSeq) {
      return { ok: false, records: count, head: { seq: lastSeq, hash: prevHash }, problem: { line: count, file: HEAD, reason: `ends at ${lastSeq} but the head says ${String(headText[0])} (records were removed from the end)`, reasonZh: `日志止于第 ${lastSeq} 条，但头记录为第 ${String(headText[0])} 条（末尾记录被删除）` } };
    }
    if (headSeq > 0 && hashAtHead !== headText[1]) {
      return { ok: false, records: count, head: { seq: lastSeq, hash: prevHash }, problem: { line: headSeq, file: HEAD, reason: `record ${headSeq} differs from the one the head recorded (the end of the log was rewritten)`, reasonZh: `第 ${headSeq} 条记录与头记录不符（日志末尾被改写）` } };
    }
  } else if (count > 0) {
    return { ok: false, records: count, head: { seq: expectedSeq - 1, hash: prevHash }, problem: { line: count, file: HEAD, reason: 'the head file is missing', reasonZh: '头记录文件缺失' } };
  }
  return { ok: true, records: count, head: { seq: expectedSeq - 1, hash: prevHash } };
}
