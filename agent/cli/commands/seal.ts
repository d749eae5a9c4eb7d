// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `eseal seal make | show | picture` — making GB/T 38540 (v4) seals and inspecting seals.
 *
 * ```
 * eseal seal make --picture FILE --name NAME --type N --vid VID --es-id ID
 *                 --signer-cert CERT.pem [--signer-cert CERT2.pem …] [--signer-cert-digest]
 *                 (--maker-p12 FILE --maker-pass PASS | --maker-key KEY.pem --maker-cert CERT.pem [--maker-pass PASS])
 *                 [--valid-start ISO] [--valid-end ISO] [--create-date ISO] [--width-mm N] [--height-mm N]
 *                 --out FILE.esl
 * eseal seal show FILE [--json]            # FILE: .esl (SESeal) or SES_Signature (shows its seal)
 * eseal seal picture FILE [--out PICTURE]  # default extension from the picture type
 * ```
 *
 * Exit codes: 0 success; 2 usage and input errors (bad option, missing file, invalid value);
 * 1 anything else (unreadable seal, wrong password, …). Errors print `错误 ERR_X: 中文 / English`.
 * Files are written atomically (temporary file in the target folder, then rename).
 */
import { readInputFile } from '../readInputFile.js';
import { basename, dirname, extname, join } from 'node:path';
import { Command } from 'commander';
import { writeFileAtomic } from '../../fs/writeFileAtomic.js';
import { SealError, toSealError } from '../../../shared/errors/index.js';
import { sm2Sign } from '../../../shared/crypto/sm2.js';
import { parseCertificates, type Certificate } from '../../../shared/x509/index.js';
import {
  decodeSESeal,
  decodeSES_Signature,
  detectSesStructure,
  makeSealV4,
  normalisePictureType,
  pictureExtension,
  sniffPictureFormat,
  verifySealOnly,
  type DecodedSESeal,
  type SealOnlyVerification,
} from '../../../shared/seal/index.js';
import type { SealSummary } from '../../../shared/verify/VerificationReport.js';
import { loadSigningKeyFromFiles } from '../../keys/loadSigningKey.js';

/** Where the commands write and how they report exit codes (injectable for in-process tests). */
export interface SealCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  /** Clock for createDate defaults and `show` validity (tests pin it). */
  readonly now?: () => Date;
}

const defaultIo: SealCommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
};

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Largest input file we read (seals are tens of KiB; pictures a few MiB). */
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/** Commander reports usage errors with exit code 1 by default; ours are 2. */
class SealCommand extends Command {
  override createCommand(name?: string): Command {
    return new SealCommand(name);
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(message, { ...errorOptions, exitCode: errorOptions?.exitCode ?? EXIT_USAGE });
  }
}

function usage(reason: string): SealError {
  return new SealError('ERR_CLI_USAGE', { reason });
}



function parseDateOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(d.getTime())) throw new SealError('ERR_INPUT_INVALID', { name, reason: `"${value}" is not an ISO 8601 date` });
  return d;
}

function parseIntOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new SealError('ERR_INPUT_INVALID', { name, reason: `"${value}" is not a whole number` });
  return Number(value);
}

function exitCodeFor(e: SealError): number {
  return e.category === 'input' || e.code === 'ERR_FILE_NOT_FOUND' ? EXIT_USAGE : EXIT_FAILURE;
}

/** Runs an action, printing coded errors as `错误 ERR_X: 中文 / English`. */
async function run(io: SealCommandIo, action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (err) {
    const e = toSealError(err);
    io.stderr(`错误 ${e.code}: ${e.bilingualMessage}\n`);
    io.setExitCode(exitCodeFor(e));
  }
}

interface MakeOptions {
  picture?: string;
  name?: string;
  type?: string;
  vid?: string;
  esId?: string;
  signerCert: string[];
  signerCertDigest?: boolean;
  makerP12?: string;
  makerPass?: string;
  makerKey?: string;
  makerCert?: string;
  validStart?: string;
  validEnd?: string;
  createDate?: string;
  widthMm?: string;
  heightMm?: string;
  out?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '') throw usage(`${flag} is required`);
  return value;
}

async function makeAction(o: MakeOptions, io: SealCommandIo): Promise<void> {
  const picturePath = required(o.picture, '--picture');
  const name = required(o.name, '--name');
  const type = parseIntOption(required(o.type, '--type'), '--type', 0);
  const vid = required(o.vid, '--vid');
  const esID = required(o.esId, '--es-id');
  const out = required(o.out, '--out');
  if (o.signerCert.length === 0) throw usage('at least one --signer-cert is required');
  const useP12 = o.makerP12 !== undefined;
  const usePem = o.makerKey !== undefined || o.makerCert !== undefined;
  if (useP12 === usePem) throw usage('give either --maker-p12 with --maker-pass, or --maker-key with --maker-cert');
  if (useP12 && o.makerPass === undefined) throw usage('--maker-p12 needs --maker-pass');
  if (usePem && (o.makerKey === undefined || o.makerCert === undefined)) throw usage('--maker-key and --maker-cert go together');

  const signerCerts: Certificate[] = [];
  for (const file of o.signerCert) {
    for (const c of parseCertificates(readInputFile(file, MAX_INPUT_BYTES))) signerCerts.push(c);
  }
  if (signerCerts.length === 0) throw usage('no certificate in the --signer-cert files');
  // Default validity: the intersection of the signer certificates' validity periods.
  const latestStart = new Date(Math.max(...signerCerts.map((c) => c.notBefore.getTime())));
  const earliestEnd = new Date(Math.min(...signerCerts.map((c) => c.notAfter.getTime())));
  const validStart = parseDateOption(o.validStart, '--valid-start') ?? latestStart;
  const validEnd = parseDateOption(o.validEnd, '--valid-end') ?? earliestEnd;
  const now = io.now?.() ?? new Date();
  const createDate = parseDateOption(o.createDate, '--create-date') ?? new Date(Math.floor(now.getTime() / 1000) * 1000);

  const pictureData = readInputFile(picturePath, MAX_INPUT_BYTES);
  const key = loadSigningKeyFromFiles({
    ...(o.makerP12 === undefined ? {} : { p12: o.makerP12 }),
    ...(o.makerKey === undefined ? {} : { keyFile: o.makerKey }),
    ...(o.makerCert === undefined ? {} : { certFile: o.makerCert }),
    ...(o.makerPass === undefined ? {} : { password: o.makerPass }),
  });
  const made = await makeSealV4({
    vid,
    esID,
    name,
    type,
    certs: signerCerts.map((c) => c.der),
    ...(o.signerCertDigest === true ? { digestAlgorithm: 'SM3' as const } : {}),
    createDate,
    validStart,
    validEnd,
    picture: { data: pictureData, widthMm: parseIntOption(o.widthMm, '--width-mm', 40), heightMm: parseIntOption(o.heightMm, '--height-mm', 40) },
    makerCertDer: key.certificateDer,
    signSealInfo: (tbs) => sm2Sign(key.privateKey, tbs, { format: 'der' }),
  });
  writeFileAtomic(out, made.der, 0o644);
  io.stdout(`已制作印章 Seal written: ${out} (${made.der.length} 字节 bytes, esID ${esID})\n`);
}

/** Loads a seal from a file holding an SESeal or an SES_Signature (its embedded seal). */
function loadSeal(path: string): { seal: DecodedSESeal; der: Uint8Array; from: 'seal' | 'signature' } {
  const der = readInputFile(path, MAX_INPUT_BYTES);
  const structure = detectSesStructure(der);
  if (structure.startsWith('signature-')) {
    const sig = decodeSES_Signature(der);
    return { seal: sig.toSign.eseal, der: sig.raw.eseal, from: 'signature' };
  }
  if (structure.startsWith('seal-')) return { seal: decodeSESeal(der), der, from: 'seal' };
  // Let the decoder produce the precise, path-aware error.
  decodeSESeal(der);
  throw new SealError('ERR_SEAL_MALFORMED', { reason: `not an electronic seal (detected: ${structure})` });
}

const FORMAT_LABEL: Record<SealSummary['format'], string> = {
  v1: 'GM/T 0031-2014 (v1)',
  v4: 'GB/T 38540-2020 (v4)',
  v5: 'GM/T 0031-2025 / ofdrw (v5)',
};

const STATUS_ZH: Record<string, string> = { passed: '通过', failed: '失败', warning: '警告', skipped: '跳过' };

function renderSealText(seal: DecodedSESeal, v: SealOnlyVerification, from: 'seal' | 'signature'): string {
  const s = v.seal;
  const lines: string[] = [];
  if (from === 'signature') lines.push('（签章文件中嵌入的印章 / seal embedded in a signature）');
  lines.push(`印章格式 Format:        ${FORMAT_LABEL[s.format]}, 头版本 header version ${s.headerVersion}`);
  lines.push(`印章编码 esID:          ${s.esID}`);
  lines.push(`印章名称 Name:          ${s.name}`);
  lines.push(`印章类型 Type:          ${s.type}`);
  lines.push(`厂商标识 Vendor (Vid):  ${s.vendorId}`);
  lines.push(`制作日期 Created:       ${s.createDate}`);
  lines.push(`有效期   Valid:         ${s.validStart} .. ${s.validEnd}`);
  lines.push(`印章图片 Picture:       ${s.picture.type} (${s.picture.byteLength} 字节 bytes), ${s.picture.widthMm}×${s.picture.heightMm} mm`);
  const list = seal.eSealInfo.property.certList;
  if (list.kind === 'certs') {
    lines.push(`绑定证书 Signer certs:  ${list.certs.length}`);
    for (const der of list.certs) {
      try {
        const c = parseCertificates(der)[0];
        if (c !== undefined) lines.push(`  - ${c.subjectText} (序列号 serial ${c.serialNumberHex}, ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()})`);
      } catch {
        lines.push(`  - （无法解析 unreadable certificate, ${der.length} bytes）`);
      }
    }
  } else if (list.kind === 'digests') {
    lines.push(`证书摘要 Cert digests:  ${list.digests.length}`);
    for (const d of list.digests) lines.push(`  - ${d.type}: ${Buffer.from(d.value).toString('hex')}`);
  } else {
    lines.push(`证书标识 Cert ids:      ${list.ids.join(', ')}`);
  }
  if (s.maker !== undefined) lines.push(`制章人   Maker:         ${s.maker.subject} (序列号 serial ${s.maker.serialNumber}, ${s.maker.notBefore} .. ${s.maker.notAfter})`);
  for (const c of v.checks) {
    if (c.id === 'seal.format') continue;
    lines.push(`[${STATUS_ZH[c.status] ?? c.status} ${c.status}] ${c.messageZh} / ${c.message}`);
  }
  return `${lines.join('\n')}\n`;
}

async function showAction(file: string, o: { json?: boolean }, io: SealCommandIo): Promise<void> {
  const { seal, der, from } = loadSeal(file);
  const v = await verifySealOnly(der, { trustAnchors: [], time: io.now?.() ?? new Date() });
  if (o.json === true) io.stdout(`${JSON.stringify(v.seal, null, 2)}\n`);
  else io.stdout(renderSealText(seal, v, from));
}

function pictureAction(file: string, o: { out?: string }, io: SealCommandIo): void {
  const { seal } = loadSeal(file);
  const p = seal.eSealInfo.picture;
  const declared = normalisePictureType(p.type);
  const format = declared === 'unknown' ? sniffPictureFormat(p.data) : declared;
  const ext = pictureExtension(format);
  let out = o.out ?? join(dirname(file), `${basename(file, extname(file))}.${ext}`);
  if (extname(out) === '') out = `${out}.${ext}`;
  writeFileAtomic(out, p.data, 0o644);
  io.stdout(`已导出印章图片 Picture written: ${out} (${p.type}, ${p.data.length} 字节 bytes)\n`);
}

/**
 * Adds `seal make`, `seal show` and `seal picture` to the program.
 * @returns the `seal` command.
 */
export function registerSealCommands(program: Command, io: SealCommandIo = defaultIo): Command {
  const seal = new SealCommand('seal').description('电子印章：制作、查看、导出图片 / electronic seals: make, show, export picture');

  seal
    .command('make')
    .description('制作 GB/T 38540 电子印章 / make a GB/T 38540 (v4) electronic seal')
    .option('--picture <file>', '印章图片 PNG/JPG/GIF / seal picture')
    .option('--name <name>', '印章名称 / seal name')
    .option('--type <n>', '印章类型（整数）/ seal type (integer)')
    .option('--vid <vid>', '厂商标识 / vendor id')
    .option('--es-id <id>', '印章编码 / seal id (esID)')
    .option('--signer-cert <file>', '签章人证书（可多次）/ signer certificate (repeatable)', collect, [])
    .option('--signer-cert-digest', '只存证书 SM3 摘要（certListType 2）/ store SM3 digests instead of certificates')
    .option('--maker-p12 <file>', '制章人 PKCS#12 文件 / seal maker PKCS#12')
    .option('--maker-pass <password>', 'PKCS#12 或加密私钥的口令 / PKCS#12 or encrypted key password')
    .option('--maker-key <file>', '制章人私钥 PEM / seal maker private key (PEM)')
    .option('--maker-cert <file>', '制章人证书 PEM / seal maker certificate (PEM)')
    .option('--valid-start <iso>', '有效期起始（默认：签章人证书生效时间）/ validity start (default: signer certificates)')
    .option('--valid-end <iso>', '有效期截止（默认：签章人证书到期时间）/ validity end (default: signer certificates)')
    .option('--create-date <iso>', '制作日期（默认：现在）/ creation date (default: now)')
    .option('--width-mm <n>', '图片宽度（毫米，默认 40）/ picture width in mm (default 40)')
    .option('--height-mm <n>', '图片高度（毫米，默认 40）/ picture height in mm (default 40)')
    .option('--out <file>', '输出 .esl 文件 / output .esl file')
    .action(async (o: MakeOptions) => run(io, () => makeAction(o, io)));

  seal
    .command('show')
    .description('显示印章内容 / show a seal (.esl or the seal inside an SES_Signature)')
    .argument('<file>', '印章文件 / seal file')
    .option('--json', '以 JSON 输出（SealSummary）/ print the SealSummary as JSON')
    .action(async (file: string, o: { json?: boolean }) => run(io, () => showAction(file, o, io)));

  seal
    .command('picture')
    .description('导出印章图片 / write the seal picture to a file')
    .argument('<file>', '印章文件 / seal file')
    .option('--out <file>', '输出图片文件（默认扩展名取自图片类型）/ output picture (extension from its type by default)')
    .action(async (file: string, o: { out?: string }) => run(io, () => pictureAction(file, o, io)));

  program.addCommand(seal);
  return seal;
}
