// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The one entry point for verification: bytes in, {@link VerificationReport} out.
 *
 * Detection order: PDF header (shared/verify/verifyPdf.ts) → ZIP local header at offset 0 (OFD) → DER structure (bare seal, bare
 * SES_Signature, CMS SignedData, bare SM2 signature) → a ZIP end-of-central-directory record anywhere
 * (OFD with vendor bytes around it). Anything unreadable becomes a report with `error` set and
 * indication TOTAL_FAILED; `verifyDocument` itself throws only for programmer errors (bad arguments).
 */
import { isCmsSignedData, verifyCmsSignedData } from '../cms/verifyCmsSignedData.js';
import { sm3 } from '../crypto/sm3.js';
import { formatErrorMessage, SealError, toSealError } from '../errors/index.js';
import { verifyOfd } from '../ofd/verifyOfd.js';
import { detectSesStructure, verifySealOnly, verifySesSignature } from '../seal/index.js';
import type { Certificate, Crl } from '../x509/index.js';
import { check, combineVerdicts, indeterminate, PASSED } from './checks.js';
import { verifyPdf, type PdfHashName } from './verifyPdf.js';
import type { IncrementalHash } from '../pdf/byteRange.js';
import {
  REPORT_SCHEMA_VERSION,
  worstIndication,
  type CheckResult,
  type SignatureReport,
  type VerificationReport,
} from './VerificationReport.js';

export interface VerifyDocumentOptions {
  /** Shown in the report; never a full path from a web page. */
  readonly fileName?: string;
  readonly trustAnchors?: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** The time recorded as `verifiedAt` (default: now). Certificate paths are checked at the signing time. */
  readonly now?: Date;
  /** Validation time override for certificate paths (default: each signature's claimed signing time). */
  readonly validationTime?: Date;
  /** Include seal pictures (Base64) in the report; default true. */
  readonly includePictures?: boolean;
  /** Seal ids (esID) known to be revoked (our register); a match fails the seal. */
  readonly revokedSealIds?: ReadonlySet<string>;
  /** Seal ids filed with the authority; when given, an unfiled seal is INDETERMINATE SEAL_NOT_FILED. */
  readonly filedSealIds?: ReadonlySet<string>;
  /**
   * An incremental hash factory (the agent passes `node:crypto`, ~20× the pure SHA-256), used for the
   * PDF byte ranges and the whole-input SM3; returning undefined keeps the built-in implementation.
   * A hash with `clone()` or `copy()` lets several PDF signatures share one pass over the file.
   */
  readonly createHash?: (alg: PdfHashName) => IncrementalHash | undefined;
}

/** Largest input accepted (bytes). */
export const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

function startsWith(b: Uint8Array, ascii: string): boolean {
  if (b.length < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (b[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

function looksLikePdf(b: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(b.subarray(0, Math.min(1024, b.length)));
  return head.includes('%PDF-');
}

function hasZipEocd(b: Uint8Array): boolean {
  for (let i = b.length - 22; i >= 0; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06) return true;
  }
  return false;
}

/** SM3 of the whole input, through the caller's hasher when one is given (a 100 MB PDF is one pass). */
function documentDigest(bytes: Uint8Array, createHash: VerifyDocumentOptions['createHash']): Uint8Array {
  const h = createHash?.('SM3');
  if (h === undefined) return sm3(bytes);
  const step = 1 << 20;
  for (let p = 0; p < bytes.length; p += step) h.update(bytes.subarray(p, Math.min(bytes.length, p + step)));
  return Uint8Array.from(h.digest());
}

type DocType = VerificationReport['documentType'];

function errorReport(base: { fileName?: string; documentSm3: string; verifiedAt: string }, documentType: DocType, err: unknown): VerificationReport {
  const e = toSealError(err);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    documentType,
    ...(base.fileName === undefined ? {} : { fileName: base.fileName }),
    documentSm3: base.documentSm3,
    verifiedAt: base.verifiedAt,
    indication: 'TOTAL_FAILED',
    signatures: [],
    checks: [],
    error: { code: e.code, message: e.message, messageZh: formatErrorMessage(e.code, 'zh-CN', e.details) },
  };
}

function finish(
  base: { fileName?: string; documentSm3: string; verifiedAt: string },
  documentType: DocType,
  signatures: readonly SignatureReport[],
  docChecks: CheckResult[],
): VerificationReport {
  if (signatures.length === 0) {
    docChecks.push(check('document.signatures', 'failed', '文档中没有签章或签名', 'The document contains no seal or signature'));
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    documentType,
    ...(base.fileName === undefined ? {} : { fileName: base.fileName }),
    documentSm3: base.documentSm3,
    verifiedAt: base.verifiedAt,
    indication: worstIndication(signatures.map((s) => s.indication)),
    signatures,
    checks: docChecks,
  };
}

const EMPTY_COVERAGE = { covered: [], notCovered: [], modifiedAfterSigning: false } as const;

/**
 * Verifies a document or a bare seal/signature. Never throws for bad or hostile input: the report's
 * `error` carries the coded reason.
 */
export async function verifyDocument(bytes: Uint8Array, options: VerifyDocumentOptions = {}): Promise<VerificationReport> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('verifyDocument: bytes must be a Uint8Array');
  const now = options.now ?? new Date();
  const fileName = options.fileName === undefined ? undefined : options.fileName.replace(/^.*[\\/]/, '').slice(0, 255);
  const base = { ...(fileName === undefined ? {} : { fileName }), documentSm3: '', verifiedAt: now.toISOString() };
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    return errorReport(base, 'unknown', new SealError('ERR_INPUT_TOO_LARGE', { name: 'document', limit: MAX_DOCUMENT_BYTES }));
  }
  base.documentSm3 = hex(documentDigest(bytes, options.createHash));
  const trustAnchors = options.trustAnchors ?? [];
  const ctx = {
    trustAnchors,
    ...(options.intermediates === undefined ? {} : { intermediates: options.intermediates }),
    ...(options.crls === undefined ? {} : { crls: options.crls }),
    ...(options.validationTime === undefined ? {} : { time: options.validationTime }),
    includePictures: options.includePictures ?? true,
    ...(options.revokedSealIds === undefined ? {} : { revokedSealIds: options.revokedSealIds }),
    ...(options.filedSealIds === undefined ? {} : { filedSealIds: options.filedSealIds }),
  };
  const sesCtx = {
    trustAnchors: [...trustAnchors],
    intermediates: [...(options.intermediates ?? [])],
    crls: [...(options.crls ?? [])],
    ...(options.validationTime === undefined ? {} : { time: options.validationTime }),
    includePictures: options.includePictures ?? true,
    ...(options.revokedSealIds === undefined ? {} : { revokedSealIds: options.revokedSealIds }),
    ...(options.filedSealIds === undefined ? {} : { filedSealIds: options.filedSealIds }),
  };

  let documentType: DocType = 'unknown';
  try {
    if (looksLikePdf(bytes)) {
      documentType = 'pdf';
      const pdf = await verifyPdf(bytes, { ...ctx, ...(options.createHash === undefined ? {} : { createHash: options.createHash }) });
      return finish(base, 'pdf', pdf.signatures, [...pdf.checks]);
    }
    const zipAtStart = startsWith(bytes, 'PK\x03\x04') || startsWith(bytes, 'PK\x05\x06');
    const structure = zipAtStart ? 'unknown' : detectSesStructure(bytes);
    if (zipAtStart || (structure === 'unknown' && hasZipEocd(bytes))) {
      documentType = 'ofd';
      const ofd = await verifyOfd(bytes, ctx);
      return finish(base, 'ofd', ofd.signatures, [...ofd.checks]);
    }
    if (structure.startsWith('seal-')) {
      documentType = 'seal';
      const r = await verifySealOnly(bytes, sesCtx);
      const sig: SignatureReport = {
        id: '0',
        kind: 'seal',
        format: `SESeal ${structure.replace('seal-', '')}`,
        indication: r.indication,
        subIndications: r.subIndications,
        sealCodes: r.sealCodes,
        seal: r.seal,
        coverage: EMPTY_COVERAGE,
        stamps: [],
        checks: r.checks,
      };
      return finish(base, 'seal', [sig], []);
    }
    if (structure.startsWith('signature-')) {
      documentType = 'signature';
      const r = await verifySesSignature(bytes, sesCtx);
      const sig: SignatureReport = {
        id: '0',
        kind: 'seal',
        format: `SES_Signature ${structure.replace('signature-', '')}`,
        indication: r.indication,
        subIndications: r.subIndications,
        sealCodes: r.sealCodes,
        ...(r.signer === undefined ? {} : { signer: r.signer }),
        seal: r.seal,
        ...(r.signingTime === undefined ? {} : { signingTime: r.signingTime }),
        ...(r.signingTimeText === undefined ? {} : { signingTimeText: r.signingTimeText }),
        ...(r.timeStamp === undefined ? {} : { timeStamp: r.timeStamp }),
        coverage: EMPTY_COVERAGE,
        stamps: [],
        checks: r.checks,
      };
      return finish(base, 'signature', [sig], [
        check('document.original', 'skipped', '单独的签章文件：未提供原文，无法核对原文杂凑', 'Bare signature: no original given, the data hash was not compared', { propertyInfo: r.propertyInfo.slice(0, 200) }),
      ]);
    }
    if (structure === 'cms' || isCmsSignedData(bytes)) {
      documentType = 'signature';
      const r = await verifyCmsSignedData(bytes, {
        trustAnchors,
        ...(options.intermediates === undefined ? {} : { intermediates: options.intermediates }),
        ...(options.crls === undefined ? {} : { crls: options.crls }),
        ...(options.validationTime === undefined ? {} : { time: options.validationTime }),
      });
      const sig: SignatureReport = {
        id: '0',
        kind: 'digital',
        format: r.format,
        indication: r.indication,
        subIndications: r.subIndications,
        sealCodes: [],
        ...(r.signer === undefined ? {} : { signer: r.signer }),
        ...(r.signingTime === undefined ? {} : { signingTime: r.signingTime }),
        ...(r.signingTimeText === undefined ? {} : { signingTimeText: r.signingTimeText }),
        coverage: EMPTY_COVERAGE,
        stamps: [],
        checks: [...r.checks],
      };
      return finish(base, 'signature', [sig], []);
    }
    if (structure === 'sm2-raw-signature') {
      documentType = 'signature';
      const v = combineVerdicts([indeterminate('NO_SIGNING_CERTIFICATE_FOUND'), PASSED]);
      const sig: SignatureReport = {
        id: '0',
        kind: 'digital',
        format: 'SM2 raw',
        indication: v.indication,
        subIndications: v.subIndications,
        sealCodes: [],
        coverage: EMPTY_COVERAGE,
        stamps: [],
        checks: [check('signature.value', 'skipped', '裸 SM2 签名既无证书也无原文，无法验证', 'A bare SM2 signature without certificate or original cannot be verified')],
      };
      return finish(base, 'signature', [sig], []);
    }
    throw new SealError('ERR_FILE_TYPE_UNKNOWN', { path: fileName ?? '(input)' });
  } catch (err) {
    if (err instanceof TypeError && String(err.message).startsWith('verifyDocument:')) throw err;
    return errorReport(base, documentType, err);
  }
}
