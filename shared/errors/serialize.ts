// SPDX-License-Identifier: Apache-2.0
import { isErrorCode } from './ErrorCode.js';
import { SealError, type ErrorDetails } from './SealError.js';

/** The wire form of an error: code, English message, Chinese message, flat details. Never a stack. */
export interface SerializedError {
  readonly code: string;
  readonly message: string;
  readonly messageZh: string;
  readonly details: ErrorDetails;
}

const MAX_DETAIL_KEYS = 16;
const MAX_DETAIL_STRING = 512;

function cleanDetails(input: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return out;
  let count = 0;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (count >= MAX_DETAIL_KEYS) break;
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(key)) continue;
    if (typeof value === 'string') out[key] = value.slice(0, MAX_DETAIL_STRING);
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'boolean') out[key] = value;
    else continue;
    count++;
  }
  return out;
}

/** Turns any thrown value into the wire form; non-ESeal errors become ERR_INTERNAL without their stack. */
export function serializeError(error: unknown): SerializedError {
  const sealError =
    error instanceof SealError
      ? error
      : new SealError('ERR_INTERNAL', { reason: error instanceof Error ? error.message.slice(0, 200) : 'non-error value thrown' });
  return {
    code: sealError.code,
    message: sealError.message,
    messageZh: sealError.messageZh,
    details: cleanDetails(sealError.details),
  };
}

/**
 * Rebuilds a SealError from the wire. The messages are re-rendered from our own table (a peer cannot
 * make us display its text); an unknown code becomes ERR_UNKNOWN with the original code kept.
 */
export function deserializeError(wire: unknown): SealError {
  if (wire === null || typeof wire !== 'object') return new SealError('ERR_UNKNOWN', { reason: 'not an error object' });
  const record = wire as Record<string, unknown>;
  const details = cleanDetails(record['details']);
  const code = record['code'];
  if (isErrorCode(code)) return new SealError(code, details);
  return new SealError('ERR_UNKNOWN', { ...details, originalCode: typeof code === 'string' ? code.slice(0, 64) : 'none' });
}
