// SPDX-License-Identifier: Apache-2.0
// Hostile input: every malformed certificate, CRL or PEM must end in a coded SealError — never a
// TypeError, RangeError, crash or hang. Includes a seeded random-mutation loop over a real certificate.
import { describe, expect, it } from 'vitest';
import { isSealError } from '../../../shared/errors/index.js';
import { parseCertificate, parseCertificates, parseCrl, validateCertificatePath } from '../../../shared/x509/index.js';
import { loadTestPki } from '../../support/testPki.js';
import { flipBits } from './opensslHelpers.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSealError(e)) return e.code;
    throw e; // not a SealError: fail the test with the original error
  }
  return 'NO_ERROR';
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('hostile certificate input', () => {
  it.each([
    ['empty', new Uint8Array(0), 'ERR_X509_MALFORMED'],
    ['one byte', Uint8Array.of(0x30), 'ERR_X509_MALFORMED'],
    ['empty SEQUENCE', Uint8Array.of(0x30, 0x00), 'ERR_X509_MALFORMED'],
    ['wrong outer tag (SET)', Uint8Array.of(0x31, 0x03, 0x02, 0x01, 0x01), 'ERR_X509_MALFORMED'],
    ['wrong outer tag (OCTET STRING)', Uint8Array.of(0x04, 0x02, 0x30, 0x00), 'ERR_X509_MALFORMED'],
    ['huge length prefix', Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00), 'ERR_X509_MALFORMED'],
    ['8-byte length', Uint8Array.of(0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'ERR_X509_MALFORMED'],
    ['indefinite length, no end', Uint8Array.of(0x30, 0x80, 0x30, 0x80), 'ERR_X509_MALFORMED'],
    ['deep nesting', Uint8Array.from(Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 0x30 : 0x80))), 'ERR_X509_MALFORMED'],
    ['three INTEGERs', Uint8Array.of(0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01), 'ERR_X509_MALFORMED'],
  ])('%s → %s', (_name, bytes, code) => {
    expect(codeOf(() => parseCertificate(bytes))).toBe(code);
  });

  it('rejects non-bytes with ERR_INPUT_INVALID', () => {
    expect(codeOf(() => parseCertificate('MIIB' as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => parseCertificates(42 as unknown as string))).toBe('ERR_INPUT_INVALID');
  });

  it('truncated certificates at every length → ERR_X509_MALFORMED', async () => {
    const { certs } = await loadTestPki();
    const der = certs.unit.der;
    for (let n = 0; n < der.length; n++) {
      expect(codeOf(() => parseCertificate(der.subarray(0, n)))).toBe('ERR_X509_MALFORMED');
    }
    // trailing garbage too
    const longer = new Uint8Array(der.length + 1);
    longer.set(der);
    expect(codeOf(() => parseCertificate(longer))).toBe('ERR_X509_MALFORMED');
  });

  it('random bytes → coded errors', () => {
    const rnd = prng(1234);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
      if (i % 2 === 0) bytes[0] = 0x30;
      const code = codeOf(() => parseCertificate(bytes));
      expect(['ERR_X509_MALFORMED', 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED']).toContain(code);
    }
  });

  it.each([
    ['no block', 'hello world'],
    ['garbage base64', '-----BEGIN CERTIFICATE-----\nMIIB$$$$\n-----END CERTIFICATE-----\n'],
    ['bad length', '-----BEGIN CERTIFICATE-----\nMIIBx\n-----END CERTIFICATE-----\n'],
    ['padding inside', '-----BEGIN CERTIFICATE-----\nMI==MIIB\n-----END CERTIFICATE-----\n'],
    ['missing END', '-----BEGIN CERTIFICATE-----\nMIIB\n'],
    ['empty block', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['key only', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'],
  ])('PEM %s → ERR_X509_PEM_INVALID', (_name, text) => {
    expect(codeOf(() => parseCertificates(text))).toBe('ERR_X509_PEM_INVALID');
    expect(codeOf(() => parseCertificates(enc(text.startsWith('hello') ? `-----BEGIN ${text}` : text)))).toBe('ERR_X509_PEM_INVALID');
  });

  it('PEM with valid base64 of garbage → ERR_X509_MALFORMED', () => {
    expect(codeOf(() => parseCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toBe('ERR_X509_MALFORMED');
  });

  it('1,000+ seeded random mutations of a real certificate: only SealErrors, and fast', async () => {
    const { certs } = await loadTestPki();
    const original = certs.unit.der;
    const rnd = prng(20261122);
    const seen = new Map<string, number>();
    const start = Date.now();
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const der = original.slice();
      const kind = i % 4;
      const flips = 1 + Math.floor(rnd() * 4);
      let bytes: Uint8Array = der;
      if (kind === 0) {
        for (let f = 0; f < flips; f++) flipBits(der, Math.floor(rnd() * der.length), 1 << Math.floor(rnd() * 8));
      } else if (kind === 1) {
        for (let f = 0; f < flips; f++) der[Math.floor(rnd() * der.length)] = Math.floor(rnd() * 256);
      } else if (kind === 2) {
        const at = Math.floor(rnd() * der.length);
        bytes = Uint8Array.from([...der.subarray(0, at), ...der.subarray(at + 1 + Math.floor(rnd() * 8))]);
      } else {
        const at = Math.floor(rnd() * der.length);
        const ins = Uint8Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => Math.floor(rnd() * 256));
        bytes = Uint8Array.from([...der.subarray(0, at), ...ins, ...der.subarray(at)]);
      }
      // A random byte may equal the one it replaces: an unchanged certificate is not a mutation.
      if (bytes.length === original.length && bytes.every((b, j) => b === original[j])) continue;
      try {
        const cert = parseCertificate(bytes);
        parsed++;
        // Whatever parses must also survive the rest of the API.
        void cert.subjectText;
        void cert.fingerprintSm3();
        if (parsed <= 40) {
          const r = await validateCertificatePath(cert, { trustAnchors: [certs.root], intermediates: [certs.inter], time: new Date() });
          expect(r.status).not.toBe('VALID');
        }
        seen.set('parsed', (seen.get('parsed') ?? 0) + 1);
      } catch (e) {
        if (!isSealError(e)) throw e;
        seen.set(e.code, (seen.get(e.code) ?? 0) + 1);
      }
    }
    expect(Date.now() - start).toBeLessThan(30_000);
    expect(seen.get('ERR_X509_MALFORMED') ?? 0).toBeGreaterThan(100);
    expect(parsed).toBeGreaterThan(0);
    expect([...seen.keys()].every((k) => ['parsed', 'ERR_X509_MALFORMED', 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED'].includes(k))).toBe(true);
  });
});

describe('hostile CRL input', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['wrong tag', Uint8Array.of(0x02, 0x01, 0x00)],
    ['huge length', Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff)],
    ['a certificate is not a CRL', undefined],
  ])('%s → ERR_X509_CRL_MALFORMED', async (_name, bytes) => {
    const input = bytes ?? (await loadTestPki()).certs.unit.der;
    expect(codeOf(() => parseCrl(input))).toBe('ERR_X509_CRL_MALFORMED');
  });

  it('truncations and mutations of a real CRL → only coded errors', async () => {
    const { interCrl, certs } = await loadTestPki();
    const der = interCrl.der;
    for (let n = 0; n < der.length; n++) expect(codeOf(() => parseCrl(der.subarray(0, n)))).toBe('ERR_X509_CRL_MALFORMED');
    const rnd = prng(7);
    let verified = 0;
    for (let i = 0; i < 500; i++) {
      const m = der.slice();
      flipBits(m, Math.floor(rnd() * m.length), 1 << Math.floor(rnd() * 8));
      try {
        const crl = parseCrl(m);
        if (verified++ < 40) expect(await crl.verify(certs.inter)).toBe(false);
      } catch (e) {
        if (!isSealError(e)) throw e;
        expect(['ERR_X509_CRL_MALFORMED', 'ERR_CRYPTO_ALGORITHM_UNSUPPORTED']).toContain(e.code);
      }
    }
    expect(codeOf(() => parseCrl('-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n'))).toBe('ERR_X509_PEM_INVALID');
    expect(codeOf(() => parseCrl('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toBe('ERR_X509_PEM_INVALID');
  });
});
