// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PDF signing and signature discovery over bytes (no node:*): a structure reader for incremental
 * updates, a writer that appends one signature revision, ByteRange hashing and signature listing.
 * See docs/pdf.md for what exists and what does not yet.
 */
export { PdfReader, guardPdf, type PageInfo } from './PdfReader.js';
export { readXrefChain, findStartxref, findEofMarkers, type XrefEntry, type XrefSection } from './xref.js';
export { PDF_LIMITS } from './parser.js';
export { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';
export { pdfByteRangeDigest, checkByteRangeBounds, type ByteRange, type IncrementalHash, type PdfDigestAlgorithm } from './byteRange.js';
export {
  preparePdfSignature,
  fillPdfSignature,
  preparePdfSignatureRevision,
  fillPdfSignatureRevision,
  type PreparedPdfSignatureRevision,
  MAX_CONTENTS_RESERVE,
  type PdfSignatureImage,
  type PdfEncodedImage,
  type PdfVectorAppearance,
  type PdfSignatureAppearance,
  type PdfExtraStamp,
  MAX_EXTRA_STAMPS,
  type PreparePdfSignatureOptions,
  type PreparedPdfSignature,
} from './preparePdfSignature.js';
export {
  readPdfSignatures,
  classifyChanges,
  type PdfByteRangeCheck,
  type PdfModificationLevel,
  type PdfObjectChange,
  type PdfSignatureInfo,
  type PdfSignatureList,
} from './readPdfSignatures.js';
export { sealPictureAppearance, sealRectAt, ridingSealParts, MAX_RIDING_PAGES, visibleBox, pageRotation, displayedPageSizeMm, PT_PER_MM, type SealPictureInput } from './sealAppearance.js';
export { PICTURE_LIMITS, type RasterPicture } from './image/limits.js';
