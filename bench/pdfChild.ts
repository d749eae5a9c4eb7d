// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The child processes of the PDF benchmark (bench/pdf.ts): one stamping or verification run per
 * process, so every run starts with a fresh heap and its peak RSS (VmHWM) is its own. Run from the
 * lean bundle bench/pdf.ts builds (`pdfChildMain.mjs MODE JSON`) or as `index.mjs --pdf-child MODE
 * JSON`; prints one JSON line.
 *
 * Design rationale: only our stamping code is imported statically. The verifier (bench/pdfVerify.ts)
 * and @signpdf (node-forge) are imported when their mode runs, and the lean bundle is split at those
 * imports, so a child's baseline RSS is Node plus the code it times (that baseline counts against
 * the memory target).
 */
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { useNativeSm3 } from '../agent/crypto/nativeSm3.js';
import { buildSignedData } from '../shared/cms/buildSignedData.js';
// Module paths, not the barrels: shared/pdf/index.ts also exports the seal-appearance code, which
// brings the OFD/XML stack; the library path needs none of it.
import { fillPdfSignatureRevision, preparePdfSignatureRevision } from '../shared/pdf/preparePdfSignature.js';
import { parseCertificates } from '../shared/x509/Certificate.js';
import type * as PlaceholderPlainModule from '@signpdf/placeholder-plain';
import type * as SignPdfModule from '@signpdf/signpdf';
import type * as SignerP12Module from '@signpdf/signer-p12';
import { P12_PASSWORD, peakRssBytes, phaseTimer, SIGNING_TIME, SIGNPDF_VERSION, type ChildResult, type StampArgs } from './pdfCommon.js';

function writeAll(fd: number, data: Uint8Array): void {
  let w = 0;
  while (w < data.length) w += writeSync(fd, data, w, data.length - w);
}

/** Ours, file → file: the CMS branch of agent/pdf/sealPdf.ts without token and consent (see bench/pdf.ts). */
export async function stampOurs(a: StampArgs): Promise<ChildResult> {
  const key = createPrivateKey(readFileSync(a.keyPem));
  const [cert] = parseCertificates(readFileSync(a.certPem, 'utf8'));
  if (cert === undefined) throw new Error('no certificate');
  const { phases, lap, totalMs } = phaseTimer();
  const pdf = readFileSync(a.input);
  lap('read');
  // /Contents reservation from a dry run of the CMS (as sealPdf does), plus 16 KiB timestamp room.
  const dry = await buildSignedData({ signerCertificate: cert, contentDigest: new Uint8Array(32), digestAlgorithm: 'SHA-256', signingTime: SIGNING_TIME, sign: () => Promise.resolve(new Uint8Array(264)) });
  const prepared = preparePdfSignatureRevision(pdf, {
    page: 0,
    rect: [400, 700, 520, 800],
    signingTime: SIGNING_TIME,
    contentsReserveBytes: dry.length + 16 * 1024,
    subFilter: 'adbe.pkcs7.detached',
    reason: 'bench',
    location: 'Beijing',
  });
  lap('prepare');
  const h = createHash('sha256');
  const [ra, rb, rc, rd] = prepared.byteRange;
  const tail = prepared.revision;
  const feed = (start: number, end: number): void => {
    if (start < pdf.length) h.update(pdf.subarray(start, Math.min(end, pdf.length)));
    if (end > pdf.length) h.update(tail.subarray(Math.max(start, pdf.length) - pdf.length, end - pdf.length));
  };
  feed(ra, ra + rb);
  feed(rc, rc + rd);
  const digest = new Uint8Array(h.digest());
  lap('hash');
  const cms = await buildSignedData({
    signerCertificate: cert,
    contentDigest: digest,
    digestAlgorithm: 'SHA-256',
    signingTime: SIGNING_TIME,
    sign: (attrs) => Promise.resolve(new Uint8Array(nodeSign('sha256', attrs, key))),
  });
  fillPdfSignatureRevision(prepared, cms);
  lap('sign');
  const fd = openSync(a.output, 'w');
  try {
    writeAll(fd, pdf);
    writeAll(fd, tail);
  } finally {
    closeSync(fd);
  }
  lap('write');
  return { ms: totalMs(), peakRssBytes: peakRssBytes(), phases, path: 'shared/pdf preparePdfSignatureRevision + node:crypto SHA-256 + shared/cms buildSignedData (RSA, node:crypto) + fillPdfSignatureRevision' };
}

/** `m` if it has the named export `key`, else its `default` (CommonJS interop differs between bundles and loaders). */
function cjsExports<T extends object>(m: T, key: string): T {
  if (key in m) return m;
  const d = (m as { default?: unknown }).default;
  return d !== null && typeof d === 'object' && key in d ? (d as T) : m;
}

/** @signpdf 3.3.0, file → file, as its README shows it. */
export async function stampSignpdf(a: StampArgs): Promise<ChildResult> {
  // Loaded here so the other children do not pay for node-forge.
  const { SignPdf } = cjsExports<typeof SignPdfModule>(await import('@signpdf/signpdf'), 'SignPdf');
  const { plainAddPlaceholder } = cjsExports<typeof PlaceholderPlainModule>(await import('@signpdf/placeholder-plain'), 'plainAddPlaceholder');
  const { P12Signer } = cjsExports<typeof SignerP12Module>(await import('@signpdf/signer-p12'), 'P12Signer');
  const p12 = readFileSync(a.p12);
  const { phases, lap, totalMs } = phaseTimer();
  const pdf = readFileSync(a.input);
  lap('read');
  const withPlaceholder = plainAddPlaceholder({ pdfBuffer: pdf, reason: 'bench', contactInfo: 'bench@example.cn', name: 'bench', location: 'Beijing', signingTime: SIGNING_TIME });
  lap('placeholder');
  const signer = new P12Signer(p12, { passphrase: P12_PASSWORD });
  const signed = await new SignPdf().sign(withPlaceholder, signer, SIGNING_TIME);
  lap('sign');
  writeFileSync(a.output, signed);
  lap('write');
  return { ms: totalMs(), peakRssBytes: peakRssBytes(), phases, path: `@signpdf/signpdf ${SIGNPDF_VERSION} + placeholder-plain + signer-p12 (node-forge)` };
}

/** Entry point of a child process: `index.mjs --pdf-child MODE JSON`. Prints one JSON line. */
export async function runPdfChild(argv: readonly string[]): Promise<void> {
  const [mode, json] = argv;
  // As the agent does at start-up; the verifier and sealPdf hash SM3 (the library path does not).
  if (mode === 'verify-ours' || mode === 'stamp-sealpdf' || mode === 'idle-sealpdf') useNativeSm3();
  const args = JSON.parse(json ?? '{}') as never;
  let result: ChildResult;
  if (mode === 'idle') result = { ms: 0, peakRssBytes: peakRssBytes() };
  else if (mode === 'idle-sealpdf') result = await (await import('./pdfChildSealPdf.js')).idleSealPdf(args);
  else if (mode === 'stamp-ours') result = await stampOurs(args);
  else if (mode === 'stamp-signpdf') result = await stampSignpdf(args);
  else if (mode === 'stamp-sealpdf') result = await (await import('./pdfChildSealPdf.js')).stampSealPdf(args);
  else if (mode === 'verify-ours') result = await (await import('./pdfVerify.js')).verifyChild(args);
  else throw new Error(`unknown child mode ${String(mode)}`);
  process.stdout.write(JSON.stringify(result) + '\n');
}
