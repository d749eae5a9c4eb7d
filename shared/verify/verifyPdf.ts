// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PDF verification: every signature field with a value becomes one {@link SignatureReport}, in file
 * order (the order `readPdfSignatures` walks `/AcroForm /Fields`).
 *
 * Per signature: (1) `/ByteRange` sanity (starts at 0, the gap is exactly the `/Contents` string, the
 * second range ends at a `%%EOF`); (2) the `/Contents` told apart by structure — a GB/T 38540
 * `SES_Signature` (v4/v1/v5; `dataHash` must equal SM3 over the two ranges, then the seal module's
 * whole procedure), or a CMS SignedData (GM/T 0010 or PKCS#7; its `messageDigest` must equal the
 * SignerInfo's digest over the ranges, then the CMS module's procedure) — certificate paths through
 * the caller's trust anchors, exactly as for OFD; (3) what later revisions changed
 * (`readPdfSignatures`' classification) against what the signature permits.
 *
 * Design rationale (documents.md §2.1–2.3, pyHanko semantics): the file is parsed once; every
 * signature's state at signing comes from the same reader (`atSection`), so ten signatures cost ten
 * range hashes, not ten parses. Changes allowed after a signature:
 * - a certification signature, and every signature after it, is bound by its DocMDP `/P`:
 *   1 nothing, 2 form filling and new signatures, 3 also annotations;
 * - an approval signature in an uncertified document allows new signatures, form filling and
 *   annotations (reported as warnings, Acrobat's yellow triangle) — anything else (`OTHER`: page
 *   content, resources, deleted objects, catalog entries) fails the signature.
 * A disallowed change is TOTAL_FAILED with SIG_CONSTRAINTS_FAILURE and the seal code
 * DOCUMENT_MODIFIED (the bytes it signed are intact, but the document shown is no longer what was
 * signed). Nothing here throws for bad input: unreadable files throw a coded SealError from
 * `readPdfSignatures`, which `verifyDocument` turns into the report's `error`.
 */
import { isCmsSignedData, verifyCmsSignedData, type CmsVerification } from '../cms/verifyCmsSignedData.js';
import { oidOf, parseDer } from '../cms/der.js';
import { id_sha1, id_sha256, id_sha384, id_sha512, id_sm3 } from '../asn1/oids.js';
import { digest } from '../crypto/webcrypto.js';
import { toSealError } from '../errors/index.js';
import { checkByteRangeBounds, pdfByteRangeDigest, type IncrementalHash } from '../pdf/byteRange.js';
import { readPdfSignatures, type PdfModificationLevel, type PdfSignatureInfo, type PdfSignatureList } from '../pdf/readPdfSignatures.js';
import { detectSesStructure, readTimeStampToken, verifySesSignature, type SealVerifyContext } from '../seal/index.js';
import type { Certificate, Crl } from '../x509/index.js';
import { check, combineVerdicts, failed, indeterminate, PASSED, type Verdict } from './checks.js';
import type { CheckResult, PdfSignatureDetails, SealCode, SignatureReport, StampPosition } from './VerificationReport.js';

export type PdfHashName = 'SM3' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface PdfVerifyContext {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Validation time override (default: each signature's claimed signing time). */
  readonly time?: Date;
  readonly includePictures?: boolean;
  readonly revokedSealIds?: ReadonlySet<string>;
  readonly filedSealIds?: ReadonlySet<string>;
  /**
   * Incremental hash factory (e.g. the agent's `node:crypto`); undefined → built-in: SM3 through
   * `createSm3` (native when registered), SHA through WebCrypto over the joined ranges.
   */
  readonly createHash?: (alg: PdfHashName) => IncrementalHash | undefined;
}

export interface PdfVerification {
  readonly signatures: readonly SignatureReport[];
  readonly checks: readonly CheckResult[];
}

const RANK: Record<PdfModificationLevel, number> = { NONE: 0, SIGNATURES: 1, FORM_FILLING: 2, ANNOTATIONS: 3, OTHER: 4 };
const LEVEL_ZH: Record<PdfModificationLevel, string> = {
  NONE: '无修改',
  SIGNATURES: '仅新增签名',
  FORM_FILLING: '填写表单',
  ANNOTATIONS: '添加或修改注释',
  OTHER: '修改了页面内容或其他对象',
};
const LEVEL_EN: Record<PdfModificationLevel, string> = {
  NONE: 'no changes',
  SIGNATURES: 'new signatures only',
  FORM_FILLING: 'form filling',
  ANNOTATIONS: 'annotations added or changed',
  OTHER: 'page content or other objects changed',
};
const HASH_BY_OID: Readonly<Record<string, PdfHashName>> = {
  [id_sm3]: 'SM3',
  [id_sha1]: 'SHA-1',
  [id_sha256]: 'SHA-256',
  [id_sha384]: 'SHA-384',
  [id_sha512]: 'SHA-512',
};
const MAX_CHANGES_IN_REPORT = 50;

/** Highest level a DocMDP permission allows (approval signatures without DocMDP: up to annotations). */
function allowedLevel(p: 1 | 2 | 3 | undefined): PdfModificationLevel {
  if (p === 1) return 'NONE';
  if (p === 2) return 'FORM_FILLING';
  return 'ANNOTATIONS';
}

/** Digest over the two ranges, streamed when a hasher is available. */
export async function byteRangeDigest(bytes: Uint8Array, br: readonly number[], alg: PdfHashName, ctx: Pick<PdfVerifyContext, 'createHash'> = {}): Promise<Uint8Array> {
  checkByteRangeBounds(br, bytes.length);
  const h = ctx.createHash?.(alg);
  if (h !== undefined) return pdfByteRangeDigest(bytes, br, alg === 'SM3' ? 'SM3' : 'SHA-256', { hasher: h });
  if (alg === 'SM3') return pdfByteRangeDigest(bytes, br, 'SM3');
  // WebCrypto has no incremental digest: one joined copy is still far faster than pure-JS SHA.
  const [a, b, c, d] = br as [number, number, number, number];
  const joined = new Uint8Array(b + d);
  joined.set(bytes.subarray(a, a + b), 0);
  joined.set(bytes.subarray(c, c + d), b);
  return digest(alg, joined);
}

/** A hash whose state can be forked: `clone()` (noble, our wrappers) or `copy()` (a bare node:crypto Hash). */
type ForkableHash = IncrementalHash & ({ clone(): IncrementalHash } | { copy(): IncrementalHash });

function isForkable(h: IncrementalHash | undefined): h is ForkableHash {
  if (h === undefined) return false;
  const f = h as { clone?: unknown; copy?: unknown };
  return typeof f.clone === 'function' || typeof f.copy === 'function';
}

function fork(h: ForkableHash): IncrementalHash {
  return 'clone' in h ? h.clone() : h.copy();
}

const CHUNK = 1024 * 1024;

function feed(h: IncrementalHash, bytes: Uint8Array, from: number, to: number): void {
  for (let p = from; p < to; p += CHUNK) h.update(bytes.subarray(p, Math.min(to, p + CHUNK)));
}

/**
 * Range digests for all signatures, computed up front. Every sane first range starts at 0, so with a
 * forkable hasher the common prefix is hashed once: walk the first ranges in order of their ends,
 * fork the running state at each end and finish the fork with that signature's short second range.
 * Ten signatures over a 100 MB file then cost about one pass per algorithm instead of ten.
 */
class RangeDigests {
  private readonly done = new Map<PdfSignatureInfo, { alg: PdfHashName; value: Uint8Array }>();
  constructor(
    private readonly bytes: Uint8Array,
    private readonly ctx: PdfVerifyContext,
  ) {}

  precompute(plan: readonly { info: PdfSignatureInfo; alg?: PdfHashName }[]): void {
    const byAlg = new Map<PdfHashName, PdfSignatureInfo[]>();
    for (const { info, alg } of plan) {
      const br = info.byteRange;
      if (alg === undefined || br === undefined || br[0] !== 0 || !inFile(br, this.bytes.length)) continue;
      byAlg.set(alg, [...(byAlg.get(alg) ?? []), info]);
    }
    for (const [alg, infos] of byAlg) {
      if (infos.length < 2) continue;
      const running = this.ctx.createHash?.(alg);
      if (!isForkable(running)) continue;
      infos.sort((x, y) => (x.byteRange?.[1] ?? 0) - (y.byteRange?.[1] ?? 0));
      let pos = 0;
      for (const info of infos) {
        const [, b, c, d] = info.byteRange as [number, number, number, number];
        feed(running, this.bytes, pos, b);
        pos = b;
        const branch = fork(running);
        feed(branch, this.bytes, c, c + d);
        this.done.set(info, { alg, value: Uint8Array.from(branch.digest()) });
      }
    }
  }

  async get(info: PdfSignatureInfo, alg: PdfHashName): Promise<Uint8Array> {
    const hit = this.done.get(info);
    if (hit !== undefined && hit.alg === alg) return hit.value;
    return byteRangeDigest(this.bytes, info.byteRange ?? [], alg, this.ctx);
  }
}

function inFile(br: readonly number[], length: number): boolean {
  try {
    checkByteRangeBounds(br, length);
    return true;
  } catch {
    return false;
  }
}

/** The digest algorithm a signature's /Contents calls for, by structure (SES → SM3; CMS → its SignerInfo). */
function plannedAlgorithm(der: Uint8Array | undefined, structure: string, subFilter: string | undefined): PdfHashName | undefined {
  if (der === undefined) return undefined;
  if (structure.startsWith('signature-')) return 'SM3';
  if (subFilter === 'ETSI.RFC3161') {
    const oid = readTimeStampToken(der).imprintAlgorithm;
    return oid === undefined ? undefined : HASH_BY_OID[oid];
  }
  if (structure === 'cms') {
    const oid = cmsDigestOid(der);
    return oid === undefined ? undefined : HASH_BY_OID[oid];
  }
  return undefined;
}

/** The first SignerInfo's digest algorithm OID, read without verifying anything. */
function cmsDigestOid(der: Uint8Array): string | undefined {
  try {
    const root = parseDer(der, true);
    const sd = root.children[1]?.children[0];
    const signerInfos = sd?.children.slice(3).find((n) => n.tag === 0x31);
    return oidOf(signerInfos?.children[0]?.children[2]?.children[0]);
  } catch {
    return undefined;
  }
}

function stampOf(info: PdfSignatureInfo): StampPosition[] {
  const r = info.rect;
  if (info.page === undefined || r === undefined || r.length !== 4) return [];
  const [x1, y1, x2, y2] = r as [number, number, number, number];
  const x = Math.min(x1, x2);
  const y = Math.min(y1, y2);
  const w = Math.abs(x2 - x1);
  const h = Math.abs(y2 - y1);
  if (!(w > 0 && h > 0) || ![x, y, w, h].every(Number.isFinite)) return [];
  return [{ page: String(info.page), box: [x, y, w, h], unit: 'pt' }];
}

interface Crypto {
  kind: 'seal' | 'digital';
  format: string;
  verdict: Verdict;
  sealCodes: SealCode[];
  checks: CheckResult[];
  digestAlgorithm?: string;
  report: Partial<Pick<SignatureReport, 'signer' | 'seal' | 'signingTime' | 'signingTimeText' | 'timeStamp'>>;
}

async function verifySes(digests: RangeDigests, info: PdfSignatureInfo, der: Uint8Array, structure: string, rangeOk: boolean, ctx: PdfVerifyContext): Promise<Crypto> {
  const format = `SES_Signature ${structure.replace('signature-', '')}`;
  const checks: CheckResult[] = [];
  let documentHash: Uint8Array | undefined;
  if (rangeOk && info.byteRange !== undefined) documentHash = await digests.get(info, 'SM3');
  const sesCtx: SealVerifyContext = {
    trustAnchors: ctx.trustAnchors,
    intermediates: ctx.intermediates ?? [],
    crls: ctx.crls ?? [],
    ...(documentHash === undefined ? {} : { documentHash }),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
    includePictures: ctx.includePictures ?? true,
    ...(ctx.revokedSealIds === undefined ? {} : { revokedSealIds: ctx.revokedSealIds }),
    ...(ctx.filedSealIds === undefined ? {} : { filedSealIds: ctx.filedSealIds }),
  };
  try {
    const r = await verifySesSignature(der, sesCtx);
    checks.push(...r.checks);
    // The PDF convention names the field in propertyInfo (ASCII only in GB/T 38540, so a non-ASCII
    // name may be percent-encoded); vendors differ, so a mismatch only warns.
    const named = r.propertyInfo === info.fieldName || r.propertyInfo === encodeURIComponent(info.fieldName);
    checks.push(
      named
        ? check('pdf.property-info', 'passed', `签章属性信息指向本签名域（${info.fieldName}）`, `propertyInfo names this signature field (${info.fieldName})`)
        : check('pdf.property-info', 'warning', `签章属性信息未包含本签名域名称（${info.fieldName}）`, `propertyInfo does not name this signature field (${info.fieldName})`, { propertyInfo: r.propertyInfo.slice(0, 200) }),
    );
    return {
      kind: 'seal',
      format,
      verdict: { indication: r.indication, subIndications: r.subIndications },
      sealCodes: [...r.sealCodes],
      checks,
      digestAlgorithm: 'SM3',
      report: {
        ...(r.signer === undefined ? {} : { signer: r.signer }),
        seal: r.seal,
        ...(r.signingTime === undefined ? {} : { signingTime: r.signingTime }),
        ...(r.signingTimeText === undefined ? {} : { signingTimeText: r.signingTimeText }),
        ...(r.timeStamp === undefined ? {} : { timeStamp: r.timeStamp }),
      },
    };
  } catch (err) {
    const e = toSealError(err);
    checks.push(check('signature.structure', 'failed', `电子签章数据无法解析：${e.messageZh}`, `The SES_Signature cannot be parsed: ${e.message}`, { code: e.code }));
    return { kind: 'seal', format, verdict: failed('FORMAT_FAILURE'), sealCodes: [], checks, report: {} };
  }
}

/** A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, trailing parts optional) as a Date; undefined when unreadable. */
export function parsePdfDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(\d{2})?'?)?)?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = (i: number, d: number) => (m[i] === undefined ? d : Number(m[i]));
  const utc = Date.UTC(n(1, 0), n(2, 1) - 1, n(3, 1), n(4, 0), n(5, 0), n(6, 0));
  const sign = m[7] === '+' ? 1 : m[7] === '-' ? -1 : 0;
  const t = utc - sign * (n(8, 0) * 60 + n(9, 0)) * 60_000;
  return Number.isFinite(t) && n(2, 1) <= 12 && n(3, 1) <= 31 && n(4, 0) <= 23 && n(5, 0) <= 59 && n(6, 0) <= 59 ? new Date(t) : undefined;
}

async function verifyCms(digests: RangeDigests, info: PdfSignatureInfo, der: Uint8Array, rangeOk: boolean, ctx: PdfVerifyContext): Promise<Crypto> {
  const oid = cmsDigestOid(der);
  const alg = oid === undefined ? undefined : HASH_BY_OID[oid];
  let contentHash: Uint8Array | undefined;
  if (rangeOk && alg !== undefined && info.byteRange !== undefined) contentHash = await digests.get(info, alg);
  const run = (time: Date | undefined) =>
    verifyCmsSignedData(der, {
      ...(contentHash === undefined ? {} : { contentHash }),
      trustAnchors: ctx.trustAnchors,
      intermediates: ctx.intermediates ?? [],
      crls: ctx.crls ?? [],
      ...(time === undefined ? {} : { time }),
    });
  let r: CmsVerification = await run(ctx.time);
  // PAdES forbids the signingTime attribute: the claimed time is then /M, and the chain is judged
  // at that time (as for every other signature), not at "now".
  const claimed = parsePdfDate(info.signingTime);
  const fromM = ctx.time === undefined && r.signingTime === undefined && claimed !== undefined;
  if (fromM) r = await run(claimed);
  const sealCodes: SealCode[] = r.subIndications.includes('HASH_FAILURE') ? ['DOCUMENT_MODIFIED'] : [];
  return {
    kind: 'digital',
    format: r.format,
    verdict: { indication: r.indication, subIndications: r.subIndications },
    sealCodes,
    checks: [...r.checks],
    ...(alg === undefined ? {} : { digestAlgorithm: alg }),
    report: {
      ...(r.signer === undefined ? {} : { signer: r.signer }),
      ...(r.signingTime === undefined ? (fromM ? { signingTime: claimed.toISOString() } : {}) : { signingTime: r.signingTime }),
      ...(r.signingTimeText === undefined ? {} : { signingTimeText: r.signingTimeText }),
    },
  };
}

/**
 * An RFC 3161 document time-stamp (`/SubFilter /ETSI.RFC3161`, PAdES): `/Contents` is a
 * TimeStampToken whose message imprint must equal the digest of the ranges; the token's own CMS
 * (messageDigest over TSTInfo, the TSA's signature and certificate path at genTime) is checked by
 * the CMS module.
 */
async function verifyDocTimeStamp(digests: RangeDigests, info: PdfSignatureInfo, der: Uint8Array, rangeOk: boolean, ctx: PdfVerifyContext): Promise<Crypto> {
  const ts = readTimeStampToken(der);
  const alg = ts.imprintAlgorithm === undefined ? undefined : HASH_BY_OID[ts.imprintAlgorithm];
  const r = await verifyCmsSignedData(der, {
    trustAnchors: ctx.trustAnchors,
    intermediates: ctx.intermediates ?? [],
    crls: ctx.crls ?? [],
    ...(ctx.time !== undefined ? { time: ctx.time } : ts.genTime === undefined ? {} : { time: ts.genTime }),
  });
  const checks: CheckResult[] = [...r.checks];
  const verdicts: Verdict[] = [{ indication: r.indication, subIndications: r.subIndications }];
  const sealCodes: SealCode[] = [];
  if (ts.imprint === undefined) {
    checks.push(check('pdf.doc-time-stamp', 'failed', '文档时间戳（TSTInfo）无法解析', 'The document time-stamp (TSTInfo) cannot be parsed'));
    verdicts.push(failed('FORMAT_FAILURE'));
  } else if (alg === undefined) {
    checks.push(check('pdf.doc-time-stamp', 'failed', `不支持的消息印记算法 ${ts.imprintAlgorithm ?? ''}`, `Unsupported message imprint algorithm ${ts.imprintAlgorithm ?? ''}`));
    verdicts.push(indeterminate('CRYPTO_CONSTRAINTS_FAILURE'));
  } else if (rangeOk) {
    const actual = await digests.get(info, alg);
    const ok = actual.length === ts.imprint.length && actual.every((b, i) => b === ts.imprint?.[i]);
    const details = { algorithm: alg, ...(ts.genTime === undefined ? {} : { genTime: ts.genTime.toISOString() }) };
    if (ok) checks.push(check('pdf.doc-time-stamp', 'passed', `文档时间戳的消息印记与签名范围一致（${ts.genTime?.toISOString() ?? ''}）`, `The document time-stamp imprint matches the signed ranges (${ts.genTime?.toISOString() ?? ''})`, details));
    else {
      checks.push(check('pdf.doc-time-stamp', 'failed', '文档时间戳的消息印记与签名范围不一致，文档已被修改', 'The document time-stamp imprint does not match the signed ranges; the document was modified', details));
      verdicts.push(failed('HASH_FAILURE'));
      sealCodes.push('DOCUMENT_MODIFIED');
    }
  }
  const v = combineVerdicts(verdicts);
  return {
    kind: 'digital',
    format: 'RFC 3161 document time-stamp',
    verdict: v,
    sealCodes,
    checks,
    ...(alg === undefined ? {} : { digestAlgorithm: alg }),
    report: {
      ...(r.signer === undefined ? {} : { signer: r.signer }),
      ...(ts.genTime === undefined ? {} : { signingTime: ts.genTime.toISOString(), timeStamp: { present: true, verified: v.indication !== 'TOTAL_FAILED' && checks.some((c) => c.id === 'pdf.doc-time-stamp' && c.status === 'passed'), time: ts.genTime.toISOString() } }),
    },
  };
}

/** The DocMDP permission governing changes after `info` (its own, or an earlier certification's). */
function effectiveDocMdp(info: PdfSignatureInfo, list: PdfSignatureList): { p?: 1 | 2 | 3; from?: string } {
  const own = info.docMdpPermission ?? (info.certification ? list.certification?.permission : undefined);
  if (own !== undefined) return { p: own, from: info.fieldName };
  for (const s of list.signatures) {
    if (s === info) continue;
    const p = s.docMdpPermission ?? (s.certification ? list.certification?.permission : undefined);
    if (p === undefined) continue;
    if (s.revision !== undefined && info.revision !== undefined && s.revision <= info.revision) return { p, from: s.fieldName };
  }
  return {};
}

async function verifyOne(bytes: Uint8Array, info: PdfSignatureInfo, structure: string, digests: RangeDigests, list: PdfSignatureList, ctx: PdfVerifyContext): Promise<SignatureReport> {
  const checks: CheckResult[] = [];
  const verdicts: Verdict[] = [];
  const sealCodes: SealCode[] = [];
  const addCodes = (codes: readonly SealCode[]) => {
    for (const c of codes) if (!sealCodes.includes(c)) sealCodes.push(c);
  };

  // 1. ByteRange.
  const brc = info.byteRangeCheck;
  const rangeInFile = info.byteRange !== undefined && inFile(info.byteRange, bytes.length);
  const brDetails = {
    byteRange: info.byteRange?.join(' ') ?? '',
    coversWholeFile: brc.coversWholeFile,
    ...(info.revision === undefined ? {} : { revision: info.revision }),
  };
  if (brc.ok) {
    checks.push(check('pdf.byte-range', 'passed', '签名范围（ByteRange）正确：覆盖整个修订版，仅留出签名值', 'The /ByteRange covers the whole revision except /Contents', brDetails));
  } else {
    const why = brc.problems.join('; ').slice(0, 400);
    checks.push(check('pdf.byte-range', 'failed', `签名范围（ByteRange）不正确：${why}`, `The /ByteRange is not sane: ${why}`, brDetails));
    verdicts.push(failed('FORMAT_FAILURE'));
  }

  // 2. The signature by structure.
  const der = info.cms;
  let crypto: Crypto;
  if (der !== undefined && (structure === 'signature-v4' || structure === 'signature-v1' || structure === 'signature-v5')) {
    crypto = await verifySes(digests, info, der, structure, rangeInFile, ctx);
  } else if (der !== undefined && info.subFilter === 'ETSI.RFC3161' && (structure === 'cms' || isCmsSignedData(der))) {
    crypto = await verifyDocTimeStamp(digests, info, der, rangeInFile, ctx);
  } else if (der !== undefined && (structure === 'cms' || isCmsSignedData(der))) {
    crypto = await verifyCms(digests, info, der, rangeInFile, ctx);
  } else {
    crypto = {
      kind: 'digital',
      format: 'unknown',
      verdict: failed('FORMAT_FAILURE'),
      sealCodes: [],
      checks: [
        check('signature.structure', 'failed', '签名值（/Contents）既不是电子签章（SES_Signature）也不是 CMS 签名', '/Contents is neither an SES_Signature nor a CMS SignedData', {
          contentsBytes: info.contents.length,
          detected: structure,
        }),
      ],
      report: {},
    };
  }
  checks.push(...crypto.checks);
  verdicts.push(crypto.verdict);
  addCodes(crypto.sealCodes);
  if (!rangeInFile) {
    checks.push(check('pdf.digest', 'failed', '签名范围越出文件，无法计算摘要', 'The byte ranges leave the file; no digest computed'));
    verdicts.push(failed('FORMAT_FAILURE'));
  }

  // 3. Later changes against what the signature permits.
  const level = info.modificationLevel;
  const mdp = effectiveDocMdp(info, list);
  // PAdES LTA updates (document time-stamps, /DSS) are allowed whatever the DocMDP level (pyHanko).
  const ltaOnly = level === 'SIGNATURES' && info.timeStampsOnly;
  const allowed = RANK[level] <= RANK[allowedLevel(mdp.p)] || ltaOnly;
  const modDetails = {
    level,
    laterRevisions: info.laterSections,
    ...(mdp.p === undefined ? {} : { docMdpPermission: mdp.p }),
    changedObjects: info.changes.length,
  };
  if (level === 'NONE') {
    checks.push(check('pdf.modifications', 'passed', info.laterSections === 0 ? '签名覆盖整个文件，签章后文档未被修改' : '签章后的修订版没有改变文档内容', info.laterSections === 0 ? 'The signature covers the whole file; no change after signing' : 'Later revisions do not change the document', modDetails));
  } else if (allowed) {
    const status = level === 'SIGNATURES' ? 'passed' : 'warning';
    checks.push(check('pdf.modifications', status, `签章后有允许的修改：${LEVEL_ZH[level]}`, `Allowed changes after signing: ${LEVEL_EN[level]}`, modDetails));
  } else {
    const first = info.changes.find((c) => c.level === level);
    const at = first === undefined ? '' : `（对象 ${first.objectNumber}：${first.note}）`;
    const atEn = first === undefined ? '' : ` (object ${first.objectNumber}: ${first.note})`;
    checks.push(
      mdp.p === undefined
        ? check('pdf.modifications', 'failed', `签章后文档被修改：${LEVEL_ZH[level]}${at}`, `The document was changed after signing: ${LEVEL_EN[level]}${atEn}`, modDetails)
        : check('pdf.docmdp', 'failed', `违反认证签名（${mdp.from ?? ''}）的修改许可 P=${mdp.p}：${LEVEL_ZH[level]}${at}`, `Changes violate the certification (${mdp.from ?? ''}) permission P=${mdp.p}: ${LEVEL_EN[level]}${atEn}`, modDetails),
    );
    verdicts.push(failed('SIG_CONSTRAINTS_FAILURE'));
    addCodes(['DOCUMENT_MODIFIED']);
  }
  if (mdp.p !== undefined && allowed) {
    checks.push(check('pdf.docmdp', 'passed', `后续修改在认证签名（${mdp.from ?? ''}）许可范围内（P=${mdp.p}）`, `Later changes are within the certification (${mdp.from ?? ''}) permission P=${mdp.p}`, modDetails));
  }

  const v = combineVerdicts(verdicts.length === 0 ? [PASSED] : verdicts);
  const a = info.byteRange;
  const covered = a !== undefined && a.length === 4 ? [`bytes ${a[0]}-${(a[0] ?? 0) + (a[1] ?? 0)}`, `bytes ${a[2]}-${(a[2] ?? 0) + (a[3] ?? 0)}`] : [];
  const signedEnd = brc.signedEnd;
  const notCovered = signedEnd !== undefined && signedEnd < bytes.length ? [`bytes ${signedEnd}-${bytes.length}`] : [];
  const pdf: PdfSignatureDetails = {
    fieldName: info.fieldName,
    ...(info.filter === undefined ? {} : { filter: info.filter }),
    ...(info.subFilter === undefined ? {} : { subFilter: info.subFilter }),
    ...(info.byteRange === undefined ? {} : { byteRange: info.byteRange }),
    byteRangeOk: brc.ok,
    coverage: !brc.ok ? 'UNCLEAR' : brc.coversWholeFile ? 'ENTIRE_FILE' : 'ENTIRE_REVISION',
    ...(info.revision === undefined ? {} : { revision: info.revision }),
    laterRevisions: info.laterSections,
    ...(crypto.digestAlgorithm === undefined ? {} : { digestAlgorithm: crypto.digestAlgorithm }),
    modificationLevel: level,
    certification: info.certification || info.docMdpPermission !== undefined,
    ...(mdp.p === undefined ? {} : { docMdpPermission: mdp.p }),
    modificationsAllowed: allowed,
    changes: info.changes.filter((c) => c.level !== 'NONE').slice(0, MAX_CHANGES_IN_REPORT).map((c) => ({ objectNumber: c.objectNumber, level: c.level, note: c.note })),
    ...(info.reason === undefined ? {} : { reason: info.reason }),
    ...(info.location === undefined ? {} : { location: info.location }),
  };
  const signingTimeText = crypto.report.signingTimeText ?? info.signingTime;
  return {
    id: info.fieldName,
    kind: crypto.kind,
    format: crypto.format,
    indication: v.indication,
    subIndications: v.subIndications,
    sealCodes,
    ...(crypto.report.signer === undefined ? {} : { signer: crypto.report.signer }),
    ...(crypto.report.seal === undefined ? {} : { seal: crypto.report.seal }),
    ...(crypto.report.signingTime === undefined ? {} : { signingTime: crypto.report.signingTime }),
    ...(signingTimeText === undefined ? {} : { signingTimeText }),
    ...(crypto.report.timeStamp === undefined ? {} : { timeStamp: crypto.report.timeStamp }),
    coverage: { covered, notCovered, modifiedAfterSigning: !allowed || v.subIndications.includes('HASH_FAILURE') },
    stamps: stampOf(info),
    checks,
    pdf,
  };
}

/**
 * Verifies every signature of a PDF. Signature problems are reported inside; an unreadable file
 * throws a coded SealError (ERR_PDF_MALFORMED, ERR_PDF_ENCRYPTED).
 */
export async function verifyPdf(bytes: Uint8Array, ctx: PdfVerifyContext): Promise<PdfVerification> {
  const list = readPdfSignatures(bytes);
  const signatures: SignatureReport[] = [];
  const plan = list.signatures.map((info) => {
    const structure = info.cms === undefined ? 'unknown' : detectSesStructure(info.cms);
    const alg = plannedAlgorithm(info.cms, structure, info.subFilter);
    return { info, structure, ...(alg === undefined ? {} : { alg }) };
  });
  const digests = new RangeDigests(bytes, ctx);
  digests.precompute(plan);
  for (const p of plan) signatures.push(await verifyOne(bytes, p.info, p.structure, digests, list, ctx));
  const checks: CheckResult[] = [];
  const revisions = list.revisionEnds.length;
  if (list.certification !== undefined) {
    const p = list.certification.permission;
    checks.push(check('pdf.certification', 'passed', `文档已认证（DocMDP P=${p}）`, `The document is certified (DocMDP P=${p})`, { permission: p }));
  }
  if (list.signatures.length > 0 && !list.signatures.some((s) => s.byteRangeCheck.ok && s.byteRangeCheck.coversWholeFile)) {
    const last = Math.max(...list.signatures.map((s) => s.revision ?? -1));
    checks.push(
      check('document.coverage', 'warning', '文件末尾有未被任何签名覆盖的修订版', 'The last revision(s) of the file are covered by no signature', {
        revisions,
        lastSignedRevision: last,
      }),
    );
  }
  return { signatures, checks };
}
