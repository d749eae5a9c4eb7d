// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Verification of electronic signatures (SES_Signature) and bare seals (SESeal), following
 * seal-formats.md §2.2 (GB/T 38540 verification items, in Chingliu's order) with the additions the
 * spec asks for (certificate paths, time-stamp presence, seal registers).
 *
 * Steps (check ids in brackets):
 * 1. parse, structural version detection [`signature.format`] — unreadable input throws a SealError;
 * 2. signature value over the stored TBS_Sign bytes with the signer certificate (v4:
 *    SES_Signature.cert; v1: TBS_Sign.cert); DER or raw 64-byte SM2 values [`signature.value`];
 * 3. signer certificate in the seal's certList: byte-equal (certListType 1) or digest match trying
 *    SM3, SHA-256, SHA-1 (certListType 2) [`signature.signer-in-seal`];
 * 4a. maker signature: v4/v5 over the stored SES_SealInfo, then the other convention; v1 over
 *    SEQUENCE{sealInfo, cert, alg} re-assembled from stored bytes, then sealInfo alone
 *    [`seal.maker-signature`];
 * 4b. maker certificate path at the seal's createDate (when the maker signed; real seals outlive
 *    their maker certificates, e.g. the Yunnan sample), or — when the certificate was outside its
 *    validity at createDate (back-dated createDate, e.g. GOMAIN Jiangsu) — at the reference time
 *    [`seal.maker-certificate`, details.evaluatedAt];
 * 4c. seal validity period against the reference time [`seal.validity`]; registers
 *    [`seal.revocation`, `seal.filing`];
 * 5. signer certificate path at the reference time [`signature.signer-certificate`];
 * 6. time-stamp: parsed when present, never claimed verified [`signature.time-stamp`];
 * 7. dataHash against ctx.documentHash when given [`signature.data-hash`].
 *
 * The reference time is `ctx.time`, else the signature's claimed signing time (timeInfo), else the
 * current time with a warning.
 *
 * Indication rules (ETSI EN 319 102-1 terms; also in docs/seals.md):
 * - TOTAL_FAILED: bad signature value or maker signature (SIG_CRYPTO_FAILURE, + SEAL_MAKER_SIGNATURE_FAILURE);
 *   dataHash ≠ document hash (HASH_FAILURE + DOCUMENT_MODIFIED); signer not in the seal
 *   (SIG_CONSTRAINTS_FAILURE + SEAL_SIGNER_NOT_IN_SEAL); a certificate REVOKED (REVOKED); seal outside
 *   its validity at the reference time (EXPIRED + SEAL_EXPIRED / NOT_YET_VALID + SEAL_NOT_YET_VALID);
 *   signer certificate expired / not yet valid at the reference time, or maker certificate at
 *   createDate (EXPIRED / NOT_YET_VALID); broken certificate path (CERTIFICATE_CHAIN_GENERAL_FAILURE);
 *   unreadable certificate or signature value (FORMAT_FAILURE); seal in the revocation register
 *   (REVOKED + SEAL_REVOKED).
 * - INDETERMINATE: no trust anchors or no path to one (NO_CERTIFICATE_CHAIN_FOUND; maker: +
 *   SEAL_MAKER_CERT_UNTRUSTED when untrusted); seal not in the filing register (POLICY_PROCESSING_ERROR +
 *   SEAL_NOT_FILED); v1 certList of certificate ids that cannot be matched (SIG_CONSTRAINTS_FAILURE).
 * - TOTAL_PASSED otherwise. The worst indication wins; its sub-indications are reported.
 * Never throws for a bad signature.
 */
import { SealError } from '../errors/index.js';
import { id_sha1, id_sha256, id_sm2_1, id_sm2_with_sm3, id_sm3 } from '../asn1/oids.js';
import { parseDer, readTime, isUniversal, isContext, Tag, readOid, readOctetString, readSequence, type Asn1Element } from '../asn1/index.js';
import { sm2Verify } from '../crypto/sm2.js';
import { parseCertificate, verifySignatureByOid, type Certificate, type Crl } from '../x509/index.js';
import { evaluateChain } from '../verify/chain.js';
import { verifyCmsSignedData } from '../cms/verifyCmsSignedData.js';
import { check, combineVerdicts, failed, indeterminate, PASSED, type Verdict } from '../verify/checks.js';
import type { CertificateSummary, CheckResult, Indication, SealCode, SealSummary, SubIndication } from '../verify/VerificationReport.js';
import { certDigest, equalBytesCt, matchCertDigest, type CertDigestAlgorithm } from './certDigest.js';
import { detectSesStructure, type SesStructure } from './detectSesStructure.js';
import { decodeSESeal, type DecodedSESeal } from './SESeal.js';
import { decodeSES_Signature } from './SES_Signature.js';
import { summarizeSeal } from './sealSummary.js';
import { signatureValueForm, sm2SignatureValueToDer } from './signatureValue.js';

export interface SealVerifyContext {
  /** Trusted roots; empty → certificate paths are UNKNOWN and the result at best INDETERMINATE. */
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Hash of the original (OFD: SM3 of Signature.xml); compared with dataHash when given. */
  readonly documentHash?: Uint8Array;
  /** Reference time; default: the signature's signing time (bare seals: now). */
  readonly time?: Date;
  /** Include the seal picture as Base64 in the summary. */
  readonly includePictures?: boolean;
  /** esIDs of revoked seals (register); checked when given. */
  readonly revokedSealIds?: ReadonlySet<string>;
  /** esIDs of filed (备案) seals (register); checked when given. */
  readonly filedSealIds?: ReadonlySet<string>;
}

export interface TimeStampInfo {
  readonly present: boolean;
  readonly verified: boolean;
  readonly time?: string;
}

export interface SesVerification {
  readonly structure: SesStructure;
  readonly indication: Indication;
  readonly subIndications: readonly SubIndication[];
  readonly sealCodes: readonly SealCode[];
  readonly signer?: CertificateSummary;
  readonly seal: SealSummary;
  /** ISO 8601 UTC claimed signing time. */
  readonly signingTime?: string;
  /** The stored text of the signing time. */
  readonly signingTimeText?: string;
  readonly timeStamp?: TimeStampInfo;
  readonly checks: readonly CheckResult[];
  readonly dataHash: Uint8Array;
  readonly propertyInfo: string;
  /** The embedded seal's original bytes. */
  readonly sealDer: Uint8Array;
}

export interface SealOnlyVerification {
  readonly structure: SesStructure;
  readonly indication: Indication;
  readonly subIndications: readonly SubIndication[];
  readonly sealCodes: readonly SealCode[];
  readonly seal: SealSummary;
  readonly checks: readonly CheckResult[];
  readonly sealDer: Uint8Array;
}

/** Collects checks, verdicts and seal codes while the procedure runs. */
class Collector {
  readonly checks: CheckResult[] = [];
  readonly verdicts: Verdict[] = [];
  readonly sealCodes: SealCode[] = [];

  add(c: CheckResult, verdict: Verdict = PASSED, ...codes: SealCode[]): void {
    this.checks.push(c);
    this.verdicts.push(verdict);
    for (const code of codes) if (!this.sealCodes.includes(code)) this.sealCodes.push(code);
  }

  result(): { indication: Indication; subIndications: readonly SubIndication[]; sealCodes: readonly SealCode[]; checks: readonly CheckResult[] } {
    const v = combineVerdicts(this.verdicts);
    return { indication: v.indication, subIndications: v.subIndications, sealCodes: this.sealCodes, checks: this.checks };
  }
}

function tryParseCertificate(der: Uint8Array): Certificate | SealError {
  try {
    return parseCertificate(der);
  } catch (e) {
    return e instanceof SealError ? e : new SealError('ERR_X509_MALFORMED', { reason: e instanceof Error ? e.message : String(e) });
  }
}

interface ValueCheck {
  readonly ok: boolean;
  readonly form: string;
  readonly error?: string;
}

/** Verifies a stored signature value; never throws. SM2 keys: GM/T 0009 with the default user ID. */
async function verifyValue(cert: Certificate, algorithm: string, data: Uint8Array, value: Uint8Array): Promise<ValueCheck> {
  try {
    if (cert.publicKey.algorithm === 'SM2') {
      const form = signatureValueForm(value);
      if (form === 'unknown') return { ok: false, form, error: `${value.length}-byte value is neither DER nor raw r||s` };
      const point = cert.publicKey.point;
      if (point === undefined) return { ok: false, form, error: 'certificate has no SM2 public point' };
      return { ok: sm2Verify(point, data, sm2SignatureValueToDer(value)), form };
    }
    return { ok: await verifySignatureByOid(cert.publicKey, algorithm, data, value), form: 'der' };
  } catch (e) {
    return { ok: false, form: 'unknown', error: e instanceof Error ? e.message.slice(0, 200) : String(e) };
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const ROLE = {
  maker: { zh: '制章人', en: 'seal maker' },
  signer: { zh: '签章人', en: 'signer' },
} as const;

/**
 * Certificate path → check + verdict: the shared mapping of shared/verify/chain.ts (so seal, CMS and
 * bare signatures read the same in one report), plus the seal code for an untrusted or invalid maker.
 */
async function evaluatePath(
  c: Collector,
  id: string,
  cert: Certificate,
  ctx: SealVerifyContext,
  time: Date,
  role: keyof typeof ROLE,
): Promise<CertificateSummary> {
  const r = ROLE[role];
  const outcome = await evaluateChain(id, cert, ctx, time, r.zh, r.en);
  const untrustedMaker = role === 'maker' && (outcome.summary.status === 'UNTRUSTED' || outcome.summary.status === 'INVALID');
  c.add(outcome.check, outcome.verdict, ...(untrustedMaker ? (['SEAL_MAKER_CERT_UNTRUSTED'] as SealCode[]) : []));
  return outcome.summary;
}

interface SealChecksOutcome {
  readonly summary: SealSummary;
}

/** Steps 4a–4c (maker signature, maker certificate, seal validity, registers). */
async function checkSeal(c: Collector, seal: DecodedSESeal, ctx: SealVerifyContext, refTime: Date): Promise<SealChecksOutcome> {
  // 4a. maker signature
  const makerCert = tryParseCertificate(seal.cert);
  let maker: CertificateSummary | undefined;
  let convention: 'sealInfo' | 'sealInfo+cert+alg' | undefined;
  if (makerCert instanceof SealError) {
    c.add(
      check('seal.maker-signature', 'failed', `制章人证书无法解析：${makerCert.messageZh}`, `The seal maker certificate cannot be parsed: ${makerCert.message}`),
      failed('FORMAT_FAILURE'),
      'SEAL_MAKER_SIGNATURE_FAILURE',
    );
  } else {
    const candidates: ['sealInfo' | 'sealInfo+cert+alg', Uint8Array][] =
      seal.format === 'v1'
        ? [['sealInfo+cert+alg', seal.raw.sealInfoCertAlg], ['sealInfo', seal.raw.sealInfo]]
        : [['sealInfo', seal.raw.sealInfo], ['sealInfo+cert+alg', seal.raw.sealInfoCertAlg]];
    let form = 'unknown';
    let error: string | undefined;
    for (const [name, data] of candidates) {
      const v = await verifyValue(makerCert, seal.signAlgID, data, seal.signedValue);
      form = v.form;
      error = v.error;
      if (v.ok) {
        convention = name;
        break;
      }
    }
    const standard = seal.format === 'v1' ? 'sealInfo+cert+alg' : 'sealInfo';
    const details = { convention: convention ?? 'none', standardConvention: standard, signatureForm: form, algorithm: seal.signAlgID };
    if (convention === undefined) {
      c.add(
        check('seal.maker-signature', 'failed', '印章制章人签名验证失败', `The seal maker signature does not verify${error === undefined ? '' : ` (${error})`}`, details),
        failed('SIG_CRYPTO_FAILURE'),
        'SEAL_MAKER_SIGNATURE_FAILURE',
      );
    } else if (convention === standard) {
      const zh = convention === 'sealInfo' ? '对 SES_SealInfo' : '对 SEQUENCE{印章信息, 制章人证书, 签名算法}';
      c.add(check('seal.maker-signature', 'passed', `印章制章人签名有效（${zh}）`, `The seal maker signature verifies over ${convention === 'sealInfo' ? 'SES_SealInfo' : 'SEQUENCE{sealInfo, cert, signatureAlgorithm}'}`, details));
    } else {
      c.add(
        check(
          'seal.maker-signature',
          'warning',
          `印章制章人签名有效，但签名原文不符合 ${seal.format} 标准约定（实际：${convention}）`,
          `The seal maker signature verifies, but over ${convention}, not the ${seal.format} convention ${standard}`,
          details,
        ),
      );
    }
    // 4b. maker certificate path at the seal's creation time; when the certificate was not within
    // its validity then (expired, or issued after a back-dated createDate, as in the GOMAIN Jiangsu
    // sample), at the reference time instead — the maker must have signed while one of the two held.
    const createDate = seal.eSealInfo.property.createDate;
    const atCreate = new Collector();
    maker = await evaluatePath(atCreate, 'seal.maker-certificate', makerCert, ctx, createDate, 'maker');
    let chosen = atCreate;
    let evaluatedAt = 'createDate';
    if ((maker.status === 'EXPIRED' || maker.status === 'NOT_YET_VALID') && refTime.getTime() !== createDate.getTime()) {
      const atRef = new Collector();
      const second = await evaluatePath(atRef, 'seal.maker-certificate', makerCert, ctx, refTime, 'maker');
      if (second.status !== 'EXPIRED' && second.status !== 'NOT_YET_VALID') {
        chosen = atRef;
        maker = second;
        evaluatedAt = 'referenceTime';
      }
    }
    chosen.checks.forEach((chk, i) => {
      const note = evaluatedAt === 'createDate' ? '' : `（制作时间 ${createDate.toISOString()} 证书不在有效期内，按验证时间判断）`;
      const noteEn = evaluatedAt === 'createDate' ? '' : ` (not within its validity at createDate ${createDate.toISOString()}; judged at the reference time)`;
      c.add(
        { ...chk, messageZh: chk.messageZh + note, message: chk.message + noteEn, details: { ...chk.details, evaluatedAt } },
        chosen.verdicts[i] ?? PASSED,
        ...(i === 0 ? chosen.sealCodes : []),
      );
    });
  }

  // 4c. validity period
  const p = seal.eSealInfo.property;
  const vDetails = { validStart: p.validStart.toISOString(), validEnd: p.validEnd.toISOString(), time: refTime.toISOString() };
  if (refTime < p.validStart) {
    c.add(check('seal.validity', 'failed', `印章在 ${refTime.toISOString()} 尚未生效`, `The seal was not yet valid at ${refTime.toISOString()}`, vDetails), failed('NOT_YET_VALID'), 'SEAL_NOT_YET_VALID');
  } else if (refTime > p.validEnd) {
    c.add(check('seal.validity', 'failed', `印章在 ${refTime.toISOString()} 已过有效期`, `The seal had expired at ${refTime.toISOString()}`, vDetails), failed('EXPIRED'), 'SEAL_EXPIRED');
  } else {
    c.add(check('seal.validity', 'passed', '印章在有效期内', 'The seal was within its validity period', vDetails));
  }
  const esID = seal.eSealInfo.esID;
  if (ctx.revokedSealIds !== undefined) {
    if (ctx.revokedSealIds.has(esID)) c.add(check('seal.revocation', 'failed', `印章 ${esID} 已被注销`, `Seal ${esID} is revoked`, { esID }), failed('REVOKED'), 'SEAL_REVOKED');
    else c.add(check('seal.revocation', 'passed', '印章未被注销', 'The seal is not revoked', { esID }));
  }
  if (ctx.filedSealIds !== undefined) {
    if (ctx.filedSealIds.has(esID)) c.add(check('seal.filing', 'passed', '印章已备案', 'The seal is filed', { esID }));
    else c.add(check('seal.filing', 'failed', `印章 ${esID} 未备案`, `Seal ${esID} is not filed`, { esID }), indeterminate('POLICY_PROCESSING_ERROR'), 'SEAL_NOT_FILED');
  }
  const summary = summarizeSeal(seal, {
    ...(maker === undefined ? {} : { maker }),
    ...(convention === undefined ? {} : { makerSignatureConvention: convention }),
    includePictures: ctx.includePictures === true,
  });
  return { summary };
}

/** Message-imprint hash algorithms we can recompute. */
const IMPRINT_ALGORITHMS: Readonly<Record<string, CertDigestAlgorithm>> = {
  [id_sm3]: 'SM3',
  [id_sha256]: 'SHA-256',
  [id_sha1]: 'SHA-1',
};

/** Best-effort reading of an RFC 3161 TimeStampToken: genTime and message imprint. Never throws. */
export function readTimeStampToken(bytes: Uint8Array): { genTime?: Date; imprintAlgorithm?: string; imprint?: Uint8Array } {
  try {
    const ci = readSequence(parseDer(bytes), 'TimeStampToken', 2, 2);
    const signedData = ci[1]?.children[0];
    const sd = readSequence(signedData, 'TimeStampToken.content', 3);
    const encap = readSequence(sd[2], 'encapContentInfo', 2, 2);
    const wrapped = encap[1];
    if (wrapped === undefined || !isContext(wrapped, 0)) return {};
    const tstDer = readOctetString(wrapped.children[0], 'eContent');
    const tst = readSequence(parseDer(tstDer), 'TSTInfo', 5);
    const mi = readSequence(tst[2], 'messageImprint', 2, 2);
    const algEl = readSequence(mi[0], 'hashAlgorithm', 1, 2)[0] as Asn1Element;
    const genEl = tst.find((e, i) => i >= 4 && isUniversal(e, Tag.GeneralizedTime));
    return {
      ...(genEl === undefined ? {} : { genTime: readTime(genEl, 'genTime').date }),
      imprintAlgorithm: readOid(algEl, 'hashAlgorithm'),
      imprint: readOctetString(mi[1], 'hashedMessage'),
    };
  } catch {
    return {};
  }
}

/**
 * Verifies an SES_Signature (v1, v4, v5) per §2.2. Never throws for a bad signature.
 * @throws SealError ERR_ASN1_* / ERR_SEAL_SIGNATURE_MALFORMED / ERR_SEAL_MALFORMED when the input is
 *   not a readable SES_Signature.
 */
export async function verifySesSignature(der: Uint8Array, ctx: SealVerifyContext): Promise<SesVerification> {
  const structure = detectSesStructure(der);
  if (structure !== 'signature-v1' && structure !== 'signature-v4' && structure !== 'signature-v5') {
    // Decode anyway for a precise, path-aware error when it is a damaged signature.
    if (structure === 'unknown') decodeSES_Signature(der);
    throw new SealError('ERR_SEAL_SIGNATURE_MALFORMED', { reason: `not an SES_Signature (detected: ${structure})` });
  }
  const sig = decodeSES_Signature(der);
  const tbs = sig.toSign;
  const c = new Collector();
  c.add(check('signature.format', 'passed', `电子签章格式：SES_Signature ${sig.format}`, `Electronic signature format: SES_Signature ${sig.format}`, { structure, tbsVersion: tbs.version }));

  // Reference time.
  let refTime: Date;
  if (ctx.time !== undefined) refTime = ctx.time;
  else if (tbs.timeInfo.date !== undefined) refTime = tbs.timeInfo.date;
  else {
    refTime = new Date();
    c.add(
      check('signature.signing-time', 'warning', `签章时间无法识别（"${tbs.timeInfo.text}"），以当前时间验证`, `The signing time "${tbs.timeInfo.text}" is unreadable; verified at the current time`),
    );
  }

  // 2. signature value.
  const signerCert = tryParseCertificate(sig.cert);
  let signer: CertificateSummary | undefined;
  if (signerCert instanceof SealError) {
    c.add(check('signature.value', 'failed', `签章人证书无法解析：${signerCert.messageZh}`, `The signer certificate cannot be parsed: ${signerCert.message}`), failed('FORMAT_FAILURE'));
  } else {
    const v = await verifyValue(signerCert, sig.signatureAlgID, sig.raw.toSign, sig.signature);
    const details = { signatureForm: v.form, algorithm: sig.signatureAlgID, signedOver: 'TBS_Sign' };
    if (v.ok) c.add(check('signature.value', 'passed', '签章签名值有效（对 TBS_Sign）', 'The signature value verifies over TBS_Sign', details));
    else c.add(check('signature.value', 'failed', '签章签名值验证失败', `The signature value does not verify over TBS_Sign${v.error === undefined ? '' : ` (${v.error})`}`, details), failed('SIG_CRYPTO_FAILURE'));
    if (signerCert.publicKey.algorithm === 'SM2' && sig.signatureAlgID !== id_sm2_with_sm3 && sig.signatureAlgID !== id_sm2_1) {
      c.add(check('signature.algorithm', 'warning', `签名算法标识 ${sig.signatureAlgID} 不是 SM2/SM3`, `Signature algorithm ${sig.signatureAlgID} is not SM2 with SM3`));
    }
  }

  // 3. signer ↔ seal.
  const seal = tbs.eseal;
  const list = seal.eSealInfo.property.certList;
  if (list.kind === 'certs') {
    const index = list.certs.findIndex((x) => equalBytesCt(x, sig.cert));
    if (index >= 0) c.add(check('signature.signer-in-seal', 'passed', '签章人证书与印章绑定的证书一致', "The signer's certificate is in the seal's certificate list", { index, match: 'certificate' }));
    else c.add(check('signature.signer-in-seal', 'failed', '签章人证书不在印章的证书列表中', "The signer's certificate is not in the seal's certificate list", { listed: list.certs.length }), failed('SIG_CONSTRAINTS_FAILURE'), 'SEAL_SIGNER_NOT_IN_SEAL');
  } else if (list.kind === 'digests') {
    const m = matchCertDigest(sig.cert, list.digests);
    if (m !== undefined) {
      c.add(check('signature.signer-in-seal', 'passed', `签章人证书摘要（${m.algorithm}）与印章证书摘要列表匹配`, `The signer's certificate ${m.algorithm} digest is in the seal's digest list`, { index: m.index, match: 'digest', algorithm: m.algorithm, label: m.label }));
    } else {
      c.add(
        check('signature.signer-in-seal', 'failed', '签章人证书摘要不在印章的证书摘要列表中（已尝试 SM3、SHA-256、SHA-1）', "The signer's certificate digest (SM3, SHA-256, SHA-1 tried) is not in the seal's digest list", { listed: list.digests.length, sm3: hex(certDigest('SM3', sig.cert)) }),
        failed('SIG_CONSTRAINTS_FAILURE'),
        'SEAL_SIGNER_NOT_IN_SEAL',
      );
    }
  } else {
    c.add(
      check('signature.signer-in-seal', 'warning', '印章证书列表只含证书标识（IA5String），无法比对签章人证书', "The seal's certList holds certificate ids only (IA5String); the signer cannot be matched", { ids: list.ids.join(',').slice(0, 200) }),
      indeterminate('SIG_CONSTRAINTS_FAILURE'),
    );
  }

  // 4. seal.
  const { summary } = await checkSeal(c, seal, ctx, refTime);

  // 5. signer certificate path at the reference time.
  if (!(signerCert instanceof SealError)) signer = await evaluatePath(c, 'signature.signer-certificate', signerCert, ctx, refTime, 'signer');

  // 6. time-stamp (RFC 3161 TimeStampToken over the signature value): its message imprint must cover
  // this signature value and its own CMS signature must verify (shared/cms). A token that is present
  // but does not verify, or covers something else, fails the signature: a genuine seal never carries
  // a forged or misplaced time-stamp. A valid token whose TSA does not chain to a trust anchor is a
  // warning: the claimed signing time then stands unproven, as without a token.
  let timeStamp: TimeStampInfo | undefined;
  if (sig.timeStamp !== undefined) {
    const ts = readTimeStampToken(sig.timeStamp);
    const alg = ts.imprintAlgorithm === undefined ? undefined : IMPRINT_ALGORITHMS[ts.imprintAlgorithm];
    const imprintMatches = ts.imprint !== undefined && alg !== undefined && equalBytesCt(ts.imprint, certDigest(alg, sig.signature));
    const cms = ts.imprint === undefined ? undefined : await verifyCmsSignedData(sig.timeStamp, { trustAnchors: ctx.trustAnchors, intermediates: ctx.intermediates ?? [], crls: ctx.crls ?? [], ...(ts.genTime === undefined ? {} : { time: ts.genTime }) });
    const cryptoOk = cms !== undefined && cms.checks.some((k) => k.id === 'signature.value' && k.status === 'passed') && !cms.checks.some((k) => k.status === 'failed' && k.id !== 'signature.signer-certificate');
    const trusted = cryptoOk && cms.indication === 'TOTAL_PASSED';
    const verified = imprintMatches && cryptoOk;
    timeStamp = { present: true, verified, ...(ts.genTime === undefined ? {} : { time: ts.genTime.toISOString() }) };
    const details = {
      parsed: ts.imprint !== undefined,
      ...(ts.genTime === undefined ? {} : { genTime: ts.genTime.toISOString() }),
      ...(ts.imprintAlgorithm === undefined ? {} : { imprintAlgorithm: ts.imprintAlgorithm }),
      imprintMatchesSignature: imprintMatches,
      tokenSignatureValid: cryptoOk,
      ...(cms?.signer === undefined ? {} : { tsa: cms.signer.subject, tsaStatus: cms.signer.status }),
    };
    const when = ts.genTime?.toISOString() ?? '?';
    if (ts.imprint === undefined) {
      c.add(check('signature.time-stamp', 'failed', '签章所含时间戳无法解析', 'The signature carries a time-stamp that cannot be parsed', details), failed('FORMAT_FAILURE'));
    } else if (!imprintMatches) {
      c.add(check('signature.time-stamp', 'failed', '时间戳不是针对本签章签名值的', 'The time-stamp does not cover this signature value', details), failed('SIG_CRYPTO_FAILURE'));
    } else if (!cryptoOk) {
      c.add(check('signature.time-stamp', 'failed', '时间戳的签名验证失败', "The time-stamp's own signature does not verify", details), failed('SIG_CRYPTO_FAILURE'));
    } else if (!trusted) {
      c.add(check('signature.time-stamp', 'warning', `时间戳有效（${when}），但时间戳服务机构证书不可信或无法判断`, `The time-stamp (${when}) verifies, but the time-stamping authority is not trusted or cannot be judged`, details));
    } else {
      c.add(check('signature.time-stamp', 'passed', `时间戳有效，签章时间 ${when}`, `The time-stamp verifies; signed at ${when}`, details));
    }
  }

  // 7. document hash.
  if (ctx.documentHash !== undefined) {
    if (equalBytesCt(ctx.documentHash, tbs.dataHash)) c.add(check('signature.data-hash', 'passed', '原文杂凑值一致', 'The document hash matches dataHash'));
    else c.add(check('signature.data-hash', 'failed', '原文杂凑值不一致，文档已被修改', 'The document hash does not match dataHash; the document was modified', { expected: hex(tbs.dataHash), actual: hex(ctx.documentHash) }), failed('HASH_FAILURE'), 'DOCUMENT_MODIFIED');
  } else {
    c.add(check('signature.data-hash', 'skipped', '未提供原文，未比对原文杂凑值', 'No document given; dataHash not compared'));
  }

  const r = c.result();
  return {
    structure,
    indication: r.indication,
    subIndications: r.subIndications,
    sealCodes: r.sealCodes,
    ...(signer === undefined ? {} : { signer }),
    seal: summary,
    ...(tbs.timeInfo.date === undefined ? {} : { signingTime: tbs.timeInfo.date.toISOString() }),
    signingTimeText: tbs.timeInfo.text,
    ...(timeStamp === undefined ? {} : { timeStamp }),
    checks: r.checks,
    dataHash: tbs.dataHash,
    propertyInfo: tbs.propertyInfo,
    sealDer: sig.raw.eseal,
  };
}

/**
 * Verifies a bare seal (`.esl`): maker signature, maker certificate (at createDate), validity period
 * at `ctx.time` (default now) and the registers. Never throws for a bad seal.
 * @throws SealError when the input is not a readable SESeal.
 */
export async function verifySealOnly(sealDer: Uint8Array, ctx: SealVerifyContext): Promise<SealOnlyVerification> {
  const structure = detectSesStructure(sealDer);
  if (structure !== 'seal-v1' && structure !== 'seal-v4' && structure !== 'seal-v5') {
    if (structure === 'unknown') decodeSESeal(sealDer);
    throw new SealError('ERR_SEAL_MALFORMED', { reason: `not an SESeal (detected: ${structure})` });
  }
  const seal = decodeSESeal(sealDer);
  const c = new Collector();
  c.add(check('seal.format', 'passed', `电子印章格式：SESeal ${seal.format}`, `Electronic seal format: SESeal ${seal.format}`, { structure }));
  const { summary } = await checkSeal(c, seal, ctx, ctx.time ?? new Date());
  const r = c.result();
  return { structure, indication: r.indication, subIndications: r.subIndications, sealCodes: r.sealCodes, seal: summary, checks: r.checks, sealDer: seal.raw.der };
}
