// SPDX-License-Identifier: Apache-2.0
// CRL parsing and signature checks against the test PKI's CRLs, cross-checked with `openssl crl`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCrl, parseCrls } from '../../../shared/x509/index.js';
import { loadTestPki } from '../../support/testPki.js';
import { flipBits, openssl, parseOpensslDate } from './opensslHelpers.js';

describe('Crl', () => {
  it('parses the intermediate CRL (DER and PEM) like openssl crl', async () => {
    const pki = await loadTestPki();
    const crl = pki.interCrl;
    const fromPem = parseCrl(readFileSync(pki.files.interCrlPem, 'utf8'));
    expect(fromPem.der).toEqual(crl.der);
    expect(crl.issuerText).toBe(pki.certs.inter.subjectText);
    const [last, next] = openssl(['crl', '-in', pki.files.interCrlPem, '-noout', '-lastupdate', '-nextupdate']).trim().split('\n');
    expect(crl.thisUpdate.toISOString()).toBe(parseOpensslDate(last as string).toISOString());
    expect(crl.nextUpdate?.toISOString()).toBe(parseOpensslDate(next as string).toISOString());
    expect([...crl.revoked.keys()]).toEqual([pki.certs.revoked.serialNumberHex]);
    expect(crl.entryFor(pki.certs.revoked.serialNumberHex)?.reason).toBe('keyCompromise');
    expect(crl.entryFor(pki.certs.revoked.serialNumberHex.toUpperCase())).toBeDefined();
    expect(crl.entryFor(pki.certs.unit.serialNumberHex)).toBeUndefined();
    expect(crl.authorityKeyIdentifier).toEqual(pki.certs.inter.subjectKeyIdentifier);
    expect(crl.crlNumberHex).toBe('1000');
    expect(crl.isIssuedBy(pki.certs.inter)).toBe(true);
    expect(crl.isIssuedBy(pki.certs.root)).toBe(false);
    expect(crl.isCurrentAt(new Date())).toBe(true);
    expect(pki.rootCrl.revoked.size).toBe(0);
    expect(parseCrls(readFileSync(pki.files.rootCrlPem, 'utf8') + readFileSync(pki.files.interCrlPem, 'utf8'))).toHaveLength(2);
  });

  it('verifies with the issuer key only (GM/T ID and OpenSSL empty ID)', async () => {
    const pki = await loadTestPki();
    expect(await pki.interCrl.verify(pki.certs.inter)).toBe(true);
    expect(await pki.interCrl.verify(pki.certs.root)).toBe(false);
    expect(await pki.rootCrl.verify(pki.certs.root)).toBe(true);
    expect(await pki.interCrlOpenSslId.verify(pki.certs.inter)).toBe(true);
    const tampered = pki.interCrl.der.slice();
    flipBits(tampered, tampered.length - 1, 0x01); // inside the signature's s
    expect(await parseCrl(tampered).verify(pki.certs.inter)).toBe(false);
  });
});
