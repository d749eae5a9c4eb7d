// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { chooseSm2SignMechanism, profileById, selectProfile, VENDOR_PROFILES } from '../../../../agent/token/pkcs11/vendorProfiles.js';

const A = profileById('A')!;
const B = profileById('B')!;

describe('vendor profile table (specs/tokens.md §1.2)', () => {
  it('has the published numbers for each family', () => {
    const table = Object.fromEntries(VENDOR_PROFILES.map((p) => [p.id, { keys: p.sm2KeyTypes, e: p.sm2SignDigest.map((m) => m.mechanism), z: p.sm2SignInTokenZ.map((m) => m.mechanism) }]));
    expect(table).toEqual({
      A: { keys: [0x80000004], e: [0x80008104, 0x80008105], z: [0x80008102, 0x80008103] },
      B: { keys: [0x80050002], e: [0x8005000b], z: [0x8005000c] },
      C: { keys: [0xfffff001], e: [0xfffff002], z: [0xfffff003] },
      D: { keys: [0x00010001], e: [0x00010002], z: [0x00010004] },
      standard: { keys: [], e: [], z: [] },
    });
  });

  it.each([
    // [case, input, expected profile, expected rule]
    ['configuration wins over everything', { manufacturerId: 'IBM', libraryPath: '/usr/lib/libswpkcs11.so', configured: 'D', mechanisms: [0x8005000b] }, 'D', 'configured'],
    ['configuration is case-insensitive', { manufacturerId: '', libraryPath: '/x.so', configured: 'STANDARD' }, 'standard', 'configured'],
    ['manufacturer before library name', { manufacturerId: 'IBM Corp.', libraryPath: '/opt/sansec/libswpkcs11.so' }, 'B', 'manufacturer'],
    ['manufacturer Sansec', { manufacturerId: 'Sansec Technology      ', libraryPath: '/x.so' }, 'A', 'manufacturer'],
    ['SoftHSM is standard', { manufacturerId: 'SoftHSM project', libraryPath: '/usr/lib/softhsm/libsofthsm2.so' }, 'standard', 'manufacturer'],
    ['library name (basename only, Windows paths too)', { manufacturerId: 'Unknown Vendor', libraryPath: 'C:\\Windows\\System32\\swpkcs11.dll' }, 'A', 'library'],
    ['library opencryptoki', { manufacturerId: '', libraryPath: '/usr/lib/opencryptoki/libopencryptoki.so' }, 'B', 'library'],
    ['directory names do not count', { manufacturerId: 'X', libraryPath: '/opt/swpkcs11/libvendor.so' }, 'standard', 'default'],
    ['probe finds family A', { manufacturerId: 'ESeal Test', libraryPath: '/t/libsm2testtoken.so', mechanisms: [0x1041, 0x80008105, 0x80008102] }, 'A', 'probe'],
    ['probe finds family B', { manufacturerId: 'ESeal Test', libraryPath: '/t/libsm2testtoken.so', mechanisms: [0x1041, 0x8005000b] }, 'B', 'probe'],
    ['probe ignores in-token-Z-only mechanisms', { manufacturerId: 'X', libraryPath: '/x.so', mechanisms: [0x80008102, 0x8005000c] }, 'standard', 'default'],
    ['probe is lazy and may get nothing', { manufacturerId: 'X', libraryPath: '/x.so', mechanisms: () => undefined }, 'standard', 'default'],
    ['nothing known: standard', { manufacturerId: 'X', libraryPath: '/x.so', mechanisms: [0x1041, 0x1] }, 'standard', 'default'],
  ] as const)('%s', (_name, input, profile, rule) => {
    const selection = selectProfile(input);
    expect(selection.profile.id).toBe(profile);
    expect(selection.rule).toBe(rule);
  });

  it('does not call the mechanism probe when an earlier rule decided', () => {
    let probed = false;
    selectProfile({ manufacturerId: 'IBM', libraryPath: '/x.so', mechanisms: () => { probed = true; return []; } });
    expect(probed).toBe(false);
  });

  it('refuses an unknown configured profile with a coded error', () => {
    expect(() => selectProfile({ manufacturerId: '', libraryPath: '/x.so', configured: 'Z' })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
  });

  it('chooses the first raw e-sign mechanism the token lists, else the profile default', () => {
    expect(chooseSm2SignMechanism(A, [0x80008105])?.name).toBe('CKM_SM2_SIGN_NO_DER');
    expect(chooseSm2SignMechanism(A, [0x80008104, 0x80008105])?.name).toBe('CKM_SM2_SIGN');
    expect(chooseSm2SignMechanism(A, undefined)?.name).toBe('CKM_SM2_SIGN');
    expect(chooseSm2SignMechanism(A, [0x80008102])).toBeUndefined(); // in-token Z only: not usable with e
    expect(chooseSm2SignMechanism(B, [0x8005000b])?.output).toBe('raw');
    expect(chooseSm2SignMechanism(profileById('standard')!, [0x1041])).toBeUndefined();
  });
});
