// SPDX-License-Identifier: Apache-2.0
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../../shared/errors/index.js';
import { CKR, ckrName } from '../../../../agent/token/pkcs11/constants.js';
import { isRemovalCode, mapPkcs11Error, pkcs11ErrorOf } from '../../../../agent/token/pkcs11/mapPkcs11Error.js';

/** The error pkcs11js itself throws (same constructor, same message form). */
function p11Error(name: keyof typeof CKR, method = 'C_Test'): Error {
  return new pkcs11js.Pkcs11Error(`CKR_${name}:${CKR[name]}`, CKR[name], method);
}

describe('mapPkcs11Error: CKR_* → ESeal codes, in one place', () => {
  it.each([
    // [CKR, on an open session?, expected code]
    ['PIN_INCORRECT', true, 'ERR_TOKEN_PIN_INCORRECT'],
    ['PIN_LOCKED', true, 'ERR_TOKEN_PIN_LOCKED'],
    ['PIN_LEN_RANGE', true, 'ERR_TOKEN_PIN_INVALID'],
    ['PIN_INVALID', true, 'ERR_TOKEN_PIN_INVALID'],
    ['DEVICE_REMOVED', true, 'ERR_TOKEN_REMOVED'],
    ['DEVICE_REMOVED', false, 'ERR_TOKEN_REMOVED'],
    ['TOKEN_NOT_PRESENT', true, 'ERR_TOKEN_REMOVED'],
    ['TOKEN_NOT_PRESENT', false, 'ERR_TOKEN_NOT_PRESENT'],
    ['SESSION_HANDLE_INVALID', true, 'ERR_TOKEN_REMOVED'],
    ['SESSION_CLOSED', true, 'ERR_TOKEN_REMOVED'],
    ['SESSION_HANDLE_INVALID', false, 'ERR_TOKEN_LIBRARY'],
    ['USER_NOT_LOGGED_IN', true, 'ERR_TOKEN_LOGIN_REQUIRED'],
    ['MECHANISM_INVALID', true, 'ERR_TOKEN_MECHANISM_UNSUPPORTED'],
    ['MECHANISM_PARAM_INVALID', true, 'ERR_TOKEN_MECHANISM_UNSUPPORTED'],
    ['FUNCTION_CANCELED', true, 'ERR_USER_CANCELLED'],
    ['GENERAL_ERROR', true, 'ERR_TOKEN_LIBRARY'],
    ['KEY_HANDLE_INVALID', true, 'ERR_TOKEN_LIBRARY'],
    ['DATA_LEN_RANGE', false, 'ERR_TOKEN_LIBRARY'],
  ] as const)('CKR_%s (session: %s) → %s', (name, session, code) => {
    const mapped = mapPkcs11Error(p11Error(name, 'C_Sign'), { session });
    expect(mapped).toBeInstanceOf(SealError);
    expect(mapped.code).toBe(code);
    expect(mapped.details.ckr).toBe(`CKR_${name}`);
    expect(mapped.details.method).toBe('C_Sign');
    if (code === 'ERR_TOKEN_LIBRARY') {
      // the driver-error message shows its reason, which is the CKR name (the brief's contract)
      expect(mapped.details.reason).toBe(`CKR_${name}`);
    } else {
      // elsewhere the CKR name is a diagnostic only: never in the user's message
      expect(mapped.messageZh).not.toContain('CKR_');
      expect(mapped.message).not.toContain('CKR_');
    }
  });

  it('carries retriesLeft when the caller knows it, and the mechanism in hex', () => {
    expect(mapPkcs11Error(p11Error('PIN_INCORRECT'), { retriesLeft: 1 }).details.retriesLeft).toBe(1);
    expect(mapPkcs11Error(p11Error('PIN_INCORRECT')).details.retriesLeft).toBeUndefined();
    expect(mapPkcs11Error(p11Error('MECHANISM_INVALID'), { mechanism: 0x80008104 }).details.mechanism).toBe('0x80008104');
  });

  it('recognises the raw native "CKR_NAME:code" Error form and vendor codes', () => {
    expect(mapPkcs11Error(new Error('CKR_PIN_LOCKED:164\n    at PKCS11.C_Login')).code).toBe('ERR_TOKEN_PIN_LOCKED');
    const vendor = mapPkcs11Error(new pkcs11js.Pkcs11Error('CKR_VENDOR_DEFINED:2147483649', 0x80000001, 'C_Sign'));
    expect(vendor.code).toBe('ERR_TOKEN_LIBRARY');
    expect(vendor.details.reason).toBe('CKR_VENDOR_DEFINED+0x1');
    expect(ckrName(0x12345)).toBe('CKR_0x12345');
  });

  it('passes SealErrors through and wraps anything else as ERR_TOKEN_LIBRARY', () => {
    const e = new SealError('ERR_TOKEN_KEY_NOT_FOUND');
    expect(mapPkcs11Error(e)).toBe(e);
    const t = mapPkcs11Error(new TypeError('Argument 1 has wrong type. Should be a Buffer'));
    expect(t.code).toBe('ERR_TOKEN_LIBRARY');
    expect(String(t.details.reason)).toMatch(/^native: Argument 1/);
    expect(mapPkcs11Error('a string').code).toBe('ERR_TOKEN_LIBRARY');
    expect(pkcs11ErrorOf(new Error('no code here'))).toBeUndefined();
  });

  it('removal codes depend on whether a session was open', () => {
    expect(isRemovalCode(CKR.DEVICE_REMOVED, false)).toBe(true);
    expect(isRemovalCode(CKR.TOKEN_NOT_PRESENT, false)).toBe(false);
    expect(isRemovalCode(CKR.TOKEN_NOT_PRESENT, true)).toBe(true);
    expect(isRemovalCode(CKR.PIN_INCORRECT, true)).toBe(false);
  });
});
