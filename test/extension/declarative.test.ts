// SPDX-License-Identifier: Apache-2.0
// parseDeclarative without a browser: what a data-eseal-* element turns into (URL resolved
// against the page, fragment dropped, defaults), and the attribute named in each refusal. The
// browser path (clicks, events, fetch, consent) is test/extension/declarative.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../extension/page/declarative.js';
import { SealError } from '../../shared/errors/index.js';

const ORIGIN = 'https://zfzf.czj.example.gov.cn';
const BASE = `${ORIGIN}/notice/list.html`;

/** The part of an Element parseDeclarative reads. */
function el(attrs: Record<string, string>): Element {
  return { attributes: Object.entries(attrs).map(([name, value]) => ({ name, value })) } as unknown as Element;
}

function refusal(attrs: Record<string, string>): { code: string; attribute: unknown } {
  try {
    parseDeclarative(el(attrs), ORIGIN, BASE, '通知');
  } catch (e) {
    if (e instanceof SealError) return { code: e.code, attribute: e.details['attribute'] };
    throw e;
  }
  throw new Error('accepted');
}

describe('parseDeclarative', () => {
  it('seal-pdf with a position: relative URL resolved on the page, fragment dropped, page and mm kept', () => {
    const r = parseDeclarative(el({ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '42.pdf?v=2#page=3', 'data-eseal-seal-type': 'official', 'data-eseal-page': '3', 'data-eseal-at': ' 150.5 , 230 ', 'data-eseal-target': 'out', 'class': 'btn' }), ORIGIN, BASE, '  关于开展年度检查的通知 ');
    expect(r).toEqual({ action: 'seal-pdf', documentUrl: `${ORIGIN}/notice/42.pdf?v=2`, sealType: 'official', placement: { page: 3, x: 150.5, y: 230 }, title: '关于开展年度检查的通知', target: 'out' });
  });

  it('seal-pdf with a keyword (page optional), seal-data and verify with their own attributes', () => {
    expect(parseDeclarative(el({ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'legal', 'data-eseal-keyword': '（盖章）', 'data-eseal-callback': 'done' }), ORIGIN, BASE).placement).toEqual({ keyword: '（盖章）' });
    expect(parseDeclarative(el({ 'data-eseal-action': 'seal-data', 'data-eseal-document': '/v/1.xml', 'data-eseal-seal-type': 'official', 'data-eseal-seal-id': 'seal-01', 'data-eseal-title': '凭证 1', 'data-eseal-target': 't' }), ORIGIN, BASE)).toEqual({ action: 'seal-data', documentUrl: `${ORIGIN}/v/1.xml`, sealType: 'official', sealId: 'seal-01', title: '凭证 1', target: 't' });
    // No page title: the file name is what the consent window shows.
    expect(parseDeclarative(el({ 'data-eseal-action': 'verify', 'data-eseal-document': '/x/报告.ofd', 'data-eseal-callback': 'cb' }), ORIGIN, BASE).title).toBe('报告.ofd');
  });

  it.each([
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': '//evil.example.com/a.pdf', 'data-eseal-target': 't' }, 'data-eseal-document'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': 'http://zfzf.czj.example.gov.cn/a.pdf', 'data-eseal-target': 't' }, 'data-eseal-document'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': 'data:application/pdf;base64,JVBERg==', 'data-eseal-target': 't' }, 'data-eseal-document'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': '', 'data-eseal-target': 't' }, 'data-eseal-document'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': `/${'a'.repeat(2100)}`, 'data-eseal-target': 't' }, 'data-eseal-document'],
    [{ 'data-eseal-action': 'VERIFY', 'data-eseal-document': '/a.pdf', 'data-eseal-target': 't' }, 'data-eseal-action'],
    [{ 'data-eseal-document': '/a.pdf', 'data-eseal-target': 't' }, 'data-eseal-action'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': '/a.pdf', 'data-eseal-target': 't', 'data-eseal-seal-type': 'official' }, 'data-eseal-seal-type'],
    [{ 'data-eseal-action': 'seal-data', 'data-eseal-document': '/a', 'data-eseal-seal-type': 'official', 'data-eseal-at': '1,1', 'data-eseal-target': 't' }, 'data-eseal-at'],
    [{ 'data-eseal-action': 'seal-data', 'data-eseal-document': '/a', 'data-eseal-target': 't' }, 'data-eseal-seal-type'],
    [{ 'data-eseal-action': 'seal-data', 'data-eseal-document': '/a', 'data-eseal-seal-type': 'official', 'data-eseal-seal-id': 'has space', 'data-eseal-target': 't' }, 'data-eseal-seal-id'],
    [{ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-at': '1e3,5', 'data-eseal-target': 't' }, 'data-eseal-at'],
    [{ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-at': '6000,5', 'data-eseal-target': 't' }, 'data-eseal-at'],
    [{ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-keyword': '', 'data-eseal-target': 't' }, 'data-eseal-keyword'],
    [{ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-page': '1.5', 'data-eseal-at': '1,1', 'data-eseal-target': 't' }, 'data-eseal-page'],
    [{ 'data-eseal-action': 'seal-pdf', 'data-eseal-document': '/a.pdf', 'data-eseal-seal-type': 'official', 'data-eseal-at': '1,1', 'data-eseal-title': '', 'data-eseal-target': 't' }, 'data-eseal-title'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': '/a.pdf', 'data-eseal-target': 'a b' }, 'data-eseal-target'],
    [{ 'data-eseal-action': 'verify', 'data-eseal-document': '/a.pdf', 'data-eseal-callback': 'window.x' }, 'data-eseal-callback'],
  ])('refuses %j naming %s', (attrs, attribute) => {
    expect(refusal(attrs)).toEqual({ code: 'ERR_DECLARATIVE_ATTRIBUTE', attribute });
  });
});
