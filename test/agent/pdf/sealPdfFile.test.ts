// SPDX-License-Identifier: Apache-2.0
// sealPdf given a PdfFile (the path of `eseal pdf seal`): the reader fills only what it parses, the
// hashes and the output copy stream from disk, and the signed file is byte-identical to the buffer
// path's for the same inputs and signing time (RSA PKCS#1 v1.5 on SoftHSM2 is deterministic).
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_PIN, ensureDevSetup } from '../../../agent/dev/devSetup.js';
import { PdfFile } from '../../../agent/pdf/pdfFile.js';
import { sealPdf, type SealPdfOptions } from '../../../agent/pdf/sealPdf.js';
import { writePdfParts } from '../../../agent/pdf/writePdfParts.js';
import { SealStore } from '../../../agent/sealstore/SealStore.js';
import { TokenRegistry } from '../../../agent/signing/TokenRegistry.js';
import { Pkcs11TokenProvider } from '../../../agent/token/pkcs11/Pkcs11TokenProvider.js';
import { SoftTokenProvider } from '../../../agent/token/soft/SoftToken.js';
import type { TokenSession } from '../../../agent/token/TokenProvider.js';
import { findStartxref, PdfReader, readPdfSignatures } from '../../../shared/pdf/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { loadTestPki, testPkiDir } from '../../support/testPki.js';
import { buildPdf, classicPdf, onePageObjects, pdfsig } from '../../shared/pdf/support/makePdf.js';
import { pdfsigSummary } from '../../shared/pdf/support/sign.js';
import { removeDir, tempDir } from '../../test-tokens/testTokenSupport.js';
import { PRODUCERS } from './producers.js';
import { SOFTHSM_MODULE, SOFTHSM_PIN, softhsmWithPdfSeals } from './support.js';

let stateDir = '';
let hsmDir = '';
let work = '';
let soft: TokenRegistry;
let hsm: TokenRegistry;
/** One signing time for both paths (inside the freshly made seals' and certificates' validity). */
let TIME = new Date();

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'eseal-sealpdffile-'));
  work = mkdtempSync(join(tmpdir(), 'eseal-sealpdffile-io-'));
  process.env.ESEAL_DEV_PKI = testPkiDir();
  const dev = await ensureDevSetup(stateDir);
  soft = new TokenRegistry([new SoftTokenProvider(dev.tokenPath)]);
  hsmDir = tempDir('eseal-sealpdffile-hsm-');
  const { conf } = await softhsmWithPdfSeals(hsmDir);
  process.env.SOFTHSM2_CONF = conf;
  hsm = new TokenRegistry([new Pkcs11TokenProvider({ libraryPath: SOFTHSM_MODULE })]);
  TIME = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
});

afterAll(async () => {
  await soft?.close();
  await hsm?.close();
  removeDir(stateDir);
  removeDir(hsmDir);
  removeDir(work);
});

type Opts = Omit<SealPdfOptions, 'session' | 'seals' | 'authorize' | 'pdf'>;

function stamp(registry: TokenRegistry, pin: string, pdf: SealPdfOptions['pdf'], o: Opts) {
  return registry.withSession(undefined, (session: TokenSession) => sealPdf({ session, seals: new SealStore(stateDir), authorize: () => session.login(pin), pdf, signingTime: TIME, ...o }));
}

let n = 0;
/** Both paths on the same input: the buffer's `input ‖ revision` and the file path's written output. */
async function bothPaths(registry: TokenRegistry, pin: string, input: Uint8Array, o: Opts, fileOpts = { tailBytes: 1024, pageBytes: 1 }) {
  const inPath = join(work, `in-${++n}.pdf`);
  const outPath = join(work, `out-${n}.pdf`);
  writeFileSync(inPath, input);
  const made = await stamp(registry, pin, input, o);
  const viaBuffer = new Uint8Array(Buffer.concat([input, made.revision]));
  const file = PdfFile.open(inPath, 1 << 30, fileOpts);
  try {
    const madeFile = await stamp(registry, pin, file, o);
    writePdfParts(outPath, [file, madeFile.revision]);
    return { viaBuffer, viaFile: new Uint8Array(readFileSync(outPath)), made, madeFile, filled: file.filledBytes, size: file.size };
  } finally {
    file.close();
  }
}

/**
 * `input` with one more revision holding a large unreferenced stream (a classic table whose /Prev is
 * the input's last section, whatever its kind): the input's own structure then lies outside the
 * head and tail the file path fills up front, so every object and section is read on demand.
 */
function withLargeUpdate(input: Uint8Array, filler: number): Uint8Array {
  const r = PdfReader.open(input);
  const num = r.size;
  const root = r.rootRef;
  const sep = input[input.length - 1] === 0x0a ? '' : '\n';
  const head = `${sep}${num} 0 obj\n<</Length ${filler}>>\nstream\n`;
  const objOffset = input.length + sep.length;
  const xrefOffset = input.length + head.length + filler + '\nendstream\nendobj\n'.length;
  const tail = `\nendstream\nendobj\nxref\n0 1\n0000000000 65535 f\r\n${num} 1\n${String(objOffset).padStart(10, '0')} 00000 n\r\ntrailer\n<</Size ${num + 1} /Root ${root.num} ${root.gen} R /Prev ${findStartxref(input).offset}>>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([input, Buffer.from(head, 'latin1'), Buffer.alloc(filler, 0x41), Buffer.from(tail, 'latin1')]));
}

describe('sealPdf from a file: byte-identical to the buffer path', () => {
  for (const producer of PRODUCERS) {
    it.skipIf(!producer.available)(`${producer.name}: RSA (SoftHSM2), same bytes; pdfsig valid`, async () => {
      const input = await producer.make();
      const r = await bothPaths(hsm, SOFTHSM_PIN, input, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } });
      expect(r.viaFile.length).toBe(r.viaBuffer.length);
      expect(Buffer.from(r.viaFile).equals(Buffer.from(r.viaBuffer))).toBe(true);
      expect(r.madeFile.documentSm3).toEqual(r.made.documentSm3);
      expect(r.madeFile.outputSm3).toEqual(r.made.outputSm3);
      expect(r.madeFile.dataHash).toEqual(r.made.dataHash);
      expect(r.filled).toBeLessThanOrEqual(r.size);
      const summary = pdfsigSummary(pdfsig(r.viaFile));
      expect(summary, summary.lines.join('\n')).toMatchObject({ total: producer.signatures + 1, valid: producer.signatures + 1 });
    });

    it.skipIf(!producer.available)(`${producer.name} + a 1 MiB update: read on demand (filled ≪ size), same bytes; pdfsig valid`, async () => {
      const input = withLargeUpdate(await producer.make(), 1 << 20);
      const r = await bothPaths(hsm, SOFTHSM_PIN, input, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } });
      expect(Buffer.from(r.viaFile).equals(Buffer.from(r.viaBuffer))).toBe(true);
      expect(r.madeFile.dataHash).toEqual(r.made.dataHash);
      // Of the filler, at most the first 64 KiB window after the input's last section and the tail.
      expect(r.filled).toBeLessThan(r.size - (1 << 20) + 80 * 1024);
      const summary = pdfsigSummary(pdfsig(r.viaFile));
      expect(summary, summary.lines.join('\n')).toMatchObject({ total: producer.signatures + 1, valid: producer.signatures + 1 });
    });
  }

  it('SM2 SES_Signature (randomised signature): same bytes outside /Contents, both verify TOTAL_PASSED', async () => {
    const pki = await loadTestPki();
    const input = classicPdf();
    const r = await bothPaths(soft, DEV_TOKEN_PIN, input, { sealId: 'dev-official', placement: { page: 1, x: 100, y: 100 } });
    expect(r.madeFile.byteRange).toEqual(r.made.byteRange);
    const [a, b, c] = r.made.byteRange;
    const outside = (x: Uint8Array) => Buffer.concat([x.subarray(a, a + b), x.subarray(c)]);
    expect(outside(r.viaFile).equals(outside(r.viaBuffer))).toBe(true);
    expect(r.madeFile.dataHash).toEqual(r.made.dataHash);
    for (const out of [r.viaBuffer, r.viaFile]) {
      const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
      expect(report.indication).toBe('TOTAL_PASSED');
    }
  });

  it('a large document: only the parsed objects are read (the 8 MiB content stream is not), same bytes', async () => {
    const objects = onePageObjects();
    objects[3] = { dict: '', data: `BT /F1 24 Tf 72 720 Td (Big) Tj ET\n${'% filler line of a large content stream\n'.repeat(200_000)}` };
    const input = buildPdf(objects);
    expect(input.length).toBeGreaterThan(8_000_000);
    const r = await bothPaths(hsm, SOFTHSM_PIN, input, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } }, { tailBytes: 64 * 1024, pageBytes: 4096 });
    expect(Buffer.from(r.viaFile).equals(Buffer.from(r.viaBuffer))).toBe(true);
    expect(r.filled).toBeLessThan(256 * 1024);
    expect(readPdfSignatures(r.viaFile).signatures.every((s) => s.byteRangeCheck.ok)).toBe(true);
  });

  it('a keyword placement reads the whole file (pdf.js) and still matches the buffer path', async () => {
    const r = await bothPaths(hsm, SOFTHSM_PIN, classicPdf(), { sealId: 'pdf-rsa', placement: { keyword: 'ESeal' } });
    expect(Buffer.from(r.viaFile).equals(Buffer.from(r.viaBuffer))).toBe(true);
    expect(r.filled).toBe(r.size);
  });
});

describe('PdfFile: coded refusals', () => {
  it('a missing file, a directory, a file over the limit', () => {
    expect(() => PdfFile.open(join(work, 'nope.pdf'), 1 << 20)).toThrow(expect.objectContaining({ code: 'ERR_FILE_NOT_FOUND' }));
    expect(() => PdfFile.open(work, 1 << 20)).toThrow(expect.objectContaining({ code: 'ERR_FILE_NOT_FOUND' }));
    const p = join(work, 'big.pdf');
    writeFileSync(p, classicPdf());
    expect(() => PdfFile.open(p, 100)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }));
  });

  it('an empty file and a file cut short: ERR_PDF_MALFORMED, as from a buffer', async () => {
    const whole = classicPdf();
    for (const [name, bytes] of [['empty.pdf', new Uint8Array(0)], ['cut.pdf', whole.subarray(0, whole.length - 40)]] as const) {
      const p = join(work, name);
      writeFileSync(p, bytes);
      const file = PdfFile.open(p, 1 << 20);
      try {
        await expect(stamp(hsm, SOFTHSM_PIN, file, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } })).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
      } finally {
        file.close();
      }
    }
  });

  it('an input changed after it was signed is not written (no output file)', async () => {
    const p = join(work, 'changing.pdf');
    const out = join(work, 'changing-out.pdf');
    writeFileSync(p, classicPdf());
    const file = PdfFile.open(p, 1 << 20);
    try {
      const made = await stamp(hsm, SOFTHSM_PIN, file, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } });
      writeFileSync(p, Buffer.concat([classicPdf(), Buffer.from('% appended\n')]));
      utimesSync(p, new Date(), new Date(Date.now() + 5000));
      expect(() => writePdfParts(out, [file, made.revision])).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
      expect(() => readFileSync(out)).toThrow();
    } finally {
      file.close();
    }
  });

  it('a broken object offset fails the same way as the buffer path (ERR_PDF_MALFORMED), not by reading zeros', async () => {
    const good = Buffer.from(classicPdf()).toString('latin1');
    // Point object 3's xref entry 7 bytes too far (inside the object).
    const m = /xref\n0 (\d+)\n((?:\d{10} \d{5} [nf] ?\r?\n)+)/.exec(good);
    expect(m).not.toBeNull();
    const rows = (m?.[2] ?? '').split('\n');
    const off = Number(rows[3]?.slice(0, 10));
    rows[3] = `${String(off + 7).padStart(10, '0')}${rows[3]?.slice(10) ?? ''}`;
    const bad = new Uint8Array(Buffer.from(good.replace(m?.[2] ?? '', rows.join('\n')), 'latin1'));
    const p = join(work, 'bad.pdf');
    writeFileSync(p, bad);
    await expect(stamp(hsm, SOFTHSM_PIN, bad, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } })).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
    const file = PdfFile.open(p, 1 << 20, { tailBytes: 64, pageBytes: 1 });
    try {
      await expect(stamp(hsm, SOFTHSM_PIN, file, { sealId: 'pdf-rsa', placement: { page: 1, x: 60, y: 60 } })).rejects.toMatchObject({ code: 'ERR_PDF_MALFORMED' });
    } finally {
      file.close();
    }
  });
});
