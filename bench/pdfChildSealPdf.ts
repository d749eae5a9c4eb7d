// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PDF-bench child mode `stamp-sealpdf`: the agent's stamping pipeline `sealPdf` (agent/pdf/sealPdf.ts)
 * on a SoftHSM2 RSA-2048 key through PKCS#11, the seal bound to that key's certificate — what
 * `pdf.seal` and `eseal pdf seal` run, minus the consent window (authorisation = the token login).
 * Loading the PKCS#11 module and finding the token is agent start-up and is not timed; the session,
 * login, seal lookup, plan, revision, hashing, signing on the token and writing are. The input is
 * opened as a PdfFile (the file path of `eseal pdf seal`): read only where parsed, hashed and copied
 * from disk, so the peak does not include the file.
 */
import { PdfFile } from '../agent/pdf/pdfFile.js';
import { sealPdf } from '../agent/pdf/sealPdf.js';
import { writePdfParts } from '../agent/pdf/writePdfParts.js';
import { SealStore } from '../agent/sealstore/SealStore.js';
import { TokenRegistry } from '../agent/signing/TokenRegistry.js';
import { Pkcs11TokenProvider } from '../agent/token/pkcs11/Pkcs11TokenProvider.js';
import { peakRssBytes, phaseTimer, type ChildResult, type SealPdfArgs } from './pdfCommon.js';

/** The sealPdf child's baseline: modules loaded and the PKCS#11 token found (agent start-up), no document. */
export async function idleSealPdf(a: Pick<SealPdfArgs, 'softhsmConf' | 'pkcs11Module'>): Promise<ChildResult> {
  process.env['SOFTHSM2_CONF'] = a.softhsmConf;
  const registry = new TokenRegistry([new Pkcs11TokenProvider({ libraryPath: a.pkcs11Module })]);
  try {
    await registry.resolve();
    return { ms: 0, peakRssBytes: peakRssBytes() };
  } finally {
    await registry.close();
  }
}

export async function stampSealPdf(a: SealPdfArgs): Promise<ChildResult> {
  process.env['SOFTHSM2_CONF'] = a.softhsmConf; // read by C_Initialize
  const registry = new TokenRegistry([new Pkcs11TokenProvider({ libraryPath: a.pkcs11Module })]);
  try {
    await registry.resolve(); // module load, C_Initialize, slot scan: agent start-up
    const { phases, lap, totalMs } = phaseTimer();
    const pdf = PdfFile.open(a.input, Number.MAX_SAFE_INTEGER);
    let format: string;
    try {
      lap('read');
      const made = await registry.withSession(undefined, (session) =>
        sealPdf({ session, seals: new SealStore(a.stateDir), sealId: a.sealId, pdf, placement: { page: 1, x: 150, y: 60 }, reason: 'bench', location: 'Beijing', authorize: () => session.login(a.pin) }),
      );
      format = made.format;
      lap('sealPdf');
      writePdfParts(a.output, [pdf, made.revision], { overwrite: true });
      lap('write');
    } finally {
      pdf.close();
    }
    return { ms: totalMs(), peakRssBytes: peakRssBytes(), phases, path: `agent/pdf/sealPdf (${format}, SoftHSM2 RSA-2048 via PKCS#11, seal ${a.sealId})` };
  } finally {
    await registry.close();
  }
}
