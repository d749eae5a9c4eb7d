// SPDX-License-Identifier: Apache-2.0
// Path validation on the test PKI, each case cross-checked with `openssl verify` on the same files.
// OpenSSL 3.0 checks only the depth-0 signature with `-vfyopt distid:…` (see make-test-pki.sh), so
// the cross-check drops OpenSSL's depth ≥ 1 signature errors and also checks the upper link alone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_PATH_CERTIFICATES,
  parseCertificate,
  parseCertificates,
  parseCrl,
  SM2_DEFAULT_USER_ID,
  summarizeCertificate,
  validateCertificatePath,
  verifySignatureByOid,
  type Certificate,
  type PathValidationOptions,
  type PathValidationResult,
} from '../../../shared/x509/index.js';
import { isSealError } from '../../../shared/errors/index.js';
import { loadTestPki, TEST_PKI_SM2_ID, type TestPki } from '../../support/testPki.js';
import { flipBits, openssl, opensslProblems } from './opensslHelpers.js';

const VFY = ['-vfyopt', `distid:${TEST_PKI_SM2_ID}`];
const DAY = 86_400_000;

let pki: TestPki;
let work: string;
let now: Date;

beforeAll(async () => {
  pki = await loadTestPki();
  now = new Date(Date.now() + 120_000); // after the certificates this file issues below
  work = mkdtempSync(join(tmpdir(), 'eseal-x509-path-'));
  writeFileSync(
    join(work, 'ext.cnf'),
    [
      '[v3ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
      '[v3leaf]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function codes(r: PathValidationResult, withWarnings = false): string[] {
  const set = new Set(r.reasons.filter((p) => withWarnings || (p.code !== 'CRL_EXPIRED' && p.code !== 'CRL_INVALID')).map((p) => p.code));
  return [...set].sort();
}

function base(extra: Partial<PathValidationOptions> = {}): PathValidationOptions {
  return { trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], crls: [pki.interCrl, pki.rootCrl], time: now, ...extra };
}

/** Issues a certificate with `openssl x509 -req` (SM3, GM/T ID) and parses it. */
function issue(name: string, subjectKey: string, caCert: string, caKey: string, ext: 'v3ca' | 'v3leaf', serial: number, subject = `/CN=${name}`): { cert: Certificate; file: string } {
  const csr = join(work, `${name}.csr`);
  const file = join(work, `${name}.pem`);
  openssl(['req', '-new', '-utf8', '-key', subjectKey, '-subj', subject, '-sm3', '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-extfile', join(work, 'ext.cnf'), '-extensions', ext, '-sm3', '-sigopt', `distid:${TEST_PKI_SM2_ID}`, '-set_serial', String(serial), '-days', '30', '-out', file]);
  return { cert: parseCertificates(readFileSync(file, 'utf8'))[0] as Certificate, file };
}

describe('validateCertificatePath', () => {
  it('unit signer at now → VALID via inter → root; openssl agrees link by link', async () => {
    const r = await validateCertificatePath(pki.certs.unit, base());
    expect(r.status).toBe('VALID');
    expect(r.reasons).toEqual([]);
    expect(r.path.map((c) => c.commonName)).toEqual(['某某市财政局', 'ESeal 测试中级 CA (SM2)', 'ESeal 测试根 CA (SM2)']);
    expect(opensslProblems([...VFY, '-partial_chain', '-CAfile', pki.certFiles.inter, pki.certFiles.unit]).ok).toBe(true);
    expect(opensslProblems([...VFY, '-CAfile', pki.certFiles.root, pki.certFiles.inter]).ok).toBe(true);
    expect(opensslProblems([...VFY, '-CAfile', pki.certFiles.root, '-untrusted', pki.certFiles.inter, pki.certFiles.unit]).codes).toEqual([]);
    const summary = summarizeCertificate(pki.certs.unit, r);
    expect(summary.status).toBe('VALID');
    expect(summary.reasons).toEqual([]);
  });

  it.each(['maker', 'legal', 'personal', 'p256', 'rsa'] as const)('%s → VALID with the required key usage', async (name) => {
    const r = await validateCertificatePath(pki.certs[name], base({ requiredKeyUsage: ['digitalSignature', 'nonRepudiation'], requiredExtendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] }));
    expect(r.status).toBe('VALID');
    expect(opensslProblems([...VFY, '-CAfile', pki.certFiles.root, '-untrusted', pki.certFiles.inter, pki.certFiles[name]]).codes).toEqual([]);
  });

  it('expired certificate → EXPIRED; openssl reports the same', async () => {
    const r = await validateCertificatePath(pki.certs.expired, base());
    expect(r.status).toBe('EXPIRED');
    expect(codes(r)).toEqual(['EXPIRED']);
    expect(r.reasons[0]?.certificate).toBe(pki.certs.expired.subjectText);
    expect(r.reasons[0]?.messageZh).toContain('已过期');
    // OpenSSL stops at its depth-1 SM2 ID artefact before checking dates, so check the one link.
    expect(opensslProblems([...VFY, '-partial_chain', '-CAfile', pki.certFiles.inter, pki.certFiles.expired]).codes).toEqual(['EXPIRED']);
  });

  it('revoked certificate with the CRL → REVOKED (keyCompromise); openssl -crl_check agrees', async () => {
    const r = await validateCertificatePath(pki.certs.revoked, base());
    expect(r.status).toBe('REVOKED');
    expect(codes(r)).toEqual(['REVOKED']);
    expect(r.reasons[0]?.message).toContain('keyCompromise');
    const withOpenSslIdCrl = await validateCertificatePath(pki.certs.revoked, base({ crls: [pki.interCrlOpenSslId] }));
    expect(withOpenSslIdCrl.status).toBe('REVOKED');
    const o = opensslProblems([...VFY, '-crl_check', '-partial_chain', '-CAfile', pki.certFiles.inter, '-CRLfile', pki.files.interCrlOpenSslIdPem, pki.certFiles.revoked]);
    expect(o.codes).toEqual(['REVOKED']);
    // Before its revocation date the certificate was not revoked (it may be NOT_YET_VALID when it
    // was revoked within the second it was issued).
    const revokedAt = pki.interCrl.entryFor(pki.certs.revoked.serialNumberHex)?.date ?? new Date(0);
    const earlier = await validateCertificatePath(pki.certs.revoked, base({ time: new Date(revokedAt.getTime() - 1) }));
    expect(earlier.status).not.toBe('REVOKED');
    expect(codes(earlier)).not.toContain('REVOKED');
  });

  it('revoked certificate without a CRL → still VALID; with requireRevocationInfo → UNKNOWN', async () => {
    const r = await validateCertificatePath(pki.certs.revoked, base({ crls: [] }));
    expect(r.status).toBe('VALID');
    expect(opensslProblems([...VFY, '-partial_chain', '-CAfile', pki.certFiles.inter, pki.certFiles.revoked]).ok).toBe(true);
    const strict = await validateCertificatePath(pki.certs.unit, base({ crls: [], requireRevocationInfo: true }));
    expect(strict.status).toBe('UNKNOWN');
    expect(codes(strict)).toEqual(['NO_REVOCATION_INFO']);
    const onlyInter = await validateCertificatePath(pki.certs.unit, base({ crls: [pki.interCrl], requireRevocationInfo: true }));
    expect(onlyInter.reasons.map((p) => p.certificate)).toEqual([pki.certs.inter.subjectText]);
    const both = await validateCertificatePath(pki.certs.unit, base({ requireRevocationInfo: true }));
    expect(both.status).toBe('VALID');
  });

  it('stale CRL → CRL_EXPIRED warning only; a bad CRL signature → CRL_INVALID and the CRL is ignored', async () => {
    const later = new Date(pki.interCrl.nextUpdate?.getTime() ?? 0) ;
    later.setTime(later.getTime() + DAY);
    const stale = await validateCertificatePath(pki.certs.unit, base({ time: later }));
    expect(stale.status).toBe('VALID');
    expect(codes(stale, true)).toEqual(['CRL_EXPIRED']);
    const staleRevoked = await validateCertificatePath(pki.certs.revoked, base({ time: later }));
    expect(staleRevoked.status).toBe('REVOKED');
    const strictStale = await validateCertificatePath(pki.certs.unit, base({ time: later, requireRevocationInfo: true }));
    expect(strictStale.status).toBe('UNKNOWN');

    const tampered = pki.interCrl.der.slice();
    flipBits(tampered, tampered.length - 1, 0x01);
    const bad = await validateCertificatePath(pki.certs.revoked, base({ crls: [parseCrl(tampered)] }));
    expect(bad.status).toBe('VALID');
    expect(codes(bad, true)).toEqual(['CRL_INVALID']);
  });

  it('a delta CRL (critical deltaCRLIndicator) never counts as current revocation information', async () => {
    const db = join(work, 'delta-db');
    mkdirSync(db);
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'crlnumber'), '01\n');
    const cnf = join(db, 'ca.cnf');
    writeFileSync(
      cnf,
      [
        '[ca]',
        'default_ca = c',
        '[c]',
        `database = ${join(db, 'index.txt')}`,
        `crlnumber = ${join(db, 'crlnumber')}`,
        'default_md = sm3',
        'default_crl_days = 30',
        'crl_extensions = ext',
        `certificate = ${pki.certFiles.inter}`,
        `private_key = ${pki.keyFiles.inter}`,
        '[ext]',
        'authorityKeyIdentifier = keyid:always',
        '2.5.29.27 = critical,DER:02:01:01',
        '',
      ].join('\n'),
    );
    const file = join(db, 'delta.pem');
    openssl(['ca', '-config', cnf, '-gencrl', '-sigopt', `distid:${TEST_PKI_SM2_ID}`, '-out', file]);
    const delta = parseCrl(readFileSync(file, 'utf8'));
    expect(delta.unhandledCriticalExtensions).toEqual(['2.5.29.27']);
    expect(await delta.verify(pki.certs.inter)).toBe(true);
    const r = await validateCertificatePath(pki.certs.unit, base({ crls: [delta, pki.rootCrl], requireRevocationInfo: true }));
    expect(r.status).toBe('UNKNOWN');
    expect(codes(r, true)).toEqual(['CRL_INVALID', 'NO_REVOCATION_INFO']);
  });

  it('wrong trust anchors → UNTRUSTED (NO_PATH); no anchors → UNKNOWN; openssl cannot find an issuer either', async () => {
    const other = parseCertificates(readFileSync('/work/shared/samples/keys/sign_cert.pem', 'utf8'));
    const r = await validateCertificatePath(pki.certs.unit, base({ trustAnchors: other, intermediates: [pki.certs.inter, pki.certs.root] }));
    expect(r.status).toBe('UNTRUSTED');
    expect(codes(r)).toEqual(['NO_PATH']);
    expect(r.path).toHaveLength(3);
    const o = opensslProblems([...VFY, '-CAfile', '/work/shared/samples/keys/sign_cert.pem', '-untrusted', pki.files.chain, pki.certFiles.unit]);
    expect(o.ok).toBe(false);
    expect(o.codes).toContain('NO_PATH');

    const none = await validateCertificatePath(pki.certs.unit, base({ trustAnchors: [] }));
    expect(none.status).toBe('UNKNOWN');
    expect(codes(none)).toEqual(['NO_PATH']);
    const noneExpired = await validateCertificatePath(pki.certs.expired, base({ trustAnchors: [] }));
    expect(noneExpired.status).toBe('EXPIRED');
  });

  it('a bit flipped in the TBS → INVALID (SIGNATURE_INVALID); openssl reports a signature failure', async () => {
    const der = pki.certs.unit.der.slice();
    const serial = Buffer.from(pki.certs.unit.serialNumberHex, 'hex');
    const at = Buffer.from(der).indexOf(serial) + serial.length - 1;
    flipBits(der, at, 0x01);
    const flipped = parseCertificate(der);
    expect(flipped.serialNumberHex).not.toBe(pki.certs.unit.serialNumberHex);
    const r = await validateCertificatePath(flipped, base());
    expect(r.status).toBe('INVALID');
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    const file = join(work, 'flipped.der');
    writeFileSync(file, der);
    const o = opensslProblems([...VFY, '-partial_chain', '-CAfile', pki.certFiles.inter, file]);
    expect(o.codes).toEqual(['SIGNATURE_INVALID']);
  });

  it('before notBefore → NOT_YET_VALID; openssl -attime agrees', async () => {
    const t = new Date(pki.certs.unit.notBefore.getTime() - DAY);
    const r = await validateCertificatePath(pki.certs.unit, base({ time: t }));
    expect(r.status).toBe('NOT_YET_VALID');
    expect(codes(r)).toEqual(['NOT_YET_VALID']);
    const o = opensslProblems([...VFY, '-attime', String(Math.floor(t.getTime() / 1000)), '-CAfile', pki.certFiles.root, '-untrusted', pki.certFiles.inter, pki.certFiles.unit]);
    expect(o.codes).toEqual(['NOT_YET_VALID']);
  });

  it('key usage and extended key usage requirements', async () => {
    const r = await validateCertificatePath(pki.certs.unit, base({ requiredKeyUsage: ['keyEncipherment'] }));
    expect(r.status).toBe('INVALID');
    expect(codes(r)).toEqual(['KEY_USAGE']);
    const [sample] = parseCertificates(readFileSync('/work/shared/samples/keys/sign_cert.pem', 'utf8'));
    if (sample === undefined) throw new Error('sample');
    const eku = await validateCertificatePath(sample, { trustAnchors: [sample], time: new Date('2022-01-01T00:00:00Z'), requiredExtendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] });
    expect(codes(eku)).toEqual(['EXTENDED_KEY_USAGE']);
    const ekuOk = await validateCertificatePath(sample, { trustAnchors: [sample], time: new Date('2022-01-01T00:00:00Z'), requiredExtendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
    expect(ekuOk.status).toBe('VALID');
    expect(ekuOk.path).toHaveLength(1);
  });

  it('an end-entity certificate used as issuer → INVALID (NOT_A_CA, KEY_USAGE, and pathlen:0 of inter); openssl agrees', async () => {
    const { cert, file } = issue('issued-by-unit', pki.keyFiles.personal, pki.certFiles.unit, pki.keyFiles.unit, 'v3leaf', 0x2001);
    const r = await validateCertificatePath(cert, base({ intermediates: [pki.certs.inter, pki.certs.unit] }));
    expect(r.status).toBe('INVALID');
    expect(codes(r)).toEqual(['KEY_USAGE', 'NOT_A_CA', 'PATH_LENGTH_EXCEEDED']);
    expect(r.path).toHaveLength(4);
    // OpenSSL stops reporting at different points depending on the chain it is given, so each of its
    // findings must be among ours.
    const full = opensslProblems([...VFY, '-CAfile', pki.certFiles.root, '-untrusted', pki.files.chain, '-untrusted', pki.certFiles.unit, file]);
    const link = opensslProblems([...VFY, '-partial_chain', '-CAfile', pki.certFiles.unit, file]);
    expect(full.ok || link.ok).toBe(false);
    expect([...full.codes, ...link.codes].every((c) => codes(r).includes(c))).toBe(true);
    expect(new Set([...full.codes, ...link.codes])).toEqual(new Set(codes(r)));
  });

  it('a sub-CA below the pathlen:0 intermediate → INVALID (PATH_LENGTH_EXCEEDED); openssl agrees', async () => {
    const sub = issue('sub CA', pki.keyFiles.legal, pki.certFiles.inter, pki.keyFiles.inter, 'v3ca', 0x2002);
    const leaf = issue('under sub', pki.keyFiles.personal, sub.file, pki.keyFiles.legal, 'v3leaf', 0x2003);
    const r = await validateCertificatePath(leaf.cert, base({ intermediates: [pki.certs.inter, sub.cert] }));
    expect(r.status).toBe('INVALID');
    expect(codes(r)).toEqual(['PATH_LENGTH_EXCEEDED']);
    expect(r.path.map((c) => c.commonName)).toEqual(['under sub', 'sub CA', 'ESeal 测试中级 CA (SM2)', 'ESeal 测试根 CA (SM2)']);
    const o = opensslProblems([...VFY, '-CAfile', pki.certFiles.root, '-untrusted', pki.certFiles.inter, '-untrusted', sub.file, leaf.file]);
    expect(o.codes).toEqual(['PATH_LENGTH_EXCEEDED']);
    // With the intermediate as trust anchor the constraint no longer applies (RFC 5280: anchors carry no constraints we enforce).
    const partial = await validateCertificatePath(leaf.cert, { trustAnchors: [sub.cert], time: now });
    expect(partial.status).toBe('VALID');
  });

  it('an intermediate as trust anchor gives a two-certificate path', async () => {
    const r = await validateCertificatePath(pki.certs.unit, { trustAnchors: [pki.certs.inter], time: now });
    expect(r.status).toBe('VALID');
    expect(r.path).toHaveLength(2);
  });

  it('tolerates duplicates, loops and unrelated certificates, and prefers a good path', async () => {
    const selfSignedLeaf = join(work, 'loop.pem');
    openssl(['req', '-new', '-x509', '-key', pki.keyFiles.unit, '-subj', '/CN=loop', '-sm3', '-days', '3', '-out', selfSignedLeaf]);
    const [loop] = parseCertificates(readFileSync(selfSignedLeaf, 'utf8'));
    if (loop === undefined) throw new Error('loop');
    const lonely = await validateCertificatePath(loop, base({ intermediates: [loop, loop, pki.certs.inter] }));
    expect(lonely.status).toBe('UNTRUSTED');
    expect(lonely.path).toHaveLength(1);

    // A fake "intermediate" with the same name as the real one but another key: path building must
    // skip it (AKI/SKI) or, failing that, try the real one.
    const fake = issue('fake-inter', pki.keyFiles.maker, pki.certFiles.root, pki.keyFiles.root, 'v3ca', 0x2004, '/C=CN/O=ESeal 测试/CN=ESeal 测试中级 CA (SM2)');
    expect(fake.cert.subjectText).toBe(pki.certs.inter.subjectText);
    const pool = [fake.cert, pki.certs.unit, pki.certs.inter, pki.certs.inter, pki.certs.root, ...pki.chain];
    const r = await validateCertificatePath(pki.certs.unit, base({ intermediates: pool }));
    expect(r.status).toBe('VALID');
    expect(r.path).toHaveLength(3);
    expect(MAX_PATH_CERTIFICATES).toBe(10);
  });

  it('a bag of 40 self-issued certificates with one name (no key identifiers) ends quickly', async () => {
    const cnf = join(work, 'bare.cnf');
    writeFileSync(cnf, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = loop\n');
    const bag: Certificate[] = [];
    for (let i = 0; i < 40; i++) {
      const file = join(work, `bag${i}.pem`);
      openssl(['req', '-new', '-x509', '-config', cnf, '-key', pki.keyFiles.p256, '-sha256', '-days', '2', '-set_serial', String(1000 + i), '-out', file]);
      bag.push(parseCertificates(readFileSync(file, 'utf8'))[0] as Certificate);
    }
    expect(bag[0]?.subjectKeyIdentifier).toBeUndefined();
    const start = Date.now();
    const r = await validateCertificatePath(bag[0] as Certificate, base({ intermediates: bag }));
    expect(Date.now() - start).toBeLessThan(20_000);
    // The longest partial path runs through certificates without basicConstraints, so NOT_A_CA
    // (INVALID) outranks NO_PATH (UNTRUSTED) — either way it is not trusted.
    expect(codes(r)).toContain('NO_PATH');
    expect(['UNTRUSTED', 'INVALID']).toContain(r.status);
    expect(r.path.length).toBeLessThanOrEqual(MAX_PATH_CERTIFICATES);
    // With one of them trusted: all share name and key, and an anchor is a name and a key, so the
    // leaf is recognised as the anchor itself.
    const trusted = await validateCertificatePath(bag[0] as Certificate, base({ trustAnchors: [bag[39] as Certificate], intermediates: bag }));
    expect(trusted.status).toBe('VALID');
    expect(trusted.path).toHaveLength(1);
  });

  it('third-party SM2 chain: ofdrw sign_cert.pem under the ofdrw test root (ROOT.p12)', async () => {
    const rootPem = openssl(['pkcs12', '-legacy', '-in', '/work/shared/samples/keys/ROOT.p12', '-nokeys', '-passin', 'pass:123456']);
    const [root] = parseCertificates(rootPem);
    const [leaf] = parseCertificates(readFileSync('/work/shared/samples/keys/sign_cert.pem', 'utf8'));
    if (root === undefined || leaf === undefined) throw new Error('sample certificates');
    const r = await validateCertificatePath(leaf, { trustAnchors: [root], time: new Date('2022-06-01T00:00:00Z') });
    // The signature (BouncyCastle, GM/T default ID) verifies; the root's keyUsage lacks keyCertSign,
    // which OpenSSL also reports (error 32).
    expect(r.path).toHaveLength(2);
    expect(await verifySignatureByOid(root.publicKey, leaf.signatureAlgorithmOid, leaf.tbsDer, leaf.signatureValue, { sm2UserId: SM2_DEFAULT_USER_ID })).toBe(true);
    expect(codes(r)).toEqual(['KEY_USAGE']);
    expect(r.status).toBe('INVALID');
    const later = await validateCertificatePath(leaf, { trustAnchors: [root], time: new Date('2026-01-01T00:00:00Z') });
    expect(codes(later)).toContain('EXPIRED');
  });

  it('rejects a bad time option with ERR_INPUT_INVALID', async () => {
    const err: unknown = await validateCertificatePath(pki.certs.unit, base({ time: new Date(Number.NaN) })).catch((e: unknown) => e);
    expect(isSealError(err) && err.code).toBe('ERR_INPUT_INVALID');
  });
});
