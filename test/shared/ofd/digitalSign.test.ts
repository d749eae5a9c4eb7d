// SPDX-License-Identifier: Apache-2.0
/**
 * OFD `Type="Sign"` with a bare SM2 signature (ofdrw DigitalSignContainer writes DER SEQUENCE{r, s};
 * Shandong stores raw 64-byte r||s). No certificate travels with it: the verifier looks in the
 * signature's folder and in the caller's certificates, else INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND.
 * Also: a no-namespace Signature.xml parses the same way.
 */
import { readFileSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseDer } from '../../../shared/cms/der.js';
import { parseSignatureXml } from '../../../shared/ofd/signatures.js';
import { ZipArchive } from '../../../shared/ofd/zip.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import { parseCertificates } from '../../../shared/x509/index.js';
import { privateKeyHex, sm2Sign } from '../cms/cmsBuilder.js';

const KEYS = 'test/fixtures/samples/keys';
const CERT_PEM = readFileSync(`${KEYS}/sign_cert.pem`, 'utf8');
const PRIV = privateKeyHex(`${KEYS}/sign_key.pem`);
const AT = new Date('2022-06-01T00:00:00Z');

function toRaw64(der: Uint8Array): Uint8Array {
  const seq = parseDer(der);
  const out = new Uint8Array(64);
  seq.children.forEach((n, i) => {
    const v = n.content.length > 32 ? n.content.subarray(n.content.length - 32) : n.content;
    out.set(v, i * 32 + (32 - v.length));
  });
  return out;
}

/** The GOMAIN digital-signature sample with Sign_0's value replaced by a bare SM2 signature. */
function bareSignOfd(form: 'der' | 'raw', withCertFile: boolean): Uint8Array {
  const files: Record<string, Uint8Array> = unzipSync(new Uint8Array(readFileSync('test/fixtures/samples/ofd/gomain-two-digital-signs-gmt0010.ofd')));
  // Keep only Sign_0 in the list (Sign_1 protects Sign_0's files).
  const list = 'Doc_0/Signs/Signatures.xml';
  files[list] = strToU8(strFromU8(files[list] as Uint8Array).replace(/<ofd:Signature [^>]*Sign_1[^>]*>(<\/ofd:Signature>)?/, ''));
  const xml = files['Doc_0/Signs/Sign_0/Signature.xml'] as Uint8Array;
  const der = sm2Sign(xml, PRIV);
  files['Doc_0/Signs/Sign_0/SignedValue.dat'] = form === 'der' ? der : toRaw64(der);
  if (withCertFile) files['Doc_0/Signs/Sign_0/SignCert.pem'] = strToU8(CERT_PEM);
  return zipSync(files);
}

describe('OFD Type="Sign" with a bare SM2 signature', () => {
  it('without any certificate → INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND', async () => {
    const r = await verifyDocument(bareSignOfd('der', false), { validationTime: AT });
    expect(r.signatures).toHaveLength(1);
    const sig = r.signatures[0];
    expect(sig?.format).toBe('SM2 raw');
    expect(sig?.indication).toBe('INDETERMINATE');
    expect(sig?.subIndications).toEqual(['NO_SIGNING_CERTIFICATE_FOUND']);
    expect(sig?.checks.find((c) => c.id === 'document.references')?.status).toBe('passed');
  });

  it.each(['der', 'raw'] as const)('with the certificate in the signature folder (%s form) → signature verifies', async (form) => {
    const r = await verifyDocument(bareSignOfd(form, true), { validationTime: AT });
    const sig = r.signatures[0];
    expect(sig?.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(sig?.signer?.subject).toContain('Test Certificate');
    expect(sig?.indication).toBe('INDETERMINATE');
    expect(sig?.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
  });

  it('with the certificate supplied by the caller → signature verifies', async () => {
    const r = await verifyDocument(bareSignOfd('der', false), { validationTime: AT, intermediates: parseCertificates(CERT_PEM) });
    expect(r.signatures[0]?.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
  });
});

describe('namespace variants', () => {
  it('a Signature.xml without namespace prefixes, SignedValue before SignedInfo, parses the same', () => {
    const zip = ZipArchive.open(zipSync({ 'Doc_0/Signs/Sign_0/SignedValue.dat': new Uint8Array([1]), 'Doc_0/a.xml': strToU8('<a/>') }));
    const xml = strToU8(`<?xml version="1.0"?><Signature xmlns="http://www.ofdspec.org/2016"><SignedValue>SignedValue.dat</SignedValue><SignedInfo><SignatureMethod>1.2.156.10197.1.501</SignatureMethod><Provider><ProviderName>x</ProviderName><Company>c</Company></Provider><References CheckMethod="sm3"><Reference FileRef="../a.xml"><CheckValue>AA==</CheckValue></Reference></References><StampAnnot ID="1" PageRef="3" Boundary="1 2 3 4"/></SignedInfo></Signature>`);
    const sx = parseSignatureXml(zip, '/Doc_0/Signs/Sign_0/Signature.xml', xml);
    expect(sx.provider).toEqual({ ProviderName: 'x', Company: 'c' });
    expect(sx.signedValuePath).toBe('/Doc_0/Signs/Sign_0/SignedValue.dat');
    expect(sx.references[0]).toMatchObject({ path: '/Doc_0/Signs/a.xml', exists: false });
    expect(sx.stamps).toEqual([{ page: '3', box: [1, 2, 3, 4], unit: 'mm' }]);
  });
});
