// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The national crypto core of ESeal (SM2 with Z, SM3, SM4) plus byte helpers and the WebCrypto
 * wrappers for international algorithms. Pure TypeScript: the same code runs in the extension and
 * the agent; the agent may register OpenSSL's SM3 through `registerSm3Backend`
 * (`agent/crypto/nativeSm3.ts`).
 */
export * from './bytes.js';
export * from './assert.js';
export * from './sm3.js';
export * from './sm2.js';
export * from './sm4.js';
export * from './webcrypto.js';
