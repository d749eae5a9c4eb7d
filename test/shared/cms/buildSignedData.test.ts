// SPDX-License-Identifier: Apache-2.0
/**
 * buildSignedData: detached CMS over a digest with a signing callback. Checked by our own verifier
 * (ECDSA P-256, RSA, SM2 via sm-crypto as an independent SM2 signer) and by `openssl cms -verify`
 * for the international algorithms.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { buildSignedData } from '../../../shared/cms/buildSignedData.js';
import { verifyCmsSignedData } from '../../../shared/cms/verifyCmsSignedData.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { loadTestPki } from '../../support/testPki.js';
import { privateKeyHex, sm2Sign } from './cmsBuilder.js';

const CONTENT = new TextEncoder().encode('the bytes of a PDF /ByteRange, say');

describe('buildSignedData', () => {
  it.each(['p256', 'rsa'] as const)('%s: our verifier passes it and openssl cms -verify accepts it', async (name) => {
    const pki = await loadTestPki();
    const key = createPrivateKey(readFileSync(pki.keyFiles[name]));
    const cms = await buildSignedData({
      signerCertificate: pki.certs[name],
      certificates: [pki.certs.inter],
      contentDigest: sha256(CONTENT),
      digestAlgorithm: 'SHA-256',
      signingTime: new Date(),
      sign: (attrs) => Promise.resolve(new Uint8Array(nodeSign('sha256', attrs, key))),
    });
    const v = await verifyCmsSignedData(cms, { content: CONTENT, trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
    expect(v.indication, JSON.stringify(v.checks.filter((c) => c.status !== 'passed'))).toBe('TOTAL_PASSED');
    expect(v.detached).toBe(true);
    expect(v.signedAttributes).toBe(true);
    // independent check (no chain: the test CA is SM2, which OpenSSL 3.0 cannot use for CMS paths)
    const dir = mkdtempSync(join(tmpdir(), 'eseal-cms-'));
    writeFileSync(join(dir, 'sig.der'), cms);
    writeFileSync(join(dir, 'content.bin'), CONTENT);
    const out = execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content', join(dir, 'content.bin'), '-noverify', '-out', '/dev/null'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
    // tampered content → our verifier fails
    const bad = await verifyCmsSignedData(cms, { content: new TextEncoder().encode('other'), trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
    expect(bad.indication).toBe('TOTAL_FAILED');
  });

  it('SM2/SM3 (GM/T 0010 OIDs) signed through the callback by sm-crypto verifies', async () => {
    const pki = await loadTestPki();
    const priv = privateKeyHex(pki.keyFiles.unit);
    const cms = await buildSignedData({
      signerCertificate: pki.certs.unit,
      contentDigest: sm3(CONTENT),
      digestAlgorithm: 'SM3',
      sign: (attrs) => Promise.resolve(sm2Sign(attrs, priv)),
    });
    const v = await verifyCmsSignedData(cms, { content: CONTENT, trustAnchors: [pki.certs.root], intermediates: [pki.certs.inter], time: new Date() });
    expect(v.format).toBe('GM/T 0010 SignedData');
    expect(v.indication, JSON.stringify(v.checks.filter((c) => c.status !== 'passed'))).toBe('TOTAL_PASSED');
  });

  it('refuses a digest algorithm that does not fit the key', async () => {
    const pki = await loadTestPki();
    await expect(buildSignedData({ signerCertificate: pki.certs.unit, contentDigest: new Uint8Array(32), digestAlgorithm: 'SHA-256', sign: () => Promise.resolve(new Uint8Array(1)) })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED',
    });
    await expect(buildSignedData({ signerCertificate: pki.certs.p256, contentDigest: new Uint8Array(31), digestAlgorithm: 'SHA-256', sign: () => Promise.resolve(new Uint8Array(1)) })).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
  });
});
