// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * CKR_* → ESeal error codes, in exactly one place (house style: one mapping per boundary).
 *
 * Design rationale: pkcs11js throws `Pkcs11Error` (`.code` = the CK_RV, `.message` = its name,
 * `.method` = the C_* function); a few of its JS wrappers let the native `Error('CKR_NAME:code')`
 * through instead, so both forms are recognised. The CKR name never reaches the user's message:
 * it goes into `details.ckr` (and `details.reason` for ERR_TOKEN_LIBRARY) for logs and support.
 * Whether `CKR_TOKEN_NOT_PRESENT` / `CKR_SESSION_HANDLE_INVALID` mean "removed" depends on the call:
 * on an open session they do (the session died with the token), when opening they do not.
 */
import { SealError, type ErrorCode } from '../../../shared/errors/index.js';
import { CKR, ckrName, hex32 } from './constants.js';

export interface Pkcs11ErrorContext {
  /** The call ran on a session that was open: TOKEN_NOT_PRESENT / SESSION_* then mean "removed". */
  readonly session?: boolean;
  /** The mechanism of the operation, reported with ERR_TOKEN_MECHANISM_UNSUPPORTED. */
  readonly mechanism?: number;
  /** Tries left after CKR_PIN_INCORRECT, when the caller could derive it from the token flags. */
  readonly retriesLeft?: number;
}

/** The CK_RV and function of a pkcs11js error, or undefined for anything else. */
export function pkcs11ErrorOf(error: unknown): { readonly code: number; readonly method: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: unknown; method?: unknown };
  const method = typeof e.method === 'string' ? e.method : '';
  if (e.name === 'Pkcs11Error' && typeof e.code === 'number') return { code: e.code, method };
  const m = /^(CKR_\w+):(\d+)/.exec(e.message);
  if (m?.[2] !== undefined) return { code: Number(m[2]), method };
  return undefined;
}

/** CK_RVs that, on an open session, mean the token is gone. */
const REMOVAL_ON_SESSION: ReadonlySet<number> = new Set([CKR.DEVICE_REMOVED, CKR.TOKEN_NOT_PRESENT, CKR.SESSION_HANDLE_INVALID, CKR.SESSION_CLOSED]);

/** Whether `code` means the token was removed (given whether the call ran on an open session). */
export function isRemovalCode(code: number, session: boolean): boolean {
  return code === CKR.DEVICE_REMOVED || (session && REMOVAL_ON_SESSION.has(code));
}

/**
 * Maps any error thrown around a pkcs11js call to a SealError. SealErrors pass through unchanged;
 * a non-PKCS#11 error (a binding TypeError, a dlopen failure) becomes ERR_TOKEN_LIBRARY.
 */
export function mapPkcs11Error(error: unknown, context: Pkcs11ErrorContext = {}): SealError {
  if (error instanceof SealError) return error;
  const p11 = pkcs11ErrorOf(error);
  if (!p11) {
    const message = error instanceof Error ? error.message : String(error);
    return new SealError('ERR_TOKEN_LIBRARY', { reason: `native: ${message.split('\n')[0]?.slice(0, 160) ?? ''}` }, { cause: error });
  }
  const ckr = ckrName(p11.code);
  const base = { ckr, ...(p11.method ? { method: p11.method } : {}) };
  const make = (code: ErrorCode, extra: Record<string, string | number> = {}) => new SealError(code, { ...base, ...extra }, { cause: error });
  switch (p11.code) {
    case CKR.PIN_INCORRECT:
      return make('ERR_TOKEN_PIN_INCORRECT', context.retriesLeft === undefined ? {} : { retriesLeft: context.retriesLeft });
    case CKR.PIN_LOCKED:
      return make('ERR_TOKEN_PIN_LOCKED');
    case CKR.PIN_INVALID:
      return make('ERR_TOKEN_PIN_INVALID', { reason: 'characters not accepted by the token' });
    case CKR.PIN_LEN_RANGE:
      return make('ERR_TOKEN_PIN_INVALID', { reason: 'length not accepted by the token' });
    case CKR.DEVICE_REMOVED:
      return make('ERR_TOKEN_REMOVED');
    case CKR.TOKEN_NOT_PRESENT:
      return make(context.session ? 'ERR_TOKEN_REMOVED' : 'ERR_TOKEN_NOT_PRESENT');
    case CKR.SESSION_HANDLE_INVALID:
    case CKR.SESSION_CLOSED:
      return context.session ? make('ERR_TOKEN_REMOVED') : make('ERR_TOKEN_LIBRARY', { reason: ckr });
    case CKR.USER_NOT_LOGGED_IN:
      return make('ERR_TOKEN_LOGIN_REQUIRED');
    case CKR.MECHANISM_INVALID:
    case CKR.MECHANISM_PARAM_INVALID:
      return make('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: context.mechanism === undefined ? 'unknown' : hex32(context.mechanism) });
    case CKR.FUNCTION_CANCELED:
      return make('ERR_USER_CANCELLED');
    default:
      return make('ERR_TOKEN_LIBRARY', { reason: ckr });
  }
}
