// SPDX-License-Identifier: Apache-2.0
/**
 * RFC 3161 document time-stamps in PDF (`/SubFilter /ETSI.RFC3161`): the token comes from a real
 * OpenSSL time-stamping authority (`openssl ts -reply`, P-256 TSA under its own root) over the SHA-256
 * of the ranges; the verifier compares the imprint with the range digest and checks the token's CMS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfByteRangeDigest } from '../../../shared/pdf/index.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parseCertificate, type Certificate } from '../../../shared/x509/index.js';
import { loadTestPki, type TestPki } from '../../support/testPki.js';
import { classicPdf } from '../pdf/support/makePdf.js';
import { addSignatureRevision, BR_PLACEHOLDER, certifyPdf, CONTENTS_BYTES, docTimeStampPdf, signatureFor, signingTimeNow, signWith } from './pdfFixtures.js';

let dir = '';
let tsaRoot: Certificate;
let pki: TestPki;
const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  pki = await loadTestPki();
  dir = mkdtempSync(join(tmpdir(), 'eseal-tsa-'));
  writeFileSync(join(dir, 'tsa.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'root.key');
  ossl('req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=ESeal Test TSA Root', '-days', '30', '-out', 'root.pem', '-config', '/dev/null', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'tsa.key');
  ossl('req', '-new', '-key', 'tsa.key', '-subj', '/CN=ESeal Test TSA', '-out', 'tsa.csr', '-config', '/dev/null');
  ossl('x509', '-req', '-in', 'tsa.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', '7', '-days', '30', '-out', 'tsa.pem', '-extfile', 'tsa.ext');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ts.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa1',
      '[ tsa1 ]',
      `serial = ${join(dir, 'serial')}`,
      `signer_cert = ${join(dir, 'tsa.pem')}`,
      `certs = ${join(dir, 'tsa.pem')}`,
      `signer_key = ${join(dir, 'tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  tsaRoot = parseCertificate(new Uint8Array(execFileSync('openssl', ['x509', '-in', join(dir, 'root.pem'), '-outform', 'DER'])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TimeStampToken from `openssl ts -reply` over the SHA-256 of the ranges. */
async function tsaStamp(bytes: Uint8Array, br: readonly number[]): Promise<Uint8Array> {
  const digest = Buffer.from(await pdfByteRangeDigest(bytes, br, 'SHA-256')).toString('hex');
  ossl('ts', '-query', '-digest', digest, '-sha256', '-cert', '-no_nonce', '-out', 'q.tsq');
  ossl('ts', '-reply', '-config', join(dir, 'ts.cnf'), '-queryfile', 'q.tsq', '-token_out', '-out', 'tok.der');
  return new Uint8Array(readFileSync(join(dir, 'tok.der')));
}

describe('PDF document time-stamps (ETSI.RFC3161)', () => {
  it('a signature followed by a document time-stamp: both valid; the time-stamp imprint matches', async () => {
    const signed = await signWith(classicPdf(), 'p256');
    const stamped = await docTimeStampPdf(signed.bytes, tsaStamp);
    const r = await verifyDocument(stamped, { trustAnchors: [pki.certs.root, tsaRoot], intermediates: [pki.certs.inter] });
    const explain = JSON.stringify(r.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed')));
    expect(r.indication, explain).toBe('TOTAL_PASSED');
    const ts = r.signatures[1];
    expect(ts?.format).toBe('RFC 3161 document time-stamp');
    expect(ts?.pdf?.subFilter).toBe('ETSI.RFC3161');
    expect(ts?.checks.find((c) => c.id === 'pdf.doc-time-stamp')?.status).toBe('passed');
    expect(ts?.timeStamp?.verified).toBe(true);
    expect(ts?.signer?.subject).toMatch(/ESeal Test TSA/);
    expect(r.signatures[0]?.pdf?.modificationLevel).toBe('SIGNATURES');

    // a byte of the first revision changed: the imprint no longer matches (and the signature fails too)
    const at = new TextDecoder('latin1').decode(stamped).indexOf('Hello ESeal');
    const bad = stamped.slice();
    bad[at] = 0x4a;
    const t = await verifyDocument(bad, { trustAnchors: [pki.certs.root, tsaRoot], intermediates: [pki.certs.inter] });
    expect(t.signatures[1]?.subIndications).toEqual(['HASH_FAILURE']);
    expect(t.signatures[1]?.checks.find((c) => c.id === 'pdf.doc-time-stamp')?.status).toBe('failed');
    expect(t.signatures[0]?.subIndications).toEqual(['HASH_FAILURE']);
  });

  it('after a DocMDP P=1 certification a document time-stamp is allowed (LTA update), a new signature is not', async () => {
    const certified = await certifyPdf(classicPdf(), 1, 'ses');
    const stamped = await docTimeStampPdf(certified, tsaStamp);
    const r = await verifyDocument(stamped, { trustAnchors: [pki.certs.root, tsaRoot], intermediates: [pki.certs.inter] });
    expect(r.indication, JSON.stringify(r.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed')))).toBe('TOTAL_PASSED');
    expect(r.signatures[0]?.pdf?.modificationLevel).toBe('SIGNATURES');
    expect(r.signatures[0]?.pdf?.modificationsAllowed).toBe(true);
    expect(r.signatures[0]?.pdf?.changes.map((c) => c.note)).toContain('new document time-stamp');

    // the same revision layout with an approval signature (/Type /Sig) violates the certification
    // (built by hand: our writer refuses to sign a P=1 document)
    const sigDict = `<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached ${BR_PLACEHOLDER} /Contents <${'0'.repeat(CONTENTS_BYTES * 2)}>>>`;
    const approval = await addSignatureRevision(certified, 'Approval', sigDict, undefined, async (bytes, br) => (await signatureFor('p256', bytes, br, 'Approval', signingTimeNow())).der);
    const v = await verifyDocument(approval, { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter] });
    expect(v.signatures[1]?.indication).toBe('TOTAL_PASSED');
    expect(v.signatures[0]?.pdf?.modificationsAllowed).toBe(false);
    expect(v.signatures[0]?.checks.find((c) => c.id === 'pdf.docmdp')?.status).toBe('failed');
  });

  it('without the TSA root the time-stamp is INDETERMINATE, not failed', async () => {
    const stamped = await docTimeStampPdf(classicPdf(), tsaStamp);
    const r = await verifyDocument(stamped, { trustAnchors: [pki.certs.root] });
    expect(r.signatures[0]?.indication).toBe('INDETERMINATE');
    expect(r.signatures[0]?.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
    expect(r.signatures[0]?.checks.find((c) => c.id === 'pdf.doc-time-stamp')?.status).toBe('passed');
  });
});
