// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Verification of CMS SignedData in both the GM/T 0010 (SM2/SM3) and the PKCS#7 (RFC 5652) dress.
 * Format-neutral: the OFD verifier passes Signature.xml as the content; the PDF verifier will pass the
 * `/ByteRange` bytes.
 *
 * ```asn
 * ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }
 * SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET OF AlgorithmIdentifier,
 *   encapContentInfo SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL },
 *   certificates [0] IMPLICIT SET OF Certificate OPTIONAL, crls [1] IMPLICIT ANY OPTIONAL,
 *   signerInfos SET OF SignerInfo }
 * SignerInfo ::= SEQUENCE { version INTEGER, sid SignerIdentifier, digestAlgorithm AlgorithmIdentifier,
 *   signedAttrs [0] IMPLICIT SET OF Attribute OPTIONAL, signatureAlgorithm AlgorithmIdentifier,
 *   signature OCTET STRING, unsignedAttrs [1] IMPLICIT SET OF Attribute OPTIONAL }
 * ```
 *
 * Design rationale (seal-formats.md §2.3, §6.10): be liberal in what the content proof looks like —
 * `messageDigest` attribute; or, without signed attributes, an `eContent` that holds the content hash
 * (Shandong/ofdrw GB/T 35275) or its Base64 text (ofdrw's lenient form); or a detached signature over the
 * content itself — and strict and explicit in what we report. GOMAIN's `contentType` attribute that
 * disagrees with `eContentType` is accepted and reported as a warning. The signature over signed
 * attributes is checked over their original bytes with the `[0]` tag byte replaced by SET (0x31).
 */
import { id_contentType, id_data, id_gmt0010_data, id_gmt0010_signedData, id_messageDigest, id_signedData, id_signingTime, id_sm2_1, id_sm2_with_sm3, id_sm3, id_sha1, id_sha256, id_sha384, id_sha512, id_ecPublicKey, rsaEncryption, ecdsa_with_SHA256, ecdsa_with_SHA384, sha1WithRSAEncryption, sha256WithRSAEncryption, sha384WithRSAEncryption, sha512WithRSAEncryption } from '../asn1/oids.js';
import { sm3 } from '../crypto/sm3.js';
import { digest } from '../crypto/webcrypto.js';
import { isSealError, SealError } from '../errors/index.js';
import { parseCertificate, verifySignatureByOid, type Certificate, type Crl } from '../x509/index.js';
import { evaluateChain } from '../verify/chain.js';
import { check, combineVerdicts, failed, indeterminate, PASSED, type Verdict } from '../verify/checks.js';
import type { CertificateSummary, CheckResult, Indication, SubIndication } from '../verify/VerificationReport.js';
import { oidOf, octetsOf, parseDer, TAG, timeOf, toHex, type DerNode } from './der.js';

export interface CmsVerifyOptions {
  /** The signed content (detached signatures) or undefined when only its hash is known. */
  readonly content?: Uint8Array;
  /** Hash of the content, computed with the SignerInfo's digest algorithm (alternative to `content`). */
  readonly contentHash?: Uint8Array;
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Validation time for the certificate path; default: the claimed signing time, else now. */
  readonly time?: Date;
}

export interface CmsVerification {
  readonly indication: Indication;
  readonly subIndications: readonly SubIndication[];
  /** `GM/T 0010 SignedData` or `CMS SignedData`. */
  readonly format: string;
  readonly contentType: string;
  readonly eContentType?: string;
  readonly digestAlgorithm?: string;
  readonly signatureAlgorithm?: string;
  /** Whether the SignerInfo had signed attributes. */
  readonly signedAttributes: boolean;
  /** Whether the content was detached (no eContent). */
  readonly detached: boolean;
  readonly signer?: CertificateSummary;
  readonly signerCertificate?: Certificate;
  readonly signingTime?: string;
  readonly signingTimeText?: string;
  readonly checks: readonly CheckResult[];
}

/**
 * Parsed certificates by DER (hex), bounded. Parsing an X.509 certificate costs milliseconds and the
 * same few signer certificates recur (every signature of a document, every page of a batch);
 * `Certificate` objects are immutable, so sharing them is safe.
 */
const CERT_CACHE = new Map<string, Certificate>();
const CERT_CACHE_MAX = 64;

function parseCertificateCached(der: Uint8Array): Certificate {
  const key = toHex(der);
  const hit = CERT_CACHE.get(key);
  if (hit !== undefined) return hit;
  const cert = parseCertificate(der);
  if (CERT_CACHE.size >= CERT_CACHE_MAX) CERT_CACHE.clear();
  CERT_CACHE.set(key, cert);
  return cert;
}

const SM2_SIG_OIDS = new Set([id_sm2_1, id_sm2_with_sm3, '1.2.156.10197.1.301']);

const HASH_BY_OID: Record<string, 'SM3' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  [id_sm3]: 'SM3',
  [id_sha1]: 'SHA-1',
  [id_sha256]: 'SHA-256',
  [id_sha384]: 'SHA-384',
  [id_sha512]: 'SHA-512',
};

function hashWith(name: 'SM3' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512', data: Uint8Array): Promise<Uint8Array> {
  if (name === 'SM3') return Promise.resolve(sm3(data));
  return digest(name, data);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

/** Maps (signature algorithm, digest algorithm) to the combined OID `verifySignatureByOid` knows. */
function combinedSignatureOid(sigOid: string, digestOid: string | undefined): string | undefined {
  if (SM2_SIG_OIDS.has(sigOid)) return id_sm2_with_sm3;
  const hash = digestOid === undefined ? undefined : HASH_BY_OID[digestOid];
  if (sigOid === id_ecPublicKey) {
    if (hash === 'SHA-256') return ecdsa_with_SHA256;
    if (hash === 'SHA-384') return ecdsa_with_SHA384;
    return undefined;
  }
  if (sigOid === rsaEncryption) {
    if (hash === 'SHA-1') return sha1WithRSAEncryption;
    if (hash === 'SHA-256') return sha256WithRSAEncryption;
    if (hash === 'SHA-384') return sha384WithRSAEncryption;
    if (hash === 'SHA-512') return sha512WithRSAEncryption;
    return undefined;
  }
  return sigOid;
}

interface CertIds {
  readonly issuer: Uint8Array;
  readonly serial: Uint8Array;
  readonly ski?: Uint8Array;
}

function stripIntegerZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** Pulls issuer, serial and SubjectKeyIdentifier out of a certificate's own bytes. */
function certIds(der: Uint8Array): CertIds | undefined {
  try {
    const cert = parseDer(der, true);
    const tbs = cert.children[0];
    if (tbs === undefined) return undefined;
    let i = 0;
    if (tbs.children[0]?.tag === 0xa0) i = 1;
    const serial = tbs.children[i];
    const issuer = tbs.children[i + 2];
    if (serial === undefined || issuer === undefined) return undefined;
    let ski: Uint8Array | undefined;
    const ext = tbs.children.find((c) => c.tag === 0xa3);
    for (const e of ext?.children[0]?.children ?? []) {
      if (oidOf(e.children[0]) === '2.5.29.14') {
        const value = e.children[e.children.length - 1];
        if (value !== undefined) {
          try {
            ski = parseDer(value.content).content;
          } catch {
            ski = undefined;
          }
        }
      }
    }
    return ski === undefined ? { issuer: issuer.raw, serial: stripIntegerZeros(serial.content) } : { issuer: issuer.raw, serial: stripIntegerZeros(serial.content), ski };
  } catch {
    return undefined;
  }
}

function b64decodeLenient(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function formatFailure(format: string, contentType: string, reason: string, checks: CheckResult[]): CmsVerification {
  checks.push(check('cms.structure', 'failed', `CMS 签名数据格式错误：${reason}`, `Malformed CMS signed data: ${reason}`));
  return { indication: 'TOTAL_FAILED', subIndications: ['FORMAT_FAILURE'], format, contentType, signedAttributes: false, detached: true, checks };
}

/**
 * Verifies a CMS/GM/T 0010 SignedData. Returns a report-like result; throws only for programmer
 * errors. Malformed input yields TOTAL_FAILED FORMAT_FAILURE.
 */
export async function verifyCmsSignedData(der: Uint8Array, options: CmsVerifyOptions): Promise<CmsVerification> {
  const checks: CheckResult[] = [];
  let root: DerNode;
  try {
    root = parseDer(der, true);
  } catch (err) {
    return formatFailure('CMS SignedData', '', isSealError(err) ? String(err.details.reason ?? err.message) : 'not DER', checks);
  }
  const contentType = oidOf(root.children[0]) ?? '';
  const format = contentType === id_gmt0010_signedData ? 'GM/T 0010 SignedData' : 'CMS SignedData';
  if (root.tag !== TAG.SEQUENCE || (contentType !== id_gmt0010_signedData && contentType !== id_signedData)) {
    return formatFailure(format, contentType, 'not a SignedData ContentInfo', checks);
  }
  const sd = root.children[1]?.children[0];
  if (root.children[1]?.tag !== 0xa0 || sd === undefined || sd.tag !== TAG.SEQUENCE) {
    return formatFailure(format, contentType, 'missing SignedData content', checks);
  }
  const [, digestAlgs, encap, ...rest] = sd.children;
  if (digestAlgs?.tag !== TAG.SET || encap?.tag !== TAG.SEQUENCE) return formatFailure(format, contentType, 'SignedData fields out of order', checks);
  const eContentType = oidOf(encap.children[0]);
  const eContentNode = encap.children[1]?.tag === 0xa0 ? encap.children[1].children[0] : undefined;
  const eContent = eContentNode !== undefined && (eContentNode.tag & 0x1f) === TAG.OCTET_STRING ? octetsOf(eContentNode) : undefined;
  const certNodes = rest.find((n) => n.tag === 0xa0)?.children ?? [];
  const signerInfos = rest.find((n) => n.tag === TAG.SET);
  if (signerInfos === undefined || signerInfos.children.length === 0) return formatFailure(format, contentType, 'no SignerInfo', checks);
  if (signerInfos.children.length > 1) {
    checks.push(check('cms.signer-count', 'warning', `包含 ${signerInfos.children.length} 个签名者，仅验证第一个`, `${signerInfos.children.length} signers present; only the first is verified`));
  }
  const si = signerInfos.children[0];
  if (si?.tag !== TAG.SEQUENCE) return formatFailure(format, contentType, 'SignerInfo is not a SEQUENCE', checks);
  const sid = si.children[1];
  const digestAlgOid = oidOf(si.children[2]?.children[0]);
  let idx = 3;
  let signedAttrsNode: DerNode | undefined;
  if (si.children[idx]?.tag === 0xa0) signedAttrsNode = si.children[idx++];
  const sigAlgOid = oidOf(si.children[idx++]?.children[0]);
  const sigValueNode = si.children[idx];
  if (sid === undefined || digestAlgOid === undefined || sigAlgOid === undefined || sigValueNode === undefined || (sigValueNode.tag & 0x1f) !== TAG.OCTET_STRING) {
    return formatFailure(format, contentType, 'SignerInfo fields missing', checks);
  }
  const signatureValue = octetsOf(sigValueNode);
  const detached = eContent === undefined;
  const base = { format, contentType, ...(eContentType === undefined ? {} : { eContentType }), digestAlgorithm: digestAlgOid, signatureAlgorithm: sigAlgOid, signedAttributes: signedAttrsNode !== undefined, detached };

  // ── certificates and the signer ──
  const certs: Certificate[] = [];
  for (const n of certNodes) {
    if (n.tag !== TAG.SEQUENCE) continue;
    try {
      certs.push(parseCertificateCached(n.raw));
    } catch {
      checks.push(check('cms.certificates', 'warning', 'CMS 中有无法解析的证书，已忽略', 'An unparseable certificate in the CMS was ignored'));
    }
  }
  let signerCert: Certificate | undefined;
  let sidKind = 'issuerAndSerialNumber';
  if (sid.tag === TAG.SEQUENCE) {
    const issuer = sid.children[0]?.raw;
    const serial = sid.children[1] === undefined ? undefined : stripIntegerZeros(sid.children[1].content);
    signerCert = certs.find((c) => {
      const ids = certIds(c.der);
      return ids !== undefined && issuer !== undefined && serial !== undefined && equal(ids.serial, serial) && equal(ids.issuer, issuer);
    });
    // Some producers write a re-encoded issuer name; fall back to the serial alone.
    signerCert ??= certs.find((c) => {
      const ids = certIds(c.der);
      return ids !== undefined && serial !== undefined && equal(ids.serial, serial);
    });
  } else if (sid.tag === 0x80 || sid.tag === 0xa0) {
    sidKind = 'subjectKeyIdentifier';
    const ski = sid.tag === 0x80 ? sid.content : sid.children[0]?.content;
    signerCert = certs.find((c) => {
      const ids = certIds(c.der);
      return ids?.ski !== undefined && ski !== undefined && equal(ids.ski, ski);
    });
  }
  if (signerCert === undefined) {
    checks.push(check('cms.signer-certificate', 'failed', 'CMS 中找不到签名者证书', 'The signer certificate is not in the CMS certificates', { sid: sidKind, certificates: certs.length }));
  } else {
    checks.push(check('cms.signer-certificate', 'passed', '已找到签名者证书', 'Signer certificate found', { sid: sidKind }));
  }

  // ── signed attributes ──
  let messageDigest: Uint8Array | undefined;
  let signingTime: Date | undefined;
  let signingTimeText: string | undefined;
  let attrContentType: string | undefined;
  if (signedAttrsNode !== undefined) {
    for (const attr of signedAttrsNode.children) {
      const type = oidOf(attr.children[0]);
      const value = attr.children[1]?.children[0];
      if (type === id_messageDigest && value !== undefined) messageDigest = value.content;
      else if (type === id_contentType) attrContentType = oidOf(value);
      else if (type === id_signingTime) {
        const t = timeOf(value);
        signingTime = t?.date;
        signingTimeText = t?.text;
      }
    }
  }

  const verdicts: Verdict[] = [];
  // ── content proof ──
  const hashName = HASH_BY_OID[digestAlgOid];
  let contentHash = options.contentHash;
  if (contentHash === undefined && options.content !== undefined && hashName !== undefined) contentHash = await hashWith(hashName, options.content);
  let signedMessage: Uint8Array | undefined;
  if (hashName === undefined) {
    checks.push(check('cms.digest-algorithm', 'failed', `不支持的摘要算法 ${digestAlgOid}`, `Unsupported digest algorithm ${digestAlgOid}`));
    verdicts.push(indeterminate('CRYPTO_CONSTRAINTS_FAILURE'));
  }
  if (signedAttrsNode !== undefined) {
    if (attrContentType !== undefined && eContentType !== undefined && attrContentType !== eContentType) {
      const lenient = (attrContentType === id_gmt0010_data && eContentType === id_data) || (attrContentType === id_data && eContentType === id_gmt0010_data);
      checks.push(check('cms.content-type', lenient ? 'warning' : 'failed',
        `签名属性中的内容类型 ${attrContentType} 与封装内容类型 ${eContentType} 不一致${lenient ? '（已知厂商差异，已接受）' : ''}`,
        `The contentType attribute ${attrContentType} differs from eContentType ${eContentType}${lenient ? ' (known vendor variant, accepted)' : ''}`));
      if (!lenient) verdicts.push(failed('FORMAT_FAILURE'));
    }
    if (messageDigest === undefined) {
      checks.push(check('cms.message-digest', 'failed', '签名属性中缺少消息摘要', 'The messageDigest attribute is missing'));
      verdicts.push(failed('FORMAT_FAILURE'));
    } else {
      const target = eContent !== undefined && hashName !== undefined ? await hashWith(hashName, eContent) : contentHash;
      if (target === undefined) {
        checks.push(check('cms.message-digest', 'skipped', '未提供原文，无法核对消息摘要', 'No content given; the message digest was not checked'));
        verdicts.push(indeterminate('SIGNED_DATA_NOT_FOUND'));
      } else if (equal(target, messageDigest)) {
        checks.push(check('cms.message-digest', 'passed', '消息摘要与原文一致', 'The message digest matches the content', { digest: toHex(messageDigest) }));
      } else {
        checks.push(check('cms.message-digest', 'failed', '消息摘要与原文不一致，原文已被修改', 'The message digest does not match the content; it was modified', { expected: toHex(messageDigest), actual: toHex(target) }));
        verdicts.push(failed('HASH_FAILURE'));
      }
      if (eContent !== undefined && contentHash !== undefined && hashName !== undefined) {
        // Attached content: it must itself be (or hash) the given content.
        const ok = equal(eContent, contentHash) || (options.content !== undefined && equal(eContent, options.content));
        checks.push(check('cms.econtent', ok ? 'passed' : 'failed', ok ? '封装内容与原文一致' : '封装内容与原文不一致', ok ? 'The encapsulated content matches' : 'The encapsulated content differs from the given content'));
        if (!ok) verdicts.push(failed('HASH_FAILURE'));
      }
    }
    // Signature covers the DER SET form of the attributes: original bytes, first byte 0x31.
    signedMessage = new Uint8Array(signedAttrsNode.raw);
    signedMessage[0] = TAG.SET;
  } else if (eContent !== undefined) {
    // GB/T 35275 style: eContent holds the content hash (raw or Base64 text); the signature is over eContent.
    signedMessage = eContent;
    let held: Uint8Array | undefined = eContent;
    let form = 'hash';
    if (contentHash !== undefined && !equal(eContent, contentHash)) {
      const decoded = b64decodeLenient(new TextDecoder('latin1').decode(eContent));
      if (decoded !== undefined && equal(decoded, contentHash)) {
        held = decoded;
        form = 'base64-hash';
      } else if (options.content !== undefined && equal(eContent, options.content)) {
        form = 'content';
        held = contentHash;
      }
    }
    if (contentHash === undefined) {
      checks.push(check('cms.econtent', 'skipped', '未提供原文，无法核对封装的摘要', 'No content given; the encapsulated hash was not checked'));
      verdicts.push(indeterminate('SIGNED_DATA_NOT_FOUND'));
    } else if (equal(held, contentHash)) {
      checks.push(check('cms.econtent', form === 'base64-hash' ? 'warning' : 'passed',
        form === 'base64-hash' ? '封装内容为原文摘要的 Base64 文本（非规范格式，已接受）' : '封装内容与原文摘要一致',
        form === 'base64-hash' ? 'The encapsulated content is the Base64 text of the content hash (non-standard, accepted)' : 'The encapsulated content matches the content hash',
        { form }));
    } else {
      checks.push(check('cms.econtent', 'failed', '封装的摘要与原文不一致，原文已被修改', 'The encapsulated hash does not match the content; it was modified'));
      verdicts.push(failed('HASH_FAILURE'));
    }
  } else {
    // Detached, no attributes: the signature is over the content itself.
    signedMessage = options.content;
    if (signedMessage === undefined) {
      checks.push(check('cms.content', 'skipped', '分离式签名且未提供原文', 'Detached signature and no content given'));
      verdicts.push(indeterminate('SIGNED_DATA_NOT_FOUND'));
    }
  }

  // ── signature value ──
  if (signerCert === undefined) {
    verdicts.push(indeterminate('NO_SIGNING_CERTIFICATE_FOUND'));
  } else if (signedMessage !== undefined) {
    const algOid = combinedSignatureOid(sigAlgOid, digestAlgOid);
    let ok = false;
    let error: string | undefined;
    if (algOid === undefined) error = `unsupported signature algorithm ${sigAlgOid}`;
    else {
      try {
        ok = await verifySignatureByOid(signerCert.publicKey, algOid, signedMessage, signatureValue, {});
      } catch (err) {
        error = err instanceof SealError ? err.code : err instanceof Error ? err.message.slice(0, 120) : 'error';
      }
    }
    if (error !== undefined) {
      checks.push(check('signature.value', 'failed', `无法验证签名值：${error}`, `The signature value could not be verified: ${error}`, { algorithm: sigAlgOid }));
      verdicts.push(algOid === undefined ? indeterminate('CRYPTO_CONSTRAINTS_FAILURE') : failed('SIG_CRYPTO_FAILURE'));
    } else if (ok) {
      checks.push(check('signature.value', 'passed', '签名值验证通过', 'The signature value verifies', { algorithm: sigAlgOid, over: signedAttrsNode !== undefined ? 'signedAttributes' : eContent !== undefined ? 'eContent' : 'content' }));
    } else {
      checks.push(check('signature.value', 'failed', '签名值验证失败', 'The signature value does not verify', { algorithm: sigAlgOid }));
      verdicts.push(failed('SIG_CRYPTO_FAILURE'));
    }
  }

  // ── signer certificate path ──
  let signer: CertificateSummary | undefined;
  if (signerCert !== undefined) {
    const time = options.time ?? signingTime ?? new Date();
    const outcome = await evaluateChain('signature.signer-certificate', signerCert, {
      trustAnchors: options.trustAnchors,
      intermediates: [...(options.intermediates ?? []), ...certs.filter((c) => c !== signerCert)],
      crls: options.crls ?? [],
    }, time, '签名者', 'signer');
    signer = outcome.summary;
    checks.push(outcome.check);
    verdicts.push(outcome.verdict);
  }
  verdicts.push(PASSED);
  const verdict = combineVerdicts(verdicts);
  return {
    ...base,
    indication: verdict.indication,
    subIndications: verdict.subIndications,
    ...(signer === undefined ? {} : { signer }),
    ...(signerCert === undefined ? {} : { signerCertificate: signerCert }),
    ...(signingTime === undefined ? {} : { signingTime: signingTime.toISOString() }),
    ...(signingTimeText === undefined ? {} : { signingTimeText }),
    checks,
  };
}

/** True when the bytes look like a ContentInfo carrying SignedData (either OID). */
export function isCmsSignedData(der: Uint8Array): boolean {
  try {
    const root = parseDer(der, true);
    const oid = oidOf(root.children[0]);
    return root.tag === TAG.SEQUENCE && (oid === id_signedData || oid === id_gmt0010_signedData);
  } catch {
    return false;
  }
}
