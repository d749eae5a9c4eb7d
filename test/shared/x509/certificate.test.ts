// SPDX-License-Identifier: Apache-2.0
// Parsing of every test-PKI certificate, cross-checked field by field against `openssl x509`,
// and of the third-party sample certificate (ofdrw's sign_cert.pem).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate, parseCertificates, summarizeCertificate } from '../../../shared/x509/index.js';
import { loadTestPki, TEST_PKI_CERTIFICATES } from '../../support/testPki.js';
import { openssl, opensslBytes, parseOpensslDate } from './opensslHelpers.js';

const SAMPLE_CERT = '/work/shared/samples/keys/sign_cert.pem';

describe('test PKI certificates', () => {
  it.each(TEST_PKI_CERTIFICATES)('%s: serial, validity and fingerprints agree with openssl x509', async (name) => {
    const pki = await loadTestPki();
    const cert = pki.certs[name];
    const file = pki.certFiles[name];
    const serial = openssl(['x509', '-in', file, '-noout', '-serial']).trim();
    expect(cert.serialNumberHex).toBe(serial.replace(/^serial=/, '').toLowerCase());
    const [nb, na] = openssl(['x509', '-in', file, '-noout', '-dates']).trim().split('\n');
    expect(cert.notBefore.toISOString()).toBe(parseOpensslDate(nb as string).toISOString());
    expect(cert.notAfter.toISOString()).toBe(parseOpensslDate(na as string).toISOString());
    const sm3 = openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sm3']).trim();
    expect(cert.fingerprintSm3()).toBe(sm3.replace(/^.*=/, '').replace(/:/g, '').toLowerCase());
    const sha256 = openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).trim();
    expect(await cert.fingerprintSha256()).toBe(sha256.replace(/^.*=/, '').replace(/:/g, '').toLowerCase());
    // DER and TBS are the bytes as stored.
    expect(cert.der).toEqual(opensslBytes(['x509', '-in', file, '-outform', 'DER']));
    expect(cert.version).toBe(3);
    expect(cert.signatureAlgorithmsMatch).toBe(true);
  });

  it('prints Chinese subjects (UTF8String) in RFC 4514 order, most specific first', async () => {
    const { certs } = await loadTestPki();
    expect(certs.unit.subjectText).toBe('CN=某某市财政局,O=某某市财政局,C=CN');
    expect(certs.personal.subjectText).toBe('CN=张三,O=某某市财政局,C=CN');
    expect(certs.personal.commonName).toBe('张三');
    expect(certs.legal.commonName).toBe('王某某 法定代表人');
    expect(certs.maker.subjectText).toBe('CN=某某市公安局印章制作中心 测试制章人,O=某某市公安局,C=CN');
    expect(certs.unit.issuerText).toBe('CN=ESeal 测试中级 CA (SM2),O=ESeal 测试,C=CN');
    expect(certs.unit.issuerText).toBe(certs.inter.subjectText);
    const cn = certs.unit.subject.rdns.flat().find((a) => a.shortName === 'CN');
    expect(cn?.encoding).toBe('UTF8String');
    const c = certs.unit.subject.rdns.flat().find((a) => a.shortName === 'C');
    expect(c?.encoding).toBe('PrintableString');
  });

  it('agrees with openssl -nameopt RFC2253 on every subject', async () => {
    const pki = await loadTestPki();
    for (const name of TEST_PKI_CERTIFICATES) {
      const out = openssl(['x509', '-in', pki.certFiles[name], '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb']).trim();
      expect(pki.certs[name].subjectText).toBe(out.replace(/^subject=/, ''));
    }
  });

  it('reads public keys, key usage, basic constraints and key identifiers', async () => {
    const { certs } = await loadTestPki();
    for (const name of ['root', 'inter', 'maker', 'unit', 'legal', 'personal', 'expired', 'revoked'] as const) {
      expect(certs[name].publicKey.algorithm).toBe('SM2');
      expect(certs[name].publicKey.point?.length).toBe(65);
      expect(certs[name].publicKeyAlgorithmLabel).toBe('SM2');
      expect(certs[name].signatureAlgorithmOid).toBe('1.2.156.10197.1.501');
    }
    expect(certs.p256.publicKeyAlgorithmLabel).toBe('ECDSA-P256');
    expect(certs.p256.publicKey.point?.[0]).toBe(4);
    expect(certs.rsa.publicKeyAlgorithmLabel).toBe('RSA-2048');
    expect(certs.rsa.publicKey.point).toBeUndefined();

    expect(certs.root.basicConstraints).toEqual({ ca: true });
    expect(certs.inter.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(certs.root.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(certs.unit.basicConstraints).toEqual({ ca: false });
    expect(certs.unit.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(certs.unit.extendedKeyUsage).toBeUndefined();
    expect(certs.root.isSelfIssued).toBe(true);
    expect(certs.unit.isSelfIssued).toBe(false);
    expect(certs.unit.authorityKeyIdentifier).toEqual(certs.inter.subjectKeyIdentifier);
    expect(certs.inter.authorityKeyIdentifier).toEqual(certs.root.subjectKeyIdentifier);
    expect(certs.unit.unhandledCriticalExtensions).toEqual([]);
    // SPKI bytes are the original ones: openssl prints the same public key.
    const pem = openssl(['x509', '-noout', '-pubkey'], new TextEncoder().encode(`-----BEGIN CERTIFICATE-----\n${Buffer.from(certs.unit.der).toString('base64')}\n-----END CERTIFICATE-----\n`));
    expect(Buffer.from(certs.unit.publicKey.spkiDer).toString('base64')).toBe(pem.replace(/-----[^-]+-----|\s/g, ''));
  });

  it('parses chain.pem into two certificates, DER input and PEM with surrounding text', async () => {
    const pki = await loadTestPki();
    expect(pki.chain.map((c) => c.commonName)).toEqual(['ESeal 测试中级 CA (SM2)', 'ESeal 测试根 CA (SM2)']);
    expect(parseCertificates(pki.certs.unit.der)[0]?.equals(pki.certs.unit)).toBe(true);
    const text = `Subject: whatever\r\n${readFileSync(pki.certFiles.unit, 'utf8').replace(/\n/g, '\r\n')}\ntrailing notes\n${readFileSync(pki.keyFiles.unit, 'utf8')}`;
    const parsed = parseCertificates(text);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]?.serialNumberHex).toBe(pki.certs.unit.serialNumberHex);
    expect(parseCertificates(new TextEncoder().encode(text))).toHaveLength(1);
  });

  it('reads `openssl x509 -text` output (long text before the block) and Node Buffers', async () => {
    const pki = await loadTestPki();
    const text = `${'Certificate dump\n'.repeat(300)}${openssl(['x509', '-in', pki.certFiles.rsa, '-text'])}`;
    expect(text.indexOf('-----BEGIN')).toBeGreaterThan(4096);
    expect(parseCertificates(new TextEncoder().encode(text))[0]?.equals(pki.certs.rsa)).toBe(true);
    const buf = Buffer.from(pki.certs.unit.der);
    const cert = parseCertificate(buf);
    buf.fill(0);
    expect(cert.der).toEqual(pki.certs.unit.der);
    expect(Object.getPrototypeOf(cert.der)).toBe(Uint8Array.prototype);
  });

  it('summarizes a certificate for the report', async () => {
    const { certs } = await loadTestPki();
    const s = summarizeCertificate(certs.personal);
    expect(s).toMatchObject({
      subject: 'CN=张三,O=某某市财政局,C=CN',
      serialNumber: certs.personal.serialNumberHex,
      publicKeyAlgorithm: 'SM2',
      status: 'UNKNOWN',
      reasons: [],
    });
    expect(s.fingerprintSm3).toMatch(/^[0-9a-f]{64}$/);
    expect(s.notBefore).toBe(certs.personal.notBefore.toISOString());
  });
});

describe('third-party sample certificate (ofdrw sign_cert.pem)', () => {
  it('parses and matches openssl', () => {
    const [cert] = parseCertificates(readFileSync(SAMPLE_CERT, 'utf8'));
    expect(cert).toBeDefined();
    if (cert === undefined) return;
    expect(cert.serialNumberHex).toBe('017af20e3374'); // as `openssl x509 -serial`: whole bytes
    expect(cert.subjectText).toBe('CN=Test Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN');
    expect(cert.issuerText).toBe('CN=OFD Reader and WriterROOT Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN');
    expect(cert.notBefore.toISOString()).toBe('2021-07-29T11:37:34.000Z');
    expect(cert.notAfter.toISOString()).toBe('2023-07-29T11:37:34.000Z');
    expect(cert.publicKeyAlgorithmLabel).toBe('SM2');
    expect(cert.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyCertSign']);
    expect(cert.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.basicConstraints).toEqual({ ca: false });
    expect(parseCertificate(cert.der).tbsDer).toEqual(cert.tbsDer);
  });
});

describe('certificates embedded in the sample seals (/work/shared/samples/seals/*.esl)', () => {
  it.each(['UserV1.esl', 'UserV4.esl', 'SignedValueV4.dat'])('%s: every embedded SM2 certificate parses', (file) => {
    const bytes = new Uint8Array(readFileSync(`/work/shared/samples/seals/${file}`));
    const found: string[] = [];
    // Certificates sit in OCTET STRINGs; find every "30 82 LL LL 30 82" and try to parse that TLV.
    for (let i = 0; i + 6 < bytes.length; i++) {
      if (bytes[i] !== 0x30 || bytes[i + 1] !== 0x82 || bytes[i + 4] !== 0x30 || bytes[i + 5] !== 0x82) continue;
      const len = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
      if (i + 4 + len > bytes.length) continue;
      try {
        const cert = parseCertificate(bytes.subarray(i, i + 4 + len));
        found.push(`${cert.publicKeyAlgorithmLabel} ${cert.subjectText}`);
      } catch {
        // not a certificate (e.g. the seal structure itself)
      }
    }
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.startsWith('SM2 '))).toBe(true);
  });
});
