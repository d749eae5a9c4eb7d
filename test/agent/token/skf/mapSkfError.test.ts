// SPDX-License-Identifier: Apache-2.0
/** The one SAR_* → ERR_* table of the SKF back end (agent/token/skf/mapSkfError.ts). */
import { describe, expect, it } from 'vitest';
import { SAR, checkSar, describeSar, mapSkfError } from '../../../../agent/token/skf/mapSkfError.js';
import { SealError } from '../../../../shared/errors/index.js';

describe('mapSkfError', () => {
  it.each([
    [0x0a000024, 'ERR_TOKEN_PIN_INCORRECT', { retriesLeft: 4 }],
    [0x0a000025, 'ERR_TOKEN_PIN_LOCKED', {}],
    [0x0a000026, 'ERR_TOKEN_PIN_INVALID', { reason: 'rejected by the USB KEY, SAR_PIN_INVALID (0x0A000026)' }],
    [0x0a000027, 'ERR_TOKEN_PIN_INVALID', { reason: 'length out of range, SAR_PIN_LEN_RANGE (0x0A000027)' }],
    [0x0a000023, 'ERR_TOKEN_REMOVED', {}],
    [0x0a00002d, 'ERR_TOKEN_LOGIN_REQUIRED', {}],
    [0x0a000001, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_FAIL (0x0A000001)' }],
    [0x0a000005, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_INVALIDHANDLEERR (0x0A000005)' }],
    [0x0a00001c, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_CERTNOTFOUNTERR (0x0A00001C)' }],
    [0x0a000022, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_NOT_EVENTERR (0x0A000022)' }],
    [0x0a000029, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_USER_PIN_NOT_INITIALIZED (0x0A000029)' }],
    [0x0a00002e, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_APPLICATION_NOT_EXISTS (0x0A00002E)' }],
    [0x0a0000ff, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_UNKNOWN (0x0A0000FF)' }],
    [0xe0000001, 'ERR_TOKEN_LIBRARY', { reason: 'SAR_UNKNOWN (0xE0000001)' }],
  ] as const)('%d → %s', (rv, code, details) => {
    const error = mapSkfError(rv, { fn: 'SKF_Test', retriesLeft: 4 });
    expect(error).toBeInstanceOf(SealError);
    expect(error.code).toBe(code);
    expect(error.details).toEqual({ function: 'SKF_Test', ...details });
  });

  it('SAR_PIN_INCORRECT with no tries left is a lock (drivers disagree on which code they return)', () => {
    expect(mapSkfError(SAR.SAR_PIN_INCORRECT, { retriesLeft: 0 }).code).toBe('ERR_TOKEN_PIN_LOCKED');
    expect(mapSkfError(SAR.SAR_PIN_INCORRECT).details).toEqual({});
  });

  it('the messages carry the retry count; the driver code stays in the details for diagnostics', () => {
    expect(mapSkfError(SAR.SAR_PIN_INCORRECT, { retriesLeft: 2 }).messageZh).toBe('PIN 码错误，还可尝试 2 次');
    const driverError = mapSkfError(0x0a000004);
    expect(driverError.details['reason']).toBe('SAR_FILEERR (0x0A000004)');
    expect(driverError.message).not.toContain('SAR_');
  });

  it('the table has the GM/T 0016 appendix A values (GmSSL skf.h), each name once', () => {
    expect(SAR.SAR_BUFFER_TOO_SMALL).toBe(0x0a000020);
    expect(SAR.SAR_DEVICE_REMOVED).toBe(0x0a000023);
    expect(SAR.SAR_USER_NOT_LOGGED_IN).toBe(0x0a00002d);
    expect(SAR.SAR_FILE_NOT_EXIST).toBe(0x0a000031);
    expect(new Set(Object.values(SAR)).size).toBe(Object.keys(SAR).length);
    expect(describeSar(0)).toBe('SAR_OK (0x00000000)');
  });

  it('checkSar passes SAR_OK and throws the mapped error otherwise', () => {
    expect(() => checkSar(0, 'SKF_X')).not.toThrow();
    expect(() => checkSar(SAR.SAR_PIN_LOCKED, 'SKF_VerifyPIN', 0)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_PIN_LOCKED' }) as Error);
  });
});
