// SPDX-License-Identifier: Apache-2.0
/**
 * Real-world PDFs found on the machine (Debian documentation, made by TeX/DocBook toolchains with
 * xref streams and object streams). Skipped where the files are absent; not copied into the repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PdfReader, readPdfSignatures } from '../../../shared/pdf/index.js';
import { pdfsig, qpdfCheck } from './support/makePdf.js';
import { pdfsigSummary, signPdf } from './support/sign.js';

const FILES = ['/usr/share/doc/libtasn1-doc/libtasn1.pdf', '/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf'];

describe('PDFs from other producers', () => {
  for (const path of FILES) {
    it.skipIf(!existsSync(path))(`${path}: read, signed twice (first and last page), qpdf clean, pdfsig valid`, async () => {
      const input = new Uint8Array(readFileSync(path));
      const r = PdfReader.open(input);
      const n = r.pageCount();
      expect(n).toBeGreaterThan(1);
      expect(r.pageRefs()).toHaveLength(n);
      const one = await signPdf(input, 'p256');
      const two = await signPdf(one, 'rsa', { page: n - 1, rect: [50, 50, 150, 120] });
      expect(Buffer.from(two.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
      const check = qpdfCheck(two);
      expect(check.out).toContain('No syntax or stream encoding errors found');
      expect(check.out).not.toMatch(/WARNING/);
      const s = pdfsigSummary(pdfsig(two));
      expect([s.total, s.valid]).toEqual([2, 2]);
      const list = readPdfSignatures(two);
      expect(list.signatures.map((x) => [x.page, x.byteRangeCheck.ok, x.modificationLevel])).toEqual([
        [0, true, 'SIGNATURES'],
        [n - 1, true, 'NONE'],
      ]);
    });
  }
});
