// SPDX-License-Identifier: Apache-2.0
/**
 * SM2 interoperability, both directions, with the OpenSSL 3.0 command line (`pkeyutl -rawin -digest
 * sm3 -pkeyopt distid:…`) and with sm-crypto 0.5.8 (the design's reference library). Includes the
 * checks that would catch a missing Z or a wrong default ID: OpenSSL without `distid` uses an empty
 * ID, so its signatures must NOT verify under our default ID, and ours must not verify there.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair, sm2GetPublicKey, sm2Sign, sm2SignatureToDer, sm2Verify } from '../../../shared/crypto/sm2.js';
import { bytesToHex, hexToBytes, utf8Encode } from '../../../shared/crypto/bytes.js';
import { openssl, opensslOk, readOpensslSm2Key, seededBytes, sm2PrivateKeyPem, sm2PublicKeyPem } from './helpers.js';

const smCrypto = createRequire(import.meta.url)('sm-crypto') as {
  sm2: {
    doSignature: (msg: number[] | string, priv: string, opts: { der?: boolean; hash?: boolean; userId?: string; publicKey?: string }) => string;
    doVerifySignature: (msg: number[] | string, sig: string, pub: string, opts: { der?: boolean; hash?: boolean; userId?: string }) => boolean;
  };
};

const DISTID = 'distid:1234567812345678';
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eseal-sm2-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, data?: Uint8Array | string): string {
  const path = join(dir, name);
  if (data !== undefined) writeFileSync(path, data);
  return path;
}

function opensslSign(keyPath: string, msgPath: string, sigPath: string, distid: boolean): Uint8Array {
  const args = ['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-inkey', keyPath, '-in', msgPath, '-out', sigPath];
  if (distid) args.push('-pkeyopt', DISTID);
  openssl(args);
  return new Uint8Array(readFileSync(sigPath));
}

function opensslVerify(pubPath: string, msgPath: string, sigPath: string, distid: boolean): boolean {
  const args = ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', pubPath, '-in', msgPath, '-sigfile', sigPath];
  if (distid) args.push('-pkeyopt', DISTID);
  return opensslOk(args);
}

describe('SM2 vs OpenSSL 3.0 command line', () => {
  it('OpenSSL-generated keys: OpenSSL signs → we verify; we sign → OpenSSL verifies', () => {
    for (let i = 0; i < 4; i++) {
      const keyPath = file(`k${i}.pem`);
      openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', keyPath]);
      const pubPath = file(`pub${i}.pem`);
      openssl(['pkey', '-in', keyPath, '-pubout', '-out', pubPath]);
      const { privateKey, publicKey } = readOpensslSm2Key(keyPath);
      expect(bytesToHex(sm2GetPublicKey(privateKey))).toBe(bytesToHex(publicKey));
      const msg = seededBytes(100 + i, [0, 1, 64, 1000][i] as number);
      const msgPath = file(`m${i}`, msg);

      const theirs = opensslSign(keyPath, msgPath, file(`os${i}.sig`), true);
      expect(sm2Verify(publicKey, msg, theirs)).toBe(true);
      const flipped = msg.length > 0 ? msg.map((b, j) => (j === 0 ? b ^ 1 : b)) : Uint8Array.of(0);
      expect(sm2Verify(publicKey, flipped, theirs)).toBe(false);

      const ours = sm2Sign(privateKey, msg);
      const oursPath = file(`our${i}.sig`, ours);
      expect(opensslVerify(pubPath, msgPath, oursPath, true)).toBe(true);
      // raw r‖s converted back to DER also verifies
      expect(opensslVerify(pubPath, msgPath, file(`our${i}r.sig`, sm2SignatureToDer(sm2Sign(privateKey, msg, { format: 'raw' }))), true)).toBe(true);
    }
  });

  it('our keys in PEM form work in OpenSSL both ways', () => {
    for (let i = 0; i < 3; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      const keyPath = file(`ok${i}.pem`, sm2PrivateKeyPem(privateKey, publicKey));
      const pubPath = file(`opub${i}.pem`, sm2PublicKeyPem(publicKey));
      const msg = utf8Encode(`电子印章 ${i}`);
      const msgPath = file(`om${i}`, msg);
      expect(opensslVerify(pubPath, msgPath, file(`oo${i}.sig`, sm2Sign(privateKey, msg)), true)).toBe(true);
      expect(sm2Verify(publicKey, msg, opensslSign(keyPath, msgPath, file(`oos${i}.sig`), true))).toBe(true);
    }
  });

  it('the ID matters: OpenSSL without distid (empty ID) does not match our default ID', () => {
    const keyPath = file('id.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', keyPath]);
    const pubPath = file('id.pub.pem');
    openssl(['pkey', '-in', keyPath, '-pubout', '-out', pubPath]);
    const { privateKey, publicKey } = readOpensslSm2Key(keyPath);
    const msg = utf8Encode('message digest');
    const msgPath = file('id.msg', msg);

    const noId = opensslSign(keyPath, msgPath, file('noid.sig'), false);
    expect(sm2Verify(publicKey, msg, noId)).toBe(false);
    expect(sm2Verify(publicKey, msg, noId, { userId: new Uint8Array(0) })).toBe(true);

    const ours = sm2Sign(privateKey, msg);
    const oursPath = file('id.our.sig', ours);
    expect(opensslVerify(pubPath, msgPath, oursPath, true)).toBe(true);
    expect(opensslVerify(pubPath, msgPath, oursPath, false)).toBe(false);
    const oursEmpty = file('id.our.empty.sig', sm2Sign(privateKey, msg, { userId: new Uint8Array(0) }));
    expect(opensslVerify(pubPath, msgPath, oursEmpty, false)).toBe(true);
    expect(opensslVerify(pubPath, msgPath, oursEmpty, true)).toBe(false);
  });

  it('the standard vector signature verifies in OpenSSL', () => {
    const d = hexToBytes('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
    const pub = sm2GetPublicKey(d);
    const msg = utf8Encode('message digest');
    const sig = sm2Sign(d, msg, { k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n });
    expect(opensslVerify(file('v.pub.pem', sm2PublicKeyPem(pub)), file('v.msg', msg), file('v.sig', sig), true)).toBe(true);
  });
});

describe('SM2 vs sm-crypto 0.5.8', () => {
  it('sm-crypto signs (DER, hash with Z) → we verify; we sign → sm-crypto verifies', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      const privHex = bytesToHex(privateKey);
      const pubHex = bytesToHex(publicKey);
      const msg = seededBytes(200 + i, i * 50);
      const arr = Array.from(msg);
      const userId = i % 2 === 0 ? undefined : `user${i}@example.cn`;
      const idBytes = userId === undefined ? undefined : utf8Encode(userId);
      const opts = userId === undefined ? { der: true, hash: true } : { der: true, hash: true, userId };

      const theirs = hexToBytes(smCrypto.sm2.doSignature(arr, privHex, opts));
      expect(sm2Verify(publicKey, msg, theirs, { userId: idBytes })).toBe(true);
      if (userId !== undefined) expect(sm2Verify(publicKey, msg, theirs)).toBe(false);

      const ours = sm2Sign(privateKey, msg, { userId: idBytes });
      expect(smCrypto.sm2.doVerifySignature(arr, bytesToHex(ours), pubHex, opts)).toBe(true);
      const oursRaw = sm2Sign(privateKey, msg, { userId: idBytes, format: 'raw' });
      expect(smCrypto.sm2.doVerifySignature(arr, bytesToHex(oursRaw), pubHex, { ...opts, der: false })).toBe(true);
      // without Z (hash: false means sm-crypto signs the message bytes as e) nothing matches
      expect(smCrypto.sm2.doVerifySignature(arr, bytesToHex(ours), pubHex, { der: true, hash: false })).toBe(false);
    }
  });
});
