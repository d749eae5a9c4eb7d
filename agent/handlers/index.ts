// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The route table: one handler per page/extension method, keyed by method name. `pair`, `cancel`
 * and `consent.reply` are protocol-level and handled by the server itself.
 */
import type { MethodName } from '../../shared/protocol/index.js';
import { dataSign } from './dataSign.js';
import { docBegin, docDrop, docGet, docPut } from './docs.js';
import { pdfSeal } from './pdfSeal.js';
import { pinChange } from './pinChange.js';
import { sealSign } from './sealSign.js';
import { sealSignBatch } from './sealSignBatch.js';
import { sealsList } from './sealsList.js';
import { status } from './status.js';
import { tokensList } from './tokensList.js';
import type { Handler } from './types.js';
import { verify } from './verify.js';

export type RoutedMethod = Exclude<MethodName, 'pair' | 'cancel' | 'consent.reply'>;

export const HANDLERS: Readonly<Record<RoutedMethod, Handler>> = {
  status,
  'tokens.list': tokensList,
  'seals.list': sealsList,
  'seal.sign': sealSign,
  'seal.signBatch': sealSignBatch,
  'data.sign': dataSign,
  'pdf.seal': pdfSeal,
  'pin.change': pinChange,
  verify,
  'doc.begin': docBegin,
  'doc.put': docPut,
  'doc.get': docGet,
  'doc.drop': docDrop,
};

export type { AgentServices, Handler, RequestScope } from './types.js';
