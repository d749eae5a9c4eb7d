// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Deterministic large PDF for the PDF benchmark: N pages, each with a text content stream and its
 * own uncompressed RGB image XObject, so the file size is real page data (not padding). Classic
 * xref table, one revision, `/ID` derived from the parameters. The same parameters give the same
 * bytes on every machine (a xorshift PRNG fills the images), so runs are comparable.
 *
 * Design rationale: written by hand and streamed to disk in ~1 MiB writes — a 100 MB fixture never
 * sits in the generating process's memory, and no third-party PDF producer is involved (the
 * @signpdf reference must not be fed a file shaped by a library it was tuned for).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

export interface BenchPdfOptions {
  /** Number of pages (≥ 1). */
  readonly pages: number;
  /** Approximate total size in bytes; the images are sized to reach it (at least 1 row each). */
  readonly targetBytes: number;
}

export interface BenchPdfInfo {
  readonly bytes: number;
  readonly pages: number;
  /** Image bytes per page (width × height × 3). */
  readonly imageBytesPerPage: number;
  readonly sha256: string;
}

const IMAGE_WIDTH = 200;
/** Estimated bytes per page besides the image samples (objects, content stream, xref entries). */
const PAGE_OVERHEAD = 900;

/** Buffered sequential writer that tracks the offset and a SHA-256 of everything written. */
class Sink {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  offset = 0;
  private readonly hash = createHash('sha256');
  constructor(private readonly fd: number) {}

  text(s: string): void {
    this.bytes(Buffer.from(s, 'latin1'));
  }

  bytes(b: Uint8Array): void {
    let p = 0;
    while (p < b.length) {
      const n = Math.min(b.length - p, this.buf.length - this.used);
      this.buf.set(b.subarray(p, p + n), this.used);
      this.used += n;
      p += n;
      if (this.used === this.buf.length) this.flush();
    }
    this.offset += b.length;
  }

  flush(): void {
    if (this.used === 0) return;
    const chunk = this.buf.subarray(0, this.used);
    this.hash.update(chunk);
    let w = 0;
    while (w < chunk.length) w += writeSync(this.fd, chunk, w, chunk.length - w);
    this.used = 0;
  }

  digestHex(): string {
    return this.hash.digest('hex');
  }
}

/** Fills `out` with a smooth colour gradient plus PRNG noise (seeded per page): photo-like, incompressible. */
function fillImage(out: Uint8Array, width: number, page: number): void {
  let x = (0x9e3779b9 ^ Math.imul(page + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < out.length; i += 3) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const px = (i / 3) % width;
    const py = Math.floor(i / 3 / width);
    out[i] = (px + (x & 31)) & 255;
    out[i + 1] = (py * 2 + ((x >>> 8) & 31)) & 255;
    out[i + 2] = (page * 7 + ((x >>> 16) & 63)) & 255;
  }
}

/** Writes the fixture to `path` and returns its size, page count and SHA-256. */
export function writeBenchPdf(path: string, options: BenchPdfOptions): BenchPdfInfo {
  const pages = options.pages;
  if (!Number.isSafeInteger(pages) || pages < 1 || pages > 100_000) throw new RangeError('pages must be 1…100000');
  const perPage = Math.max(0, Math.floor(options.targetBytes / pages) - PAGE_OVERHEAD);
  const height = Math.max(1, Math.floor(perPage / (IMAGE_WIDTH * 3)));
  const imageBytes = IMAGE_WIDTH * height * 3;
  const image = new Uint8Array(imageBytes);

  // Objects: 1 catalog, 2 page tree, 3 font, 4 info; page i (0-based): 5+3i page, 6+3i content, 7+3i image.
  const objectCount = 4 + 3 * pages;
  const offsets = new Array<number>(objectCount + 1).fill(0);
  const fd = openSync(path, 'w');
  try {
    const s = new Sink(fd);
    const obj = (num: number, body: string): void => {
      offsets[num] = s.offset;
      s.text(`${num} 0 obj\n${body}\nendobj\n`);
    };
    s.text('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
    obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
    const kids: string[] = [];
    for (let i = 0; i < pages; i++) kids.push(`${5 + 3 * i} 0 R`);
    obj(2, `<< /Type /Pages /Count ${pages} /Kids [${kids.join(' ')}] >>`);
    obj(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    obj(4, `<< /Producer (ESeal bench fixture) /Title (ESeal PDF benchmark, ${pages} pages) /CreationDate (D:20260101000000Z) >>`);
    for (let i = 0; i < pages; i++) {
      const pageNum = 5 + 3 * i;
      obj(
        pageNum,
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im0 ${pageNum + 2} 0 R >> >> /Contents ${pageNum + 1} 0 R >>`,
      );
      const lines = [
        'BT /F1 18 Tf 72 780 Td',
        `(ESeal benchmark fixture - page ${i + 1} of ${pages}) Tj`,
        '0 -24 Td /F1 11 Tf',
        `(Deterministic content: ${IMAGE_WIDTH} x ${height} RGB image below, ${imageBytes} bytes of samples.) Tj`,
        '0 -16 Td (Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.) Tj',
        'ET',
        `q 451 0 0 ${Math.min(600, Math.max(1, Math.round((451 * height) / IMAGE_WIDTH)))} 72 120 cm /Im0 Do Q`,
      ];
      const content = lines.join('\n');
      obj(pageNum + 1, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
      fillImage(image, IMAGE_WIDTH, i);
      offsets[pageNum + 2] = s.offset;
      s.text(`${pageNum + 2} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${IMAGE_WIDTH} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${imageBytes} >>\nstream\n`);
      s.bytes(image);
      s.text('\nendstream\nendobj\n');
    }
    const xrefOffset = s.offset;
    const rows = ['xref', `0 ${objectCount + 1}`, '0000000000 65535 f\r'];
    for (let n = 1; n <= objectCount; n++) rows.push(`${String(offsets[n]).padStart(10, '0')} 00000 n\r`);
    const id = createHash('sha256').update(`eseal-bench-pdf:${pages}:${options.targetBytes}`).digest('hex').slice(0, 32);
    s.text(`${rows.join('\n')}\ntrailer\n<< /Size ${objectCount + 1} /Root 1 0 R /Info 4 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${xrefOffset}\n%%EOF\n`);
    s.flush();
    return { bytes: s.offset, pages, imageBytesPerPage: imageBytes, sha256: s.digestHex() };
  } finally {
    closeSync(fd);
  }
}
