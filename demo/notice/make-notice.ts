// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `node dist/demo/make-notice.mjs [OUT] [CMAP]`: regenerates demo/public/notice.pdf (reproducible:
 * the same CMap gives the same bytes). CMAP defaults to poppler-data's UniGB-UCS2-H.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { makeNoticePdf } from './noticePdf.js';

export const DEFAULT_CMAP = '/usr/share/fonts/cmap/adobe-gb1/UniGB-UCS2-H';

const out = process.argv[2] ?? 'demo/public/notice.pdf';
const cmap = process.argv[3] ?? DEFAULT_CMAP;
const notice = makeNoticePdf(readFileSync(cmap, 'latin1'));
writeFileSync(out, notice.bytes);
process.stdout.write(`${out}: ${notice.bytes.length} bytes; issuer line at page ${notice.issuerMm.page}, ${notice.issuerMm.x} mm, ${notice.issuerMm.y} mm\n`);
