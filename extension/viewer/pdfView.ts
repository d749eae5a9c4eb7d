// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PDF pages with pdf.js and a badge over every signature widget.
 *
 * pdf.js setup for MV3 (documents.md §3.2) is the one shared with the consent window
 * (extension/pdfjs/loadPdfjs.ts): worker, CMaps (Chinese PDFs often use non-embedded CJK fonts that
 * need them), standard fonts and WASM decoders from the extension's `pdfjs/`, `isEvalSupported:
 * false` (the CSP is `script-src 'self' 'wasm-unsafe-eval'`), no XFA. pdf.js gets a *copy* of the
 * bytes (it detaches its input, §3.1): verification always runs on our own bytes.
 *
 * Badges: the widget `rect` from `page.getAnnotations()` (fieldType `Sig`), mapped with
 * `viewport.convertToViewportRectangle`, joined to the report by field name (the report's
 * signature `id` for PDF). Pages are laid out at once (so every badge exists) and drawn on a canvas
 * when they scroll into view.
 */
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist';
import { SealError } from '../../shared/errors/index.js';
import { loadPdfjs, pdfjsDocumentParams } from '../pdfjs/loadPdfjs.js';

/** Pages laid out (and searched for signature widgets); beyond this only the panel lists signatures. */
export const MAX_LAID_OUT_PAGES = 2000;
/** Pages requested from the pdf.js worker at once while laying out. */
const LAYOUT_BATCH = 32;
/** CSS pixels per PDF point at the default zoom. */
export const DEFAULT_SCALE = 1.25;

export interface PdfWidget {
  readonly fieldName: string;
  /** 0-based page index. */
  readonly page: number;
  /** Position inside the page box, CSS pixels: left, top, width, height. */
  readonly box: readonly [number, number, number, number];
}

export interface PdfLayout {
  readonly pageCount: number;
  readonly pages: readonly HTMLElement[];
  readonly widgets: readonly PdfWidget[];
  /** Pages beyond MAX_LAID_OUT_PAGES were not laid out. */
  readonly truncated: boolean;
  /** Resolves when the first page has been drawn (or failed). */
  readonly firstPageDrawn: Promise<void>;
  destroy(): void;
}

function renderError(error: unknown): SealError {
  if (error instanceof SealError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'PasswordException') return new SealError('ERR_PDF_ENCRYPTED');
  const message = error instanceof Error ? error.message : String(error);
  return new SealError('ERR_VIEWER_RENDER_FAILED', { reason: message.slice(0, 160) });
}

async function drawPage(page: PDFPageProxy, box: HTMLElement, scale: number, annotationMode: number): Promise<void> {
  const viewport = page.getViewport({ scale });
  const ratio = Math.min(globalThis.devicePixelRatio || 1, 2);
  const canvas = document.createElement('canvas');
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${viewport.width}px`;
  canvas.style.height = `${viewport.height}px`;
  canvas.className = 'page-canvas';
  box.prepend(canvas);
  await page.render({
    canvas,
    viewport,
    transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
    // Signature widgets' appearance streams (the seal picture) are drawn (§3.1).
    annotationMode,
  }).promise;
  box.dataset['rendered'] = 'true';
}

/**
 * Lays out every page of `bytes` into `container`, collects the signature widgets, and draws pages
 * lazily. Throws a SealError (ERR_PDF_ENCRYPTED, ERR_VIEWER_RENDER_FAILED) if pdf.js cannot open it.
 */
export async function layoutPdf(bytes: Uint8Array, container: HTMLElement, resourceUrl: (path: string) => string, scale = DEFAULT_SCALE): Promise<PdfLayout> {
  const pdfjs = loadPdfjs(resourceUrl);
  let doc: PDFDocumentProxy;
  try {
    doc = await pdfjs.getDocument({ ...pdfjsDocumentParams(resourceUrl, bytes.slice()), stopAtErrors: false }).promise;
  } catch (error) {
    throw renderError(error);
  }
  const count = Math.min(doc.numPages, MAX_LAID_OUT_PAGES);
  const pages: HTMLElement[] = [];
  const widgets: PdfWidget[] = [];
  const proxies = new Map<HTMLElement, PDFPageProxy>();
  // Pages are fetched from the worker in batches (one round trip each would make a 1000-page
  // document take seconds longer); boxes are appended in page order.
  for (let first = 0; first < count; first += LAYOUT_BATCH) {
    const indexes = Array.from({ length: Math.min(LAYOUT_BATCH, count - first) }, (_v, k) => first + k);
    const batch = await Promise.all(
      indexes.map(async (i) => {
        const page = await doc.getPage(i + 1).catch((e: unknown) => {
          throw renderError(e);
        });
        const annotations = (await page.getAnnotations({ intent: 'display' }).catch(() => [])) as { fieldType?: unknown; fieldName?: unknown; rect?: unknown }[];
        return { i, page, annotations };
      }),
    );
    for (const { i, page, annotations } of batch) {
      const viewport = page.getViewport({ scale });
      const box = document.createElement('div');
      box.className = 'page';
      box.dataset['page'] = String(i);
      box.style.width = `${viewport.width}px`;
      box.style.height = `${viewport.height}px`;
      const overlay = document.createElement('div');
      overlay.className = 'badge-layer';
      box.appendChild(overlay);
      container.appendChild(box);
      pages.push(box);
      proxies.set(box, page);
      for (const a of annotations) {
        if (a.fieldType !== 'Sig' || typeof a.fieldName !== 'string' || !Array.isArray(a.rect) || a.rect.length !== 4) continue;
        const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(a.rect as number[]) as [number, number, number, number];
        widgets.push({ fieldName: a.fieldName, page: i, box: [Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1)] });
      }
    }
  }
  let resolveFirst!: () => void;
  const firstPageDrawn = new Promise<void>((resolve) => (resolveFirst = resolve));
  const draw = (box: HTMLElement): void => {
    const page = proxies.get(box);
    if (!page || box.dataset['rendered'] !== undefined) return;
    box.dataset['rendered'] = 'pending';
    drawPage(page, box, scale, pdfjs.AnnotationMode.ENABLE)
      .catch((error: unknown) => {
        box.dataset['rendered'] = 'failed';
        box.title = renderError(error).message;
      })
      .finally(() => {
        if (box === pages[0]) resolveFirst();
      });
  };
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) draw(e.target as HTMLElement);
  }, { rootMargin: '200px' });
  for (const p of pages) observer.observe(p);
  if (pages[0]) draw(pages[0]);
  else resolveFirst();
  return {
    pageCount: doc.numPages,
    pages,
    widgets,
    truncated: doc.numPages > count,
    firstPageDrawn,
    destroy: () => {
      observer.disconnect();
      void doc.destroy();
    },
  };
}

/** Draws page 1 of a small PDF (a seal preview) and returns it as a PNG data URL `widthPx` wide. */
export async function renderFirstPage(bytes: Uint8Array, resourceUrl: (path: string) => string, widthPx: number): Promise<string> {
  const pdfjs = loadPdfjs(resourceUrl);
  const doc = await pdfjs.getDocument(pdfjsDocumentParams(resourceUrl, bytes.slice())).promise;
  try {
    const page = await doc.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: widthPx / base.width });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    await page.render({ canvas, viewport, annotationMode: pdfjs.AnnotationMode.ENABLE }).promise;
    return canvas.toDataURL('image/png');
  } finally {
    void doc.destroy();
  }
}
