// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The verification report → what the viewer shows: one badge status per signature (valid / invalid /
 * unknown) and one panel entry with plain-language rows (who signed, which seal, when, changed after
 * sealing and how, certificate and seal status, filing/revocation). Pure (no DOM, no browser API) so
 * it is unit tested against real reports.
 *
 * Wording comes from extension/_locales (keys `viewer_*`) through the `Messages` function, so the
 * same strings serve the browser's language and the viewer's 中文/English switch.
 *
 * Badge rule (documents.md §2.4–2.5, Acrobat-like): TOTAL_PASSED → valid, TOTAL_FAILED → invalid,
 * INDETERMINATE → unknown. A valid signature whose document got *allowed* later changes (new
 * signatures, form filling, annotations) stays valid, and the change is shown next to the badge —
 * it is never hidden.
 */
import type { CertificateStatus, CheckResult, Indication, SealCode, SignatureReport, SubIndication, VerificationReport } from '../../shared/verify/VerificationReport.js';

export type BadgeStatus = 'valid' | 'invalid' | 'unknown';

/** `viewer_*` message lookup with `$1`… substitutions (chrome.i18n semantics). */
export type Messages = (key: string, subs?: readonly string[]) => string;

/** How the document changed after this signature. */
export type ChangeKind = 'none' | 'signatures' | 'form' | 'annotations' | 'other' | 'modified' | 'unknown';

export interface PanelRow {
  readonly key: 'kind' | 'signer' | 'seal' | 'sealValidity' | 'time' | 'timestamp' | 'changed' | 'certificate' | 'maker' | 'sealStatus' | 'registry' | 'reasons' | 'format';
  readonly label: string;
  readonly value: string;
  readonly tone: 'ok' | 'bad' | 'warn' | 'neutral';
}

export interface PanelEntry {
  readonly id: string;
  readonly index: number;
  readonly status: BadgeStatus;
  readonly statusText: string;
  /** Seal name, else the signer's common name, else the signature id. */
  readonly title: string;
  readonly change: ChangeKind;
  readonly rows: readonly PanelRow[];
  readonly checks: readonly { readonly status: CheckResult['status']; readonly text: string }[];
  /** Seal picture for display (`image/png`, …) when the report carries it and the format is an image. */
  readonly picture?: { readonly mime: string; readonly dataBase64: string; readonly widthMm: number; readonly heightMm: number };
  /** The seal picture is an OFD vector document (drawn through pdf.js, see vectorSeal.ts). */
  readonly vectorPicture?: { readonly dataBase64: string; readonly widthMm: number; readonly heightMm: number };
  /** The seal has a picture the viewer cannot show as an image (and not as vector content either). */
  readonly pictureNotShown: boolean;
  /** PDF: 0-based page and `[x, y, w, h]` in points of the widget, when the report knows it. */
  readonly stamps: SignatureReport['stamps'];
}

export interface PanelModel {
  readonly status: BadgeStatus;
  readonly headline: string;
  readonly error?: string;
  readonly entries: readonly PanelEntry[];
  readonly documentChecks: readonly { readonly status: CheckResult['status']; readonly text: string }[];
}

export function badgeStatus(indication: Indication): BadgeStatus {
  return indication === 'TOTAL_PASSED' ? 'valid' : indication === 'TOTAL_FAILED' ? 'invalid' : 'unknown';
}

/** Common name from an RFC 4514-style subject, else the whole subject. */
export function commonName(subject: string): string {
  const m = /(?:^|,)\s*CN=((?:\\,|[^,])+)/.exec(subject);
  return m?.[1]?.replace(/\\,/g, ',').trim() ?? subject;
}

const PDF_LEVEL: Readonly<Record<string, ChangeKind>> = {
  NONE: 'none',
  SIGNATURES: 'signatures',
  FORM_FILLING: 'form',
  ANNOTATIONS: 'annotations',
  OTHER: 'other',
};

/**
 * What changed after signing. A failed digest is `modified` (the signed content itself changed).
 * Otherwise the PDF modification level (`pdf.modificationLevel`, or a check's `details.modificationLevel`:
 * NONE | SIGNATURES | FORM_FILLING | ANNOTATIONS | OTHER) tells how later revisions changed the
 * document; OFD's `coverage.modifiedAfterSigning` says whether.
 */
export function changeOf(sig: SignatureReport): ChangeKind {
  if (sig.subIndications.includes('HASH_FAILURE') || sig.sealCodes.includes('DOCUMENT_MODIFIED')) return 'modified';
  // Nothing readable was signed: "unchanged since signing" would be a false comfort.
  if (sig.indication === 'TOTAL_FAILED' && sig.subIndications.includes('FORMAT_FAILURE')) return 'unknown';
  // PDF: the verifier's `pdf.modificationLevel` (pyHanko's levels over later revisions).
  const pdfLevel = (sig as { readonly pdf?: { readonly modificationLevel?: unknown } }).pdf?.modificationLevel;
  if (typeof pdfLevel === 'string' && PDF_LEVEL[pdfLevel] !== undefined) return PDF_LEVEL[pdfLevel];
  for (const c of sig.checks) {
    const level = c.details?.['modificationLevel'] ?? c.details?.['level'];
    if (typeof level === 'string' && PDF_LEVEL[level] !== undefined) {
      const kind = PDF_LEVEL[level];
      if (kind === 'none' && sig.coverage.modifiedAfterSigning) return 'other';
      return kind;
    }
  }
  if (sig.coverage.modifiedAfterSigning) return 'other';
  return 'none';
}

const CHANGE_TONE: Readonly<Record<ChangeKind, PanelRow['tone']>> = {
  none: 'ok',
  signatures: 'warn',
  form: 'warn',
  annotations: 'warn',
  other: 'bad',
  modified: 'bad',
  unknown: 'warn',
};

const CERT_TONE: Readonly<Record<CertificateStatus, PanelRow['tone']>> = {
  VALID: 'ok',
  REVOKED: 'bad',
  EXPIRED: 'bad',
  NOT_YET_VALID: 'bad',
  UNTRUSTED: 'warn',
  INVALID: 'bad',
  UNKNOWN: 'warn',
};

const PICTURE_MIME: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', svg: 'image/svg+xml' };

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** Local-time display of an ISO instant: `2026-01-02 11:04:05 (UTC+08:00)`; the raw text on failure. */
export function displayTime(iso: string, offsetMinutes = -new Date(iso).getTimezoneOffset()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const local = new Date(t + offsetMinutes * 60_000).toISOString();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local.slice(0, 10)} ${local.slice(11, 19)} (UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')})`;
}

function checkStatus(sig: SignatureReport, id: string): CheckResult['status'] | undefined {
  return sig.checks.find((c) => c.id === id)?.status;
}

/** Filing (备案) and revocation (注销) as far as the verifier could tell. */
function registryRow(sig: SignatureReport, m: Messages): PanelRow | undefined {
  if (sig.seal === undefined) return undefined;
  const label = m('viewer_row_registry');
  if (sig.sealCodes.includes('SEAL_REVOKED')) return { key: 'registry', label, value: m('viewer_registry_revoked'), tone: 'bad' };
  if (sig.sealCodes.includes('SEAL_NOT_FILED')) return { key: 'registry', label, value: m('viewer_registry_not_filed'), tone: 'warn' };
  const filing = checkStatus(sig, 'seal.filing');
  const revocation = checkStatus(sig, 'seal.revocation');
  if (filing === 'passed') return { key: 'registry', label, value: m('viewer_registry_filed'), tone: 'ok' };
  if (revocation === 'passed') return { key: 'registry', label, value: m('viewer_registry_not_revoked'), tone: 'neutral' };
  return { key: 'registry', label, value: m('viewer_registry_unchecked'), tone: 'neutral' };
}

const SEAL_PROBLEMS: readonly SealCode[] = ['SEAL_MAKER_SIGNATURE_FAILURE', 'SEAL_EXPIRED', 'SEAL_NOT_YET_VALID', 'SEAL_SIGNER_NOT_IN_SEAL', 'SEAL_REVOKED', 'SEAL_EMBEDDED_MISMATCH', 'SEAL_MAKER_CERT_UNTRUSTED', 'SEAL_NOT_FILED'];

function reasonText(code: SubIndication | SealCode, m: Messages): string {
  const text = m(`viewer_reason_${code}`);
  return text === '' || text === `viewer_reason_${code}` ? code : text;
}

export function panelEntry(sig: SignatureReport, index: number, total: number, m: Messages): PanelEntry {
  const status = badgeStatus(sig.indication);
  const rows: PanelRow[] = [];
  const signerName = sig.signer === undefined ? undefined : commonName(sig.signer.subject);
  rows.push({ key: 'kind', label: m('viewer_row_kind'), value: m(sig.kind === 'seal' ? 'viewer_kind_seal' : 'viewer_kind_digital'), tone: 'neutral' });
  rows.push({ key: 'signer', label: m('viewer_row_signer'), value: signerName ?? m('viewer_unknown_value'), tone: signerName === undefined ? 'warn' : 'neutral' });
  if (sig.seal !== undefined) {
    rows.push({ key: 'seal', label: m('viewer_row_seal'), value: m('viewer_seal_detail', [sig.seal.name, sig.seal.esID]), tone: 'neutral' });
    const sealBad = SEAL_PROBLEMS.filter((c) => sig.sealCodes.includes(c));
    rows.push({ key: 'sealValidity', label: m('viewer_row_seal_validity'), value: m('viewer_seal_validity', [day(sig.seal.validStart), day(sig.seal.validEnd)]), tone: sig.sealCodes.includes('SEAL_EXPIRED') || sig.sealCodes.includes('SEAL_NOT_YET_VALID') ? 'bad' : 'neutral' });
    rows.push({
      key: 'sealStatus',
      label: m('viewer_row_seal_status'),
      value: sealBad.length === 0 ? m('viewer_seal_ok') : sealBad.map((c) => reasonText(c, m)).join('；'),
      tone: sealBad.length === 0 ? 'ok' : sealBad.every((c) => c === 'SEAL_MAKER_CERT_UNTRUSTED' || c === 'SEAL_NOT_FILED') ? 'warn' : 'bad',
    });
  }
  const time = sig.signingTime ?? sig.signingTimeText;
  rows.push({ key: 'time', label: m('viewer_row_time'), value: time === undefined ? m('viewer_unknown_value') : sig.signingTime !== undefined ? displayTime(sig.signingTime) : time, tone: 'neutral' });
  if (sig.timeStamp?.present === true) {
    rows.push({ key: 'timestamp', label: m('viewer_row_timestamp'), value: m(sig.timeStamp.verified ? 'viewer_timestamp_verified' : 'viewer_timestamp_unverified', [sig.timeStamp.time === undefined ? '' : displayTime(sig.timeStamp.time)]), tone: sig.timeStamp.verified ? 'ok' : 'warn' });
  }
  const change = changeOf(sig);
  rows.push({ key: 'changed', label: m('viewer_row_changed'), value: m(`viewer_changed_${change}`), tone: CHANGE_TONE[change] });
  if (sig.signer !== undefined) {
    rows.push({ key: 'certificate', label: m('viewer_row_certificate'), value: m(`viewer_cert_${sig.signer.status}`, [day(sig.signer.notBefore), day(sig.signer.notAfter)]), tone: CERT_TONE[sig.signer.status] });
  }
  if (sig.seal?.maker !== undefined) {
    rows.push({ key: 'maker', label: m('viewer_row_maker'), value: `${commonName(sig.seal.maker.subject)}：${m(`viewer_cert_${sig.seal.maker.status}`, [day(sig.seal.maker.notBefore), day(sig.seal.maker.notAfter)])}`, tone: CERT_TONE[sig.seal.maker.status] });
  }
  const registry = registryRow(sig, m);
  if (registry) rows.push(registry);
  // DOCUMENT_MODIFIED says again what the "changed" row already says.
  const reasons = [...sig.subIndications, ...sig.sealCodes.filter((c) => !SEAL_PROBLEMS.includes(c) && !(c === 'DOCUMENT_MODIFIED' && change === 'modified'))];
  if (reasons.length > 0) {
    rows.push({ key: 'reasons', label: m('viewer_row_reasons'), value: [...new Set(reasons)].map((c) => reasonText(c, m)).join('；'), tone: status === 'invalid' ? 'bad' : 'warn' });
  }
  rows.push({ key: 'format', label: m('viewer_row_format'), value: sig.format, tone: 'neutral' });
  const pic = sig.seal?.picture;
  const mime = pic === undefined ? undefined : PICTURE_MIME[pic.format.toLowerCase()];
  const zh = m('viewer_lang') === 'zh-CN';
  return {
    id: sig.id,
    index,
    status,
    statusText: m(`viewer_status_${status}`),
    title: m('viewer_entry_title', [String(index), String(total), sig.seal?.name ?? signerName ?? sig.id]),
    change,
    rows,
    checks: sig.checks.map((c) => ({ status: c.status, text: `${c.id}: ${zh ? c.messageZh : c.message}` })),
    ...(pic?.dataBase64 !== undefined && mime !== undefined ? { picture: { mime, dataBase64: pic.dataBase64, widthMm: pic.widthMm, heightMm: pic.heightMm } } : {}),
    ...(pic?.dataBase64 !== undefined && pic.format === 'ofd' ? { vectorPicture: { dataBase64: pic.dataBase64, widthMm: pic.widthMm, heightMm: pic.heightMm } } : {}),
    pictureNotShown: pic !== undefined && mime === undefined,
    stamps: sig.stamps,
  };
}

export function panelModel(report: VerificationReport, m: Messages): PanelModel {
  const total = report.signatures.length;
  const status = badgeStatus(report.indication);
  const zh = m('viewer_lang') === 'zh-CN';
  return {
    status,
    headline: total === 0 ? m('viewer_no_signatures') : m(`viewer_overall_${status}`, [String(total)]),
    ...(report.error === undefined ? {} : { error: `${zh ? report.error.messageZh : report.error.message} (${report.error.code})` }),
    entries: report.signatures.map((s, i) => panelEntry(s, i + 1, total, m)),
    documentChecks: report.checks.map((c) => ({ status: c.status, text: `${c.id}: ${zh ? c.messageZh : c.message}` })),
  };
}

/** chrome.i18n `messages.json` content. */
export type MessagesJson = Readonly<Record<string, { readonly message: string; readonly placeholders?: Readonly<Record<string, { readonly content: string }>> }>>;

/**
 * A `Messages` function over a messages.json object, with chrome.i18n's substitution rules
 * (`$NAME$` → placeholder content → `$1`…`$9`; `$$` → `$`), so the viewer can switch language at
 * run time (chrome.i18n follows the browser's language only).
 */
export function messagesFrom(json: MessagesJson): Messages {
  return (key, subs = []) => {
    const entry = json[key];
    if (entry === undefined) return key;
    const named = entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name: string) => {
      const ph = entry.placeholders?.[name.toLowerCase()];
      return ph === undefined ? whole : ph.content;
    });
    return named.replace(/\$(\$|[1-9])/g, (_w, d: string) => (d === '$' ? '$' : subs[Number(d) - 1] ?? ''));
  };
}
