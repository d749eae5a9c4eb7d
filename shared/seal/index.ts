// SPDX-License-Identifier: Apache-2.0
export * from './SES_Header.js';
export * from './ExtensionDatas.js';
export * from './SES_ESPictrueInfo.js';
export * from './SES_ESPropertyInfo.js';
export * from './SES_SealInfo.js';
export * from './SESeal.js';
export * from './TBS_Sign.js';
export * from './SES_Signature.js';
export * from './detectSesStructure.js';
export * from './signatureValue.js';
export * from './certDigest.js';
export * from './sealSummary.js';
export * from './makeSeal.js';
export * from './verifySeal.js';
