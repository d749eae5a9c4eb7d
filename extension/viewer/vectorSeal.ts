// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Seal pictures stored as OFD vector documents (GOMAIN/KingGrid seals, e.g. the Jiangsu tax sample)
 * cannot go into an <img>. The shared appearance writer already turns them into PDF vector content
 * (shared/pdf sealPictureAppearance, used when such a seal stamps a PDF); the viewer puts that into a
 * one-page PDF the size of the seal and lets pdf.js draw it — the same code path a stamped PDF takes,
 * no second renderer. Any failure leaves the card with its "not shown" note.
 */
import { preparePdfSignature, sealPictureAppearance, PT_PER_MM } from '../../shared/pdf/index.js';

/** A one-page PDF (MediaBox = the seal's size) carrying the OFD seal picture as a widget appearance. */
export function ofdSealPreviewPdf(picture: Uint8Array, widthMm: number, heightMm: number): Uint8Array {
  const w = Math.max(1, Math.min(widthMm, 200)) * PT_PER_MM;
  const h = Math.max(1, Math.min(heightMm, 200)) * PT_PER_MM;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w.toFixed(2)} ${h.toFixed(2)}] >>`,
  ];
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const blank = new TextEncoder().encode(text);
  const appearance = sealPictureAppearance({ type: 'ofd', data: picture, widthMm, heightMm });
  return preparePdfSignature(blank, { page: 0, rect: [0, 0, w, h], signingTime: new Date(0), appearance, contentsReserveBytes: 64, subFilter: 'adbe.pkcs7.detached', fieldName: 'seal' }).bytes;
}
