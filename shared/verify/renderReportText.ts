// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Plain-text rendering of a {@link VerificationReport} for people: who sealed, with which seal, when,
 * whether the document changed after sealing, and the status of certificates and seal. Used by
 * `eseal verify` and the viewer's side panel. Chinese by default; English with `locale: 'en'`.
 * Every line is plain text (no colours, no markup) so it can be pasted into a ticket.
 */
import type { Locale } from '../errors/index.js';
import type { CertificateStatus, CheckResult, Indication, PdfModificationLevelName, PdfSignatureDetails, SignatureReport, VerificationReport } from './VerificationReport.js';

const IND_ZH: Record<Indication, string> = {
  TOTAL_PASSED: '有效',
  TOTAL_FAILED: '无效',
  INDETERMINATE: '无法确定',
};
const IND_EN: Record<Indication, string> = {
  TOTAL_PASSED: 'valid',
  TOTAL_FAILED: 'invalid',
  INDETERMINATE: 'cannot be determined',
};
const MARK: Record<Indication, string> = { TOTAL_PASSED: '[✓]', TOTAL_FAILED: '[✗]', INDETERMINATE: '[?]' };

const CERT_ZH: Record<CertificateStatus, string> = {
  VALID: '有效（可链接到受信任的根证书）',
  REVOKED: '已吊销',
  EXPIRED: '已过期',
  NOT_YET_VALID: '尚未生效',
  UNTRUSTED: '不受信任（无法链接到受信任的根证书）',
  INVALID: '证书链无效',
  UNKNOWN: '未知（未配置受信任的根证书）',
};
const CERT_EN: Record<CertificateStatus, string> = {
  VALID: 'valid (chains to a trust anchor)',
  REVOKED: 'revoked',
  EXPIRED: 'expired',
  NOT_YET_VALID: 'not yet valid',
  UNTRUSTED: 'untrusted (no path to a trust anchor)',
  INVALID: 'invalid chain',
  UNKNOWN: 'unknown (no trust anchors configured)',
};

const DOC_ZH: Record<VerificationReport['documentType'], string> = {
  ofd: 'OFD 文档',
  pdf: 'PDF 文档',
  seal: '电子印章文件',
  signature: '签名文件',
  unknown: '未知类型',
};

const STATUS_MARK: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', warning: '!', skipped: '-' };

/** Common name from an RFC 4514-style subject, else the whole subject. */
function cn(subject: string): string {
  const m = /(?:^|,)\s*CN=((?:\\,|[^,])+)/.exec(subject);
  return m?.[1]?.replace(/\\,/g, ',').trim() ?? subject;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function renderSignature(s: SignatureReport, index: number, total: number, zh: boolean, lines: string[]): void {
  const kindZh = s.kind === 'seal' ? '电子签章' : '数字签名';
  lines.push('');
  lines.push(zh
    ? `${MARK[s.indication]} 签名 ${index}/${total}（ID ${s.id}，${kindZh}，${s.format}）：${IND_ZH[s.indication]}（${s.indication}）`
    : `${MARK[s.indication]} Signature ${index}/${total} (ID ${s.id}, ${s.kind === 'seal' ? 'electronic seal' : 'digital signature'}, ${s.format}): ${IND_EN[s.indication]} (${s.indication})`);
  if (s.subIndications.length > 0 || s.sealCodes.length > 0) {
    const reasons = [...s.subIndications, ...s.sealCodes].join(', ');
    lines.push(zh ? `    原因：${reasons}` : `    Reasons: ${reasons}`);
  }
  if (s.signer !== undefined) {
    lines.push(zh ? `    签章人：${cn(s.signer.subject)}` : `    Signed by: ${cn(s.signer.subject)}`);
  }
  if (s.seal !== undefined) {
    const seal = s.seal;
    lines.push(zh
      ? `    印章：${seal.name}（编码 ${seal.esID}，${seal.format}，有效期 ${day(seal.validStart)} 至 ${day(seal.validEnd)}）`
      : `    Seal: ${seal.name} (ID ${seal.esID}, ${seal.format}, valid ${day(seal.validStart)} to ${day(seal.validEnd)})`);
  }
  if (s.signingTime !== undefined || s.signingTimeText !== undefined) {
    const t = s.signingTime ?? s.signingTimeText ?? '';
    const raw = s.signingTime !== undefined && s.signingTimeText !== undefined ? (zh ? `（原文 ${s.signingTimeText}）` : ` (as stored: ${s.signingTimeText})`) : '';
    lines.push(zh ? `    签章时间（签章方声明）：${t}${raw}` : `    Signing time (claimed): ${t}${raw}`);
  }
  if (s.timeStamp?.present === true) {
    lines.push(zh ? `    时间戳：${s.timeStamp.verified ? '已验证' : '未验证'}${s.timeStamp.time === undefined ? '' : ' ' + s.timeStamp.time}` : `    Time stamp: ${s.timeStamp.verified ? 'verified' : 'not verified'}${s.timeStamp.time === undefined ? '' : ' ' + s.timeStamp.time}`);
  }
  const modifiedBad = s.coverage.modifiedAfterSigning;
  const hashFailed = s.subIndications.includes('HASH_FAILURE');
  // PDF: the signed bytes may be intact while a later revision made a change the signature does not allow.
  const pdfLater = s.pdf !== undefined && modifiedBad && !hashFailed;
  if (pdfLater) lines.push(zh ? '    签章后文档是否被修改：是，签章后的修订版做了不允许的修改（签名所覆盖的字节未变）' : '    Changed after signing: YES, a later revision made changes this signature does not allow (the signed bytes are intact)');
  else lines.push(zh
    ? `    签章后文档是否被修改：${modifiedBad || hashFailed ? '是，受保护的内容已改变' : s.indication === 'TOTAL_FAILED' && s.subIndications.includes('FORMAT_FAILURE') ? '无法判断' : '否'}`
    : `    Changed after signing: ${modifiedBad || hashFailed ? 'YES, protected content changed' : s.indication === 'TOTAL_FAILED' && s.subIndications.includes('FORMAT_FAILURE') ? 'cannot tell' : 'no'}`);
  if (s.pdf !== undefined) renderPdf(s.pdf, zh, lines);
  else if (s.coverage.covered.length > 0) {
    lines.push(zh
      ? `    保护范围：${s.coverage.covered.length} 个文件；未保护 ${s.coverage.notCovered.length} 个`
      : `    Coverage: ${s.coverage.covered.length} files protected; ${s.coverage.notCovered.length} not protected`);
  }
  if (s.signer !== undefined) {
    lines.push(zh ? `    签章人证书：${CERT_ZH[s.signer.status]}` : `    Signer certificate: ${CERT_EN[s.signer.status]}`);
  }
  if (s.seal?.maker !== undefined) {
    lines.push(zh ? `    制章人证书：${cn(s.seal.maker.subject)}，${CERT_ZH[s.seal.maker.status]}` : `    Seal maker certificate: ${cn(s.seal.maker.subject)}, ${CERT_EN[s.seal.maker.status]}`);
  }
  for (const st of s.stamps) {
    const [x, y, w, h] = st.box;
    if (st.unit === 'pt') {
      // PDF: `page` is a 0-based index; people count from 1.
      const n = Number(st.page) + 1;
      lines.push(zh ? `    位置：第 ${n} 页，x=${x} y=${y} 宽 ${w} 高 ${h} pt` : `    Position: page ${n}, x=${x} y=${y} w=${w} h=${h} pt`);
      continue;
    }
    const clip = st.clip === undefined ? '' : zh ? `，裁剪 ${st.clip.join(' ')}` : `, clip ${st.clip.join(' ')}`;
    lines.push(zh ? `    位置：页面 ${st.page}，x=${x} y=${y} 宽 ${w} 高 ${h} ${st.unit}${clip}` : `    Position: page ${st.page}, x=${x} y=${y} w=${w} h=${h} ${st.unit}${clip}`);
  }
  lines.push(zh ? '    检查项：' : '    Checks:');
  for (const c of s.checks) lines.push(`      ${STATUS_MARK[c.status]} ${c.id}: ${zh ? c.messageZh : c.message}`);
}

const LEVEL_ZH: Record<PdfModificationLevelName, string> = {
  NONE: '无修改',
  SIGNATURES: '仅新增签名',
  FORM_FILLING: '填写了表单',
  ANNOTATIONS: '添加或修改了注释',
  OTHER: '修改了页面内容或其他对象',
};
const LEVEL_EN: Record<PdfModificationLevelName, string> = {
  NONE: 'no changes',
  SIGNATURES: 'new signatures only',
  FORM_FILLING: 'form fields filled',
  ANNOTATIONS: 'annotations added or changed',
  OTHER: 'page content or other objects changed',
};

function renderPdf(p: PdfSignatureDetails, zh: boolean, lines: string[]): void {
  const sub = p.subFilter === undefined ? '' : zh ? `（${p.subFilter}）` : ` (${p.subFilter})`;
  lines.push(zh ? `    签名域：${p.fieldName}${sub}` : `    Field: ${p.fieldName}${sub}`);
  if (p.reason !== undefined) lines.push(zh ? `    签章原因：${p.reason}` : `    Reason: ${p.reason}`);
  const range = p.coverage === 'ENTIRE_FILE'
    ? (zh ? '覆盖整个文件' : 'the whole file')
    : p.coverage === 'ENTIRE_REVISION'
      ? (zh ? `覆盖签章时的修订版，之后又有 ${p.laterRevisions} 次增量更新` : `the revision signed; ${p.laterRevisions} incremental update(s) follow`)
      : (zh ? '不明确（签名范围不正确）' : 'unclear (bad /ByteRange)');
  lines.push(zh ? `    签名范围：${range}` : `    Signed range: ${range}`);
  if (p.certification) lines.push(zh ? `    认证签名：DocMDP P=${p.docMdpPermission ?? 2}` : `    Certification signature: DocMDP P=${p.docMdpPermission ?? 2}`);
  const verdict = p.modificationLevel === 'NONE' ? '' : p.modificationsAllowed ? (zh ? '（允许）' : ' (allowed)') : (zh ? '（不允许）' : ' (NOT allowed)');
  const mdp = p.docMdpPermission === undefined || p.certification ? '' : zh ? `，受认证签名 DocMDP P=${p.docMdpPermission} 约束` : `, bound by the certification DocMDP P=${p.docMdpPermission}`;
  lines.push(zh ? `    签章后修改：${LEVEL_ZH[p.modificationLevel]}${verdict}${mdp}` : `    Changes after signing: ${LEVEL_EN[p.modificationLevel]}${verdict}${mdp}`);
}

/** Renders a report as plain text. */
export function renderReportText(report: VerificationReport, locale: Locale = 'zh-CN'): string {
  const zh = locale === 'zh-CN';
  const lines: string[] = [];
  const name = report.fileName ?? (zh ? '（输入）' : '(input)');
  lines.push(zh ? `文件：${name}（${DOC_ZH[report.documentType]}）` : `File: ${name} (${report.documentType})`);
  lines.push(`SM3: ${report.documentSm3}`);
  lines.push(zh ? `验证时间：${report.verifiedAt}` : `Verified at: ${report.verifiedAt}`);
  lines.push(zh
    ? `总体结论：${MARK[report.indication]} ${IND_ZH[report.indication]}（${report.indication}）`
    : `Overall: ${MARK[report.indication]} ${IND_EN[report.indication]} (${report.indication})`);
  if (report.error !== undefined) {
    lines.push(zh ? `错误：${report.error.messageZh}（${report.error.code}）` : `Error: ${report.error.message} (${report.error.code})`);
  }
  const total = report.signatures.length;
  if (total > 0) lines.push(zh ? `共 ${total} 个签章/签名` : `${total} signature(s)`);
  report.signatures.forEach((s, i) => renderSignature(s, i + 1, total, zh, lines));
  if (report.checks.length > 0) {
    lines.push('');
    lines.push(zh ? '文档级检查：' : 'Document checks:');
    for (const c of report.checks) lines.push(`  ${STATUS_MARK[c.status]} ${c.id}: ${zh ? c.messageZh : c.message}`);
  }
  return lines.join('\n') + '\n';
}
