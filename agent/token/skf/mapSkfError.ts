// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * SKF return codes (GM/T 0016-2012 appendix A, `SAR_*`) and their mapping to ESeal error codes. This
 * is the only place where a `SAR_*` value becomes an `ERR_TOKEN_*` code.
 *
 * Design rationale: the values are the ones of GmSSL's `skf.h` and the vendor headers (token research
 * notes §2); a document circulating with other numbers (`SAR_PIN_INCORRECT 0x0A000029`) disagrees with
 * every vendor header and is ignored. Codes the user can act on get their own error code; everything
 * else is `ERR_TOKEN_LIBRARY` with `reason: 'SAR_NAME (0x0A0000NN)'`, so a support request carries the
 * exact driver code without the user seeing a raw number alone.
 */
import { SealError, type ErrorDetails } from '../../../shared/errors/index.js';

/** GM/T 0016-2012 appendix A. 0x0A000033/34 are common vendor additions (container exists / missing). */
export const SAR = {
  SAR_OK: 0x00000000,
  SAR_FAIL: 0x0a000001,
  SAR_UNKNOWNERR: 0x0a000002,
  SAR_NOTSUPPORTYETERR: 0x0a000003,
  SAR_FILEERR: 0x0a000004,
  SAR_INVALIDHANDLEERR: 0x0a000005,
  SAR_INVALIDPARAMERR: 0x0a000006,
  SAR_READFILEERR: 0x0a000007,
  SAR_WRITEFILEERR: 0x0a000008,
  SAR_NAMELENERR: 0x0a000009,
  SAR_KEYUSAGEERR: 0x0a00000a,
  SAR_MODULUSLENERR: 0x0a00000b,
  SAR_NOTINITIALIZEERR: 0x0a00000c,
  SAR_OBJERR: 0x0a00000d,
  SAR_MEMORYERR: 0x0a00000e,
  SAR_TIMEOUTERR: 0x0a00000f,
  SAR_INDATALENERR: 0x0a000010,
  SAR_INDATAERR: 0x0a000011,
  SAR_GENRANDERR: 0x0a000012,
  SAR_HASHOBJERR: 0x0a000013,
  SAR_HASHERR: 0x0a000014,
  SAR_GENRSAKEYERR: 0x0a000015,
  SAR_RSAMODULUSLENERR: 0x0a000016,
  SAR_CSPIMPRTPUBKEYERR: 0x0a000017,
  SAR_RSAENCERR: 0x0a000018,
  SAR_RSADECERR: 0x0a000019,
  SAR_HASHNOTEQUALERR: 0x0a00001a,
  SAR_KEYNOTFOUNTERR: 0x0a00001b,
  SAR_CERTNOTFOUNTERR: 0x0a00001c,
  SAR_NOTEXPORTERR: 0x0a00001d,
  SAR_DECRYPTPADERR: 0x0a00001e,
  SAR_MACLENERR: 0x0a00001f,
  SAR_BUFFER_TOO_SMALL: 0x0a000020,
  SAR_KEYINFOTYPEERR: 0x0a000021,
  SAR_NOT_EVENTERR: 0x0a000022,
  SAR_DEVICE_REMOVED: 0x0a000023,
  SAR_PIN_INCORRECT: 0x0a000024,
  SAR_PIN_LOCKED: 0x0a000025,
  SAR_PIN_INVALID: 0x0a000026,
  SAR_PIN_LEN_RANGE: 0x0a000027,
  SAR_USER_ALREADY_LOGGED_IN: 0x0a000028,
  SAR_USER_PIN_NOT_INITIALIZED: 0x0a000029,
  SAR_USER_TYPE_INVALID: 0x0a00002a,
  SAR_APPLICATION_NAME_INVALID: 0x0a00002b,
  SAR_APPLICATION_EXISTS: 0x0a00002c,
  SAR_USER_NOT_LOGGED_IN: 0x0a00002d,
  SAR_APPLICATION_NOT_EXISTS: 0x0a00002e,
  SAR_FILE_ALREADY_EXIST: 0x0a00002f,
  SAR_NO_ROOM: 0x0a000030,
  SAR_FILE_NOT_EXIST: 0x0a000031,
  SAR_REACH_MAX_CONTAINER_COUNT: 0x0a000032,
  SAR_CONTAINER_ALREADY_EXIST: 0x0a000033,
  SAR_CONTAINER_NOT_EXIST: 0x0a000034,
} as const;

export type SarName = keyof typeof SAR;

const NAMES: ReadonlyMap<number, SarName> = new Map(Object.entries(SAR).map(([name, value]) => [value, name as SarName]));

/** `0x0A000024` */
export function sarHex(rv: number): string {
  return `0x${(rv >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** `SAR_PIN_INCORRECT (0x0A000024)`; an unknown (vendor) value is `SAR_UNKNOWN (0x…)`. */
export function describeSar(rv: number): string {
  return `${NAMES.get(rv >>> 0) ?? 'SAR_UNKNOWN'} (${sarHex(rv)})`;
}

export interface SkfErrorContext {
  /** The SKF function that answered, e.g. `SKF_ECCSignData` (added to the details for support). */
  readonly fn?: string;
  /** `pulRetryCount` of SKF_VerifyPIN / SKF_ChangePIN, when the call returned it. */
  readonly retriesLeft?: number;
}

/**
 * The ESeal error for a non-zero SKF return value.
 *
 * | SAR | ESeal code |
 * |---|---|
 * | SAR_PIN_INCORRECT | ERR_TOKEN_PIN_INCORRECT {retriesLeft}; ERR_TOKEN_PIN_LOCKED when 0 tries are left |
 * | SAR_PIN_LOCKED | ERR_TOKEN_PIN_LOCKED |
 * | SAR_PIN_INVALID, SAR_PIN_LEN_RANGE | ERR_TOKEN_PIN_INVALID {reason} |
 * | SAR_DEVICE_REMOVED | ERR_TOKEN_REMOVED |
 * | SAR_USER_NOT_LOGGED_IN | ERR_TOKEN_LOGIN_REQUIRED |
 * | anything else | ERR_TOKEN_LIBRARY {reason: 'SAR_NAME (0x…)'} |
 */
export function mapSkfError(rv: number, context: SkfErrorContext = {}): SealError {
  const code = rv >>> 0;
  const where: ErrorDetails = context.fn === undefined ? {} : { function: context.fn };
  switch (code) {
    case SAR.SAR_PIN_INCORRECT:
      // Some drivers answer PIN_INCORRECT with 0 tries left instead of PIN_LOCKED.
      if (context.retriesLeft === 0) return new SealError('ERR_TOKEN_PIN_LOCKED', where);
      return new SealError('ERR_TOKEN_PIN_INCORRECT', context.retriesLeft === undefined ? where : { ...where, retriesLeft: context.retriesLeft });
    case SAR.SAR_PIN_LOCKED:
      return new SealError('ERR_TOKEN_PIN_LOCKED', where);
    case SAR.SAR_PIN_INVALID:
      return new SealError('ERR_TOKEN_PIN_INVALID', { ...where, reason: `rejected by the USB KEY, ${describeSar(code)}` });
    case SAR.SAR_PIN_LEN_RANGE:
      return new SealError('ERR_TOKEN_PIN_INVALID', { ...where, reason: `length out of range, ${describeSar(code)}` });
    case SAR.SAR_DEVICE_REMOVED:
      return new SealError('ERR_TOKEN_REMOVED', where);
    case SAR.SAR_USER_NOT_LOGGED_IN:
      return new SealError('ERR_TOKEN_LOGIN_REQUIRED', where);
    default:
      return new SealError('ERR_TOKEN_LIBRARY', { ...where, reason: describeSar(code) });
  }
}

/** Throws the mapped error unless `rv` is SAR_OK. */
export function checkSar(rv: number, fn: string, retriesLeft?: number): void {
  if (rv >>> 0 !== SAR.SAR_OK) throw mapSkfError(rv, retriesLeft === undefined ? { fn } : { fn, retriesLeft });
}
