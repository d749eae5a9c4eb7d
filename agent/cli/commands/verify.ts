// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `eseal verify [--json] [--trust CA.pem …] [--crl CRL …] [--intermediate CERT …] [--no-pictures] [--lang en] FILE`
 * (FILE: OFD, PDF, a bare seal or a bare signature; detected by content, not by name).
 *
 * Exit codes: 0 only when the overall indication is TOTAL_PASSED (every signature passed and there is
 * at least one); 1 when any signature failed or is indeterminate, or the document could not be parsed
 * (the report then has `error`); 2 for usage errors and files that cannot be read (the document, a
 * trust anchor, an intermediate or a CRL).
 *
 * `--json` prints the {@link VerificationReport} as JSON (2-space indent, key order as built, stable;
 * documented in docs/verification-report.md). Text mode prints `renderReportText` (Chinese first).
 */
import { readInputFile } from '../readInputFile.js';
import { createHash, getHashes, type Hash } from 'node:crypto';
import { Command, type OutputConfiguration } from 'commander';
import { SealError, toSealError, formatErrorMessage, type Locale } from '../../../shared/errors/index.js';
import { renderReportText } from '../../../shared/verify/renderReportText.js';
import { MAX_DOCUMENT_BYTES, verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { PdfHashName } from '../../../shared/verify/verifyPdf.js';
import type { IncrementalHash } from '../../../shared/pdf/byteRange.js';
import { parseCertificates, parseCrls, type Certificate, type Crl } from '../../../shared/x509/index.js';

/** Where the command writes and how it reports its exit code (injectable for in-process tests). */
export interface VerifyCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  /** Clock for `verifiedAt` (tests pin it). */
  readonly now?: () => Date;
}

const defaultIo: VerifyCommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
};

export const EXIT_PASSED = 0;
export const EXIT_NOT_PASSED = 1;
export const EXIT_USAGE = 2;

/** Commander reports usage errors with exit code 1 by default; ours are 2. */
class VerifyCommand extends Command {
  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(message, { ...errorOptions, exitCode: errorOptions?.exitCode ?? EXIT_USAGE });
  }
}

interface VerifyOptions {
  json?: boolean;
  trust: string[];
  crl: string[];
  intermediate: string[];
  pictures: boolean;
  lang: string;
}


function loadCertificates(paths: readonly string[], what: string): Certificate[] {
  const out: Certificate[] = [];
  for (const p of paths) {
    const certs = parseCertificates(readInputFile(p, MAX_DOCUMENT_BYTES, what));
    if (certs.length === 0) throw new SealError('ERR_X509_PEM_INVALID', { reason: `no certificate in ${p}` });
    out.push(...certs);
  }
  return out;
}

const NODE_HASH: Record<PdfHashName, string> = { SM3: 'sm3', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * OpenSSL's streaming hashes for the PDF byte ranges: SHA-256 is ~20× the pure code and needs no
 * joined copy of the ranges (WebCrypto is one-shot), and forkable states let several signatures
 * share one pass over the file. Unknown names keep the built-in path.
 */
let available: Set<string> | undefined;

function nodeHasher(alg: PdfHashName): IncrementalHash | undefined {
  const name = NODE_HASH[alg];
  available ??= new Set(getHashes());
  if (!available.has(name)) return undefined;
  return wrapHash(createHash(name));
}

/** `clone` (Hash.copy) lets the verifier hash the prefix shared by several signatures once. */
function wrapHash(h: Hash): IncrementalHash & { clone(): IncrementalHash } {
  return {
    update(d: Uint8Array) {
      h.update(d);
      return this;
    },
    digest: () => new Uint8Array(h.digest()),
    clone: () => wrapHash(h.copy()),
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Registers `eseal verify` on the given program. */
export function registerVerifyCommand(program: Command, io: VerifyCommandIo = defaultIo): Command {
  const cmd = new VerifyCommand('verify');
  cmd.copyInheritedSettings(program);
  const output: OutputConfiguration = { writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) };
  cmd
    .configureOutput(output)
    .description('验证 OFD/PDF 文档、电子印章或签名文件 / verify an OFD or PDF document, an electronic seal or a signature file')
    .argument('<file>', '要验证的文件 / file to verify')
    .option('--json', '以 JSON 输出验证报告 / print the verification report as JSON')
    .option('--trust <file>', '受信任的根证书（PEM/DER，可多次指定） / trust anchor certificate (PEM/DER, repeatable)', collect, [])
    .option('--intermediate <file>', '中间证书（可多次指定） / intermediate certificate (repeatable)', collect, [])
    .option('--crl <file>', '证书吊销列表（可多次指定） / certificate revocation list (repeatable)', collect, [])
    .option('--no-pictures', '报告中不包含印章图片 / leave seal pictures out of the report')
    .option('--lang <locale>', '文本输出语言 zh-CN 或 en / text output language (zh-CN or en)', 'zh-CN')
    .action(async (file: string, opts: VerifyOptions) => {
      if (opts.lang !== 'zh-CN' && opts.lang !== 'en') {
        cmd.error(formatErrorMessage('ERR_CLI_USAGE', 'zh-CN', { reason: `--lang ${opts.lang}` }) + ' / ' + formatErrorMessage('ERR_CLI_USAGE', 'en', { reason: `--lang ${opts.lang}` }));
      }
      let bytes: Uint8Array;
      let trustAnchors: Certificate[];
      let intermediates: Certificate[];
      const crls: Crl[] = [];
      try {
        bytes = readInputFile(file, MAX_DOCUMENT_BYTES, 'document');
        trustAnchors = loadCertificates(opts.trust, 'trust anchor');
        intermediates = loadCertificates(opts.intermediate, 'intermediate');
        for (const p of opts.crl) crls.push(...parseCrls(readInputFile(p, MAX_DOCUMENT_BYTES, 'CRL')));
      } catch (err) {
        const e = toSealError(err);
        io.stderr(`错误 ${e.code}: ${e.bilingualMessage}\n`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      const report = await verifyDocument(bytes, {
        fileName: file,
        trustAnchors,
        intermediates,
        crls,
        includePictures: opts.pictures,
        createHash: nodeHasher,
        ...(io.now === undefined ? {} : { now: io.now() }),
      });
      if (opts.json === true) io.stdout(JSON.stringify(report, null, 2) + '\n');
      else io.stdout(renderReportText(report, opts.lang as Locale));
      io.setExitCode(report.indication === 'TOTAL_PASSED' ? EXIT_PASSED : EXIT_NOT_PASSED);
    });
  program.addCommand(cmd);
  return cmd;
}
