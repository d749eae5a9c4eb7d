// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PDF benchmark (issue 5): on the same generated 100 MB / 1000-page PDF in one run,
 *  1. stamping, ours vs `@signpdf/signpdf` 3.3.0 (+ placeholder-plain + signer-p12), both with the same
 *     RSA-2048 key, each run in its own child process (fresh heap), file → file including reading and
 *     writing: median time and the child's peak RSS (VmHWM). Targets: ours ≥ 3× faster, peak RSS ≤
 *     file size + 64 MB.
 *  2. verification of a 10-signature PDF (ECDSA P-256 and RSA, standard CMS): poppler's `pdfsig` vs our
 *     verifier, in a child process (process start included, like pdfsig's) and in-process. Target:
 *     ours within 2× of pdfsig.
 *
 * Our stamping, two sides (the output names each side's `path`):
 *  - `sealPdf`: the agent's pipeline agent/pdf/sealPdf.ts (what `pdf.seal` and `eseal pdf seal` run)
 *    on a SoftHSM2 RSA-2048 key over PKCS#11 with a seal bound to its certificate (bench/pdfChildSealPdf.ts),
 *    from the input file as `eseal pdf seal` reads it (agent/pdf/pdfFile.ts: only the parsed objects
 *    are read, hashing and the output copy stream from disk, so its peak does not hold the file);
 *  - `library`: shared/pdf `preparePdfSignatureRevision` (only the appended revision is allocated) →
 *    SHA-256 of the /ByteRange with node:crypto over views of the input and the tail → shared/cms
 *    `buildSignedData` signed with node:crypto → `fillPdfSignatureRevision` → write input ‖ revision:
 *    the CMS branch of sealPdf without token, seal, picture, consent fingerprint and placement.
 * All sides, @signpdf included, use the SoftHSM2 token's RSA key and certificate (as PKCS#12 for
 * @signpdf); without SoftHSM2 the sealPdf side is skipped and the test PKI's RSA key is used.
 *
 * Our verification path: `verifyDocument` when it accepts PDFs (shared/verify), otherwise
 * `readPdfSignatures` + per-signature ByteRange SHA-256 (node:crypto) + `verifyCmsSignedData`.
 *
 * Children (bench/pdfChild.ts) run from a lean bundle built at run time (dist/bench/pdf-child), or
 * from this bundle as `index.mjs --pdf-child MODE JSON` when esbuild is missing.
 * Environment: ESEAL_BENCH_PDF_MB (100), ESEAL_BENCH_PDF_PAGES (1000), ESEAL_BENCH_PDF_RUNS (5),
 * ESEAL_BENCH_PDF_VERIFY_RUNS (7), ESEAL_BENCH_PDF_CPU_PROF=DIR (children write V8 CPU profiles there),
 * ESEAL_BENCH_PDF_KEEP=1 (keep the temporary directory), ESEAL_BENCH_PDF_PARTS (stamp,verify),
 * ESEAL_BENCH_PDF_SIDES (sealPdf,library,signpdf).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildSignedData } from '../shared/cms/buildSignedData.js';
import { fillPdfSignature, pdfByteRangeDigest, preparePdfSignature } from '../shared/pdf/index.js';
import { sm2Sign } from '../shared/crypto/sm2.js';
import { makeSealV4 } from '../shared/seal/index.js';
import { parseCertificate, parseCertificates, type Certificate } from '../shared/x509/index.js';
import { drawSealPng } from '../agent/dev/sealPicture.js';
import { loadSigningKey } from '../agent/keys/loadSigningKey.js';
import { P12_PASSWORD, round, SIGNPDF_VERSION, type ChildResult, type TrustFiles, type VerifySummary } from './pdfCommon.js';
import { loadTrust, verifyOurs } from './pdfVerify.js';
import { writeBenchPdf } from './pdfFixture.js';

const MiB = 1024 * 1024;
const MEMORY_SLACK_BYTES = 64 * MiB;
const SPEEDUP_TARGET = 3;
const VERIFY_RATIO_TARGET = 2;

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

const mib = (bytes: number): number => round(bytes / MiB);

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'scripts', 'make-test-pki.sh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

interface ChildRun {
  readonly ok: boolean;
  readonly wallMs: number;
  readonly result?: ChildResult;
  readonly error?: string;
}

/** As scripts/build.mjs: native and heavy runtime packages stay external. */
const NODE_EXTERNAL = ['pkcs11js', 'koffi', 'ws', 'playwright-core', 'sm-crypto'];

/** How a child is started: the lean bundle, or this bundle with `--pdf-child`. */
let childCommand: { script: string; prefix: string[]; kind: string } | undefined;

/**
 * Builds bench/pdfChildMain.ts into dist/bench/pdf-child with the installed esbuild (options as scripts/build.mjs's
 * Node bundles, plus code splitting), so a child carries only the code it times. Falls back to this
 * bundle's `--pdf-child` mode, whose idle RSS is far higher (64–70 MiB with the crypto/ofd/agent
 * sections compiled in; ~150 MiB once a section imports playwright-core statically, which an ESM
 * bundle loads at start-up whatever is run).
 */
function prepareChildCommand(): { script: string; prefix: string[]; kind: string } {
  const root = repoRoot();
  // Beside this bundle (dist/bench/pdf-child), so the native externals resolve from node_modules.
  const outdir = join(dirname(fileURLToPath(import.meta.url)), 'pdf-child');
  const banner = "import { createRequire as __esealCreateRequire } from 'node:module'; const require = __esealCreateRequire(import.meta.url);";
  try {
    rmSync(outdir, { recursive: true, force: true }); // chunk names change between builds
    execFileSync(
      join(root, 'node_modules', 'esbuild', 'bin', 'esbuild'),
      [join(root, 'bench', 'pdfChildMain.ts'), '--bundle', '--splitting', '--format=esm', '--platform=node', '--target=node20', `--outdir=${outdir}`, '--out-extension:.js=.mjs', '--log-level=error', `--banner:js=${banner}`, ...NODE_EXTERNAL.map((x) => `--external:${x}`)],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: root },
    );
    return { script: join(outdir, 'pdfChildMain.mjs'), prefix: [], kind: 'lean bundle of bench/pdfChildMain.ts (esbuild at run time, split at the verifier and @signpdf imports)' };
  } catch (e) {
    process.stderr.write(`bench: pdf: lean child bundle not built (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); children run the bench bundle\n`);
    return { script: fileURLToPath(import.meta.url), prefix: ['--pdf-child'], kind: 'bench bundle index.mjs --pdf-child' };
  }
}

function runChild(mode: string, args: unknown, profDir?: string): ChildRun {
  const cmd = childCommand ?? { script: fileURLToPath(import.meta.url), prefix: ['--pdf-child'], kind: '' };
  const flags = profDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${mode}-${Date.now()}.cpuprofile`];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...flags, cmd.script, ...cmd.prefix, mode, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 16 * MiB, timeout: 600_000 });
  const wallMs = round(performance.now() - t0, 1);
  if (r.status !== 0) {
    const err = (r.stderr || r.error?.message || `exit ${String(r.status)} signal ${String(r.signal)}`).trim().split('\n').slice(0, 6).join(' | ');
    return { ok: false, wallMs, error: err };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { ok: true, wallMs, result: JSON.parse(line) as ChildResult };
}

function pdfsigCheck(path: string): { signatures: number; valid: number } {
  const r = spawnSync('pdfsig', [path], { encoding: 'utf8', maxBuffer: 16 * MiB });
  const out = r.stdout ?? '';
  return { signatures: (out.match(/^Signature #\d+:/gm) ?? []).length, valid: (out.match(/Signature Validation: Signature is Valid\./g) ?? []).length };
}

function qpdfCheck(path: string): { exitCode: number | null } {
  return { exitCode: spawnSync('qpdf', ['--check', path], { encoding: 'utf8', maxBuffer: 64 * MiB }).status };
}

interface Pki {
  readonly dir: string;
  readonly rsaKey: string;
  /** Self-signed RSA-2048 certificate of the test PKI's RSA key (see benchPdf). */
  readonly rsaCert: string;
  readonly rsaP12: string;
  readonly trust: TrustFiles;
}

function makePki(tmp: string): Pki {
  const dir = join(tmp, 'pki');
  mkdirSync(dir);
  execFileSync('bash', [join(repoRoot(), 'scripts', 'make-test-pki.sh'), dir], { stdio: 'ignore' });
  // node-forge (signer-p12) cannot read the test PKI's rsa.p12: it bundles the SM2 CA certificates and
  // the RSA leaf itself is signed with SM2-with-SM3, and forge drops certificates whose signature OID
  // it does not know ("Could not compute certificate digest. Unknown signature OID"). So both sides
  // use the same RSA-2048 key under a self-signed sha256WithRSA certificate.
  const rsaKey = join(dir, 'rsa.key');
  const rsaCert = join(dir, 'rsa-selfsigned.pem');
  const rsaP12 = join(dir, 'rsa-selfsigned.p12');
  execFileSync('openssl', ['req', '-x509', '-key', rsaKey, '-sha256', '-days', '3650', '-subj', '/C=CN/O=ESeal bench/CN=bench RSA-2048', '-out', rsaCert], { stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', rsaKey, '-in', rsaCert, '-name', 'bench-rsa', '-passout', `pass:${P12_PASSWORD}`, '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-out', rsaP12], { stdio: 'ignore' });
  return { dir, rsaKey, rsaCert, rsaP12, trust: { root: join(dir, 'root.pem'), inter: join(dir, 'inter.pem') } };
}

interface SideStats {
  readonly runs: number;
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly medianWallMs?: number;
  readonly peakRssMiB?: number;
  readonly phasesMedianMs?: Record<string, number>;
  readonly path?: string;
  readonly output?: Record<string, unknown>;
  readonly error?: string;
}

function sideStats(runs: readonly ChildRun[], output?: Record<string, unknown>): SideStats {
  const ok = runs.filter((r) => r.ok && r.result !== undefined).map((r) => ({ ...r, result: r.result as ChildResult }));
  if (ok.length === 0) return { runs: 0, error: runs.find((r) => r.error !== undefined)?.error ?? 'no run' };
  const phaseNames = Object.keys(ok[0]?.result.phases ?? {});
  const phasesMedianMs: Record<string, number> = {};
  for (const p of phaseNames) phasesMedianMs[p] = round(median(ok.map((r) => r.result.phases?.[p] ?? NaN)), 1);
  return {
    runs: ok.length,
    medianMs: round(median(ok.map((r) => r.result.ms))),
    minMs: round(Math.min(...ok.map((r) => r.result.ms))),
    medianWallMs: round(median(ok.map((r) => r.wallMs))),
    peakRssMiB: mib(Math.max(...ok.map((r) => r.result.peakRssBytes))),
    phasesMedianMs,
    ...(typeof ok[0]?.result.path === 'string' && { path: ok[0].result.path }),
    ...(output !== undefined && { output }),
    ...(ok.length < runs.length && { error: `${runs.length - ok.length} of ${runs.length} runs failed: ${runs.find((r) => !r.ok)?.error ?? ''}` }),
  };
}

/** One stamping implementation as a child mode with its arguments (input/output filled per run). */
interface Side {
  readonly name: 'sealPdf' | 'library' | 'signpdf';
  readonly mode: string;
  readonly args: Record<string, unknown>;
}

/** Stamps `input` `runs` times with every side, interleaved (so machine noise hits all alike). */
function stampCompare(tmp: string, sides: readonly Side[], input: string, runs: number, profDir?: string): Record<string, SideStats> {
  const all = new Map<string, ChildRun[]>(sides.map((s) => [s.name, []]));
  const outputs = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < runs; i++) {
    for (const side of sides) {
      const done = all.get(side.name) as ChildRun[];
      if (done.length > 0 && done.every((r) => !r.ok)) continue; // a failure is reported once, not timed five times
      const output = join(tmp, `out-${side.name}.pdf`);
      process.stderr.write(`bench: pdf: stamp ${side.name} ${i + 1}/${runs}…\n`);
      const r = runChild(side.mode, { ...side.args, input, output }, i === 0 ? profDir : undefined);
      done.push(r);
      if (r.ok && !outputs.has(side.name)) {
        // Check each side's first output: a fast wrong signature would prove nothing.
        outputs.set(side.name, { bytes: statSync(output).size, pdfsig: pdfsigCheck(output), qpdfCheckExit: qpdfCheck(output).exitCode });
      }
      rmSync(output, { force: true });
    }
  }
  const out: Record<string, SideStats> = {};
  for (const side of sides) out[side.name] = sideStats(all.get(side.name) ?? [], outputs.get(side.name));
  return out;
}

interface Hsm {
  readonly dir: string;
  readonly conf: string;
  readonly rsaKey: string;
  readonly rsaCert: string;
  readonly rsaP12: string;
  readonly stateDir: string;
}

const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const SOFTHSM_PIN = '123456';
const HSM_SEAL_ID = 'bench-rsa';

/**
 * A SoftHSM2 token (scripts/softhsm-setup.sh) whose RSA-2048 certificate has a GB/T 38540 seal bound
 * to it (a CKO_DATA object, as the pdf.seal tests make it), for timing sealPdf. Its RSA key and
 * self-signed certificate also go to @signpdf (PKCS#12) and the library path: one key for all sides.
 */
async function makeHsm(tmp: string, pki: Pki): Promise<Hsm> {
  const dir = join(tmp, 'hsm');
  execFileSync('bash', [join(repoRoot(), 'scripts', 'softhsm-setup.sh'), dir], { stdio: 'ignore' });
  const conf = join(dir, 'softhsm2.conf');
  const rsaCertDer = new Uint8Array(readFileSync(join(dir, 'rsa.cert.der')));
  const cert = parseCertificate(rsaCertDer);
  const maker = loadSigningKey({ kind: 'pem', key: readFileSync(join(pki.dir, 'maker.key')), certificates: readFileSync(join(pki.dir, 'maker.pem')) });
  const seal = await makeSealV4({
    vid: 'ESealBench',
    esID: '11010500000299',
    name: 'ESeal 基准测试 RSA 章',
    type: 1,
    certs: [rsaCertDer],
    createDate: new Date(),
    validStart: cert.notBefore,
    validEnd: cert.notAfter,
    picture: { type: 'png', data: drawSealPng(160), widthMm: 40, heightMm: 40 },
    makerCertDer: maker.certificateDer,
    signSealInfo: (tbs) => sm2Sign(maker.privateKey, tbs),
  });
  const sealFile = join(dir, `${HSM_SEAL_ID}.esl`);
  writeFileSync(sealFile, seal.der);
  execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', 'ESeal SoftHSM', '--login', '--pin', SOFTHSM_PIN, '--write-object', sealFile, '--type', 'data', '--application-label', 'ESeal', '--label', HSM_SEAL_ID], {
    stdio: 'ignore',
    env: { ...process.env, SOFTHSM2_CONF: conf },
  });
  const rsaKey = join(dir, 'rsa.key.pem');
  const rsaCert = join(dir, 'rsa.cert.pem');
  const rsaP12 = join(dir, 'rsa.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', rsaKey, '-in', rsaCert, '-name', 'bench-rsa', '-passout', `pass:${P12_PASSWORD}`, '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-out', rsaP12], { stdio: 'ignore' });
  const stateDir = join(tmp, 'state');
  mkdirSync(stateDir);
  return { dir, conf, rsaKey, rsaCert, rsaP12, stateDir };
}

/** Signs `input` ten times (P-256 and RSA alternating, test PKI, standard CMS) for the verification bench. */
export async function makeTenSignaturePdf(input: string, output: string, pkiDir: string): Promise<void> {
  const signers = (['p256', 'rsa'] as const).map((name) => ({
    key: createPrivateKey(readFileSync(join(pkiDir, `${name}.key`))),
    cert: parseCertificates(readFileSync(join(pkiDir, `${name}.pem`), 'utf8'))[0] as Certificate,
  }));
  const chain = parseCertificates(readFileSync(join(pkiDir, 'chain.pem'), 'utf8'));
  let pdf: Uint8Array = new Uint8Array(readFileSync(input));
  // Signed now: the test PKI is minted at the start of the run, so a fixed past time would fall
  // before the certificates' notBefore and fail the path check.
  const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  for (let i = 0; i < 10; i++) {
    const s = signers[i % 2] as (typeof signers)[number];
    const prepared = preparePdfSignature(pdf, {
      page: 0,
      rect: [40 + (i % 5) * 100, 40 + Math.floor(i / 5) * 60, 120 + (i % 5) * 100, 90 + Math.floor(i / 5) * 60],
      signingTime: signedAt,
      contentsReserveBytes: 8192,
      subFilter: 'adbe.pkcs7.detached',
      reason: `bench signature ${i + 1}`,
    });
    const digest = await pdfByteRangeDigest(prepared.bytes, prepared.byteRange, 'SHA-256', { hasher: createHash('sha256') });
    const cms = await buildSignedData({
      signerCertificate: s.cert,
      certificates: chain,
      contentDigest: digest,
      digestAlgorithm: 'SHA-256',
      signingTime: signedAt,
      sign: (attrs) => Promise.resolve(new Uint8Array(nodeSign('sha256', attrs, s.key))),
    });
    pdf = fillPdfSignature(prepared, cms);
  }
  writeFileSync(output, pdf);
}

async function verifyCompare(tmp: string, pki: Pki, label: string, input: string, runs: number, profDir?: string): Promise<Record<string, unknown>> {
  const file = join(tmp, `ten-${label}.pdf`);
  await makeTenSignaturePdf(input, file, pki.dir);
  const bytes = statSync(file).size;
  const check = pdfsigCheck(file);
  const pdfsigMs: number[] = [];
  const childMs: number[] = [];
  const childInternalMs: number[] = [];
  const inProcessMs: number[] = [];
  let childSummary: Record<string, unknown> = {};
  let childPeak = 0;
  const trust = loadTrust(pki.trust);
  const data = new Uint8Array(readFileSync(file));
  let inProcess: VerifySummary | undefined;
  await verifyOurs(data, trust); // warm-up of the in-process path
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`bench: pdf: verify ${label} ${i + 1}/${runs}…\n`);
    let t0 = performance.now();
    const r = spawnSync('pdfsig', [file], { encoding: 'utf8', maxBuffer: 16 * MiB });
    pdfsigMs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`pdfsig failed: ${r.stderr}`);
    const c = runChild('verify-ours', { input: file, trust: pki.trust }, i === 0 ? profDir : undefined);
    if (!c.ok || c.result === undefined) throw new Error(`our verifier child failed: ${c.error ?? ''}`);
    childMs.push(c.wallMs);
    childInternalMs.push(c.result.ms);
    childPeak = Math.max(childPeak, c.result.peakRssBytes);
    childSummary = { path: c.result.path, signatures: c.result.signatures, valid: c.result.valid };
    t0 = performance.now();
    inProcess = await verifyOurs(data, trust);
    inProcessMs.push(performance.now() - t0);
  }
  rmSync(file, { force: true });
  const pdfsigMedian = median(pdfsigMs);
  const childMedian = median(childMs);
  const inMedian = median(inProcessMs);
  return {
    file: { bytes, mib: mib(bytes), signatures: 10, algorithms: 'ECDSA P-256 ×5, RSA-2048 ×5 (SHA-256, adbe.pkcs7.detached)' },
    pdfsig: { medianMs: round(pdfsigMedian), minMs: round(Math.min(...pdfsigMs)), signatures: check.signatures, valid: check.valid },
    oursChild: { medianWallMs: round(childMedian), medianInternalMs: round(median(childInternalMs)), peakRssMiB: mib(childPeak), ...childSummary },
    oursInProcess: { medianMs: round(inMedian), minMs: round(Math.min(...inProcessMs)), ...(inProcess !== undefined && { signatures: inProcess.signatures, valid: inProcess.valid }) },
    ratioChildToPdfsig: round(childMedian / pdfsigMedian, 2),
    ratioInProcessToPdfsig: round(inMedian / pdfsigMedian, 2),
    targetRatio: VERIFY_RATIO_TARGET,
    withinTargetChild: childMedian <= VERIFY_RATIO_TARGET * pdfsigMedian,
    withinTargetInProcess: inMedian <= VERIFY_RATIO_TARGET * pdfsigMedian,
  };
}

function pdfsigVersion(): string {
  const r = spawnSync('pdfsig', ['-v'], { encoding: 'utf8' });
  return /pdfsig version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** The `pdf` section of `npm run bench`. */
export async function benchPdf(): Promise<Record<string, unknown>> {
  const targetMiB = envInt('ESEAL_BENCH_PDF_MB', 100);
  const pages = envInt('ESEAL_BENCH_PDF_PAGES', 1000);
  let runs = envInt('ESEAL_BENCH_PDF_RUNS', 5);
  const verifyRuns = envInt('ESEAL_BENCH_PDF_VERIFY_RUNS', 7);
  const profDir = process.env['ESEAL_BENCH_PDF_CPU_PROF'];
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'eseal-bench-pdf-'));
  try {
    const pki = makePki(tmp);
    const input = join(tmp, 'in.pdf');
    process.stderr.write(`bench: pdf: writing the ${targetMiB} MB / ${pages}-page fixture…\n`);
    const fixture = writeBenchPdf(input, { pages, targetBytes: targetMiB * 1000 * 1000 });
    const idleBundle = runChild('idle', {});
    childCommand = prepareChildCommand();
    const idle = runChild('idle', {});
    const idlePeakMiB = idle.result ? mib(idle.result.peakRssBytes) : undefined;
    const results: Record<string, unknown> = {
      child: childCommand.kind,
      fixture: { ...fixture, mib: mib(fixture.bytes) },
      childIdlePeakRssMiB: idle.result ? mib(idle.result.peakRssBytes) : null,
      benchBundleIdlePeakRssMiB: idleBundle.result ? mib(idleBundle.result.peakRssBytes) : null,
      tools: { signpdf: SIGNPDF_VERSION, pdfsig: pdfsigVersion(), node: process.version },
    };

    // ── stamping ──
    const parts = (process.env['ESEAL_BENCH_PDF_PARTS'] ?? 'stamp,verify').split(',');
    if (!parts.includes('stamp')) runs = 0;
    let hsm: Hsm | undefined;
    if (runs > 0) {
      try {
        hsm = await makeHsm(tmp, pki);
      } catch (e) {
        results['sealPdfUnavailable'] = `SoftHSM2 token not made (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); the library path stands for ours`;
      }
    }
    const key = hsm ? { keyPem: hsm.rsaKey, certPem: hsm.rsaCert, p12: hsm.rsaP12 } : { keyPem: pki.rsaKey, certPem: pki.rsaCert, p12: pki.rsaP12 };
    results['key'] = hsm
      ? 'RSA-2048: the SoftHSM2 token key (scripts/softhsm-setup.sh, self-signed sha256WithRSA certificate) for every side; @signpdf gets it as PKCS#12'
      : 'RSA-2048: the test PKI key rsa.key under a self-signed sha256WithRSA certificate, both sides';
    const sides: Side[] = [
      ...(hsm ? [{ name: 'sealPdf', mode: 'stamp-sealpdf', args: { softhsmConf: hsm.conf, pkcs11Module: SOFTHSM_MODULE, pin: SOFTHSM_PIN, sealId: HSM_SEAL_ID, stateDir: hsm.stateDir } } as const] : []),
      { name: 'library', mode: 'stamp-ours', args: key },
      { name: 'signpdf', mode: 'stamp-signpdf', args: key },
    ];
    let sealPdfIdleMiB: number | undefined;
    if (hsm) {
      const r = runChild('idle-sealpdf', { softhsmConf: hsm.conf, pkcs11Module: SOFTHSM_MODULE });
      sealPdfIdleMiB = r.result ? mib(r.result.peakRssBytes) : undefined;
      results['sealPdfChildIdlePeakRssMiB'] = sealPdfIdleMiB ?? null;
    }
    const idleOf = (name: string): number | undefined => (name === 'sealPdf' ? sealPdfIdleMiB : idlePeakMiB);
    const only = process.env['ESEAL_BENCH_PDF_SIDES']?.split(',');
    if (only !== undefined) sides.splice(0, sides.length, ...sides.filter((x) => only.includes(x.name)));
    const verdict = (stats: Record<string, SideStats>, bytes: number): Record<string, unknown> => {
      const theirs = stats['signpdf'];
      const out: Record<string, unknown> = {};
      const limit = bytes + MEMORY_SLACK_BYTES;
      for (const name of ['sealPdf', 'library']) {
        const ours = stats[name];
        if (ours === undefined) continue;
        const speedup = ours.medianMs !== undefined && theirs?.medianMs !== undefined ? theirs.medianMs / ours.medianMs : undefined;
        out[name] = {
          speedupOverSignpdf: speedup === undefined ? null : round(speedup, 2),
          speedupMet: speedup !== undefined && speedup >= SPEEDUP_TARGET,
          peakRssMiB: ours.peakRssMiB ?? null,
          memoryMet: ours.peakRssMiB !== undefined && ours.peakRssMiB * MiB <= limit,
          peakAboveFileMiB: ours.peakRssMiB === undefined ? null : round(ours.peakRssMiB - bytes / MiB),
          // The same budget counted from the child's idle RSS (Node + the code it runs, before any work).
          peakAboveIdleMiB: ours.peakRssMiB === undefined || idleOf(name) === undefined ? null : round(ours.peakRssMiB - (idleOf(name) ?? 0)),
        };
      }
      return { speedupTarget: SPEEDUP_TARGET, memoryLimitMiB: mib(limit), targets: out };
    };
    if (runs > 0) {
      const full = stampCompare(tmp, sides, input, runs, profDir);
      results['stamping'] = { bytes: fixture.bytes, sides: full, ...verdict(full, fixture.bytes) };
      if (full['signpdf']?.runs === 0) {
        // @signpdf failed on the full file: find the largest size it handles (halving) and compare there.
        let mb = Math.floor(targetMiB / 2);
        while (mb >= 1) {
          const smaller = join(tmp, `in-${mb}.pdf`);
          const fx = writeBenchPdf(smaller, { pages: Math.max(1, Math.round((pages * mb) / targetMiB)), targetBytes: mb * 1000 * 1000 });
          const r = stampCompare(tmp, sides, smaller, runs);
          rmSync(smaller, { force: true });
          if ((r['signpdf']?.runs ?? 0) > 0) {
            results['stampingLargestSignpdfHandles'] = { bytes: fx.bytes, pages: fx.pages, sides: r, ...verdict(r, fx.bytes) };
            break;
          }
          mb = Math.floor(mb / 2);
        }
      }
    }

    // ── verification ──
    const verification: Record<string, unknown> = {};
    if (!parts.includes('verify')) return results;
    const small = join(tmp, 'in-small.pdf');
    writeBenchPdf(small, { pages: 10, targetBytes: 1000 * 1000 });
    verification['small'] = await verifyCompare(tmp, pki, 'small', small, verifyRuns, profDir);
    verification['full'] = await verifyCompare(tmp, pki, 'full', input, Math.max(3, Math.ceil(verifyRuns / 2)));
    results['verification'] = verification;
    if (profDir !== undefined) results['cpuProfiles'] = profDir;
    return results;
  } finally {
    childCommand = undefined;
    if (process.env['ESEAL_BENCH_PDF_KEEP'] === '1') process.stderr.write(`bench: pdf: kept ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}
