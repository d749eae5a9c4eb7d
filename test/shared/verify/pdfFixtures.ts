// SPDX-License-Identifier: Apache-2.0
/**
 * Test fixtures for PDF verification: signs PDFs with the per-run test PKI through the shared writer
 * (preparePdfSignature/fillPdfSignature) — a GB/T 38540 SES_Signature (SM2 soft key, seal made by the
 * test seal maker), a GM/T 0010 SM2 CMS, and standard CMS with the P-256 and RSA keys (node:crypto) —
 * plus a hand-built certification (DocMDP) signature, which the writer does not produce.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadSigningKey, type SigningKey } from '../../../agent/keys/loadSigningKey.js';
import { drawSealPng } from '../../../agent/dev/sealPicture.js';
import { buildSignedData } from '../../../shared/cms/buildSignedData.js';
import { sm2Sign } from '../../../shared/crypto/sm2.js';
import { fillPdfSignature, pdfByteRangeDigest, PdfDict as PdfDictCtor, PdfReader, PdfRef, preparePdfSignature, type PdfDict, type PreparePdfSignatureOptions } from '../../../shared/pdf/index.js';
import { serialize } from '../../../shared/pdf/objects.js';
import { makeSealV4, makeSesSignatureV4 } from '../../../shared/seal/index.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { appendUpdate, lastStartxref } from '../pdf/support/makePdf.js';

export type PdfSigner = 'ses' | 'sm2cms' | 'p256' | 'rsa';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const latin1 = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

/** A claimed signing time inside every test certificate (the PKI is made at the start of the run). */
export function signingTimeNow(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

let sealCache: Promise<{ pki: TestPki; unit: SigningKey; sealDer: Uint8Array }> | undefined;

function sm2Key(pki: TestPki, name: 'maker' | 'unit'): SigningKey {
  return loadSigningKey({ kind: 'pem', key: readFileSync(pki.keyFiles[name]), certificates: readFileSync(pki.certFiles[name]) });
}

/** The test PKI, the `unit` SM2 key and a v4 seal bound to it (made once per test file). */
export function sealKit(): Promise<{ pki: TestPki; unit: SigningKey; sealDer: Uint8Array }> {
  sealCache ??= (async () => {
    const pki = await loadTestPki();
    const maker = sm2Key(pki, 'maker');
    const unit = sm2Key(pki, 'unit');
    const made = await makeSealV4({
      vid: 'ESealTest',
      esID: '11010500000042',
      name: '测试单位合同专用章',
      type: 1,
      certs: [unit.certificateDer],
      createDate: pki.certs.unit.notBefore,
      validStart: pki.certs.unit.notBefore,
      validEnd: pki.certs.unit.notAfter,
      picture: { type: 'png', data: drawSealPng(80), widthMm: 40, heightMm: 40 },
      makerCertDer: maker.certificateDer,
      signSealInfo: (tbs) => sm2Sign(maker.privateKey, tbs, { format: 'der' }),
    });
    return { pki, unit, sealDer: made.der };
  })();
  return sealCache;
}

/** Produces the /Contents bytes for the signed ranges of `bytes` (already laid out). */
export async function signatureFor(signer: PdfSigner, bytes: Uint8Array, byteRange: readonly number[], fieldName: string, time: Date, signingTimeAttribute = true): Promise<{ der: Uint8Array; tbs?: Uint8Array }> {
  const { pki, unit, sealDer } = await sealKit();
  if (signer === 'ses') {
    const dataHash = await pdfByteRangeDigest(bytes, byteRange, 'SM3');
    const made = await makeSesSignatureV4({
      sealDer,
      signerCertDer: unit.certificateDer,
      dataHash,
      // GB/T 38540 propertyInfo is ASCII: a Chinese field name goes in percent-encoded.
      propertyInfo: /^[\x20-\x7e]*$/.test(fieldName) ? fieldName : encodeURIComponent(fieldName),
      timeInfo: time,
      sign: (tbs) => sm2Sign(unit.privateKey, tbs, { format: 'der' }),
    });
    return { der: made.der, tbs: made.tbsDer };
  }
  if (signer === 'sm2cms') {
    const digest = await pdfByteRangeDigest(bytes, byteRange, 'SM3');
    const der = await buildSignedData({
      signerCertificate: pki.certs.unit,
      certificates: [pki.certs.inter],
      contentDigest: digest,
      digestAlgorithm: 'SM3',
      signingTime: time,
      sign: (attrs) => Promise.resolve(sm2Sign(unit.privateKey, attrs, { format: 'der' })),
    });
    return { der };
  }
  const key = createPrivateKey(readFileSync(pki.keyFiles[signer]));
  const digest = await pdfByteRangeDigest(bytes, byteRange, 'SHA-256');
  const der = await buildSignedData({
    signerCertificate: pki.certs[signer],
    certificates: [pki.certs.inter],
    contentDigest: digest,
    digestAlgorithm: 'SHA-256',
    ...(signingTimeAttribute ? { signingTime: time } : {}),
    sign: (attrs) => Promise.resolve(new Uint8Array(nodeSign('sha256', attrs, key))),
  });
  return { der };
}

/** Signs `pdf` once (a new revision) with the shared writer. */
export async function signWith(
  pdf: Uint8Array,
  signer: PdfSigner,
  opts: Partial<PreparePdfSignatureOptions> & { time?: Date; signingTimeAttribute?: boolean } = {},
): Promise<{ bytes: Uint8Array; der: Uint8Array; tbs?: Uint8Array; fieldName: string }> {
  const { time: t, signingTimeAttribute, ...prepareOpts } = opts;
  const time = t ?? signingTimeNow();
  const prepared = preparePdfSignature(pdf, {
    page: 0,
    rect: [400, 700, 520, 800],
    signingTime: time,
    contentsReserveBytes: 32768,
    subFilter: 'adbe.pkcs7.detached',
    reason: '测试签章',
    ...prepareOpts,
  });
  const s = await signatureFor(signer, prepared.bytes, prepared.byteRange, prepared.fieldName, time, signingTimeAttribute ?? true);
  return { bytes: fillPdfSignature(prepared, s.der), der: s.der, ...(s.tbs === undefined ? {} : { tbs: s.tbs }), fieldName: prepared.fieldName };
}

export const BR_PLACEHOLDER = '/ByteRange [0 0000000000 0000000000 0000000000]';
export const CONTENTS_BYTES = 32768;

/**
 * Certifies `pdf` with DocMDP `/P p` (the writer does not make certification signatures): an
 * incremental update adding an invisible merged field/widget on the first page, a signature
 * dictionary with a DocMDP `/Reference`, and the catalog with `/Perms` and the field in an inline
 * `/AcroForm` (existing fields kept).
 */
export async function certifyPdf(pdf: Uint8Array, p: 1 | 2 | 3, signer: PdfSigner = 'p256'): Promise<Uint8Array> {
  const time = signingTimeNow();
  const sig =
    `<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached ${BR_PLACEHOLDER} /M (D:20260101000000Z) ` +
    `/Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P ${p} /V /1.2>>>>] ` +
    `/Contents <${'0'.repeat(CONTENTS_BYTES * 2)}>>>`;
  return addSignatureRevision(pdf, 'Certification', sig, (n) => new PdfDictCtor([['DocMDP', new PdfRef(n, 0)]]), async (bytes, br) => (await signatureFor(signer, bytes, br, 'Certification', time)).der);
}

/**
 * Appends a revision with an invisible signature field `name` on the first page whose value is
 * `sigDict` (text with the ByteRange placeholder), then fills it with `sign`. `perms` (given the
 * signature's object number) becomes the catalog's `/Perms`.
 */
export async function addSignatureRevision(
  pdf: Uint8Array,
  name: string,
  sigDict: string,
  perms: ((sigNum: number) => PdfDict) | undefined,
  sign: (bytes: Uint8Array, byteRange: readonly number[]) => Promise<Uint8Array> | Uint8Array,
): Promise<Uint8Array> {
  const r = PdfReader.open(pdf);
  const catalog = r.catalog();
  const pageRef = r.pageRefs()[0] as PdfRef;
  const page = r.resolveDict(pageRef) as PdfDict;
  const n = trailerSize(pdf);
  const af = r.resolveDict(catalog.get('AcroForm'));
  const oldFields = r.resolve(af?.get('Fields'));
  const newAf = (af?.clone() ?? new PdfDictCtor()).set('Fields', [...(Array.isArray(oldFields) ? oldFields : []), new PdfRef(n, 0)]).set('SigFlags', 3);
  const oldAnnots = r.resolve(page.get('Annots'));
  const newPage = page.clone().set('Annots', [...(Array.isArray(oldAnnots) ? oldAnnots : []), new PdfRef(n, 0)]);
  let newCatalog = catalog.clone().set('AcroForm', newAf);
  if (perms !== undefined) newCatalog = newCatalog.set('Perms', perms(n + 1));
  const updated = appendUpdate(
    pdf,
    new Map<number, string>([
      [r.rootRef.num, serialize(newCatalog)],
      [pageRef.num, serialize(newPage)],
      [n, `<</FT /Sig /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /T (${name}) /V ${n + 1} 0 R /P ${pageRef.num} 0 R>>`],
      [n + 1, sigDict],
    ]),
    n + 2,
  );
  return fillPlaceholder(updated, sign);
}

/**
 * Appends a document time-stamp revision (`/Type /DocTimeStamp /SubFilter /ETSI.RFC3161`): an invisible
 * signature field on the first page, added to `/AcroForm /Fields` (inline AcroForm in the catalog).
 * `stamp` gets the bytes and ranges and returns the TimeStampToken DER.
 */
export async function docTimeStampPdf(pdf: Uint8Array, stamp: (bytes: Uint8Array, byteRange: readonly number[]) => Promise<Uint8Array> | Uint8Array): Promise<Uint8Array> {
  const sig = `<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 ${BR_PLACEHOLDER} /Contents <${'0'.repeat(CONTENTS_BYTES * 2)}>>>`;
  return addSignatureRevision(pdf, 'DocTimeStamp', sig, undefined, stamp);
}

/** Fills the last `/ByteRange` placeholder and its `/Contents` with `sign(bytes, byteRange)`. */
async function fillPlaceholder(updated: Uint8Array, sign: (bytes: Uint8Array, byteRange: readonly number[]) => Promise<Uint8Array> | Uint8Array): Promise<Uint8Array> {
  const text = latin1(updated);
  const brAt = text.lastIndexOf(BR_PLACEHOLDER);
  const lt = text.indexOf('/Contents <', brAt) + '/Contents '.length;
  const gt = lt + CONTENTS_BYTES * 2 + 2;
  const br = [0, lt, gt, updated.length - gt];
  const out = updated.slice();
  out.set(enc(`/ByteRange [${br.join(' ')}]`.padEnd(BR_PLACEHOLDER.length, ' ')), brAt);
  const der = await sign(out, br);
  out.set(enc(Array.from(der, (b) => b.toString(16).padStart(2, '0')).join('')), lt + 1);
  return out;
}

/** Appends a revision adding a text annotation to the first page (its /Annots array grows by one). */
export function addAnnotation(pdf: Uint8Array): Uint8Array {
  const r = PdfReader.open(pdf);
  const pageRef = r.pageRefs()[0] as PdfRef;
  const page = r.resolveDict(pageRef) as PdfDict;
  const n = trailerSize(pdf);
  const old = r.resolve(page.get('Annots'));
  const annots = [...(Array.isArray(old) ? old : []), new PdfRef(n, 0)];
  const updated = page.clone().set('Annots', annots);
  return appendUpdate(
    pdf,
    new Map<number, string>([
      [pageRef.num, serialize(updated)],
      [n, '<</Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (a note)>>'],
    ]),
    n + 1,
  );
}

/** Appends a revision replacing page content stream 4. */
export function changeContent(pdf: Uint8Array): Uint8Array {
  return appendUpdate(pdf, new Map([[4, { dict: '', data: 'BT /F1 24 Tf 72 720 Td (Pay 1000000) Tj ET\n' }]]), trailerSize(pdf));
}

/** /Size of the last trailer (what the next appended object number may be). */
export function trailerSize(pdf: Uint8Array): number {
  const text = latin1(pdf.subarray(lastStartxref(pdf)));
  const m = /\/Size\s+(\d+)/.exec(text);
  if (m?.[1] !== undefined) return Number(m[1]);
  throw new Error('no /Size');
}
