// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * pdf.js for extension pages (consent preview, viewer): one place that loads `pdfjs-dist` and
 * points it at the resources the build ships under `pdfjs/` in the extension (scripts/build.mjs
 * copies them): the worker `pdfjs/pdf.worker.mjs` (a module worker from our own origin, so the
 * CSP stays `script-src 'self' 'wasm-unsafe-eval'`), Adobe CMaps (CJK text in PDFs without
 * embedded fonts), the standard fonts, the wasm image decoders and the ICC profiles.
 *
 * pdf.mjs is bundled into the page script by esbuild (the import below); only the worker and
 * data files are loaded at run time, all from the extension itself — nothing from the network.
 */
import * as pdfjs from 'pdfjs-dist';
import type { DocumentInitParameters } from 'pdfjs-dist/types/src/display/api.js';

export type Pdfjs = typeof pdfjs;

/** Folder of the pdf.js resources inside the built extension. */
export const PDFJS_DIR = 'pdfjs';

let configured = false;

/** The pdf.js module with its worker set to our shipped copy. `getURL` = runtime.getURL. */
export function loadPdfjs(getURL: (path: string) => string): Pdfjs {
  if (!configured) {
    pdfjs.GlobalWorkerOptions.workerSrc = getURL(`${PDFJS_DIR}/pdf.worker.mjs`);
    configured = true;
  }
  return pdfjs;
}

/** Document parameters for `getDocument`: our resource URLs, no eval, no network fetches. */
export function pdfjsDocumentParams(getURL: (path: string) => string, data: Uint8Array): DocumentInitParameters {
  return {
    data,
    cMapUrl: getURL(`${PDFJS_DIR}/cmaps/`),
    cMapPacked: true,
    standardFontDataUrl: getURL(`${PDFJS_DIR}/standard_fonts/`),
    wasmUrl: getURL(`${PDFJS_DIR}/wasm/`),
    iccUrl: getURL(`${PDFJS_DIR}/iccs/`),
    isEvalSupported: false,
    enableXfa: false,
  };
}
