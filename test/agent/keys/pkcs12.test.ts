// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { rc2DecryptBlock, rc2ExpandKey } from '../../../agent/keys/rc2.js';
import { readPkcs12 } from '../../../agent/keys/pkcs12.js';
import { parseDer } from '../../../shared/asn1/index.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const keys = new URL('../../fixtures/samples/keys/', import.meta.url);

describe('RC2 (RFC 2268 §5 test vectors)', () => {
  const vectors: [string, number, string, string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
  ];
  it.each(vectors)('key %s / %d bits', (key, bits, plain, cipher) => {
    const block = h(cipher);
    rc2DecryptBlock(rc2ExpandKey(h(key), bits), block);
    expect(Buffer.from(block).toString('hex')).toBe(plain);
  });
});

describe('readPkcs12 on the legacy sample files (SHA-1/3DES key bag, RC2-40 certificate bag)', () => {
  for (const name of ['USER.p12', 'SealBuilder.p12']) {
    it(name, () => {
      const p12 = readPkcs12(new Uint8Array(readFileSync(new URL(name, keys))), '777777');
      expect(p12.keys.length).toBe(1);
      expect(p12.certificates.length).toBeGreaterThanOrEqual(1);
      // the decrypted key is a PKCS#8 PrivateKeyInfo
      expect(parseDer(p12.keys[0]?.pkcs8 ?? new Uint8Array()).children.length).toBeGreaterThanOrEqual(3);
      expect(p12.certificates[0]?.der[0]).toBe(0x30);
    });
  }

  it('a wrong password is ERR_CRYPTO_DECRYPT_FAILED (MAC check)', () => {
    try {
      readPkcs12(new Uint8Array(readFileSync(new URL('USER.p12', keys))), 'wrong');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SealError);
      expect((e as SealError).code).toBe('ERR_CRYPTO_DECRYPT_FAILED');
    }
  });

  it('garbage is a coded error', () => {
    for (const bad of [new Uint8Array(0), h('3000'), h('308002010330800000'), new Uint8Array(100).fill(0x30)]) {
      expect(() => readPkcs12(bad, 'x')).toThrow(SealError);
    }
  });
});
