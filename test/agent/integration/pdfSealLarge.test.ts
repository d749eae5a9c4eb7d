// SPDX-License-Identifier: Apache-2.0
// Chunked documents on the real agent process: a ~12 MiB PDF uploaded with doc.begin/put, sealed with
// pdf.seal {documentRef} (consent and PIN through the protocol), the signed result read back with
// doc.get, then checked by verifyDocument (TOTAL_PASSED) and qpdf --check. Hostile: wrong offsets,
// overflow, sloppy Base64, unknown and other connections' docIds, both or neither of
// document/documentRef, the per-connection count cap, a portal request naming doc.*, and the
// documents freed when the connection closes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DOCS_PER_CONNECTION } from '../../../agent/handlers/docStore.js';
import { MAX_INLINE_BYTES } from '../../../shared/protocol/methods.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { buildPdf, onePageObjects, qpdfCheck } from '../../shared/pdf/support/makePdf.js';
import { loadTestPki } from '../../support/testPki.js';
import { DEV_PIN, EXT_ORIGIN, PORTAL, pairedClient, startAgent, TestClient, type Frame, type StartedAgent } from './harness.js';

let agent: StartedAgent;
let client: TestClient;
let pairing: { keyId: string; key: Uint8Array };

beforeAll(async () => {
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, name: '演示门户', actions: ['status', 'seals.list', 'pdf.seal'], sealTypes: ['official'] }],
      development: { allowHttpLocalhost: true },
    },
  });
  const paired = await pairedClient(agent);
  client = paired.client;
  pairing = { keyId: paired.keyId, key: paired.key };
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
});

/** A one-page PDF padded with an incompressible stream to `bytes`. */
function bigPdf(bytes: number): Uint8Array {
  return buildPdf([...onePageObjects({ catalogExtra: ' /ESealPadding 6 0 R' }), { dict: '', data: new Uint8Array(randomBytes(bytes)) }]);
}

const CHUNK = 3 * 1024 * 1024;
const errorOf = (res: Frame) => res['error'] as { code: string; details?: Record<string, unknown> };

async function upload(c: TestClient, pdf: Uint8Array): Promise<string> {
  const begun = (await c.request('doc.begin', { size: pdf.length, kind: 'pdf' })).res;
  expect(begun['ok']).toBe(true);
  const docId = (begun['result'] as { docId: string }).docId;
  for (let at = 0; at < pdf.length; at += CHUNK) {
    const { res } = await c.request('doc.put', { docId, offset: at, data: Buffer.from(pdf.subarray(at, at + CHUNK)).toString('base64') });
    expect(res).toMatchObject({ ok: true, result: { received: Math.min(pdf.length, at + CHUNK), complete: at + CHUNK >= pdf.length } });
  }
  return docId;
}

const sealParams = (ref: string) => ({ sealId: 'dev-official', documentRef: ref, fileName: '大文件.pdf', display: { title: '大文件 12 MiB' }, placement: { page: 1, x: 150, y: 240 } });

describe('pdf.seal with a chunked ~12 MiB document', () => {
  it('uploads, seals, reads back with doc.get; verifyDocument TOTAL_PASSED and qpdf --check', async () => {
    const input = bigPdf(12 * 1024 * 1024);
    const docId = await upload(client, input);
    const { res, progress } = await client.request('pdf.seal', sealParams(docId), { ctx: { origin: PORTAL }, consent: { pins: [DEV_PIN] } });
    expect(res['ok']).toBe(true);
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pin', 'signing']);
    expect((progress[0]?.['data'] as { pdf: { bytes: number } }).pdf.bytes).toBe(input.length);
    const r = res['result'] as { documentRef: string; size: number; document?: string; fieldName: string };
    expect(r.document).toBeUndefined();
    expect(r.size).toBeGreaterThan(input.length);
    // The upload was consumed by pdf.seal.
    expect(errorOf((await client.request('doc.get', { docId, offset: 0, length: 16 })).res).code).toBe('ERR_DOC_UNKNOWN');
    const parts: Buffer[] = [];
    for (let offset = 0; offset < r.size; offset += MAX_INLINE_BYTES) {
      const got = (await client.request('doc.get', { docId: r.documentRef, offset, length: Math.min(MAX_INLINE_BYTES, r.size - offset) })).res;
      expect(got['ok']).toBe(true);
      parts.push(Buffer.from((got['result'] as { data: string }).data, 'base64'));
    }
    const out = new Uint8Array(Buffer.concat(parts));
    expect(out.length).toBe(r.size);
    expect(Buffer.from(out.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(qpdfCheck(out).code).toBe(0);
    const pki = await loadTestPki();
    const report = await verifyDocument(out, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl] });
    expect(report.indication).toBe('TOTAL_PASSED');
    // Reading past the end is refused; drop frees it.
    expect(errorOf((await client.request('doc.get', { docId: r.documentRef, offset: r.size + 1, length: 1 })).res)).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'offset' } });
    expect((await client.request('doc.drop', { docId: r.documentRef })).res).toMatchObject({ ok: true, result: { dropped: true } });
    expect(errorOf((await client.request('doc.get', { docId: r.documentRef, offset: 0, length: 1 })).res).code).toBe('ERR_DOC_UNKNOWN');
  }, 180_000);
});

describe('hostile chunked uploads', () => {
  it('out-of-order and overflowing chunks, sloppy Base64, oversize and wrong kind are coded errors', async () => {
    const docId = (((await client.request('doc.begin', { size: 10, kind: 'pdf' })).res['result']) as { docId: string }).docId;
    const put = async (offset: number, bytes: number, data?: string) => (await client.request('doc.put', { docId, offset, data: data ?? Buffer.alloc(bytes, 0x41).toString('base64') })).res;
    expect(errorOf(await put(4, 2))).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'offset' } });
    expect(errorOf(await put(0, 11))).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', details: { name: 'data' } });
    expect(errorOf(await put(0, 0, 'QUFB' + 'QQ'))).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'data' } });
    expect(await put(0, 6)).toMatchObject({ ok: true, result: { received: 6, complete: false } });
    // A retried chunk (same offset) is refused rather than appended twice.
    expect(errorOf(await put(0, 6))).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'offset' } });
    // Sealing an incomplete upload is refused before any consent.
    const early = (await client.request('pdf.seal', sealParams(docId), { ctx: { origin: PORTAL } })).res;
    expect(errorOf(early)).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'documentRef' } });
    expect(await put(6, 4)).toMatchObject({ ok: true, result: { received: 10, complete: true } });
    expect(errorOf(await put(10, 1))).toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(errorOf((await client.request('doc.begin', { size: 256 * 1024 * 1024 + 1, kind: 'pdf' })).res).code).toBe('ERR_PROTOCOL_MALFORMED');
    expect(errorOf((await client.request('doc.begin', { size: 10, kind: 'ofd' })).res).code).toBe('ERR_PROTOCOL_MALFORMED');
    await client.request('doc.drop', { docId });
  });

  it('unknown docIds, both or neither of document/documentRef, portal requests for doc.* are refused', async () => {
    expect(errorOf((await client.request('doc.put', { docId: 'doc-nope', offset: 0, data: 'QUFB' })).res)).toMatchObject({ code: 'ERR_DOC_UNKNOWN', details: { docId: 'doc-nope' } });
    expect((await client.request('doc.drop', { docId: 'doc-nope' })).res).toMatchObject({ ok: true, result: { dropped: false } });
    const both = (await client.request('pdf.seal', { ...sealParams('doc-nope'), document: 'QUFB' }, { ctx: { origin: PORTAL } })).res;
    expect(errorOf(both)).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'document' } });
    const { documentRef: _r, ...neither } = sealParams('x');
    expect(errorOf((await client.request('pdf.seal', neither, { ctx: { origin: PORTAL } })).res)).toMatchObject({ code: 'ERR_INPUT_INVALID', details: { name: 'document' } });
    expect(errorOf((await client.request('pdf.seal', sealParams('doc-nope'), { ctx: { origin: PORTAL } })).res).code).toBe('ERR_DOC_UNKNOWN');
    expect(errorOf((await client.request('doc.begin', { size: 10, kind: 'pdf' }, { ctx: { origin: PORTAL } })).res).code).toBe('ERR_POLICY_DENIED');
  });

  it("another connection's docId is unknown to it; the count cap holds; closing frees everything", async () => {
    const other = await TestClient.connect(agent.port);
    await other.authenticate(pairing.keyId, pairing.key);
    const ids: string[] = [];
    for (let i = 0; i < MAX_DOCS_PER_CONNECTION; i++) {
      const r = (await other.request('doc.begin', { size: 100, kind: 'pdf' })).res;
      expect(r['ok']).toBe(true);
      ids.push((r['result'] as { docId: string }).docId);
    }
    expect(errorOf((await other.request('doc.begin', { size: 100, kind: 'pdf' })).res).code).toBe('ERR_INPUT_TOO_LARGE');
    const theirs = ids[0] ?? '';
    // Same pairing, different connection: the docId means nothing here.
    expect(errorOf((await client.request('doc.put', { docId: theirs, offset: 0, data: 'QUFB' })).res).code).toBe('ERR_DOC_UNKNOWN');
    expect((await client.request('doc.drop', { docId: theirs })).res).toMatchObject({ ok: true, result: { dropped: false } });
    expect((await other.request('doc.put', { docId: theirs, offset: 0, data: 'QUFB' })).res).toMatchObject({ ok: true, result: { received: 3 } });
    other.close();
    // After the close, a new connection can hold its full count again and the old ids are gone.
    const again = await TestClient.connect(agent.port);
    await again.authenticate(pairing.keyId, pairing.key);
    expect(errorOf((await again.request('doc.put', { docId: theirs, offset: 3, data: 'QUFB' })).res).code).toBe('ERR_DOC_UNKNOWN');
    again.close();
  });
});
