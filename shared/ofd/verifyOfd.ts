// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Verification of every signature in an OFD package (GB/T 33190 §18, GB/T 38540, GM/T 0099).
 *
 * Per signature (seal-formats.md §2.2, §3):
 * 1. locate Signature.xml (`BaseLoc`, absolute or relative to Signatures.xml's folder) and parse it;
 * 2. recompute every `Reference` digest over the raw package bytes (`document.reference(s)`);
 * 3. `dataHash` = SM3(raw Signature.xml bytes);
 * 4. `Type=Seal` → SES_Signature verification by the seal module with that hash, plus: `propertyInfo`
 *    must name this Signature.xml (`ofd.property-info`) and `Seal.esl`, when present, must equal the
 *    seal embedded in the signature byte for byte (`ofd.seal-file`, SEAL_EMBEDDED_MISMATCH);
 *    `Type=Sign` → CMS / GM/T 0010 SignedData over Signature.xml, or a bare SM2 signature whose
 *    certificate is searched in the signature's folder and in the caller's certificates.
 *
 * Coverage rule (documented in docs/verification-report.md): a signature covers the files its
 * References list. A package file counts as "not covered" unless it is listed by some signature or is
 * signature machinery: a Signatures.xml list, any signature's own Signature.xml, its SignedValue file,
 * or its Seal.esl (which is checked against the signed seal instead). `modifiedAfterSigning` is set
 * when a referenced file's digest differs or the file is gone.
 */
import { id_sm2_with_sm3 } from '../asn1/oids.js';
import { verifyCmsSignedData } from '../cms/verifyCmsSignedData.js';
import { sm3 } from '../crypto/sm3.js';
import { isSealError, SealError, toSealError } from '../errors/index.js';
import { detectSesStructure, verifySesSignature, type SesVerification } from '../seal/index.js';
import { evaluateChain } from '../verify/chain.js';
import { check, combineVerdicts, failed, indeterminate, PASSED, type Verdict } from '../verify/checks.js';
import type { CertificateSummary, CheckResult, SealCode, SignatureReport, StampPosition } from '../verify/VerificationReport.js';
import { parseCertificates, verifySignatureByOid, type Certificate, type Crl } from '../x509/index.js';
import { checkAlgorithmOf, computeCheckDigest } from './checkMethod.js';
import { findSignatureLists, folderOf, parseSignatureDateTime, parseSignatureXml, readSignatureList, type OfdSignatureEntry, type OfdSignatureXml } from './signatures.js';
import { normalizePackagePath, ZipArchive, type ZipLimits } from './zip.js';

export interface OfdVerifyContext {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Validation time override; default: the signing time claimed by each signature. */
  readonly time?: Date;
  readonly includePictures?: boolean;
  readonly revokedSealIds?: ReadonlySet<string>;
  readonly filedSealIds?: ReadonlySet<string>;
  readonly zipLimits?: ZipLimits;
}

export interface OfdVerification {
  readonly signatures: readonly SignatureReport[];
  /** Document-level checks (signature list, coverage). */
  readonly checks: readonly CheckResult[];
  /** All package paths. */
  readonly packagePaths: readonly string[];
}

const MAX_LISTED_PATHS = 20;

function b64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

function errorDetails(err: unknown): { code: string; reason: string } {
  const e = toSealError(err);
  return { code: e.code, reason: e.message.slice(0, 200) };
}

interface Partial {
  id: string;
  kind: 'seal' | 'digital';
  format: string;
  verdicts: Verdict[];
  sealCodes: SealCode[];
  checks: CheckResult[];
  covered: string[];
  modified: boolean;
  stamps: StampPosition[];
  signer?: CertificateSummary;
  ses?: SesVerification;
  signingTime?: string;
  signingTimeText?: string;
}

/** Files belonging to a signature's own machinery (exempt from "not covered"). */
function machineryOf(entry: OfdSignatureEntry, sx: OfdSignatureXml | undefined): string[] {
  const out: string[] = [entry.listPath];
  if (entry.signatureXmlPath !== undefined) out.push(entry.signatureXmlPath);
  if (sx?.signedValuePath !== undefined) out.push(sx.signedValuePath);
  if (sx?.sealPath !== undefined) out.push(sx.sealPath);
  return out;
}

/** Digests already computed in this verification, by `algorithm path`: a file is hashed once per algorithm. */
type DigestCache = Map<string, Uint8Array>;

async function checkReferences(zip: ZipArchive, sx: OfdSignatureXml, p: Partial, cache: DigestCache): Promise<void> {
  const alg = checkAlgorithmOf(sx.checkMethod);
  if (sx.references.length === 0) {
    p.checks.push(check('document.references', 'warning', '该签名未保护任何文档文件', 'This signature protects no document files'));
    p.sealCodes.push('DOCUMENT_NOT_COVERED');
    return;
  }
  if (alg === undefined) {
    p.checks.push(check('document.references', 'failed', `不支持的摘要算法 ${sx.checkMethod ?? ''}，无法核对文件摘要`, `Unsupported CheckMethod ${sx.checkMethod ?? ''}; file digests not checked`));
    p.verdicts.push(indeterminate('CRYPTO_CONSTRAINTS_FAILURE'));
    return;
  }
  let ok = 0;
  let bad = 0;
  for (const ref of sx.references) {
    if (ref.path === undefined) {
      bad++;
      p.checks.push(check('document.reference', 'failed', `引用路径越出文档包：${ref.fileRef}`, `Reference path leaves the package: ${ref.fileRef}`, { fileRef: ref.fileRef.slice(0, 200) }));
      continue;
    }
    if (!ref.exists) {
      bad++;
      p.modified = true;
      p.checks.push(check('document.reference', 'failed', `受保护的文件已不存在：${ref.path}`, `A protected file is missing: ${ref.path}`, { path: ref.path, reason: 'missing' }));
      continue;
    }
    if (!p.covered.includes(ref.path)) p.covered.push(ref.path);
    const expected = b64(ref.checkValue);
    let actual: Uint8Array;
    try {
      const key = `${alg} ${ref.path}`;
      const cached = cache.get(key);
      actual = cached ?? (await computeCheckDigest(alg, zip.read(ref.path)));
      if (cached === undefined) cache.set(key, actual);
    } catch (err) {
      bad++;
      p.modified = true;
      const d = errorDetails(err);
      p.checks.push(check('document.reference', 'failed', `无法读取受保护的文件：${ref.path}`, `Cannot read a protected file: ${ref.path}`, { path: ref.path, code: d.code }));
      continue;
    }
    if (expected === undefined || !equal(expected, actual)) {
      bad++;
      p.modified = true;
      p.checks.push(check('document.reference', 'failed', `文件在签章后被修改：${ref.path}`, `File modified after signing: ${ref.path}`, {
        path: ref.path,
        algorithm: alg,
        expected: expected === undefined ? 'invalid Base64' : hex(expected),
        actual: hex(actual),
      }));
    } else ok++;
  }
  const status = bad === 0 ? 'passed' : 'failed';
  p.checks.push(check('document.references', status,
    bad === 0 ? `全部 ${ok} 个受保护文件的摘要一致` : `${bad} 个受保护文件与签章时不一致（共 ${sx.references.length} 个）`,
    bad === 0 ? `All ${ok} protected file digests match` : `${bad} of ${sx.references.length} protected files differ from when they were signed`,
    { algorithm: alg, checkMethod: sx.checkMethod ?? '(absent: MD5)', ok, bad }));
  if (bad > 0) {
    p.verdicts.push(failed('HASH_FAILURE'));
    if (!p.sealCodes.includes('DOCUMENT_MODIFIED')) p.sealCodes.push('DOCUMENT_MODIFIED');
  }
}

function isBareSm2(sv: Uint8Array, structure: string): boolean {
  return structure === 'sm2-raw-signature' || sv.length === 64;
}

async function verifyBareSm2(zip: ZipArchive, sigXmlPath: string, sigXml: Uint8Array, sx: OfdSignatureXml, sv: Uint8Array, ctx: OfdVerifyContext, p: Partial): Promise<void> {
  p.format = 'SM2 raw';
  // The only claimed time is SignatureDateTime inside the signed Signature.xml.
  const claimed = parseSignatureDateTime(sx.signatureDateTime);
  if (claimed !== undefined) p.signingTime = claimed.toISOString();
  // No certificate travels with a bare signature: look in the signature's folder, then in the
  // certificates the caller supplied (trust anchors and intermediates).
  const candidates: Certificate[] = [];
  const folder = folderOf(sigXmlPath).toLowerCase() + '/';
  for (const path of zip.paths()) {
    if (!path.toLowerCase().startsWith(folder) || !/\.(cer|crt|pem|der)$/i.test(path)) continue;
    try {
      candidates.push(...parseCertificates(zip.read(path)));
    } catch {
      // not a certificate
    }
  }
  candidates.push(...(ctx.intermediates ?? []), ...ctx.trustAnchors);
  let signerCert: Certificate | undefined;
  for (const c of candidates) {
    try {
      if (await verifySignatureByOid(c.publicKey, id_sm2_with_sm3, sigXml, sv, {})) {
        signerCert = c;
        break;
      }
    } catch {
      // wrong key type
    }
  }
  if (signerCert === undefined) {
    p.checks.push(check('signature.value', 'skipped', '裸 SM2 签名未附带证书，找不到可验证的签名者证书', 'A bare SM2 signature carries no certificate and none found verifies it', { candidates: candidates.length }));
    p.verdicts.push(indeterminate('NO_SIGNING_CERTIFICATE_FOUND'));
    return;
  }
  p.checks.push(check('signature.value', 'passed', '签名值验证通过（裸 SM2 签名）', 'The signature value verifies (bare SM2 signature)'));
  const outcome = await evaluateChain('signature.signer-certificate', signerCert, ctx, ctx.time ?? claimed ?? new Date(), '签名者', 'signer');
  p.signer = outcome.summary;
  p.checks.push(outcome.check);
  p.verdicts.push(outcome.verdict);
}

async function verifySeal(zip: ZipArchive, sigXmlPath: string, sx: OfdSignatureXml, dataHash: Uint8Array, sv: Uint8Array, ctx: OfdVerifyContext, p: Partial): Promise<void> {
  const ses = await verifySesSignature(sv, {
    trustAnchors: [...ctx.trustAnchors],
    intermediates: [...(ctx.intermediates ?? [])],
    crls: [...(ctx.crls ?? [])],
    documentHash: dataHash,
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
    includePictures: ctx.includePictures ?? true,
    ...(ctx.revokedSealIds === undefined ? {} : { revokedSealIds: ctx.revokedSealIds }),
    ...(ctx.filedSealIds === undefined ? {} : { filedSealIds: ctx.filedSealIds }),
  });
  p.ses = ses;
  p.format = `SES_Signature ${ses.structure.replace('signature-', '')}`;
  p.checks.push(...ses.checks);
  p.verdicts.push({ indication: ses.indication, subIndications: ses.subIndications });
  for (const c of ses.sealCodes) if (!p.sealCodes.includes(c)) p.sealCodes.push(c);
  if (ses.signer !== undefined) p.signer = ses.signer;
  // propertyInfo must name this Signature.xml.
  const named = normalizePackagePath(ses.propertyInfo);
  if (named !== undefined && named.toLowerCase() === sigXmlPath.toLowerCase()) {
    p.checks.push(check('ofd.property-info', 'passed', '签章属性信息指向本签名描述文件', 'propertyInfo names this Signature.xml', { propertyInfo: ses.propertyInfo.slice(0, 200) }));
  } else {
    p.checks.push(check('ofd.property-info', 'failed', `签章属性信息 ${ses.propertyInfo.slice(0, 100)} 与签名描述文件 ${sigXmlPath} 不符`, `propertyInfo ${ses.propertyInfo.slice(0, 100)} does not name ${sigXmlPath}`, { propertyInfo: ses.propertyInfo.slice(0, 200), expected: sigXmlPath }));
    p.verdicts.push(failed('SIG_CONSTRAINTS_FAILURE'));
  }
  // Seal.esl (if any) must be the seal that was signed.
  if (sx.sealBaseLoc !== undefined) {
    if (sx.sealPath === undefined || sx.sealPathMissing === true) {
      p.checks.push(check('ofd.seal-file', 'warning', `签名描述中的印章文件不存在：${sx.sealBaseLoc}`, `The seal file named in Signature.xml is absent: ${sx.sealBaseLoc}`, { baseLoc: sx.sealBaseLoc.slice(0, 200) }));
    } else {
      let same: boolean;
      try {
        same = equal(zip.read(sx.sealPath), ses.sealDer);
      } catch {
        same = false;
      }
      if (same) {
        p.checks.push(check('ofd.seal-file', 'passed', '印章文件与签章中的印章一致', 'Seal.esl equals the seal inside the signature', { path: sx.sealPath }));
      } else {
        p.checks.push(check('ofd.seal-file', 'failed', '印章文件与签章中的印章不一致', 'Seal.esl differs from the seal inside the signature', { path: sx.sealPath }));
        p.verdicts.push(failed('SIG_CONSTRAINTS_FAILURE'));
        if (!p.sealCodes.includes('SEAL_EMBEDDED_MISMATCH')) p.sealCodes.push('SEAL_EMBEDDED_MISMATCH');
      }
    }
  }
  if (ses.signingTime !== undefined) p.signingTime = ses.signingTime;
  if (ses.signingTimeText !== undefined) p.signingTimeText = ses.signingTimeText;
}

async function verifyOne(zip: ZipArchive, entry: OfdSignatureEntry, ctx: OfdVerifyContext, machinery: string[], cache: DigestCache): Promise<Partial> {
  const p: Partial = {
    id: entry.id,
    kind: entry.type === 'Sign' ? 'digital' : 'seal',
    format: entry.type === 'Sign' ? 'digital signature' : 'SES_Signature',
    verdicts: [],
    sealCodes: [],
    checks: [],
    covered: [],
    modified: false,
    stamps: [],
  };
  const sigXmlPath = entry.signatureXmlPath;
  if (sigXmlPath === undefined) {
    p.checks.push(check('ofd.signature-location', 'failed', `签名位置越出文档包：${entry.baseLoc}`, `The signature location leaves the package: ${entry.baseLoc}`, { baseLoc: entry.baseLoc.slice(0, 200) }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
    return p;
  }
  if (entry.signatureXmlMissing === true) {
    p.checks.push(check('ofd.signature-location', 'failed', `签名描述文件不存在：${sigXmlPath}`, `Signature.xml not found: ${sigXmlPath}`, { path: sigXmlPath, code: 'ERR_OFD_ENTRY_MISSING' }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
    return p;
  }
  let sigXml: Uint8Array;
  let sx: OfdSignatureXml;
  try {
    sigXml = zip.read(sigXmlPath);
    sx = parseSignatureXml(zip, sigXmlPath, sigXml);
  } catch (err) {
    const d = errorDetails(err);
    p.checks.push(check('ofd.signature-xml', 'failed', `签名描述文件无法解析：${d.reason}`, `Signature.xml cannot be parsed: ${d.reason}`, { path: sigXmlPath, code: d.code }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
    return p;
  }
  machinery.push(...machineryOf(entry, sx));
  p.stamps.push(...sx.stamps);
  p.checks.push(check('ofd.signature-xml', 'passed', '已读取签名描述文件', 'Signature.xml read', {
    path: sigXmlPath,
    provider: sx.provider.ProviderName ?? '',
    signatureMethod: sx.signatureMethod ?? '',
    signatureDateTime: sx.signatureDateTime ?? '',
  }));
  await checkReferences(zip, sx, p, cache);
  const dataHash = sm3(sigXml);

  if (sx.signedValuePath === undefined || sx.signedValueMissing === true) {
    p.checks.push(check('ofd.signed-value', 'failed', `签名值文件不存在：${sx.signedValueLoc ?? '(未指定)'}`, `Signed value file not found: ${sx.signedValueLoc ?? '(not given)'}`, { code: 'ERR_OFD_ENTRY_MISSING' }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
    return p;
  }
  let sv: Uint8Array;
  try {
    sv = zip.read(sx.signedValuePath);
  } catch (err) {
    const d = errorDetails(err);
    p.checks.push(check('ofd.signed-value', 'failed', `签名值文件无法读取：${d.reason}`, `Signed value file cannot be read: ${d.reason}`, { path: sx.signedValuePath, code: d.code }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
    return p;
  }
  let structure: string;
  try {
    structure = detectSesStructure(sv);
  } catch {
    structure = 'unknown';
  }
  const isSes = structure.startsWith('signature-');
  if (isSes !== (entry.type === 'Seal')) {
    if (isSes || structure === 'cms' || isBareSm2(sv, structure)) {
      p.checks.push(check('ofd.signature-type', 'warning', `签名类型 ${entry.type} 与签名值内容（${structure}）不符，按内容验证`, `Signature Type ${entry.type} does not match the signed value (${structure}); verified by content`, { type: entry.typeText ?? '(absent)', structure }));
    }
  }
  try {
    if (isSes) {
      p.kind = 'seal';
      await verifySeal(zip, sigXmlPath, sx, dataHash, sv, ctx, p);
    } else if (structure === 'cms') {
      p.kind = 'digital';
      const cms = await verifyCmsSignedData(sv, {
        content: sigXml,
        trustAnchors: ctx.trustAnchors,
        ...(ctx.intermediates === undefined ? {} : { intermediates: ctx.intermediates }),
        ...(ctx.crls === undefined ? {} : { crls: ctx.crls }),
        ...(ctx.time === undefined ? {} : { time: ctx.time }),
      });
      p.format = cms.format;
      p.checks.push(...cms.checks);
      p.verdicts.push({ indication: cms.indication, subIndications: cms.subIndications });
      if (cms.signer !== undefined) p.signer = cms.signer;
      if (cms.signingTime !== undefined) p.signingTime = cms.signingTime;
      if (cms.signingTimeText !== undefined) p.signingTimeText = cms.signingTimeText;
    } else if (isBareSm2(sv, structure)) {
      p.kind = 'digital';
      await verifyBareSm2(zip, sigXmlPath, sigXml, sx, sv, ctx, p);
    } else {
      p.checks.push(check('signature.structure', 'failed', `无法识别的签名值格式（${structure}）`, `Unrecognised signed value format (${structure})`, { structure }));
      p.verdicts.push(failed('FORMAT_FAILURE'));
    }
  } catch (err) {
    if (!isSealError(err)) throw err;
    p.checks.push(check('signature.structure', 'failed', `签名值格式错误：${err.messageZh}`, `Malformed signed value: ${err.message}`, { code: err.code }));
    p.verdicts.push(failed('FORMAT_FAILURE'));
  }
  if (p.signingTimeText === undefined && sx.signatureDateTime !== undefined) p.signingTimeText = sx.signatureDateTime;
  return p;
}

/**
 * Verifies all signatures of an OFD package. Throws a coded SealError only when the package itself
 * cannot be read (not a ZIP, unsafe, OFD.xml or a declared Signatures.xml missing or malformed).
 */
export async function verifyOfd(bytes: Uint8Array, ctx: OfdVerifyContext): Promise<OfdVerification> {
  const zip = ZipArchive.open(bytes, ctx.zipLimits);
  const docChecks: CheckResult[] = [];
  if (zip.prefixBytes > 0 || zip.trailingBytes > 0) {
    docChecks.push(check('ofd.container', 'warning', `ZIP 包前后有多余数据（前 ${zip.prefixBytes} 字节，后 ${zip.trailingBytes} 字节）`, `Extra bytes around the ZIP archive (${zip.prefixBytes} before, ${zip.trailingBytes} after)`, { prefixBytes: zip.prefixBytes, trailingBytes: zip.trailingBytes }));
  }
  const { lists, declaredMissing } = findSignatureLists(zip);
  if (declaredMissing.length > 0) {
    throw new SealError('ERR_OFD_ENTRY_MISSING', { path: declaredMissing[0] ?? '' });
  }
  const entries: OfdSignatureEntry[] = [];
  for (const l of lists) entries.push(...readSignatureList(zip, l));
  const stray = zip.paths().filter((x) => /\/Signatures\.xml$/i.test(x) && !lists.some((l) => l.toLowerCase() === x.toLowerCase()));
  if (stray.length > 0) {
    docChecks.push(check('ofd.signature-list', 'warning',
      `包中有未被 OFD.xml 引用的签名列表，其中的签名未验证：${stray.slice(0, 5).join('，')}`,
      `Signature lists not referenced by OFD.xml were not verified: ${stray.slice(0, 5).join(', ')}`,
      { paths: stray.slice(0, MAX_LISTED_PATHS).join(',') }));
  }
  const machinery: string[] = [...lists];
  const partials: Partial[] = [];
  const digestCache: DigestCache = new Map();
  for (const e of entries) partials.push(await verifyOne(zip, e, ctx, machinery, digestCache));

  const paths = zip.paths();
  const machinerySet = new Set(machinery.map((m) => m.toLowerCase()));
  const coveredAll = new Set<string>();
  for (const p of partials) for (const c of p.covered) coveredAll.add(c.toLowerCase());
  const signatures: SignatureReport[] = partials.map((p) => {
    const covered = new Set(p.covered.map((c) => c.toLowerCase()));
    const notCovered = paths.filter((x) => !covered.has(x.toLowerCase()) && !machinerySet.has(x.toLowerCase()));
    const verdict = combineVerdicts([...p.verdicts, PASSED]);
    const ses = p.ses;
    return {
      id: p.id,
      kind: p.kind,
      format: p.format,
      indication: verdict.indication,
      subIndications: verdict.subIndications,
      sealCodes: p.sealCodes,
      ...(p.signer === undefined ? {} : { signer: p.signer }),
      ...(ses === undefined ? {} : { seal: ses.seal }),
      ...(p.signingTime === undefined ? {} : { signingTime: p.signingTime }),
      ...(p.signingTimeText === undefined ? {} : { signingTimeText: p.signingTimeText }),
      ...(ses?.timeStamp === undefined ? {} : { timeStamp: ses.timeStamp }),
      coverage: { covered: p.covered, notCovered, modifiedAfterSigning: p.modified },
      stamps: p.stamps,
      checks: p.checks,
    };
  });
  if (entries.length > 0) {
    const uncovered = paths.filter((x) => !coveredAll.has(x.toLowerCase()) && !machinerySet.has(x.toLowerCase()));
    if (uncovered.length === 0) {
      docChecks.push(check('document.coverage', 'passed', '文档中的所有文件都受签名保护', 'Every file of the document is protected by a signature'));
    } else {
      docChecks.push(check('document.coverage', 'warning',
        `${uncovered.length} 个文件不受任何签名保护（可能在签章后添加）`,
        `${uncovered.length} files are not protected by any signature (possibly added after signing)`,
        { count: uncovered.length, paths: uncovered.slice(0, MAX_LISTED_PATHS).join(',') }));
    }
  }
  return { signatures, checks: docChecks, packagePaths: paths };
}
