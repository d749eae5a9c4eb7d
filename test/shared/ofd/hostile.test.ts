// SPDX-License-Identifier: Apache-2.0
/** Hostile and corrupt OFD packages: coded errors or reported failures, never a crash or a hang. */
import { readFileSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../shared/errors/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';

const SAMPLE = new Uint8Array(readFileSync('test/fixtures/samples/ofd/gomain-jiangsu-tax-v4.ofd'));
const NOW = new Date('2026-11-22T00:00:00Z');

function mutate(edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(SAMPLE);
  edit(files);
  return zipSync(files);
}

function replaceText(files: Record<string, Uint8Array>, name: string, from: string | RegExp, to: string): void {
  const f = files[name];
  if (f === undefined) throw new Error(`no ${name}`);
  files[name] = strToU8(strFromU8(f).replace(from, to));
}

async function run(bytes: Uint8Array): Promise<VerificationReport> {
  const report = await verifyDocument(bytes, { now: NOW, fileName: 'hostile.ofd' });
  if (report.error !== undefined) {
    expect(isErrorCode(report.error.code)).toBe(true);
    expect(report.error.code).not.toBe('ERR_INTERNAL');
    expect(report.indication).toBe('TOTAL_FAILED');
  }
  return report;
}

describe('hostile OFD input', () => {
  it('non-zip bytes → ERR_FILE_TYPE_UNKNOWN', async () => {
    const r = await run(strToU8('just some text, not a document'));
    expect(r.error?.code).toBe('ERR_FILE_TYPE_UNKNOWN');
    expect(r.documentType).toBe('unknown');
  });

  it('empty input → coded error', async () => {
    expect((await run(new Uint8Array(0))).error?.code).toBe('ERR_FILE_TYPE_UNKNOWN');
  });

  it('truncated zip → ERR_OFD_ZIP_INVALID', async () => {
    const r = await run(SAMPLE.subarray(0, Math.floor(SAMPLE.length / 2)));
    expect(r.error?.code).toBe('ERR_OFD_ZIP_INVALID');
    expect(r.documentType).toBe('ofd');
  });

  it('a PDF fragment is dispatched to the PDF verifier → ERR_PDF_MALFORMED, not an OFD error', async () => {
    const r = await run(strToU8('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'));
    expect(r.error?.code).toBe('ERR_PDF_MALFORMED');
    expect(r.documentType).toBe('pdf');
  });

  it('vendor bytes before and after the ZIP (KingGrid case) → still verified, with a container warning', async () => {
    const wrapped = new Uint8Array(SAMPLE.length + 700);
    wrapped.fill(0x20, 0, 512);
    wrapped.set(SAMPLE, 512);
    wrapped.fill(0x0a, 512 + SAMPLE.length);
    const r = await run(wrapped);
    expect(r.documentType).toBe('ofd');
    expect(r.error).toBeUndefined();
    expect(r.signatures[0]?.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(r.checks.find((c) => c.id === 'ofd.container')?.details).toEqual({ prefixBytes: 512, trailingBytes: 188 });
  });

  it('zip-slip entry → ERR_OFD_ZIP_UNSAFE', async () => {
    // fflate keeps names verbatim when zipping.
    const bytes = mutate((f) => {
      f['../../evil.xml'] = strToU8('<x/>');
    });
    expect((await run(bytes)).error?.code).toBe('ERR_OFD_ZIP_UNSAFE');
  });

  it('huge entry count → ERR_OFD_TOO_LARGE', async () => {
    const bytes = mutate((f) => {
      for (let i = 0; i < 10_050; i++) f[`junk/${i}`] = new Uint8Array(0);
    });
    expect((await run(bytes)).error?.code).toBe('ERR_OFD_TOO_LARGE');
  });

  it('a zip bomb entry within the caps is listed as not covered, not inflated', async () => {
    const bytes = mutate((f) => {
      f['Doc_0/Res/bomb.bin'] = new Uint8Array(64 * 1024 * 1024);
    });
    expect(bytes.length).toBeLessThan(200_000);
    const started = Date.now();
    const r = await run(bytes);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.error).toBeUndefined();
    expect(r.signatures[0]?.coverage.notCovered).toContain('/Doc_0/Res/bomb.bin');
    expect(r.checks.find((c) => c.id === 'document.coverage')?.status).toBe('warning');
  });

  it('missing Signatures.xml (declared in OFD.xml) → ERR_OFD_ENTRY_MISSING', async () => {
    const bytes = mutate((f) => {
      delete f['Doc_0/Signs/Signatures.xml'];
    });
    const r = await run(bytes);
    expect(r.error?.code).toBe('ERR_OFD_ENTRY_MISSING');
  });

  it('no Signatures element → INDETERMINATE with a check saying there are no signatures', async () => {
    const bytes = mutate((f) => replaceText(f, 'OFD.xml', /<ofd:Signatures>[^<]*<\/ofd:Signatures>/, ''));
    const r = await run(bytes);
    expect(r.error).toBeUndefined();
    expect(r.signatures).toHaveLength(0);
    expect(r.indication).toBe('INDETERMINATE');
    expect(r.checks.find((c) => c.id === 'document.signatures')?.status).toBe('failed');
    // The list is still in the package: say so.
    expect(r.checks.find((c) => c.id === 'ofd.signature-list')?.details?.paths).toBe('/Doc_0/Signs/Signatures.xml');
  });

  it('malformed OFD.xml → ERR_OFD_XML_INVALID', async () => {
    const bytes = mutate((f) => {
      f['OFD.xml'] = strToU8('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>');
    });
    expect((await run(bytes)).error?.code).toBe('ERR_OFD_XML_INVALID');
  });

  it('DOCTYPE / entity expansion in XML → ERR_OFD_XML_INVALID', async () => {
    const bytes = mutate((f) => {
      f['OFD.xml'] = strToU8('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>');
    });
    expect((await run(bytes)).error?.code).toBe('ERR_OFD_XML_INVALID');
  });

  it('deeply nested / huge Signature.xml is refused quickly (tag cap) → FORMAT_FAILURE', async () => {
    const depth = 300_000;
    const bytes = mutate((f) => {
      f['Doc_0/Signs/Sign_0/Signature.xml'] = strToU8('<ofd:Signature><ofd:SignedInfo>' + '<a>'.repeat(depth) + '</a>'.repeat(depth) + '</ofd:SignedInfo></ofd:Signature>');
    });
    const started = Date.now();
    const r = await run(bytes);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.signatures[0]?.checks.find((c) => c.id === 'ofd.signature-xml')?.details?.code).toBe('ERR_OFD_XML_INVALID');
  });

  it('malformed Signature.xml → that signature TOTAL_FAILED FORMAT_FAILURE', async () => {
    const bytes = mutate((f) => {
      f['Doc_0/Signs/Sign_0/Signature.xml'] = strToU8('<ofd:Signature><unclosed>');
    });
    const r = await run(bytes);
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.subIndications).toEqual(['FORMAT_FAILURE']);
    expect(r.signatures[0]?.checks.find((c) => c.id === 'ofd.signature-xml')?.details?.code).toBe('ERR_OFD_XML_INVALID');
  });

  it('BaseLoc pointing outside the package → FORMAT_FAILURE', async () => {
    const bytes = mutate((f) => replaceText(f, 'Doc_0/Signs/Signatures.xml', /BaseLoc="[^"]*"/, 'BaseLoc="/../../../etc/passwd"'));
    const r = await run(bytes);
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.checks.find((c) => c.id === 'ofd.signature-location')?.status).toBe('failed');
  });

  it('Reference to a missing file → HASH_FAILURE and modifiedAfterSigning', async () => {
    const bytes = mutate((f) => {
      delete f['Doc_0/PublicRes.xml'];
    });
    const r = await run(bytes);
    const sig = r.signatures[0];
    expect(sig?.indication).toBe('TOTAL_FAILED');
    expect(sig?.subIndications).toContain('HASH_FAILURE');
    expect(sig?.coverage.modifiedAfterSigning).toBe(true);
    expect(sig?.checks.find((c) => c.id === 'document.reference')?.details?.reason).toBe('missing');
  });

  it('changed page content → HASH_FAILURE DOCUMENT_MODIFIED', async () => {
    const bytes = mutate((f) => replaceText(f, 'Doc_0/Pages/Page_0/Content.xml', /<\/ofd:Content>/, '<!-- x --></ofd:Content>'));
    const r = await run(bytes);
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.subIndications).toContain('HASH_FAILURE');
    expect(r.signatures[0]?.sealCodes).toContain('DOCUMENT_MODIFIED');
  });

  it('changed Signature.xml → dataHash mismatch', async () => {
    const bytes = mutate((f) => replaceText(f, 'Doc_0/Signs/Sign_0/Signature.xml', '</ofd:Signature>', '</ofd:Signature>\n'));
    const r = await run(bytes);
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.checks.find((c) => c.id === 'signature.data-hash')?.status).toBe('failed');
  });

  it('signed value replaced by garbage → FORMAT_FAILURE', async () => {
    const bytes = mutate((f) => {
      f['Doc_0/Signs/Sign_0/SignedValue.dat'] = strToU8('garbage');
    });
    const r = await run(bytes);
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
    expect(r.signatures[0]?.subIndications).toEqual(['FORMAT_FAILURE']);
  });

  it('a Seal.esl that differs from the signed seal → SEAL_EMBEDDED_MISMATCH', async () => {
    const yunnan = unzipSync(new Uint8Array(readFileSync('test/fixtures/samples/ofd/ofdrw-v4-riding-seal.ofd')));
    const seal = yunnan['Doc_0/Signs/Sign_0/Seal.esl'];
    if (seal === undefined) throw new Error('fixture');
    const changed = new Uint8Array(seal);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    yunnan['Doc_0/Signs/Sign_0/Seal.esl'] = changed;
    const r = await run(zipSync(yunnan));
    expect(r.signatures[0]?.sealCodes).toContain('SEAL_EMBEDDED_MISMATCH');
    expect(r.signatures[0]?.indication).toBe('TOTAL_FAILED');
  });

  it('absent CheckMethod means MD5: digests then fail against SM3 values', async () => {
    const bytes = mutate((f) => replaceText(f, 'Doc_0/Signs/Sign_0/Signature.xml', / CheckMethod="[^"]*"/, ''));
    const r = await run(bytes);
    const refs = r.signatures[0]?.checks.find((c) => c.id === 'document.references');
    expect(refs?.details?.algorithm).toBe('MD5');
    expect(refs?.status).toBe('failed');
  });
});
