// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Stamping a seal into a PDF on a token: the one pipeline behind the agent method `pdf.seal` and the
 * command `eseal pdf seal`.
 *
 * 1. plan: open the PDF (refusals: encrypted, broken xref chain, no %%EOF, DocMDP /P 1), pick the page
 *    and the widget rectangle (millimetres from the top-left of the page as displayed, or a text
 *    keyword), sized from the seal picture's width/height in millimetres;
 * 2. prepare: append one signature revision (`preparePdfSignatureRevision`: only the tail is
 *    allocated, the input buffer is never copied) with a /Contents reservation sized from a dry run
 *    of the signature plus room for a timestamp token;
 * 3. hash the two /ByteRange ranges straight from the input buffer and the tail with node:crypto
 *    (`update` over subarrays: no copies). The input passes through SM3 once: that state yields the
 *    document fingerprint, the SM3 of the output and, for SM2, the ByteRange digest; ECDSA/RSA add
 *    one SHA-256 pass;
 * 4. authorise (the caller's consent + PIN: the agent's consent window, or the command line's PIN);
 * 5. sign: an SM2 key gives a GB/T 38540 SES_Signature v4 (dataHash = SM3 of the ranges, propertyInfo
 *    = the field name; the same `signSealItem` as `seal.sign`), or with `cms` a GM/T 0010 SM2
 *    SignedData; an ECDSA P-256 or RSA key gives an RFC 5652 detached SignedData with signed
 *    attributes (messageDigest = SHA-256 of the ranges, signingCertificateV2) for `adbe.pkcs7.detached`;
 * 6. fill /Contents in the tail. The signed file is `pdf ‖ revision`; callers write the two parts
 *    (writePdfParts) or send them, never concatenating a large file.
 *
 * The input is one buffer, or a {@link PdfFile}: then only the parts the reader parses are read into
 * its sparse buffer, the hashes stream the file from disk, and writePdfParts copies it from disk, so
 * the process never holds the file (byte-identical output).
 */
import { createHash, type Hash } from 'node:crypto';
import { buildSignedData } from '../../shared/cms/buildSignedData.js';
import { sm2Digest } from '../../shared/crypto/index.js';
import { SealError } from '../../shared/errors/index.js';
import {
  MAX_RIDING_PAGES,
  PdfReader,
  displayedPageSizeMm,
  fillPdfSignatureRevision,
  ridingSealParts,
  pageRotation,
  visibleBox,
  preparePdfSignatureRevision,
  type PageInfo,
  type PreparedPdfSignatureRevision,
  type PreparePdfSignatureOptions,
} from '../../shared/pdf/index.js';
import { equalBytesCt, matchCertDigest } from '../../shared/seal/index.js';
import { parseCertificate, type Certificate } from '../../shared/x509/index.js';
import type { SealEntry, SealStore } from '../sealstore/SealStore.js';
import { buildTokenCms } from '../signing/buildTokenCms.js';
import { signSealItem } from '../signing/signSealItem.js';
import type { TokenCertificate, TokenSession } from '../token/TokenProvider.js';
import { PdfFile } from './pdfFile.js';
import { appearanceOf, locateKeyword, rectOverKeyword, sealRectAt } from './placement.js';

/** Where the seal goes: its centre in millimetres from the top-left of the page as displayed, or a keyword's place. */
export type PdfPlacement =
  | { readonly page: number; readonly x: number; readonly y: number }
  | { readonly keyword: string; readonly page?: number; readonly occurrence?: number }
  /** A riding seal (骑缝章) across pages `from`..`to` (default: all), centred `y` mm from the top of the right edge. */
  | { readonly riding: { readonly y: number; readonly from?: number; readonly to?: number } };

export type PdfSealFormat = 'SES_Signature' | 'CMS';

/** Room for an RFC 3161 timestamp token (unsigned attribute) with its TSA chain, added to every reservation. */
export const TIMESTAMP_SLACK_BYTES = 16 * 1024;
/** Extra reservation on top of the SES estimate (encoding lengths, extDatas). */
const SES_SLACK_BYTES = 1024;

/** What the consent window needs to show the stamped page (contract B `preview`). */
export interface PdfSealPreview {
  /** 1-based. */
  readonly page: number;
  readonly pageCount: number;
  readonly rect: readonly [number, number, number, number];
  readonly pageSize: readonly [number, number];
  readonly rotate: number;
}

export interface PdfSealPlan {
  /** 0-based page index. */
  readonly pageIndex: number;
  readonly pageCount: number;
  readonly page: PageInfo;
  readonly rect: [number, number, number, number];
  readonly preview: PdfSealPreview;
  /** For a riding seal: the pages it spans, in order (the first carries the signature widget). */
  readonly ridingPages?: readonly PageInfo[];
  readonly ridingY?: number;
}

export interface PdfSigner {
  readonly tokenCert: TokenCertificate;
  readonly cert: Certificate;
}

/** The token certificate bound to the seal, of any key algorithm (SM2 first: the seal.sign signer). */
export async function pdfSignerFor(seals: SealStore, session: TokenSession, entry: SealEntry): Promise<PdfSigner> {
  const sm2 = await seals.signerFor(session, entry);
  if (sm2) return sm2;
  const list = entry.seal.eSealInfo.property.certList;
  for (const c of await session.listCertificates()) {
    if (c.keyAlgorithm === 'SM2') continue;
    const bound = list.kind === 'certs' ? list.certs.some((x) => equalBytesCt(x, c.der)) : list.kind === 'digests' ? matchCertDigest(c.der, list.digests) !== undefined : false;
    if (bound) return { tokenCert: c, cert: parseCertificate(c.der) };
  }
  throw new SealError('ERR_SEAL_CERT_NOT_BOUND');
}

/** Checks that the seal can stamp a PDF now: a picture of sensible size, within its validity. */
export function checkSealForPdf(entry: SealEntry, signer: PdfSigner, now: Date): void {
  const p = entry.seal.eSealInfo.picture;
  const prop = entry.seal.eSealInfo.property;
  const unusable = (reason: string) => new SealError('ERR_PDF_SEAL_UNUSABLE', { reason });
  if (!(p.width > 0 && p.height > 0 && p.width <= 500 && p.height <= 500)) throw unusable(`picture size ${p.width}×${p.height} mm`);
  if (p.data.length === 0) throw unusable('the seal has no picture');
  if (now < prop.validStart || now > prop.validEnd) throw unusable(`outside the seal's validity ${prop.validStart.toISOString()} .. ${prop.validEnd.toISOString()}`);
  if (now < signer.cert.notBefore || now > signer.cert.notAfter) throw unusable('the signer certificate is not valid now');
  if (!['SM2', 'EC-P256', 'RSA'].includes(signer.tokenCert.keyAlgorithm)) throw unusable(`key algorithm ${signer.tokenCert.keyAlgorithm}`);
}

/** Opens the PDF and finds the page and widget rectangle. */
export async function planPdfSeal(input: Uint8Array | PdfFile, placement: PdfPlacement, sizeMm: { width: number; height: number }): Promise<PdfSealPlan> {
  // pdf.js (the keyword search) reads the whole document.
  if (input instanceof PdfFile && 'keyword' in placement) input.loadAll();
  const pdf = input instanceof PdfFile ? input.bytes : input;
  // A file cut short (no %%EOF near its end) is refused even where a reader could recover it: the
  // signature would cover a truncated document. Trailing garbage after the marker is tolerated.
  const tail = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length).subarray(Math.max(0, pdf.length - EOF_WINDOW));
  if (tail.lastIndexOf('%%EOF', undefined, 'latin1') < 0) throw new SealError('ERR_PDF_MALFORMED', { reason: `no %%EOF in the last ${EOF_WINDOW} bytes (truncated file?)` });
  const reader = PdfReader.open(pdf); // ERR_PDF_ENCRYPTED, ERR_PDF_MALFORMED (xref chain)
  if (reader.docMdpPermission() === 1) throw new SealError('ERR_PDF_CHANGES_FORBIDDEN');
  const pageCount = reader.pageCount();
  let pageIndex: number;
  let rect: [number, number, number, number];
  let ridingPages: PageInfo[] | undefined;
  if ('keyword' in placement) {
    if (placement.page !== undefined) checkPage(placement.page, pageCount);
    const hits = await locateKeyword(pdf, placement.keyword, placement.page === undefined ? {} : { page: placement.page });
    const k = placement.occurrence ?? 1;
    const hit = hits[k - 1];
    if (hit === undefined) throw new SealError('ERR_PDF_KEYWORD_NOT_FOUND', { keyword: placement.keyword, ...(k > 1 && { occurrence: k }) });
    pageIndex = hit.page - 1;
    const page = reader.getPage(pageIndex);
    // Centre the seal on the keyword (the usual "stamp over the signature line" placement).
    rect = rectOverKeyword(page, hit.rect, sizeMm);
  } else if ('riding' in placement) {
    const from = placement.riding.from ?? 1;
    const to = placement.riding.to ?? pageCount;
    checkPage(from, pageCount);
    checkPage(to, pageCount);
    if (to - from + 1 < 2 || to - from + 1 > MAX_RIDING_PAGES) throw new SealError('ERR_INPUT_INVALID', { name: 'placement.riding', reason: `a riding seal spans 2..${MAX_RIDING_PAGES} pages (pages ${from}..${to} of ${pageCount})` });
    ridingPages = Array.from({ length: to - from + 1 }, (_, i) => reader.getPage(from - 1 + i));
    pageIndex = from - 1;
    // The first slice (the signature widget); sealPdf takes the real slices from ridingSealParts.
    const first = ridingPages[0] as PageInfo;
    const slice = { width: sizeMm.width / ridingPages.length, height: sizeMm.height };
    rect = sealRectAt(first, { x: displayedPageSizeMm(first).width - slice.width / 2, y: placement.riding.y }, slice);
  } else {
    checkPage(placement.page, pageCount);
    pageIndex = placement.page - 1;
    rect = sealRectAt(reader.getPage(pageIndex), { x: placement.x, y: placement.y }, sizeMm);
  }
  const page = reader.getPage(pageIndex);
  const box = visibleBox(page);
  const pageSize: [number, number] = [box[2] - box[0], box[3] - box[1]];
  return {
    pageIndex,
    pageCount,
    page,
    rect,
    preview: { page: pageIndex + 1, pageCount, rect, pageSize, rotate: pageRotation(page) },
    ...(ridingPages !== undefined && 'riding' in placement && { ridingPages, ridingY: placement.riding.y }),
  };
}

function checkPage(page: number, pageCount: number): void {
  if (!Number.isSafeInteger(page) || page < 1 || page > pageCount) throw new SealError('ERR_PDF_PAGE_OUT_OF_RANGE', { page, pageCount });
}

/** How far from the end the last %%EOF may be (trailing garbage some producers leave). */
const EOF_WINDOW = 64 * 1024;

/** Hashes the signed ranges of `original ‖ revision` without joining them. */
export function hashPdfRanges(original: Uint8Array | PdfFile, prepared: PreparedPdfSignatureRevision, alg: 'SM3' | 'SHA-256'): Uint8Array {
  const h = createHash(alg === 'SM3' ? 'sm3' : 'sha256');
  const [a, b, c, d] = prepared.byteRange;
  const len = original instanceof PdfFile ? original.size : original.length;
  const tail = prepared.revision;
  const feed = (start: number, end: number) => {
    if (start < len) {
      if (original instanceof PdfFile) original.hashRange([h], start, Math.min(end, len));
      else h.update(original.subarray(start, Math.min(end, len)));
    }
    if (end > len) h.update(tail.subarray(Math.max(start, len) - len, end - len));
  };
  feed(a, a + b);
  feed(c, c + d);
  return new Uint8Array(h.digest());
}

export interface SealPdfOptions {
  readonly session: TokenSession;
  readonly seals: SealStore;
  readonly sealId: string;
  /** The whole input document, one buffer (never copied), or a file read only where parsed. */
  readonly pdf: Uint8Array | PdfFile;
  readonly placement: PdfPlacement;
  readonly reason?: string;
  readonly location?: string;
  /** SM2 keys: a GM/T 0010 SM2 CMS instead of an SES_Signature. */
  readonly cms?: boolean;
  readonly signingTime?: Date;
  readonly signal?: AbortSignal;
  /** After the seal is loaded (policy checks; audit facts). */
  readonly onSeal?: (entry: SealEntry, signer: PdfSigner) => void;
  /**
   * Consent and login, after the document is prepared and before the token signs. Receives what the
   * user should see; throws to refuse.
   */
  readonly authorize: (info: PdfSealAuthorization) => Promise<void>;
}

export interface PdfSealAuthorization {
  readonly entry: SealEntry;
  readonly signer: PdfSigner;
  readonly fieldName: string;
  readonly format: PdfSealFormat;
  readonly preview: PdfSealPreview;
  /** SM3 of the whole input document. */
  readonly documentSm3: Uint8Array;
  /** The digest that is signed (SM3 or SHA-256 over the /ByteRange). */
  readonly dataHash: { readonly alg: 'SM3' | 'SHA-256'; readonly value: Uint8Array };
}

export interface SealPdfResult extends Omit<PdfSealAuthorization, 'entry' | 'signer' | 'preview'> {
  readonly sealId: string;
  /** SM3 of the signed file (`pdf ‖ revision`). */
  readonly outputSm3: Uint8Array;
  /** The appended revision, /Contents filled; the signed file is `pdf ‖ revision`. */
  readonly revision: Uint8Array;
  readonly originalLength: number;
  readonly byteRange: readonly [number, number, number, number];
  /** The /Contents value (DER). */
  readonly signature: Uint8Array;
  /** Bytes reserved for /Contents (the signature plus room for a timestamp). */
  readonly reservedBytes: number;
  readonly certDer: Uint8Array;
  readonly signedAt: Date;
  /** 1-based. */
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
  readonly preview: PdfSealPreview;
}

/** Bytes to reserve for the /Contents of an SES_Signature: seal + certificate + TBS_Sign fields + signature. */
function sesReserve(entry: SealEntry, signer: PdfSigner, fieldName: string): number {
  return entry.der.length + signer.tokenCert.der.length + fieldName.length + 72 /* SM2 DER r,s */ + 256 /* headers, time, hash, OIDs */ + SES_SLACK_BYTES;
}

/** Largest signature value the key can produce (RSA: the modulus length; ECDSA P-256 / SM2: DER r,s). */
function maxSignatureBytes(cert: Certificate): number {
  if (cert.publicKey.algorithm === 'RSA') {
    return Math.ceil((cert.publicKey.rsaModulusBits ?? 8192) / 8) + 8;
  }
  return 72;
}

/**
 * The CMS for `format: 'CMS'`: GM/T 0010 SM2 SignedData (SM3, signingTime) for SM2 keys, RFC 5652
 * SignedData (SHA-256, signingCertificateV2) for ECDSA P-256 / RSA. `signDigest` is the token's.
 */
function buildPdfCms(cert: Certificate, dataHash: Uint8Array, time: Date, signDigest: (digest: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> {
  if (cert.publicKey.algorithm !== 'SM2') return buildTokenCms({ cert, contentDigest: dataHash, signDigest });
  const point = cert.publicKey.point;
  if (point === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'SM2 certificate without a public point' });
  return buildSignedData({ signerCertificate: cert, contentDigest: dataHash, digestAlgorithm: 'SM3', signingTime: time, sign: (attrs) => signDigest(sm2Digest(point, attrs)) });
}

/**
 * The ByteRange digest from a hash that has already consumed the whole input: feeds the revision's
 * parts of the two ranges. Falls back to hashing from scratch for a layout it does not expect.
 */
function rangesAfterInput(h: Hash, inputLength: number, prepared: PreparedPdfSignatureRevision): Uint8Array {
  const [a, b, c, d] = prepared.byteRange;
  if (a !== 0 || b < inputLength || c + d !== inputLength + prepared.revision.length) throw new SealError('ERR_INTERNAL', { reason: 'unexpected /ByteRange layout' });
  h.update(prepared.revision.subarray(0, b - inputLength));
  h.update(prepared.revision.subarray(c - inputLength));
  return new Uint8Array(h.digest());
}

/** The same CMS built once with a dummy signature of maximal size: the real one is never larger. */
async function cmsDryRun(cert: Certificate, time: Date): Promise<number> {
  const dummy = new Uint8Array(maxSignatureBytes(cert)).fill(0x55);
  return (await buildPdfCms(cert, new Uint8Array(32), time, () => Promise.resolve(dummy))).length;
}

/** The whole pipeline; see the module comment. */
export async function sealPdf(o: SealPdfOptions): Promise<SealPdfResult> {
  const time = o.signingTime ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const entry = await o.seals.find(o.session, o.sealId);
  const signer = await pdfSignerFor(o.seals, o.session, entry);
  o.onSeal?.(entry, signer);
  checkSealForPdf(entry, signer, time);
  const sm2 = signer.tokenCert.keyAlgorithm === 'SM2';
  const format: PdfSealFormat = sm2 && o.cms !== true ? 'SES_Signature' : 'CMS';
  const digestAlg = sm2 ? 'SM3' : 'SHA-256';
  const picture = entry.seal.eSealInfo.picture;
  const sizeMm = { width: picture.width, height: picture.height };

  const plan = await planPdfSeal(o.pdf, o.placement, sizeMm);
  const appearance = appearanceOf({ type: picture.type, data: picture.data, widthMm: picture.width, heightMm: picture.height });
  // A riding seal: the picture cut into one slice per page, all in the one signed revision.
  const riding = plan.ridingPages !== undefined ? ridingSealParts(appearance, sizeMm, plan.ridingPages, plan.ridingY ?? 0) : undefined;
  const widget = riding?.[0] ?? { page: plan.pageIndex, rect: plan.rect, appearance };
  const base: Omit<PreparePdfSignatureOptions, 'contentsReserveBytes'> = {
    page: widget.page,
    rect: widget.rect,
    signingTime: time,
    subFilter: 'adbe.pkcs7.detached',
    appearance: widget.appearance,
    ...(riding !== undefined && { extraStamps: riding.slice(1) }),
    ...(o.reason !== undefined && { reason: o.reason }),
    ...(o.location !== undefined && { location: o.location }),
  };
  // The field name is chosen by the writer; it only affects the SES estimate by a few bytes, so the
  // estimate takes a generous name length.
  const reserve = (format === 'SES_Signature' ? sesReserve(entry, signer, 'Signature0000000') : await cmsDryRun(signer.cert, time)) + TIMESTAMP_SLACK_BYTES;
  const file = o.pdf instanceof PdfFile ? o.pdf : undefined;
  const pdf = file?.bytes ?? (o.pdf as Uint8Array);
  const prepared = preparePdfSignatureRevision(pdf, { ...base, contentsReserveBytes: reserve });
  // The input is hashed with SM3 once: its state gives the document fingerprint, the output's SM3
  // (output = input ‖ revision) and, for SM2, the ByteRange digest (the first range starts with the
  // whole input, since /Contents lies in the revision). SM3 in OpenSSL runs at ~100 MB/s here, so a
  // second pass over a 100 MB file would cost a second.
  let dataHash: Uint8Array;
  const docHasher = createHash('sm3');
  if (file !== undefined) {
    // One pass over the file from disk feeds both digests.
    const sha = digestAlg === 'SHA-256' ? createHash('sha256') : undefined;
    file.hashRange(sha === undefined ? [docHasher] : [docHasher, sha], 0, file.size);
    dataHash = rangesAfterInput(sha ?? docHasher.copy(), file.size, prepared);
  } else {
    docHasher.update(pdf);
    dataHash = digestAlg === 'SM3' ? rangesAfterInput(docHasher.copy(), pdf.length, prepared) : hashPdfRanges(pdf, prepared, digestAlg);
  }
  const outHasher = docHasher.copy();
  const documentSm3 = new Uint8Array(docHasher.digest());

  await o.authorize({ entry, signer, fieldName: prepared.fieldName, format, preview: plan.preview, documentSm3, dataHash: { alg: digestAlg, value: dataHash } });
  if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new SealError('ERR_USER_CANCELLED');

  let signature: Uint8Array;
  if (format === 'SES_Signature') {
    signature = (await signSealItem({ session: o.session, sealDer: entry.der, signer, dataHash, propertyInfo: prepared.fieldName, time })).der;
  } else {
    signature = await buildPdfCms(signer.cert, dataHash, time, (d) => o.session.signDigest(signer.tokenCert.id, d));
  }
  const revision = fillPdfSignatureRevision(prepared, signature);
  const outputSm3 = new Uint8Array(outHasher.update(revision).digest());
  return {
    sealId: entry.id,
    revision,
    originalLength: prepared.originalLength,
    byteRange: prepared.byteRange,
    fieldName: prepared.fieldName,
    format,
    signature,
    reservedBytes: (prepared.contentsLength - 2) / 2,
    certDer: signer.tokenCert.der,
    signedAt: time,
    documentSm3,
    outputSm3,
    dataHash: { alg: digestAlg, value: dataHash },
    page: plan.pageIndex + 1,
    rect: plan.rect,
    preview: plan.preview,
  };
}
