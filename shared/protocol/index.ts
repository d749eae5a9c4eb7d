// SPDX-License-Identifier: Apache-2.0
export * from './envelope.js';
export * from './methods.js';
export * from './parseMessage.js';
export * from './pairingProof.js';
