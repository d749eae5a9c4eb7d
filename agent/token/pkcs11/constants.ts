// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The PKCS#11 v2.40 numbers the back end uses, spelled out (the binding's tables are not relied
 * on, and the error-mapping and profile tests need them without loading a module), plus the
 * CKR_* names for diagnostics. Vendor SM2 numbers live in `vendorProfiles.ts`.
 */

// session / initialisation flags
export const CKF_OS_LOCKING_OK = 0x2;
export const CKF_DONT_BLOCK = 0x1;
export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;

// CK_TOKEN_INFO.flags
export const CKF_LOGIN_REQUIRED = 0x4;
export const CKF_USER_PIN_INITIALIZED = 0x8;
export const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
export const CKF_TOKEN_INITIALIZED = 0x400;
export const CKF_USER_PIN_COUNT_LOW = 0x10000;
export const CKF_USER_PIN_FINAL_TRY = 0x20000;
export const CKF_USER_PIN_LOCKED = 0x40000;

export const CKU_USER = 1;

// object classes, attributes, key types
export const CKO_DATA = 0;
export const CKO_CERTIFICATE = 1;
export const CKO_PUBLIC_KEY = 2;
export const CKO_PRIVATE_KEY = 3;
export const CKC_X_509 = 0;

export const CKA_CLASS = 0x0;
export const CKA_TOKEN = 0x1;
export const CKA_LABEL = 0x3;
export const CKA_APPLICATION = 0x10;
export const CKA_VALUE = 0x11;
export const CKA_CERTIFICATE_TYPE = 0x80;
export const CKA_KEY_TYPE = 0x100;
export const CKA_ID = 0x102;
export const CKA_SIGN = 0x108;
export const CKA_MODULUS = 0x120;
export const CKA_MODULUS_BITS = 0x121;
export const CKA_EC_PARAMS = 0x180;
export const CKA_EC_POINT = 0x181;

export const CKK_RSA = 0x0;
export const CKK_EC = 0x3;

// standard mechanisms
export const CKM_RSA_PKCS = 0x1;
export const CKM_ECDSA = 0x1041;

/** DER of the named-curve OIDs found in CKA_EC_PARAMS. */
export const OID_DER_P256 = '06082a8648ce3d030107'; // 1.2.840.10045.3.1.7 prime256v1
export const OID_DER_SM2 = '06082a811ccf5501822d'; // 1.2.156.10197.1.301 sm2p256v1

/** CK_RV values (PKCS#11 v2.40 §11 / pkcs11t.h). */
export const CKR = {
  OK: 0x0,
  CANCEL: 0x1,
  HOST_MEMORY: 0x2,
  SLOT_ID_INVALID: 0x3,
  GENERAL_ERROR: 0x5,
  FUNCTION_FAILED: 0x6,
  ARGUMENTS_BAD: 0x7,
  NO_EVENT: 0x8,
  NEED_TO_CREATE_THREADS: 0x9,
  CANT_LOCK: 0xa,
  ATTRIBUTE_READ_ONLY: 0x10,
  ATTRIBUTE_SENSITIVE: 0x11,
  ATTRIBUTE_TYPE_INVALID: 0x12,
  ATTRIBUTE_VALUE_INVALID: 0x13,
  ACTION_PROHIBITED: 0x1b,
  DATA_INVALID: 0x20,
  DATA_LEN_RANGE: 0x21,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  FUNCTION_CANCELED: 0x50,
  FUNCTION_NOT_PARALLEL: 0x51,
  FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60,
  KEY_SIZE_RANGE: 0x62,
  KEY_TYPE_INCONSISTENT: 0x63,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  MECHANISM_INVALID: 0x70,
  MECHANISM_PARAM_INVALID: 0x71,
  OBJECT_HANDLE_INVALID: 0x82,
  OPERATION_ACTIVE: 0x90,
  OPERATION_NOT_INITIALIZED: 0x91,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_COUNT: 0xb1,
  SESSION_HANDLE_INVALID: 0xb3,
  SESSION_PARALLEL_NOT_SUPPORTED: 0xb4,
  SESSION_READ_ONLY: 0xb5,
  SESSION_EXISTS: 0xb6,
  SESSION_READ_ONLY_EXISTS: 0xb7,
  SESSION_READ_WRITE_SO_EXISTS: 0xb8,
  SIGNATURE_INVALID: 0xc0,
  SIGNATURE_LEN_RANGE: 0xc1,
  TEMPLATE_INCOMPLETE: 0xd0,
  TEMPLATE_INCONSISTENT: 0xd1,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  TOKEN_WRITE_PROTECTED: 0xe2,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  USER_PIN_NOT_INITIALIZED: 0x102,
  USER_TYPE_INVALID: 0x103,
  USER_ANOTHER_ALREADY_LOGGED_IN: 0x104,
  USER_TOO_MANY_TYPES: 0x105,
  RANDOM_NO_RNG: 0x121,
  DOMAIN_PARAMS_INVALID: 0x130,
  BUFFER_TOO_SMALL: 0x150,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
  FUNCTION_REJECTED: 0x200,
} as const;

const CKR_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CKR).map(([name, value]) => [value, `CKR_${name}`]));

/** `CKR_PIN_INCORRECT`, or `CKR_VENDOR_DEFINED+0x…` / `CKR_0x…` for numbers outside the table. */
export function ckrName(code: number): string {
  const name = CKR_NAMES.get(code);
  if (name) return name;
  if (code >= 0x80000000) return `CKR_VENDOR_DEFINED+0x${(code - 0x80000000).toString(16)}`;
  return `CKR_0x${code.toString(16)}`;
}

/** `0x80008104` style, for mechanism numbers in messages and details. */
export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
