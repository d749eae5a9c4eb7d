// SPDX-License-Identifier: Apache-2.0
/** The public surface other modules code against: every contract name is exported by the index. */
import { describe, expect, it } from 'vitest';
import * as crypto from '../../../shared/crypto/index.js';

const CONTRACT = [
  // bytes
  'hexToBytes', 'bytesToHex', 'concatBytes', 'equalBytes', 'utf8Encode', 'utf8Decode', 'base64Encode', 'base64Decode', 'randomBytes',
  // assert
  'assertBytes',
  // sm3
  'sm3', 'createSm3', 'hmacSm3', 'registerSm3Backend',
  // sm2
  'sm2GenerateKeyPair', 'sm2GetPublicKey', 'sm2ComputeZ', 'sm2Digest', 'sm2Sign', 'sm2SignDigest', 'sm2Verify', 'sm2VerifyDigest',
  'sm2CompressPublicKey', 'sm2DecompressPublicKey', 'sm2ValidatePublicKey', 'sm2SignatureToRaw', 'sm2SignatureToDer', 'sm2ParseSignature',
  // sm4
  'sm4EncryptBlock', 'sm4DecryptBlock', 'sm4EcbEncrypt', 'sm4EcbDecrypt', 'sm4CbcEncrypt', 'sm4CbcDecrypt', 'sm4CtrXor', 'sm4GcmEncrypt', 'sm4GcmDecrypt',
  // webcrypto
  'digest', 'sha256', 'verifyEcdsa', 'verifyRsa',
] as const;

describe('shared/crypto index', () => {
  it.each(CONTRACT)('exports %s', (name) => {
    expect(typeof (crypto as Record<string, unknown>)[name]).toBe('function');
  });
  it('exports the default SM2 user ID', () => {
    expect(crypto.bytesToHex(crypto.SM2_DEFAULT_USER_ID)).toBe('31323334353637383132333435363738');
  });
});
