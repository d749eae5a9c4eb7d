// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Entry point of the lean PDF-bench child bundle that bench/pdf.ts builds at run time (only the code
 * a child times, see bench/pdfChild.ts): `node pdf-child.mjs MODE JSON`.
 */
import { runPdfChild } from './pdfChild.js';

await runPdfChild(process.argv.slice(2));
