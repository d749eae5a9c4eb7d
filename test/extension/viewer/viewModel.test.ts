// SPDX-License-Identifier: Apache-2.0
/**
 * The report → panel mapping of the viewer (extension/viewer/viewModel.ts) on real reports: the
 * shared OFD samples (README results) and PDFs signed in the test with the test PKI (clean, tampered,
 * annotated after signing, countersigned), with the real _locales catalogues in Chinese and English.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { badgeStatus, changeOf, displayTime, messagesFrom, panelModel, type Messages, type MessagesJson, type PanelEntry } from '../../../extension/viewer/viewModel.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { preparePdfSignature } from '../../../shared/pdf/index.js';
import { classicPdf } from '../../shared/pdf/support/makePdf.js';
import { addAnnotation, changeContent, signWith } from '../../shared/verify/pdfFixtures.js';

const zh = messagesFrom(JSON.parse(readFileSync('extension/_locales/zh_CN/messages.json', 'utf8')) as MessagesJson);
const en = messagesFrom(JSON.parse(readFileSync('extension/_locales/en/messages.json', 'utf8')) as MessagesJson);
const ofd = (name: string) => verifyDocument(new Uint8Array(readFileSync(`test/fixtures/samples/ofd/${name}`)), { fileName: name });
const row = (e: PanelEntry | undefined, key: string) => e?.rows.find((r) => r.key === key);

let pki: TestPki;
beforeAll(async () => {
  pki = await loadTestPki();
});

describe('messagesFrom: chrome.i18n substitution rules over messages.json', () => {
  it('fills $1…, named placeholders and $$; unknown keys come back as the key', () => {
    const m = messagesFrom({ a: { message: '$1 至 $2，$$5' }, b: { message: '版本 $VERSION$', placeholders: { version: { content: '$1' } } } });
    expect(m('a', ['x', 'y'])).toBe('x 至 y，$5');
    expect(m('b', ['1.2'])).toBe('版本 1.2');
    expect(m('missing')).toBe('missing');
  });

  it('the zh_CN and en catalogues have the same viewer keys, and every key the mapping uses exists', () => {
    const keys = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object).filter((k) => k.startsWith('viewer_')).sort();
    const zhKeys = keys('extension/_locales/zh_CN/messages.json');
    expect(keys('extension/_locales/en/messages.json')).toEqual(zhKeys);
    const used: string[] = [];
    const spy: Messages = (k, s) => {
      used.push(k);
      return zh(k, s);
    };
    for (const status of ['valid', 'invalid', 'unknown']) spy(`viewer_status_${status}`);
    for (const c of ['none', 'signatures', 'form', 'annotations', 'other', 'modified', 'unknown']) spy(`viewer_changed_${c}`);
    for (const c of ['VALID', 'REVOKED', 'EXPIRED', 'NOT_YET_VALID', 'UNTRUSTED', 'INVALID', 'UNKNOWN']) spy(`viewer_cert_${c}`);
    for (const k of used) expect(zhKeys, k).toContain(k);
  });
});

describe('OFD samples → badges and panel rows (README expected results)', () => {
  it('valid cryptography without a trust anchor → unknown; the panel says who, which seal, when, unchanged, chain not judged', async () => {
    const report = await ofd('gomain-jiangsu-tax-v4.ofd');
    const model = panelModel(report, zh);
    expect(model.status).toBe('unknown');
    expect(model.entries).toHaveLength(1);
    const e = model.entries[0];
    expect(e?.status).toBe('unknown');
    expect(e?.statusText).toBe('无法确定');
    expect(e?.change).toBe('none');
    expect(row(e, 'changed')?.value).toBe('否，签章后文档未被修改');
    expect(row(e, 'seal')?.value).toContain(report.signatures[0]?.seal?.name ?? '(none)');
    expect(row(e, 'signer')?.value.length).toBeGreaterThan(0);
    expect(row(e, 'certificate')?.value).toMatch(/^无法判断（未配置受信任的根证书/);
    expect(row(e, 'reasons')?.value).toBe('无法链接到受信任的根证书');
    expect(row(e, 'registry')?.value).toBe('未查询（未配置备案/注销登记）');
    // This seal's picture is OFD vector content: not an <img> source; drawn through pdf.js instead.
    expect(report.signatures[0]?.seal?.picture.format).toBe('ofd');
    expect(e?.picture).toBeUndefined();
    expect(e?.pictureNotShown).toBe(true);
    expect(e?.vectorPicture?.dataBase64.length).toBeGreaterThan(100);
    const dianju = panelModel(await ofd('dianju-v4-signvalue-name.ofd'), zh).entries[0];
    expect(dianju?.picture?.mime).toBe('image/png');
    expect(dianju?.picture?.dataBase64.length).toBeGreaterThan(1000);
  });

  it('Yunnan (two page contents changed after sealing) → invalid, "modified" in both entries', async () => {
    const model = panelModel(await ofd('gomain-yunnan-v4-two-seals.ofd'), zh);
    expect(model.status).toBe('invalid');
    expect(model.entries.map((e) => [e.status, e.change])).toEqual([['invalid', 'modified'], ['invalid', 'modified']]);
    expect(row(model.entries[0], 'changed')).toMatchObject({ tone: 'bad', value: '是：签章保护的内容已被修改（签章失效）' });
    expect(row(model.entries[0], 'reasons')?.value).toContain('文档在签章后被修改');
  });

  it('ofdrw-v4 (seal expired when used) → invalid; seal status and validity say so', async () => {
    const model = panelModel(await ofd('ofdrw-v4-seal.ofd'), zh);
    const e = model.entries[0];
    expect(e?.status).toBe('invalid');
    expect(row(e, 'sealStatus')).toMatchObject({ tone: 'bad' });
    expect(row(e, 'sealStatus')?.value).toContain('印章在签章时已过期');
    expect(row(e, 'sealValidity')?.tone).toBe('bad');
    expect(e?.change).toBe('none');
  });

  it('two GM/T 0010 digital signatures: two entries of kind digital signature, no seal rows', async () => {
    const model = panelModel(await ofd('gomain-two-digital-signs-gmt0010.ofd'), en);
    expect(model.entries.map((e) => row(e, 'kind')?.value)).toEqual(['Digital signature', 'Digital signature']);
    expect(model.entries.every((e) => row(e, 'seal') === undefined)).toBe(true);
    expect(model.headline).toBe('The validity of some seals or signatures cannot be determined');
  });

  it('a file that is not a document → no entries, the coded error shown', async () => {
    const report = await verifyDocument(new TextEncoder().encode('hello'), { fileName: 'x.txt' });
    const model = panelModel(report, zh);
    expect(model.entries).toEqual([]);
    expect(model.status).toBe('invalid');
    expect(model.error).toMatch(/\(ERR_FILE_TYPE_UNKNOWN\)$/);
  });
});

describe('PDFs signed with the test PKI → badges and changes', () => {
  const verify = (b: Uint8Array, anchors = true): Promise<VerificationReport> => verifyDocument(b, anchors ? { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] } : {});

  it('ECDSA CMS: valid with the test root, unknown without; the entry id is the field name', async () => {
    const signed = await signWith(classicPdf(), 'p256', { fieldName: 'Approval' });
    const withRoot = panelModel(await verify(signed.bytes), zh);
    expect(withRoot.entries.map((e) => [e.id, e.status, e.change])).toEqual([['Approval', 'valid', 'none']]);
    expect(row(withRoot.entries[0], 'certificate')?.value).toMatch(/^有效（可链接到受信任的根证书/);
    expect(withRoot.headline).toBe('全部 1 个签章/签名有效');
    const without = panelModel(await verify(signed.bytes, false), zh);
    expect(without.entries[0]?.status).toBe('unknown');
  });

  it('SM2 SES seal in a PDF: valid with the seal name and picture', async () => {
    const signed = await signWith(classicPdf(), 'ses', { fieldName: 'Seal 1' });
    const e = panelModel(await verify(signed.bytes), zh).entries[0];
    expect(e?.status).toBe('valid');
    expect(row(e, 'seal')?.value).toBe('测试单位合同专用章（印章编码 11010500000042）');
    expect(e?.picture?.mime).toBe('image/png');
  });

  it('a byte changed inside the signed range → invalid, modified', async () => {
    const signed = await signWith(classicPdf(), 'p256');
    const bad = signed.bytes.slice();
    const at = new TextDecoder('latin1').decode(bad).indexOf('Hello ESeal');
    bad[at] = 0x4a;
    const e = panelModel(await verify(bad), zh).entries[0];
    expect([e?.status, e?.change]).toEqual(['invalid', 'modified']);
  });

  it('an annotation added after signing → still valid, the change shown as annotations; content changed → invalid, other', async () => {
    const signed = await signWith(classicPdf(), 'ses');
    const annotated = panelModel(await verify(addAnnotation(signed.bytes)), zh).entries[0];
    expect([annotated?.status, annotated?.change]).toEqual(['valid', 'annotations']);
    expect(row(annotated, 'changed')).toMatchObject({ tone: 'warn', value: '有后续修改：签章后添加或修改了批注（不影响签章保护的内容）' });
    const changed = panelModel(await verify(changeContent(signed.bytes)), en).entries[0];
    expect(changed?.status).toBe('invalid');
    expect(changed?.change).not.toBe('none');
  });

  it('a signature field never signed (zero /Contents) → invalid, and "changed after signing" cannot be told', async () => {
    const blank = preparePdfSignature(classicPdf(), { page: 0, rect: [400, 700, 520, 800], fieldName: 'Blank', signingTime: new Date(), contentsReserveBytes: 4096, subFilter: 'adbe.pkcs7.detached' }).bytes;
    const e = panelModel(await verify(blank), zh).entries[0];
    expect([e?.id, e?.status, e?.change]).toEqual(['Blank', 'invalid', 'unknown']);
    expect(row(e, 'changed')?.value).toBe('无法判断');
  });

  it('a second signature after the first → the first reports "signatures"', async () => {
    const one = await signWith(classicPdf(), 'p256', { fieldName: 'First' });
    const two = await signWith(one.bytes, 'p256', { fieldName: 'Second', rect: [10, 10, 60, 60] });
    const model = panelModel(await verify(two.bytes), en);
    expect(model.entries.map((e) => [e.id, e.status, e.change])).toEqual([['First', 'valid', 'signatures'], ['Second', 'valid', 'none']]);
  });
});

describe('small rules', () => {
  it('indication → badge', () => {
    expect([badgeStatus('TOTAL_PASSED'), badgeStatus('TOTAL_FAILED'), badgeStatus('INDETERMINATE')]).toEqual(['valid', 'invalid', 'unknown']);
  });

  it('display time in a given offset; unreadable text passes through', () => {
    expect(displayTime('2026-01-02T03:04:05.000Z', 480)).toBe('2026-01-02 11:04:05 (UTC+08:00)');
    expect(displayTime('20201004072855Z', 480)).toBe('20201004072855Z');
  });

  it('changeOf: an OFD signature marked modified without a hash failure → other', async () => {
    const report = await ofd('kinggrid-v4-invoice.ofd');
    const sig = report.signatures[0];
    expect(sig).toBeDefined();
    if (!sig) return;
    expect(changeOf(sig)).toBe('none');
    expect(changeOf({ ...sig, coverage: { ...sig.coverage, modifiedAfterSigning: true } })).toBe('other');
  });
});
