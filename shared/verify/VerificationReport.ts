// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The one verification report for every format (OFD, PDF, bare seal, bare signature).
 *
 * Design rationale: verification returns a report and never throws for a bad signature (pyHanko's
 * SignatureStatus; ETSI EN 319 102-1 indications). It throws a SealError only when the *input* cannot
 * be read at all (not a ZIP, not DER) — and even then `eseal verify` turns that into a report with a
 * FORMAT_FAILURE signature-less result. Every check that ran is listed in `checks`, so a reader can
 * see *why*, not just the verdict. The JSON form is documented in docs/verification-report.md and
 * described by docs/verification-report.schema.json.
 */

export const REPORT_SCHEMA_VERSION = 1;

export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/** ETSI EN 319 102-1 sub-indications that we use. */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'POLICY_PROCESSING_ERROR'
  | 'SIGNED_DATA_NOT_FOUND'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'REVOKED_NO_POE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER';

/** Seal-specific findings (GB/T 38540 §verification; filing and revocation by our registers). */
export type SealCode =
  | 'SEAL_MAKER_SIGNATURE_FAILURE'
  | 'SEAL_EXPIRED'
  | 'SEAL_NOT_YET_VALID'
  | 'SEAL_SIGNER_NOT_IN_SEAL'
  | 'SEAL_REVOKED'
  | 'SEAL_NOT_FILED'
  | 'SEAL_EMBEDDED_MISMATCH'
  | 'SEAL_MAKER_CERT_UNTRUSTED'
  | 'DOCUMENT_MODIFIED'
  | 'DOCUMENT_NOT_COVERED';

/** Status of one check. `skipped` means not applicable or not possible (e.g. no trust anchors given). */
export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

/** One step of the procedure, in the order it ran. `id` values are stable; see docs. */
export interface CheckResult {
  /** Stable identifier, e.g. `signature.value`, `seal.maker-signature`, `document.reference`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** Plain Chinese explanation for the user. */
  readonly messageZh: string;
  /** English explanation. */
  readonly message: string;
  /** Extra machine-readable facts (e.g. which convention matched, the file path). */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export type CertificateStatus =
  | 'VALID' // chains to a trust anchor, in validity at the reference time, not revoked
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'UNTRUSTED' // no path to a configured trust anchor
  | 'INVALID' // a signature on the path fails or constraints are violated
  | 'UNKNOWN'; // nothing to check against (no trust anchors, no CRL)

export interface CertificateSummary {
  /** RFC 4514-style subject, Chinese printed as UTF-8. */
  readonly subject: string;
  readonly issuer: string;
  /** Hex serial number, lower case, no separators. */
  readonly serialNumber: string;
  /** ISO 8601 UTC. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** `SM2`, `ECDSA-P256`, `RSA-2048`, … */
  readonly publicKeyAlgorithm: string;
  /** Hex SM3 fingerprint of the DER certificate. */
  readonly fingerprintSm3: string;
  readonly status: CertificateStatus;
  /** Reasons from path validation (e.g. `EXPIRED`, `NO_PATH`), empty when VALID. */
  readonly reasons: readonly string[];
}

export interface SealPictureSummary {
  /** Picture type as stored (`PNG`, `png`, `ofd`, `GIF`, …). */
  readonly type: string;
  /** Normalised lower-case type. */
  readonly format: string;
  /** Size in bytes of the picture data. */
  readonly byteLength: number;
  readonly widthMm: number;
  readonly heightMm: number;
  /** Base64 picture data; omitted in compact reports (`includePictures: false`). */
  readonly dataBase64?: string;
}

export interface SealSummary {
  /** `v1` = GM/T 0031-2014, `v4` = GB/T 38540-2020, `v5` = ofdrw's GM/T 0031-2025 layout. */
  readonly format: 'v1' | 'v4' | 'v5';
  readonly headerVersion: number;
  readonly vendorId: string;
  readonly esID: string;
  readonly name: string;
  readonly type: number;
  /** ISO 8601 UTC. */
  readonly createDate: string;
  readonly validStart: string;
  readonly validEnd: string;
  readonly maker?: CertificateSummary;
  readonly picture: SealPictureSummary;
  /** Which input the maker signature verified over: `sealInfo` (v4) or `sealInfo+cert+alg` (v1). */
  readonly makerSignatureConvention?: 'sealInfo' | 'sealInfo+cert+alg';
}

export interface CoverageSummary {
  /** For OFD: package paths protected by this signature (directly, via references). For PDF: byte ranges. */
  readonly covered: readonly string[];
  /** Package files (OFD) or byte ranges (PDF) this signature does not protect. */
  readonly notCovered: readonly string[];
  /** Whether the document was changed after signing in a way the signature does not allow. */
  readonly modifiedAfterSigning: boolean;
}

export interface StampPosition {
  /** OFD: PageRef ID; PDF: zero-based page index. */
  readonly page: string;
  /** `x y w h` in millimetres (OFD) or points (PDF) as `[x, y, w, h]`. */
  readonly box: readonly [number, number, number, number];
  readonly unit: 'mm' | 'pt';
  readonly clip?: readonly [number, number, number, number];
}

/** What later revisions changed, pyHanko's levels (see docs/pdf.md §4); `SIGNATURES` = new signatures only. */
export type PdfModificationLevelName = 'NONE' | 'SIGNATURES' | 'FORM_FILLING' | 'ANNOTATIONS' | 'OTHER';

/** PDF-only facts about one signature (present for PDF documents only; additive to schema version 1). */
export interface PdfSignatureDetails {
  /** Fully qualified field name (also the signature `id`). */
  readonly fieldName: string;
  readonly filter?: string;
  readonly subFilter?: string;
  /** `/ByteRange` as written, when it is four numbers. */
  readonly byteRange?: readonly number[];
  /** Whether `/ByteRange` passed the sanity rules (starts at 0, the gap is exactly `/Contents`, ends at a `%%EOF`). */
  readonly byteRangeOk: boolean;
  /** pyHanko's coverage: the whole file, a whole earlier revision, or unclear (bad ByteRange). */
  readonly coverage: 'ENTIRE_FILE' | 'ENTIRE_REVISION' | 'UNCLEAR';
  /** 0-based index of the `%%EOF` revision the signature covers. */
  readonly revision?: number;
  /** Cross-reference sections written after the signed revision. */
  readonly laterRevisions: number;
  /** Digest algorithm used over the byte ranges (`SM3`, `SHA-256`, …). */
  readonly digestAlgorithm?: string;
  /** Worst change made by later revisions. */
  readonly modificationLevel: PdfModificationLevelName;
  /** Whether this is a certification (DocMDP) signature. */
  readonly certification: boolean;
  /** DocMDP permission that applies to changes after this signature (1 none, 2 forms + signing, 3 + annotations). */
  readonly docMdpPermission?: 1 | 2 | 3;
  /** Whether the later changes are allowed (by DocMDP, or for approval signatures: up to annotations). */
  readonly modificationsAllowed: boolean;
  /** The changed objects (first 50): object number, level, short English note. */
  readonly changes: readonly { readonly objectNumber: number; readonly level: PdfModificationLevelName; readonly note: string }[];
  readonly reason?: string;
  readonly location?: string;
}

export interface SignatureReport {
  /** Signature identifier inside the document (OFD `ID`, PDF field name) or `0` for bare files. */
  readonly id: string;
  /** `seal` = GB/T 38540/GM/T 0031 electronic seal signature; `digital` = CMS/raw digital signature. */
  readonly kind: 'seal' | 'digital';
  /** e.g. `SES_Signature v4`, `GM/T 0010 SignedData`, `SM2 raw`, `CMS`. */
  readonly format: string;
  readonly indication: Indication;
  readonly subIndications: readonly SubIndication[];
  readonly sealCodes: readonly SealCode[];
  readonly signer?: CertificateSummary;
  readonly seal?: SealSummary;
  /** ISO 8601 UTC signing time as claimed in the signature (timeInfo / signingTime), if any. */
  readonly signingTime?: string;
  /** The raw text of the claimed signing time, as stored. */
  readonly signingTimeText?: string;
  readonly timeStamp?: { readonly present: boolean; readonly verified: boolean; readonly time?: string };
  readonly coverage: CoverageSummary;
  readonly stamps: readonly StampPosition[];
  readonly checks: readonly CheckResult[];
  /** PDF documents only: field, ByteRange, revision and later-change facts. */
  readonly pdf?: PdfSignatureDetails;
}

export interface VerificationReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /**
   * `ofd`, `pdf`, `seal` (bare SESeal), `signature` (bare SES_Signature, CMS or bare SM2 signature),
   * `unknown` (the input could not be recognised; `error` is set).
   */
  readonly documentType: 'ofd' | 'pdf' | 'seal' | 'signature' | 'unknown';
  /** File name as given (never a full path from a web page). */
  readonly fileName?: string;
  /** Hex SM3 of the whole input. */
  readonly documentSm3: string;
  /** ISO 8601 UTC time at which the verification ran. */
  readonly verifiedAt: string;
  /** Overall: TOTAL_PASSED only when every signature passed and there is at least one. */
  readonly indication: Indication;
  readonly signatures: readonly SignatureReport[];
  /** Document-level findings (e.g. files not covered by any signature). */
  readonly checks: readonly CheckResult[];
  /** Set when the input could not be parsed at all. */
  readonly error?: { readonly code: string; readonly message: string; readonly messageZh: string };
}

/** Combines indications: any FAILED → FAILED; else any INDETERMINATE → INDETERMINATE; else PASSED. */
export function worstIndication(indications: readonly Indication[]): Indication {
  if (indications.includes('TOTAL_FAILED')) return 'TOTAL_FAILED';
  if (indications.includes('INDETERMINATE') || indications.length === 0) return 'INDETERMINATE';
  return 'TOTAL_PASSED';
}
