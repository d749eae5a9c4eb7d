// SPDX-License-Identifier: Apache-2.0
// The background's sealPdf path for large documents, without a browser (the Chromium e2e is
// test/extension/sealPdfLarge.test.ts): a page document above 4 MiB is uploaded with doc.begin and
// ordered doc.put chunks that split on whole Base64 quanta, pdf.seal goes with documentRef, a
// documentRef result is read back with doc.get and handed to the page as `document`; a page may not
// name a documentRef, and a document above MAX_PAGE_DOCUMENT_BYTES is refused before the agent.
import { describe, expect, it } from 'vitest';
import type { RuntimeSender } from '../../../extension/browserApi.js';
import { fetchSameOrigin, pageDocument, PageRequestHandler, sameOriginUrl, type AgentLike } from '../../../extension/background/PageRequestHandler.js';
import type { LoadedPolicy } from '../../../extension/background/policySource.js';
import { MAX_PAGE_DOCUMENT_BYTES } from '../../../extension/page/messages.js';
import { SealError } from '../../../shared/errors/index.js';
import { parsePolicy } from '../../../shared/policy/Policy.js';

const PORTAL = 'https://zfzf.czj.example.gov.cn';
const policy: LoadedPolicy = { source: 'managed', policy: parsePolicy({ portals: [{ origin: PORTAL, actions: ['pdf.seal'], sealTypes: ['official'] }] }) };
const sender: RuntimeSender = { id: 'ext', origin: PORTAL, url: `${PORTAL}/page`, frameId: 0, tab: { id: 7, url: `${PORTAL}/page` } };
const request = (document: string, extra: Record<string, unknown> = {}) => ({ action: 'sealPdf', params: { sealId: 's1', document, display: { title: 't' }, placement: { page: 1, x: 1, y: 1 }, ...extra } });

/** An agent that keeps uploads and returns the "signed" document (input + a suffix) as documentRef. */
function storingAgent(suffix: Buffer) {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const docs = new Map<string, Buffer[]>();
  let n = 0;
  const agent: AgentLike = {
    state: 'ready',
    cancel: () => undefined,
    request: (method, p) => {
      const params = p as Record<string, unknown>;
      calls.push({ method, params });
      return Promise.resolve().then(() => {
        if (method === 'doc.begin') {
          docs.set(`d${++n}`, []);
          return { docId: `d${n}` };
        }
        if (method === 'doc.put') {
          docs.get(String(params['docId']))?.push(Buffer.from(String(params['data']), 'base64'));
          return { received: 0, complete: false };
        }
        if (method === 'pdf.seal') {
          const input = params['documentRef'] !== undefined ? Buffer.concat(docs.get(params['documentRef'] as string) ?? []) : Buffer.from(String(params['document']), 'base64');
          const out = Buffer.concat([input, suffix]);
          docs.set('out', [out]);
          return { documentRef: 'out', size: out.length, fieldName: 'Signature1' };
        }
        if (method === 'doc.get') {
          const all = Buffer.concat(docs.get(String(params['docId'])) ?? []);
          const offset = params['offset'] as number;
          return { data: all.subarray(offset, offset + (params['length'] as number)).toString('base64') };
        }
        if (method === 'doc.drop') return { dropped: docs.delete(String(params['docId'])) };
        throw new SealError('ERR_INTERNAL', { reason: method });
      });
    },
  };
  return { agent, calls };
}

const handler = (agent: AgentLike) => new PageRequestHandler({ loadPolicy: () => Promise.resolve(policy), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN' });

describe('sealPdf with a document larger than one agent frame', () => {
  it('uploads in ordered 3 MiB chunks, seals by documentRef, reads the result back into document', async () => {
    const input = Buffer.alloc(10 * 1024 * 1024 + 5, 0);
    for (let i = 0; i < input.length; i++) input[i] = (i * 31) & 255;
    const suffix = Buffer.alloc(5 * 1024 * 1024 + 1, 7);
    const { agent, calls } = storingAgent(suffix);
    const r = await handler(agent).handle(request(input.toString('base64')), sender);
    expect(r.ok).toBe(true);
    const result = (r as { result: Record<string, unknown> }).result;
    expect(result['documentRef']).toBeUndefined();
    expect(result['size']).toBeUndefined();
    expect(Buffer.from(String(result['document']), 'base64').equals(Buffer.concat([input, suffix]))).toBe(true);
    const puts = calls.filter((c) => c.method === 'doc.put').map((c) => c.params['offset']);
    expect(puts).toEqual([0, 3 * 1024 * 1024, 6 * 1024 * 1024, 9 * 1024 * 1024]);
    expect(calls.find((c) => c.method === 'doc.begin')?.params).toEqual({ size: input.length, kind: 'pdf' });
    const seal = calls.find((c) => c.method === 'pdf.seal')?.params ?? {};
    expect(seal['document']).toBeUndefined();
    expect(seal['documentRef']).toBe('d1');
    expect(calls.filter((c) => c.method === 'doc.get').every((c) => (c.params['length'] as number) <= 4 * 1024 * 1024)).toBe(true);
    expect(calls.at(-1)).toMatchObject({ method: 'doc.drop', params: { docId: 'out' } });
  });

  it('a small document goes inline, no doc.begin', async () => {
    const { agent, calls } = storingAgent(Buffer.from('sig'));
    const r = await handler(agent).handle(request(Buffer.from('%PDF-1.7 tiny').toString('base64')), sender);
    expect(r.ok).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['pdf.seal', 'doc.get', 'doc.drop']);
  });

  it('refuses a page documentRef and an oversized or non-Base64 document before the agent', async () => {
    const { agent, calls } = storingAgent(Buffer.alloc(0));
    const h = handler(agent);
    const ref = await h.handle(request('QUFB', { documentRef: 'd1' }), sender);
    expect(ref).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID', details: { name: 'documentRef' } } });
    const huge = await h.handle(request('A'.repeat(Math.ceil(MAX_PAGE_DOCUMENT_BYTES / 3) * 4 + 4)), sender);
    expect(huge).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_TOO_LARGE', details: { name: 'document' } } });
    const junk = await h.handle(request('not base64!'), sender);
    expect(junk).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID', details: { name: 'document' } } });
    expect(calls).toEqual([]);
    expect(pageDocument('QUE')).toBe('QUE=');
  });
});

describe('sealPdf({url})', () => {
  const pdfResponse = (url: string, body: Uint8Array<ArrayBuffer>, status = 200): Response => {
    const r = new Response(body, { status });
    Object.defineProperty(r, 'url', { value: url });
    return r;
  };

  it('only the requesting origin, absolute http(s)', () => {
    expect(sameOriginUrl(`${PORTAL}/a.pdf`, PORTAL)).toBe(`${PORTAL}/a.pdf`);
    expect(() => sameOriginUrl('https://evil.example.com/a.pdf', PORTAL)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DENIED' }));
    expect(() => sameOriginUrl('file:///etc/passwd', PORTAL)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
    expect(() => sameOriginUrl('/relative.pdf', PORTAL)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
  });

  it('a redirect off the origin, an HTTP error and an oversized body are coded errors', async () => {
    const body = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
    await expect(fetchSameOrigin(`${PORTAL}/a.pdf`, PORTAL, () => Promise.resolve(pdfResponse('https://evil.example.com/x.pdf', body)))).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED' });
    await expect(fetchSameOrigin(`${PORTAL}/a.pdf`, PORTAL, () => Promise.resolve(pdfResponse(`${PORTAL}/a.pdf`, body, 404)))).rejects.toMatchObject({ code: 'ERR_VIEWER_FETCH_FAILED', details: { status: 404 } });
    const big = new Response(body, { headers: { 'content-length': String(MAX_PAGE_DOCUMENT_BYTES + 1) } });
    await expect(fetchSameOrigin(`${PORTAL}/a.pdf`, PORTAL, () => Promise.resolve(big))).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', details: { limit: MAX_PAGE_DOCUMENT_BYTES } });
    const ok = await fetchSameOrigin(`${PORTAL}/a.pdf`, PORTAL, () => Promise.resolve(pdfResponse(`${PORTAL}/b.pdf`, body)));
    expect(ok).toEqual({ base64: Buffer.from(body).toString('base64'), url: `${PORTAL}/b.pdf` });
  });

  it('a page URL on another origin is refused before any fetch or agent call', async () => {
    const { agent, calls } = storingAgent(Buffer.alloc(0));
    let fetched = 0;
    const h = new PageRequestHandler({ loadPolicy: () => Promise.resolve(policy), agent: () => Promise.resolve(agent), extensionVersion: '0.1.0', lang: 'zh-CN', fetch: () => (fetched++, Promise.reject(new Error('no'))) });
    const { document: _d, ...params } = request('x').params;
    const r = await h.handle({ action: 'sealPdf', params: { ...params, url: 'https://other.example.gov.cn/a.pdf' } }, sender);
    expect(r).toMatchObject({ ok: false, error: { code: 'ERR_POLICY_DENIED' } });
    const both = await h.handle({ action: 'sealPdf', params: { ...params, url: `${PORTAL}/a.pdf`, document: 'QUFB' } }, sender);
    expect(both).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID', details: { name: 'document' } } });
    expect(fetched).toBe(0);
    expect(calls).toEqual([]);
  });
});
