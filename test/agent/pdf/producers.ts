// SPDX-License-Identifier: Apache-2.0
/**
 * Inputs from other producers for the pdf.seal tests: our synthetic classic / xref-stream / hybrid /
 * incrementally updated files, qpdf's linearised and object-stream rewrites, cairo (pdftocairo),
 * pdfTeX files found on the machine, a PDF/A-1b-shaped file (XMP pdfaid + GTS_PDFA1 output intent
 * with pdf.js's ICC profile; shaped, not validated: no PDF/A validator is installed), and a file
 * signed by @signpdf/signpdf 3.3.0 (placeholder-plain + signer-p12, the test PKI's RSA key).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { plainAddPlaceholder as addPlaceholder } from '@signpdf/placeholder-plain';
import type { P12Signer as P12SignerClass } from '@signpdf/signer-p12';
import type { SignPdf as SignPdfClass } from '@signpdf/signpdf';
import { zlibSync } from 'fflate';
import { buildPdf, classicPdf, hybridPdf, onePageObjects, qpdfTransform, updatedPdf, xrefStreamPdf } from '../../shared/pdf/support/makePdf.js';

/** A named export of a CommonJS module, whichever way the loader presents it. */
function pick<K extends string>(m: object, key: K): unknown {
  const direct = (m as Record<string, unknown>)[key];
  return direct ?? ((m as { default?: Record<string, unknown> }).default ?? {})[key];
}

/** A PDF signed by @signpdf/signpdf (RSA, adbe.pkcs7.detached). */
export async function signedBySignpdf(input: Uint8Array): Promise<Uint8Array> {
  const SignPdf = pick(await import('@signpdf/signpdf'), 'SignPdf') as typeof SignPdfClass;
  const plainAddPlaceholder = pick(await import('@signpdf/placeholder-plain'), 'plainAddPlaceholder') as typeof addPlaceholder;
  const P12Signer = pick(await import('@signpdf/signer-p12'), 'P12Signer') as typeof P12SignerClass;
  const withPlaceholder = plainAddPlaceholder({ pdfBuffer: Buffer.from(input), reason: 'signed by @signpdf', contactInfo: 'test@example.cn', name: 'signpdf', location: 'Shanghai' });
  const signer = new P12Signer(rsaP12ForForge(), { passphrase: 'signpdf' });
  return new Uint8Array(await new SignPdf().sign(withPlaceholder, signer));
}

/**
 * A self-signed RSA key and certificate as PKCS#12 that node-forge reads (3DES, SHA-1 MAC). The test
 * PKI's RSA certificate is issued by an SM2 CA, which forge cannot parse.
 */
function rsaP12ForForge(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'eseal-forge-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=Other Tool Signer/O=ESeal Test', '-days', '30'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-out', join(dir, 'p.p12'), '-passout', 'pass:signpdf', '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'], { stdio: 'ignore' });
    return readFileSync(join(dir, 'p.p12'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pdfaShaped(): Uint8Array {
  const icc = readFileSync(join(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'), '..', 'iccs', 'CGATS001Compat-v2-micro.icc'));
  const xmp = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>1</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
  const objs = onePageObjects({ catalogExtra: ' /Metadata 6 0 R /OutputIntents [<</Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (CGATS TR 001) /DestOutputProfile 7 0 R>>]' });
  return buildPdf([...objs, { dict: '/Type /Metadata /Subtype /XML', data: xmp }, { dict: '/N 4 /Filter /FlateDecode', data: zlibSync(new Uint8Array(icc)) }]);
}

function pdftocairo(input: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'eseal-cairo-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), input);
    execFileSync('pdftocairo', ['-pdf', join(dir, 'in.pdf'), join(dir, 'out.pdf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Uint8Array(readFileSync(join(dir, 'out.pdf')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SYSTEM_PDF = '/usr/share/doc/libtasn1-doc/libtasn1.pdf';

export interface Producer {
  readonly name: string;
  readonly make: () => Promise<Uint8Array> | Uint8Array;
  /** Signatures already in the file. */
  readonly signatures: number;
  readonly available: boolean;
}

export const PRODUCERS: readonly Producer[] = [
  { name: 'classic xref', make: classicPdf, signatures: 0, available: true },
  { name: 'xref stream + object streams', make: xrefStreamPdf, signatures: 0, available: true },
  { name: 'hybrid (table + /XRefStm)', make: hybridPdf, signatures: 0, available: true },
  { name: 'incrementally updated', make: updatedPdf, signatures: 0, available: true },
  { name: 'linearised by qpdf', make: () => qpdfTransform(classicPdf(), ['--linearize']), signatures: 0, available: true },
  { name: 'qpdf object streams', make: () => qpdfTransform(classicPdf(), ['--object-streams=generate']), signatures: 0, available: true },
  { name: 'cairo (pdftocairo)', make: () => pdftocairo(classicPdf()), signatures: 0, available: true },
  { name: 'pdfTeX (Debian documentation)', make: () => new Uint8Array(readFileSync(SYSTEM_PDF)), signatures: 0, available: existsSync(SYSTEM_PDF) },
  { name: 'pdfTeX linearised by qpdf', make: () => qpdfTransform(new Uint8Array(readFileSync(SYSTEM_PDF)), ['--linearize']), signatures: 0, available: existsSync(SYSTEM_PDF) },
  { name: 'PDF/A-1b-shaped', make: pdfaShaped, signatures: 0, available: true },
  { name: 'signed by @signpdf/signpdf', make: () => signedBySignpdf(classicPdf()), signatures: 1, available: true },
];
