// SPDX-License-Identifier: Apache-2.0
/**
 * CMS / GM/T 0010 SignedData verification: the two GOMAIN samples (detached, signed attributes) and
 * synthetic SignedData built here with the ofdrw test key (samples/keys/sign_key.pem) signed by
 * sm-crypto as an independent SM2 implementation: GB/T 35275 eContent = hash, its Base64 text form,
 * detached without attributes, PKCS#7 OIDs, SKI signer id, and tampering.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { derExplicit, derImplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet } from '../../../shared/asn1/index.js';
import { id_data, id_gmt0010_data, id_signedData, id_sm2_with_sm3 } from '../../../shared/asn1/oids.js';
import { verifyCmsSignedData, isCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { buildCms, detachedCms, makeTestPki, privateKeyHex, standardAttrs, type CmsBuild, type Signer } from './cmsBuilder.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { parseCertificates } from '../../../shared/x509/index.js';

const CERT_PEM = readFileSync('test/fixtures/samples/keys/sign_cert.pem', 'utf8');
const CERT = parseCertificates(CERT_PEM)[0];
if (CERT === undefined) throw new Error('fixture certificate');
/** The ofdrw test key (samples/keys/sign_key.pem). */
const SIGNER: Signer = { cert: CERT, privHex: privateKeyHex('test/fixtures/samples/keys/sign_key.pem') };
const CONTENT = new TextEncoder().encode('<ofd:Signature>pretend Signature.xml</ofd:Signature>');
const HASH = sm3(CONTENT);
/** Inside sign_cert.pem's validity (2021-07-29 .. 2023-07-29). */
const AT = new Date('2022-06-01T00:00:00Z');

const build = (o: Omit<CmsBuild, 'signer' | 'content'>) => buildCms({ signer: SIGNER, content: CONTENT, ...o });
const STD_ATTRS = (hash = HASH, ct = id_data) => standardAttrs(hash, new Date('2022-01-02T03:04:05Z'), ct);

function statuses(r: { checks: readonly { id: string; status: string }[] }): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
}

const ctx = { trustAnchors: [], time: AT };

describe('verifyCmsSignedData on the GOMAIN samples', () => {
  const files = unzipSync(new Uint8Array(readFileSync('test/fixtures/samples/ofd/gomain-two-digital-signs-gmt0010.ofd')));
  it.each(['Sign_0', 'Sign_1'])('%s: messageDigest and SM2 signature over the SET-retagged attributes verify', async (s) => {
    const sv = files[`Doc_0/Signs/${s}/SignedValue.dat`] as Uint8Array;
    const xml = files[`Doc_0/Signs/${s}/Signature.xml`] as Uint8Array;
    expect(isCmsSignedData(sv)).toBe(true);
    const r = await verifyCmsSignedData(sv, { content: xml, trustAnchors: [] });
    const st = statuses(r);
    expect(st['cms.message-digest']).toBe('passed');
    expect(st['signature.value']).toBe('passed');
    expect(st['cms.content-type']).toBe('warning');
    expect(r.detached).toBe(true);
    expect(r.signedAttributes).toBe(true);
    expect(r.signingTimeText).toBe('220903054127Z');
    expect(r.indication).toBe('INDETERMINATE');
    expect(r.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
    // The same signature over other content fails as HASH_FAILURE.
    const other = await verifyCmsSignedData(sv, { content: new Uint8Array([1, 2, 3]), trustAnchors: [] });
    expect(other.indication).toBe('TOTAL_FAILED');
    expect(other.subIndications).toEqual(['HASH_FAILURE']);
    // contentHash works like content.
    const byHash = await verifyCmsSignedData(sv, { contentHash: sm3(xml), trustAnchors: [] });
    expect(statuses(byHash)['cms.message-digest']).toBe('passed');
  });
});

describe('verifyCmsSignedData on synthetic SignedData (sm-crypto signer)', () => {
  it('signed attributes, detached, PKCS#7 OIDs', async () => {
    const der = build({ outerOid: id_signedData, attrs: STD_ATTRS(), sigAlg: id_sm2_with_sm3 });
    const r = await verifyCmsSignedData(der, { content: CONTENT, ...ctx });
    expect(r.format).toBe('CMS SignedData');
    expect(statuses(r)['signature.value']).toBe('passed');
    expect(statuses(r)['cms.message-digest']).toBe('passed');
    expect(r.signingTime).toBe('2022-01-02T03:04:05.000Z');
  });

  it('GB/T 35275: eContent = SM3 hash, no attributes, signature over the hash', async () => {
    const r = await verifyCmsSignedData(build({ eContentType: id_gmt0010_data, eContent: HASH, sigAlg: id_sm2_with_sm3 }), { content: CONTENT, ...ctx });
    expect(statuses(r)['cms.econtent']).toBe('passed');
    expect(statuses(r)['signature.value']).toBe('passed');
    expect(r.indication).toBe('INDETERMINATE');
  });

  it('ofdrw lenient form: eContent = Base64 text of the hash → warning, still verifies', async () => {
    const b64 = new TextEncoder().encode(btoa(String.fromCharCode(...HASH)));
    const r = await verifyCmsSignedData(build({ eContentType: id_gmt0010_data, eContent: b64 }), { content: CONTENT, ...ctx });
    expect(statuses(r)['cms.econtent']).toBe('warning');
    expect(statuses(r)['signature.value']).toBe('passed');
    expect(r.indication).toBe('INDETERMINATE');
  });

  it('detached without attributes: signature over the content itself', async () => {
    const r = await verifyCmsSignedData(build({}), { content: CONTENT, ...ctx });
    expect(statuses(r)['signature.value']).toBe('passed');
  });

  it('a tampered signature value → TOTAL_FAILED SIG_CRYPTO_FAILURE', async () => {
    const r = await verifyCmsSignedData(build({ attrs: STD_ATTRS(), tamper: true }), { content: CONTENT, ...ctx });
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.subIndications).toEqual(['SIG_CRYPTO_FAILURE']);
  });

  it('wrong eContent hash → HASH_FAILURE', async () => {
    const r = await verifyCmsSignedData(build({ eContentType: id_gmt0010_data, eContent: new Uint8Array(32) }), { content: CONTENT, ...ctx });
    expect(r.subIndications).toContain('HASH_FAILURE');
  });

  it('signer identified by SubjectKeyIdentifier when the certificate has one, else NO_SIGNING_CERTIFICATE_FOUND', async () => {
    const ski = CERT.subjectKeyIdentifier;
    const der = build({ attrs: STD_ATTRS(), sid: derImplicit(0, derOctetString(ski ?? new Uint8Array([1, 2, 3]))) });
    const r = await verifyCmsSignedData(der, { content: CONTENT, ...ctx });
    if (ski !== undefined) expect(statuses(r)['signature.value']).toBe('passed');
    else expect(r.subIndications).toEqual(['NO_SIGNING_CERTIFICATE_FOUND']);
  });

  it('no certificates in the CMS → INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND', async () => {
    const r = await verifyCmsSignedData(build({ attrs: STD_ATTRS(), certs: false }), { content: CONTENT, ...ctx });
    expect(r.indication).toBe('INDETERMINATE');
    expect(r.subIndications).toEqual(['NO_SIGNING_CERTIFICATE_FOUND']);
  });

  it('a contentType attribute that is neither data OID is a failure', async () => {
    const r = await verifyCmsSignedData(build({ attrs: STD_ATTRS(HASH, '1.2.3.4') }), { content: CONTENT, ...ctx });
    expect(statuses(r)['cms.content-type']).toBe('failed');
    expect(r.indication).toBe('TOTAL_FAILED');
  });

  it('no content and no hash → INDETERMINATE SIGNED_DATA_NOT_FOUND', async () => {
    const r = await verifyCmsSignedData(build({ attrs: STD_ATTRS() }), ctx);
    expect(r.indication).toBe('INDETERMINATE');
    expect(r.subIndications).toContain('SIGNED_DATA_NOT_FOUND');
  });

  it('with a test PKI root as trust anchor: TOTAL_PASSED at the signing time; EXPIRED after the signer certificate ends', async () => {
    const pki = makeTestPki();
    const at = new Date(Date.now() + 5000);
    const der = detachedCms(pki.unit, CONTENT, at);
    const r = await verifyCmsSignedData(der, { content: CONTENT, trustAnchors: pki.root, intermediates: pki.inter });
    expect(r.signer?.status).toBe('VALID');
    expect(r.signingTime).toBe(new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString());
    expect(r.indication).toBe('TOTAL_PASSED');
    const late = await verifyCmsSignedData(der, { content: CONTENT, trustAnchors: pki.root, intermediates: pki.inter, time: new Date('2099-01-01T00:00:00Z') });
    expect(late.indication).toBe('TOTAL_FAILED');
    expect(late.subIndications).toEqual(['EXPIRED']);
    // Without the intermediate the path cannot be built: INDETERMINATE.
    const noInter = await verifyCmsSignedData(der, { content: CONTENT, trustAnchors: pki.root });
    expect(noInter.indication).toBe('INDETERMINATE');
    expect(noInter.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
    // The ofdrw root: key usage lacks keyCertSign, the chain is invalid.
    expect(CERT.issuerText).toContain('ROOT');
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['not DER', new Uint8Array([0x30, 0x82, 0xff])],
    ['wrong content type', derSequence(derOid('1.2.3'), derExplicit(0, derNull()))],
    ['SignedData without signers', derSequence(derOid(id_signedData), derExplicit(0, derSequence(derInteger(1), derSet(), derSequence(derOid(id_data)), derSet())))],
  ])('malformed (%s) → TOTAL_FAILED FORMAT_FAILURE', async (_n, der) => {
    const r = await verifyCmsSignedData(der, ctx);
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.subIndications).toEqual(['FORMAT_FAILURE']);
  });
});
