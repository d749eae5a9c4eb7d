// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Certification path building and validation (a pragmatic subset of RFC 5280 §6) for seal makers'
 * and signers' certificates.
 *
 * Design rationale:
 * - **Building** goes from the leaf upwards. Issuer candidates are every trust anchor and intermediate
 *   whose subject matches the certificate's issuer (RFC 5280 §7.1 name matching) and, where both
 *   carry them, whose subjectKeyIdentifier equals the authorityKeyIdentifier. Candidates are tried
 *   anchors first, then exact key-identifier matches, then ones valid at the reference time. A
 *   certificate never appears twice in one path (loops end), paths hold at most
 *   {@link MAX_PATH_CERTIFICATES} certificates, at most {@link MAX_CANDIDATE_PATHS} complete paths
 *   are evaluated and at most {@link MAX_BUILD_STEPS} partial paths visited, so hostile certificate
 *   bags (say, fifty self-issued certificates with the same name) cannot make this slow. Every complete path is
 *   evaluated and the best one is returned (first VALID wins), so a cross-certificate with a bad
 *   signature or an expired duplicate of an intermediate does not hide a good path.
 * - **A trust anchor** is a certificate given in `trustAnchors`; it ends the path and its own
 *   signature is not checked (RFC 5280 §6.1.1 treats it as a name and a key). Its validity period is
 *   checked, as OpenSSL does.
 * - **Checks on the path** (leaf → anchor): each certificate's signature with the next one's key
 *   (over the original TBS bytes), validity at `time` for every certificate, that every issuer is a CA
 *   (basicConstraints cA; an anchor without basicConstraints is tolerated, as for v1 roots), that
 *   issuers' keyUsage, when present, includes keyCertSign, pathLenConstraint, and the leaf's keyUsage /
 *   extendedKeyUsage against what the caller requires (all of `requiredKeyUsage`; each of
 *   `requiredExtendedKeyUsage` or anyExtendedKeyUsage). A certificate without the keyUsage or
 *   extendedKeyUsage extension is not restricted (RFC 5280 §4.2.1.3, §4.2.1.12). Unknown critical
 *   extensions are not rejected (they are listed in `Certificate.unhandledCriticalExtensions`).
 * - **Revocation** uses only the CRLs given. A CRL counts only when its issuer is the certificate's
 *   issuer on the path, its signature verifies with that issuer's key and the issuer may sign CRLs
 *   (keyUsage cRLSign when keyUsage is present); otherwise it is reported as `CRL_INVALID` and ignored.
 *   A CRL with critical extensions we do not interpret (delta CRLs, issuing distribution points,
 *   indirect CRLs) is also reported as `CRL_INVALID` and never counts as current information.
 *   A CRL whose [thisUpdate, nextUpdate] does not contain `time` does not count as current
 *   revocation information and is reported as `CRL_EXPIRED` (a warning) when no current CRL covers
 *   the certificate; but a revocation it lists with a date at or before `time` is still honoured
 *   (revocation is final; an attacker gains nothing by replaying an old CRL that revokes). Entries
 *   dated after `time` are ignored: the certificate was good at `time`. Without a current CRL for a certificate the status is not downgraded, unless
 *   `requireRevocationInfo` is set: then `NO_REVOCATION_INFO` makes the status `UNKNOWN`.
 * - **Status** is the most severe problem found, in this order:
 *   `REVOKED` > `INVALID` (SIGNATURE_INVALID, NOT_A_CA, PATH_LENGTH_EXCEEDED, KEY_USAGE,
 *   EXTENDED_KEY_USAGE) > `EXPIRED` > `NOT_YET_VALID` > `UNTRUSTED` (NO_PATH with anchors given) >
 *   `UNKNOWN` (no trust anchors given at all, or NO_REVOCATION_INFO) > `VALID`. `CRL_INVALID` and
 *   `CRL_EXPIRED` are warnings and never change the status by themselves.
 * - With no trust anchors the path is still built through the intermediates and checked as far as it
 *   goes (so an expired or badly signed certificate is still reported), and `NO_PATH` yields
 *   `UNKNOWN` instead of `UNTRUSTED`: there was nothing to trust, not a failure to chain.
 */

import type { CertificateStatus } from '../verify/VerificationReport.js';
import { SealError } from '../errors/index.js';
import type { Certificate } from './Certificate.js';
import type { Crl, RevokedEntry } from './Crl.js';
import { namesEqual } from './DistinguishedName.js';
import { anyExtendedKeyUsage } from './oids.js';
import { equalBytes } from './parseHelpers.js';
import { verifyCertificateSignature } from './verifySignature.js';

export type PathProblemCode =
  | 'NO_PATH'
  | 'SIGNATURE_INVALID'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'REVOKED'
  | 'NOT_A_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'KEY_USAGE'
  | 'EXTENDED_KEY_USAGE'
  | 'NO_REVOCATION_INFO'
  | 'CRL_INVALID'
  | 'CRL_EXPIRED';

export interface PathProblem {
  readonly code: PathProblemCode;
  /** Subject (RFC 4514) of the certificate the problem is about. */
  readonly certificate: string;
  readonly messageZh: string;
  readonly message: string;
}

export interface PathValidationResult {
  readonly status: CertificateStatus;
  /** The chosen path, leaf first, ending at a trust anchor (or as far as it could be built). */
  readonly path: Certificate[];
  readonly reasons: PathProblem[];
}

export interface PathValidationOptions {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Reference time (now, or the trusted signing time). */
  readonly time: Date;
  /** Key usage names the leaf must all allow, e.g. `['digitalSignature']`. */
  readonly requiredKeyUsage?: readonly string[];
  /** Extended key usage OIDs the leaf must each allow. */
  readonly requiredExtendedKeyUsage?: readonly string[];
  /** Treat a certificate without a current, verified CRL as `UNKNOWN`. */
  readonly requireRevocationInfo?: boolean;
}

/** Longest path considered, leaf and anchor included. */
export const MAX_PATH_CERTIFICATES = 10;
/** Most complete candidate paths evaluated. */
export const MAX_CANDIDATE_PATHS = 32;
/** Most partial paths visited while building (bounds the search over bags of same-named certificates). */
export const MAX_BUILD_STEPS = 2_000;

/** Status of each problem code; `null` = warning only. */
const STATUS_OF: Readonly<Record<PathProblemCode, CertificateStatus | null>> = {
  REVOKED: 'REVOKED',
  SIGNATURE_INVALID: 'INVALID',
  NOT_A_CA: 'INVALID',
  PATH_LENGTH_EXCEEDED: 'INVALID',
  KEY_USAGE: 'INVALID',
  EXTENDED_KEY_USAGE: 'INVALID',
  EXPIRED: 'EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
  NO_PATH: 'UNTRUSTED',
  NO_REVOCATION_INFO: 'UNKNOWN',
  CRL_INVALID: null,
  CRL_EXPIRED: null,
};

/** Most severe first. */
export const STATUS_PRECEDENCE: readonly CertificateStatus[] = ['REVOKED', 'INVALID', 'EXPIRED', 'NOT_YET_VALID', 'UNTRUSTED', 'UNKNOWN', 'VALID'];

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

function problem(code: PathProblemCode, cert: Certificate, messageZh: string, message: string): PathProblem {
  return { code, certificate: cert.subjectText, messageZh, message };
}

function sameCertificate(a: Certificate, b: Certificate): boolean {
  return a === b || equalBytes(a.der, b.der);
}

/** An anchor is matched by identical DER, or by the same subject and the same public key. */
function isAnchor(cert: Certificate, anchors: readonly Certificate[]): boolean {
  return anchors.some((a) => sameCertificate(a, cert) || (namesEqual(a.subject, cert.subject) && equalBytes(a.publicKey.spkiDer, cert.publicKey.spkiDer)));
}

/** Key identifiers agree, or cannot be compared. */
function keyIdsCompatible(child: Certificate, issuer: Certificate): boolean {
  if (child.authorityKeyIdentifier === undefined || issuer.subjectKeyIdentifier === undefined) return true;
  return equalBytes(child.authorityKeyIdentifier, issuer.subjectKeyIdentifier);
}

function dedupe(certs: readonly Certificate[]): Certificate[] {
  const out: Certificate[] = [];
  for (const c of certs) if (!out.some((o) => sameCertificate(o, c))) out.push(c);
  return out;
}

interface BuiltPaths {
  readonly complete: Certificate[][];
  readonly longestPartial: Certificate[];
}

function buildPaths(leaf: Certificate, anchors: readonly Certificate[], pool: readonly Certificate[], time: Date): BuiltPaths {
  const complete: Certificate[][] = [];
  let longestPartial: Certificate[] = [leaf];
  const rank = (child: Certificate, c: Certificate): number =>
    (isAnchor(c, anchors) ? 0 : 4) +
    (child.authorityKeyIdentifier !== undefined && c.subjectKeyIdentifier !== undefined ? 0 : 2) +
    (c.isValidAt(time) ? 0 : 1);

  let steps = 0;
  const visit = (path: Certificate[]): void => {
    if (complete.length >= MAX_CANDIDATE_PATHS || ++steps > MAX_BUILD_STEPS) return;
    const current = path[path.length - 1] as Certificate;
    if (isAnchor(current, anchors)) {
      complete.push(path);
      return;
    }
    const candidates =
      path.length >= MAX_PATH_CERTIFICATES
        ? []
        : pool
            .filter((c) => namesEqual(c.subject, current.issuer) && keyIdsCompatible(current, c) && !path.some((p) => sameCertificate(p, c)))
            .sort((a, b) => rank(current, a) - rank(current, b));
    if (candidates.length === 0) {
      if (path.length > longestPartial.length) longestPartial = path;
      return;
    }
    for (const c of candidates) visit([...path, c]);
  };
  visit([leaf]);
  return { complete, longestPartial };
}

type SignatureCache = Map<Certificate, Map<Certificate, Promise<boolean | 'unsupported'>>>;

function checkSignature(cache: SignatureCache, cert: Certificate, issuer: Certificate): Promise<boolean | 'unsupported'> {
  let inner = cache.get(cert);
  if (inner === undefined) {
    inner = new Map();
    cache.set(cert, inner);
  }
  let p = inner.get(issuer);
  if (p === undefined) {
    p = verifyCertificateSignature(cert, issuer).catch((e: unknown) => {
      if (e instanceof SealError && e.code === 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED') return 'unsupported' as const;
      throw e;
    });
    inner.set(issuer, p);
  }
  return p;
}

function statusOf(reasons: readonly PathProblem[], anchorsGiven: boolean): CertificateStatus {
  let best = STATUS_PRECEDENCE.length - 1;
  for (const r of reasons) {
    let s = STATUS_OF[r.code];
    if (r.code === 'NO_PATH' && !anchorsGiven) s = 'UNKNOWN';
    if (s === null) continue;
    best = Math.min(best, STATUS_PRECEDENCE.indexOf(s));
  }
  return STATUS_PRECEDENCE[best] as CertificateStatus;
}

async function evaluatePath(path: readonly Certificate[], complete: boolean, options: PathValidationOptions, cache: SignatureCache): Promise<PathProblem[]> {
  const reasons: PathProblem[] = [];
  const { time } = options;
  const n = path.length;
  const leaf = path[0] as Certificate;

  for (let i = 0; i < n; i++) {
    const cert = path[i] as Certificate;
    const issuer = path[i + 1];
    const isTop = i === n - 1;

    // Signature by the next certificate (the anchor's own signature is not checked).
    if (issuer !== undefined) {
      const ok = await checkSignature(cache, cert, issuer);
      if (ok === 'unsupported') {
        reasons.push(problem('SIGNATURE_INVALID', cert, `不支持的签名算法 ${cert.signatureAlgorithmOid}，无法验证证书签名`, `Unsupported signature algorithm ${cert.signatureAlgorithmOid}; the certificate signature cannot be verified`));
      } else if (!ok) {
        reasons.push(problem('SIGNATURE_INVALID', cert, `证书签名验证失败（签发者：${issuer.subjectText}）`, `The certificate signature does not verify with the key of ${issuer.subjectText}`));
      }
    }

    // Validity period.
    if (time.getTime() > cert.notAfter.getTime()) {
      reasons.push(problem('EXPIRED', cert, `证书已过期（有效期至 ${iso(cert.notAfter)}）`, `The certificate expired on ${iso(cert.notAfter)}`));
    } else if (time.getTime() < cert.notBefore.getTime()) {
      reasons.push(problem('NOT_YET_VALID', cert, `证书尚未生效（生效时间 ${iso(cert.notBefore)}）`, `The certificate is not valid before ${iso(cert.notBefore)}`));
    }

    // Issuer constraints for every certificate that issued the one below it.
    if (i >= 1) {
      const anchorTop = complete && isTop;
      const bc = cert.basicConstraints;
      // Without basicConstraints only a trust anchor may issue (v1/v2 roots); an intermediate may not.
      const isCa = bc !== undefined ? bc.ca : anchorTop;
      if (!isCa) {
        reasons.push(problem('NOT_A_CA', cert, '签发者证书不是 CA 证书（基本约束不允许签发证书）', 'The issuing certificate is not a CA (basicConstraints does not allow issuing certificates)'));
      }
      if (cert.keyUsage !== undefined && !cert.keyUsage.includes('keyCertSign')) {
        reasons.push(problem('KEY_USAGE', cert, '签发者证书的密钥用法不包含证书签名（keyCertSign）', 'The issuing certificate’s key usage does not include keyCertSign'));
      }
      if (bc?.pathLength !== undefined) {
        let intermediatesBelow = 0;
        for (let j = 1; j < i; j++) if (!(path[j] as Certificate).isSelfIssued) intermediatesBelow++;
        if (intermediatesBelow > bc.pathLength) {
          reasons.push(problem('PATH_LENGTH_EXCEEDED', cert, `超出签发者证书的路径长度限制（pathLen=${bc.pathLength}）`, `The path length constraint (pathLen=${bc.pathLength}) of this CA is exceeded`));
        }
      }
    }

    // Revocation of every certificate below the top, by its issuer's CRLs.
    if (issuer !== undefined) await checkRevocation(cert, issuer, options, reasons);
  }

  // Leaf usage.
  const ku = options.requiredKeyUsage ?? [];
  if (ku.length > 0 && leaf.keyUsage !== undefined) {
    const missing = ku.filter((u) => !(leaf.keyUsage as readonly string[]).includes(u));
    if (missing.length > 0) {
      reasons.push(problem('KEY_USAGE', leaf, `证书密钥用法不允许此用途（缺少 ${missing.join('、')}）`, `The certificate key usage does not allow this use (missing ${missing.join(', ')})`));
    }
  }
  const eku = options.requiredExtendedKeyUsage ?? [];
  if (eku.length > 0 && leaf.extendedKeyUsage !== undefined && !leaf.extendedKeyUsage.includes(anyExtendedKeyUsage)) {
    const missing = eku.filter((u) => !(leaf.extendedKeyUsage as readonly string[]).includes(u));
    if (missing.length > 0) {
      reasons.push(problem('EXTENDED_KEY_USAGE', leaf, `证书扩展密钥用法不允许此用途（缺少 ${missing.join('、')}）`, `The certificate extended key usage does not allow this use (missing ${missing.join(', ')})`));
    }
  }

  if (!complete) {
    const top = path[n - 1] as Certificate;
    if (options.trustAnchors.length === 0) {
      reasons.push(problem('NO_PATH', top, '未配置受信任的根证书，无法确认证书是否可信', 'No trust anchors are configured; the certificate cannot be checked against a trusted root'));
    } else {
      reasons.push(problem('NO_PATH', top, `无法构建到受信任根证书的证书链（找不到签发者：${top.issuerText}）`, `No certification path to a trust anchor (issuer not found: ${top.issuerText})`));
    }
  }
  return reasons;
}

async function checkRevocation(cert: Certificate, issuer: Certificate, options: PathValidationOptions, reasons: PathProblem[]): Promise<void> {
  const { time } = options;
  let current = false;
  let revokedEntry: RevokedEntry | undefined;
  const stale: PathProblem[] = [];
  for (const crl of options.crls ?? []) {
    if (!crl.isIssuedBy(issuer)) continue;
    let ok: boolean;
    try {
      ok = await crl.verify(issuer);
    } catch (e) {
      if (!(e instanceof SealError && e.code === 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED')) throw e;
      ok = false;
    }
    if (!ok) {
      reasons.push(problem('CRL_INVALID', cert, `证书吊销列表签名无效（签发者：${crl.issuerText}），已忽略`, `The CRL issued by ${crl.issuerText} has an invalid signature and was ignored`));
      continue;
    }
    if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('cRLSign')) {
      reasons.push(problem('CRL_INVALID', cert, `证书吊销列表签发者不允许签发 CRL（缺少 cRLSign），已忽略`, `The CRL issuer ${crl.issuerText} may not sign CRLs (no cRLSign); the CRL was ignored`));
      continue;
    }
    if (crl.unhandledCriticalExtensions.length > 0) {
      // RFC 5280 §5.2: not usable for status (e.g. a delta CRL); its revocations are still honoured below.
      const exts = crl.unhandledCriticalExtensions.join(', ');
      reasons.push(problem('CRL_INVALID', cert, `证书吊销列表含不支持的关键扩展（${exts}），不作为当前吊销信息`, `The CRL has unsupported critical extensions (${exts}) and does not count as current revocation information`));
    } else if (crl.isCurrentAt(time)) {
      current = true;
    } else {
      const window = `${iso(crl.thisUpdate)} – ${crl.nextUpdate !== undefined ? iso(crl.nextUpdate) : '…'}`;
      stale.push(problem('CRL_EXPIRED', cert, `证书吊销列表不在有效期内（${window}）`, `The CRL is not current at the reference time (${window})`));
    }
    const entry = crl.entryFor(cert.serialNumberHex);
    if (entry !== undefined && entry.reason !== 'removeFromCRL' && entry.date.getTime() <= time.getTime()) {
      if (revokedEntry === undefined || entry.date.getTime() < revokedEntry.date.getTime()) revokedEntry = entry;
    }
  }
  // A stale CRL is worth a warning only when no current one answered for this certificate.
  if (!current) reasons.push(...stale);
  if (revokedEntry !== undefined) {
    const why = revokedEntry.reason !== undefined ? `，原因：${revokedEntry.reason}` : '';
    const whyEn = revokedEntry.reason !== undefined ? ` (reason: ${revokedEntry.reason})` : '';
    reasons.push(problem('REVOKED', cert, `证书已被吊销（吊销时间 ${iso(revokedEntry.date)}${why}）`, `The certificate was revoked on ${iso(revokedEntry.date)}${whyEn}`));
  } else if (!current && options.requireRevocationInfo === true) {
    reasons.push(problem('NO_REVOCATION_INFO', cert, '没有可用的当前证书吊销信息（CRL）', 'No current, verified revocation information (CRL) is available'));
  }
}

/**
 * Builds and validates the certification path of `leaf` at `options.time`. Never throws for an
 * invalid certificate: the verdict is in `status` and `reasons`. Throws `ERR_INPUT_INVALID` for bad
 * options.
 */
export async function validateCertificatePath(leaf: Certificate, options: PathValidationOptions): Promise<PathValidationResult> {
  if (!(options.time instanceof Date) || Number.isNaN(options.time.getTime())) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'time', reason: 'not a valid Date' });
  }
  if (!Array.isArray(options.trustAnchors)) {
    throw new SealError('ERR_INPUT_INVALID', { name: 'trustAnchors', reason: 'expected an array of certificates' });
  }
  const anchors = dedupe(options.trustAnchors);
  const pool = dedupe([...anchors, ...(options.intermediates ?? [])]);
  const cache: SignatureCache = new Map();
  const anchorsGiven = anchors.length > 0;

  const { complete, longestPartial } = buildPaths(leaf, anchors, pool, options.time);
  let best: PathValidationResult | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const path of complete) {
    const reasons = await evaluatePath(path, true, options, cache);
    const status = statusOf(reasons, anchorsGiven);
    const rank = STATUS_PRECEDENCE.length - STATUS_PRECEDENCE.indexOf(status);
    // Lower is better: VALID=1 … REVOKED=7; ties: fewer reasons, then shorter path.
    const score = rank * 1_000_000 + reasons.length * 100 + path.length;
    if (score < bestRank) {
      bestRank = score;
      best = { status, path, reasons };
    }
    if (status === 'VALID' && reasons.length === 0) break;
  }
  if (best !== undefined) return best;

  const reasons = await evaluatePath(longestPartial, false, options, cache);
  return { status: statusOf(reasons, anchorsGiven), path: longestPartial, reasons };
}
