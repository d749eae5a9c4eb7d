// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Vendor SM2 profiles for PKCS#11 modules. PKCS#11 (up to 3.2) defines no SM2, so every Chinese
 * vendor uses its own CKK/CKM numbers in the vendor range, and the families disagree
 * (specs/tokens.md §1.2). A profile says which key types are SM2 and which mechanisms sign an SM2
 * digest.
 *
 * Design rationale: the caller always computes e = SM3(Z ‖ M) (TokenProvider), so a profile lists
 * the "raw e-sign" mechanisms first and records the in-token-Z mechanisms (SM3 with Z for the
 * default ID inside the token) only as information: they need the whole message, which
 * `signDigest` does not have, so a token that offers only those cannot sign through this interface
 * (ERR_TOKEN_MECHANISM_UNSUPPORTED); see docs/tokens.md. Selection follows xipki's model:
 * configuration first, then the token's manufacturerID, then the library file name, then probing
 * C_GetMechanismList for a known raw e-sign mechanism, and finally 'standard' (ECDSA/RSA only).
 * The rule that chose the profile is reported so the choice can be explained in diagnostics.
 */
import { SealError } from '../../../shared/errors/index.js';

export type VendorProfileId = 'A' | 'B' | 'C' | 'D' | 'standard';

/** An SM2 signing mechanism and the form of its output. */
export interface Sm2Mechanism {
  readonly mechanism: number;
  readonly name: string;
  /** 'der' = SEQUENCE { r, s }; 'raw' = r ‖ s (32 + 32 bytes). Output is normalised to DER anyway. */
  readonly output: 'der' | 'raw';
}

export interface VendorProfile {
  readonly id: VendorProfileId;
  readonly name: string;
  /** CKA_KEY_TYPE values that mean an SM2 key (CKK_EC with the SM2 curve is recognised in every profile). */
  readonly sm2KeyTypes: readonly number[];
  /** Mechanisms that sign a caller-supplied e = SM3(Z ‖ M), in order of preference. */
  readonly sm2SignDigest: readonly Sm2Mechanism[];
  /** Mechanisms that hash with SM3 and Z (ID 1234567812345678) inside the token: informational, not used by signDigest. */
  readonly sm2SignInTokenZ: readonly Sm2Mechanism[];
  /** Matched against CK_TOKEN_INFO.manufacturerID (trimmed). */
  readonly manufacturerPatterns: readonly RegExp[];
  /** Matched against the library file name (basename). */
  readonly libraryPatterns: readonly RegExp[];
  /** Where the numbers come from. */
  readonly source: string;
}

/**
 * The profile table (specs/tokens.md §1.2). The manufacturer and library patterns are heuristics
 * from public code, not vendor documentation: confirm them on real hardware (docs/tokens.md §排错).
 */
export const VENDOR_PROFILES: readonly VendorProfile[] = [
  {
    id: 'A',
    name: 'Sansec / "swpkcs11" family',
    sm2KeyTypes: [0x80000004], // CKK_SM2 = CKK_VENDOR_DEFINED + 4
    sm2SignDigest: [
      { mechanism: 0x80008104, name: 'CKM_SM2_SIGN', output: 'der' },
      { mechanism: 0x80008105, name: 'CKM_SM2_SIGN_NO_DER', output: 'raw' },
    ],
    sm2SignInTokenZ: [
      { mechanism: 0x80008102, name: 'CKM_SM3_SM2_APPID1', output: 'raw' },
      { mechanism: 0x80008103, name: 'CKM_SM3_SM2_APPID1_DER', output: 'der' },
    ],
    manufacturerPatterns: [/sansec/i, /^swxa/i, /三未/],
    libraryPatterns: [/swpkcs11/i, /swxa/i, /sansec/i],
    source: 'swpkcs11.h; chainmaker.org/…/crypto/pkcs11',
  },
  {
    id: 'B',
    name: 'IBM EP11 / opencryptoki family',
    sm2KeyTypes: [0x80050002], // CKK_IBM_SM2
    sm2SignDigest: [{ mechanism: 0x8005000b, name: 'CKM_IBM_SM2', output: 'raw' }],
    sm2SignInTokenZ: [{ mechanism: 0x8005000c, name: 'CKM_IBM_SM2_SM3', output: 'raw' }],
    manufacturerPatterns: [/^IBM\b/i],
    libraryPatterns: [/opencryptoki/i, /ep11/i],
    source: 'swpkcs11.h "for IBM" block; opencryptoki ep11 constants',
  },
  {
    id: 'C',
    name: 'xipki internal vendor codes',
    sm2KeyTypes: [0xfffff001], // CKK_VENDOR_SM2
    sm2SignDigest: [{ mechanism: 0xfffff002, name: 'CKM_VENDOR_SM2', output: 'raw' }],
    sm2SignInTokenZ: [{ mechanism: 0xfffff003, name: 'CKM_VENDOR_SM2_SM3', output: 'raw' }],
    manufacturerPatterns: [/xipki/i],
    libraryPatterns: [/xipki/i],
    source: 'xipki/ipkcs11wrapper PKCS11Constants.java (THIS_VENDOR = 0xFFFFF000)',
  },
  {
    id: 'D',
    name: 'MsSince MK-1 (numbers outside the vendor range)',
    sm2KeyTypes: [0x00010001],
    sm2SignDigest: [{ mechanism: 0x00010002, name: 'CKM_SM2_SIGN_VERIFY', output: 'raw' }],
    sm2SignInTokenZ: [{ mechanism: 0x00010004, name: 'CKM_SM2_SM3_SIGN_VERIFY', output: 'raw' }],
    manufacturerPatterns: [/mssince/i],
    libraryPatterns: [/mssince/i, /\bmk_?sm2\b/i],
    source: 'header _MK_SM2_H_',
  },
  {
    id: 'standard',
    name: 'standard PKCS#11 (ECDSA P-256 and RSA only, no SM2)',
    sm2KeyTypes: [],
    sm2SignDigest: [],
    sm2SignInTokenZ: [],
    manufacturerPatterns: [/^SoftHSM/i, /^OpenSC/i],
    libraryPatterns: [/softhsm/i, /opensc-pkcs11/i],
    source: 'PKCS#11 v2.40',
  },
];

export type ProfileRule = 'configured' | 'manufacturer' | 'library' | 'probe' | 'default';

export interface ProfileSelection {
  readonly profile: VendorProfile;
  /** Which rule chose it. */
  readonly rule: ProfileRule;
}

export interface SelectProfileInput {
  /** CK_TOKEN_INFO.manufacturerID. */
  readonly manufacturerId: string;
  /** Path of the PKCS#11 library. */
  readonly libraryPath: string;
  /** A profile id from configuration: wins over detection. */
  readonly configured?: string;
  /** The token's C_GetMechanismList, or a function that fetches it (called only when needed). */
  readonly mechanisms?: readonly number[] | (() => readonly number[] | undefined);
}

export function profileById(id: string): VendorProfile | undefined {
  return VENDOR_PROFILES.find((p) => p.id === id || p.id.toLowerCase() === id.toLowerCase());
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Chooses the vendor profile for a token; see the module comment for the order of the rules. */
export function selectProfile(input: SelectProfileInput): ProfileSelection {
  if (input.configured !== undefined && input.configured !== '') {
    const profile = profileById(input.configured);
    if (!profile) {
      throw new SealError('ERR_INPUT_INVALID', { name: 'profile', reason: `unknown vendor profile "${input.configured}" (known: ${VENDOR_PROFILES.map((p) => p.id).join(', ')})` });
    }
    return { profile, rule: 'configured' };
  }
  const manufacturer = input.manufacturerId.trim();
  const byManufacturer = manufacturer === '' ? undefined : VENDOR_PROFILES.find((p) => p.manufacturerPatterns.some((re) => re.test(manufacturer)));
  if (byManufacturer) return { profile: byManufacturer, rule: 'manufacturer' };
  const file = basename(input.libraryPath);
  const byLibrary = VENDOR_PROFILES.find((p) => p.libraryPatterns.some((re) => re.test(file)));
  if (byLibrary) return { profile: byLibrary, rule: 'library' };
  const mechanisms = typeof input.mechanisms === 'function' ? input.mechanisms() : input.mechanisms;
  if (mechanisms && mechanisms.length > 0) {
    const available = new Set(mechanisms);
    const probed = VENDOR_PROFILES.find((p) => p.sm2SignDigest.some((m) => available.has(m.mechanism)));
    if (probed) return { profile: probed, rule: 'probe' };
  }
  return { profile: VENDOR_PROFILES.find((p) => p.id === 'standard') as VendorProfile, rule: 'default' };
}

/**
 * The profile's raw e-sign mechanism to use on a token: the first one the token lists, or the
 * profile's first when the mechanism list is unknown. Undefined when the profile has none.
 */
export function chooseSm2SignMechanism(profile: VendorProfile, mechanisms: readonly number[] | undefined): Sm2Mechanism | undefined {
  if (!mechanisms || mechanisms.length === 0) return profile.sm2SignDigest[0];
  return profile.sm2SignDigest.find((m) => mechanisms.includes(m.mechanism));
}
