// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../../shared/errors/index.js';
import { MAX_FRAME_BYTES, MAX_INLINE_BYTES } from '../../shared/protocol/index.js';

/** Room left in a result frame for everything but the document (certificate, rect, ids). */
const FRAME_MARGIN = 64 * 1024;
import { consentAndLogin } from '../consent/consentAndLogin.js';
import { sealPdf, type PdfPlacement } from '../pdf/sealPdf.js';
import { consentSeal } from './sealSign.js';
import { type Handler, fingerprint, requireAllowed, signingConsent, str } from './types.js';

interface PlacementParams {
  readonly page?: number;
  readonly x?: number;
  readonly y?: number;
  readonly keyword?: string;
  readonly occurrence?: number;
  readonly riding?: { readonly y: number; readonly from?: number; readonly to?: number };
}

/** `{page, x, y}`, `{keyword, page?, occurrence?}` or `{riding}`, nothing mixed (the schema cannot say "one of"). */
export function placementOf(p: PlacementParams): PdfPlacement {
  const bad = (reason: string) => new SealError('ERR_INPUT_INVALID', { name: 'placement', reason });
  if (p.riding !== undefined) {
    if (p.keyword !== undefined || p.x !== undefined || p.y !== undefined || p.page !== undefined || p.occurrence !== undefined) throw bad('riding goes alone (its own y, from, to)');
    return { riding: p.riding };
  }
  if (p.keyword !== undefined) {
    if (p.x !== undefined || p.y !== undefined) throw bad('give either keyword or x and y, not both');
    return { keyword: p.keyword, ...(p.page !== undefined && { page: p.page }), ...(p.occurrence !== undefined && { occurrence: p.occurrence }) };
  }
  if (p.occurrence !== undefined) throw bad('occurrence goes with keyword');
  if (p.page === undefined || p.x === undefined || p.y === undefined) throw bad('needs page, x and y (millimetres from the top-left), or keyword');
  return { page: p.page, x: p.x, y: p.y };
}

/**
 * `pdf.seal` (contract B): stamps a seal into the PDF sent inline or uploaded (`documentRef`, docs.ts)
 * and returns the signed PDF, inline or, above MAX_INLINE_BYTES, as `documentRef` + `size`. The
 * consent shows what seal.sign shows plus `preview` (page, rectangle, page size, rotation) and the SM3
 * fingerprint of the whole input document; the audit record carries that fingerprint, the field,
 * page and format. Consent, PIN, cancellation and idempotent ids work as for seal.sign.
 */
export const pdfSeal: Handler = async (scope, services) => {
  const placement = placementOf((scope.params['placement'] ?? {}));
  const display = scope.params['display'] as { title: string; docName?: string; pages?: number };
  const fileName = str(scope.params, 'fileName');
  const inline = str(scope.params, 'document');
  const ref = str(scope.params, 'documentRef');
  if ((inline === undefined) === (ref === undefined)) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'give exactly one of document and documentRef' });
  if (ref !== undefined && !scope.docs) throw new SealError('ERR_DOC_UNKNOWN', { docId: ref });
  const decoded = ref !== undefined && scope.docs ? scope.docs.bytes(ref) : Buffer.from(inline ?? '', 'base64');
  const pdf = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length); // a plain view: pdf.js refuses Buffers
  if (pdf.length < 8) throw new SealError('ERR_INPUT_INVALID', { name: 'document', reason: 'not a PDF' });
  const reason = str(scope.params, 'reason');
  const location = str(scope.params, 'location');
  return services.tokens.withSession(
    str(scope.params, 'tokenSerial'),
    async (session) => {
      const made = await sealPdf({
        session,
        seals: services.seals,
        sealId: str(scope.params, 'sealId') ?? '',
        pdf,
        placement,
        ...(reason !== undefined && { reason }),
        ...(location !== undefined && { location }),
        cms: scope.params['cms'] === true,
        signal: scope.signal,
        onSeal: (entry, signer) => {
          scope.audit.sealId = entry.id;
          scope.audit.certSerial = signer.cert.serialNumberHex;
          requireAllowed(services, scope, 'pdf.seal', entry.sealType ?? null);
        },
        authorize: async (info) => {
          const fp = fingerprint(info.documentSm3);
          scope.audit.documentDigest = fp.hex.toLowerCase();
          scope.audit.extra = { field: info.fieldName, page: info.preview.page, format: info.format, rangeDigest: Buffer.from(info.dataHash.value).toString('hex') };
          await consentAndLogin(
            signingConsent(services, scope, session, {
              ...consentSeal(services.seals, info.entry, info.signer),
              document: { ...display, pages: display.pages ?? info.preview.pageCount, ...(fileName !== undefined && { fileName }), propertyInfo: info.fieldName, kind: 'pdf' },
              fingerprint: { alg: 'SM3', ...fp },
              items: 1,
              preview: info.preview,
              pdf: { field: info.fieldName, format: info.format, bytes: pdf.length },
            }),
          );
          scope.progress('signing');
        },
      });
      const signed = Buffer.concat([pdf, made.revision]);
      scope.audit.extra = { field: made.fieldName, page: made.page, format: made.format, rangeDigest: Buffer.from(made.dataHash.value).toString('hex'), outputBytes: signed.length };
      // The upload is consumed. A result above MAX_INLINE_BYTES stays here for doc.get — except for an
      // inline request whose result still fits one frame (callers that never upload keep working).
      if (ref !== undefined) scope.docs?.drop(ref);
      const fitsFrame = Math.ceil(signed.length / 3) * 4 + FRAME_MARGIN <= MAX_FRAME_BYTES;
      const inlineResult = signed.length <= MAX_INLINE_BYTES || (ref === undefined && fitsFrame) || !scope.docs;
      const out = inlineResult || !scope.docs ? { document: signed.toString('base64') } : { documentRef: scope.docs.keep(signed), size: signed.length };
      return {
        ...out,
        fieldName: made.fieldName,
        sealId: made.sealId,
        format: made.format,
        cert: Buffer.from(made.certDer).toString('base64'),
        signedAt: made.signedAt.toISOString(),
        dataHash: Buffer.from(made.dataHash.value).toString('base64'),
        dataHashAlg: made.dataHash.alg,
        page: made.page,
        rect: made.rect,
      };
    },
    scope.signal,
    () => scope.progress('queued'),
  );
};
