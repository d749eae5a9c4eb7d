// SPDX-License-Identifier: Apache-2.0
/**
 * libsm2testtoken.so (test-tokens/pkcs11) driven through the real PKCS#11 interface: pkcs11js
 * for the normal flows, koffi on the same loaded library for the hostile raw-C calls (NULL
 * pointers, too-small buffers, bad handles) that pkcs11js never makes. Every SM2 signature is
 * verified by the OpenSSL command line with distid 1234567812345678.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import koffi from 'koffi';
// pkcs11js is loaded with require (its constants are not ESM named exports); this line only brings its types.
import type * as Pkcs11Js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTestTokens, makeSm2TestTokenDir, opensslVerify, publicPoint, rawToDer, readCertDer, removeDir, replug,
  sm2E, spkiPemFromPoint, tempDir, unplug, type Curve,
} from './testTokenSupport';

const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Js;

// PKCS#11 v2.40 numbers (spelled out: the test must not depend on the binding's tables)
const CKF_RW_SESSION = 0x2;
const CKF_SERIAL_SESSION = 0x4;
const CKF_OS_LOCKING_OK = 0x2;
const CKF_DONT_BLOCK = 0x1;
const CKF_TOKEN_PRESENT = 0x1;
const CKF_LOGIN_REQUIRED = 0x4;
const CKF_USER_PIN_INITIALIZED = 0x8;
const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
const CKF_TOKEN_INITIALIZED = 0x400;
const CKF_USER_PIN_COUNT_LOW = 0x10000;
const CKF_USER_PIN_FINAL_TRY = 0x20000;
const CKF_USER_PIN_LOCKED = 0x40000;
const CKF_SIGN = 0x800;
const CKU_SO = 0;
const CKU_USER = 1;
const CKO_DATA = 0;
const CKO_CERTIFICATE = 1;
const CKO_PUBLIC_KEY = 2;
const CKO_PRIVATE_KEY = 3;
const CKA_CLASS = 0x0;
const CKA_TOKEN = 0x1;
const CKA_PRIVATE = 0x2;
const CKA_LABEL = 0x3;
const CKA_APPLICATION = 0x10;
const CKA_VALUE = 0x11;
const CKA_KEY_TYPE = 0x100;
const CKA_SUBJECT = 0x101;
const CKA_ID = 0x102;
const CKA_EC_PARAMS = 0x180;
const CKA_EC_POINT = 0x181;
const CKK_EC = 0x3;
const CKK_SM2 = 0x80000004;
const CKK_IBM_SM2 = 0x80050002;
const CKM_ECDSA = 0x1041;
const CKM_SM3_SM2_APPID1 = 0x80008102;
const CKM_SM3_SM2_APPID1_DER = 0x80008103;
const CKM_SM2_SIGN = 0x80008104;
const CKM_SM2_SIGN_NO_DER = 0x80008105;
const CKM_IBM_SM2 = 0x8005000b;
const CKM_IBM_SM2_SM3 = 0x8005000c;
const CKR = {
  OK: 0x0, ARGUMENTS_BAD: 0x7, ATTRIBUTE_SENSITIVE: 0x11, ATTRIBUTE_TYPE_INVALID: 0x12, ACTION_PROHIBITED: 0x1b,
  DATA_LEN_RANGE: 0x21, DEVICE_REMOVED: 0x32, FUNCTION_CANCELED: 0x50, FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60, KEY_TYPE_INCONSISTENT: 0x63, MECHANISM_INVALID: 0x70, OBJECT_HANDLE_INVALID: 0x82,
  OPERATION_NOT_INITIALIZED: 0x91, PIN_INCORRECT: 0xa0, PIN_LEN_RANGE: 0xa2, PIN_LOCKED: 0xa4,
  SESSION_HANDLE_INVALID: 0xb3, SESSION_READ_ONLY: 0xb5, SLOT_ID_INVALID: 0x3, TOKEN_NOT_PRESENT: 0xe0,
  USER_ALREADY_LOGGED_IN: 0x100, USER_NOT_LOGGED_IN: 0x101, BUFFER_TOO_SMALL: 0x150,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
} as const;
const SM2_OID_DER = Buffer.from('06082a811ccf5501822d', 'hex');
const CK_UNAVAILABLE_INFORMATION = 0xffffffffffffffffn;

const PIN = '123456';
const SO_PIN = '87654321';
const MESSAGE = Buffer.from('ESeal test message: 电子印章 SM2 over PKCS#11', 'utf8');

let root = '';
let libPath = '';
let p11: Pkcs11Js.PKCS11;
const dirs = { a: '', b: '', lock: '', rem: '' };
const slots: Record<'a' | 'b' | 'lock' | 'rem', Buffer> = {
  a: Buffer.alloc(0), b: Buffer.alloc(0), lock: Buffer.alloc(0), rem: Buffer.alloc(0),
};

/**
 * The CKR code a pkcs11js call failed with. pkcs11js throws Pkcs11Error (with .code) from most
 * methods, but its JS overrides (C_CreateObject, …) let the native "CKR_NAME:code" Error through.
 */
function ckr(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof pkcs11js.Pkcs11Error) return e.code;
    const m = e instanceof Error ? /^CKR_\w+:(\d+)/.exec(e.message) : null;
    if (m?.[1]) return Number(m[1]);
    throw e;
  }
  throw new Error('expected a PKCS#11 error');
}

function slotId(h: Buffer): bigint {
  return h.readBigUInt64LE(0);
}

function initialize(): void {
  p11.C_Initialize({ flags: CKF_OS_LOCKING_OK });
  const all = p11.C_GetSlotList(false);
  expect(all).toHaveLength(4);
  [slots.a, slots.b, slots.lock, slots.rem] = all as [Buffer, Buffer, Buffer, Buffer];
}

function withSession<T>(slot: Buffer, rw: boolean, fn: (s: Buffer) => T): T {
  const s = p11.C_OpenSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0));
  try {
    return fn(s);
  } finally {
    try {
      p11.C_CloseSession(s);
    } catch {
      // the session may already be gone (removal tests)
    }
  }
}

function find(s: Buffer, template: Pkcs11Js.Template): Buffer[] {
  p11.C_FindObjectsInit(s, template);
  try {
    return p11.C_FindObjects(s, 100);
  } finally {
    p11.C_FindObjectsFinal(s);
  }
}

function attr(s: Buffer, h: Buffer, type: number): Buffer {
  const [a] = p11.C_GetAttributeValue(s, h, [{ type }]);
  const v = a?.value;
  if (!Buffer.isBuffer(v)) throw new Error(`attribute 0x${type.toString(16)} has no value`);
  return v;
}

function keyByLabel(s: Buffer, cls: number, label: string): Buffer {
  const [h] = find(s, [{ type: CKA_CLASS, value: cls }, { type: CKA_LABEL, value: label }]);
  if (!h) throw new Error(`no object ${label}`);
  return h;
}

/** Public key as SPKI PEM built from the token's own CKA_EC_POINT (04 41 04 X Y). */
function tokenSpki(s: Buffer, label: string, curve: Curve): { x: Buffer; y: Buffer; pem: string } {
  const point = attr(s, keyByLabel(s, CKO_PUBLIC_KEY, label), CKA_EC_POINT);
  expect(point.subarray(0, 3)).toEqual(Buffer.from([0x04, 0x41, 0x04]));
  const x = point.subarray(3, 35);
  const y = point.subarray(35, 67);
  return { x, y, pem: spkiPemFromPoint(curve, x, y) };
}

function sign(s: Buffer, mechanism: number, key: Buffer, data: Buffer): Buffer {
  p11.C_SignInit(s, { mechanism }, key);
  return Buffer.from(p11.C_Sign(s, data, Buffer.alloc(128)));
}

beforeAll(() => {
  libPath = buildTestTokens().pkcs11;
  root = tempDir('eseal-sm2testtoken-');
  dirs.a = join(root, 'a');
  dirs.b = join(root, 'b');
  dirs.lock = join(root, 'lock');
  dirs.rem = join(root, 'rem');
  makeSm2TestTokenDir(dirs.a, {
    label: 'ESeal 测试 A', serial: 'A-0001', manufacturer: 'Family A Test', profile: 'A', pin: PIN,
    maxPinRetries: 3,
    keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '测试' }, { name: 'seal-p256', curve: 'P-256', cn: 'P-256 test', pemCert: true }],
    data: [
      { file: 'raw-seal', value: Buffer.from('raw seal bytes') },
      { file: 'seal1', label: '公章', application: 'ESeal', value: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]) },
    ],
  });
  makeSm2TestTokenDir(dirs.b, {
    label: 'ESeal Test B', serial: 'B-0001', manufacturer: 'Family B Test', profile: 'B', pin: PIN, pinpad: true,
    keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '测试 B' }],
  });
  makeSm2TestTokenDir(dirs.lock, {
    label: 'Lockout', serial: 'L-0001', pin: PIN, soPin: SO_PIN, maxPinRetries: 3, sm2KeyType: 'ec', sm2EcParams: false,
    keys: [{ name: 'k', curve: 'SM2', cn: 'lock' }],
  });
  makeSm2TestTokenDir(dirs.rem, {
    label: 'Removable', serial: 'R-0001', pin: PIN, keys: [{ name: 'k', curve: 'SM2', cn: 'removable' }],
  });
  process.env.SM2TESTTOKEN_DIR = [dirs.a, dirs.b, dirs.lock, dirs.rem].join(':');
  p11 = new pkcs11js.PKCS11();
  p11.load(libPath);
  initialize();
});

afterAll(() => {
  try {
    p11.C_Finalize();
  } finally {
    p11.close();
    removeDir(root);
  }
});

describe('module, slots and tokens', () => {
  it('reports PKCS#11 2.40 and one slot per token directory, all present', () => {
    expect(p11.C_GetInfo().cryptokiVersion).toEqual({ major: 2, minor: 40 });
    expect(p11.C_GetSlotList(true)).toHaveLength(4);
    const si = p11.C_GetSlotInfo(slots.a);
    expect(si.flags & CKF_TOKEN_PRESENT).toBe(CKF_TOKEN_PRESENT);
  });

  it('token info: label (UTF-8), manufacturer, serial, model per profile, login flags', () => {
    const a = p11.C_GetTokenInfo(slots.a);
    expect(a.label.trim()).toBe('ESeal 测试 A');
    expect(a.manufacturerID.trim()).toBe('Family A Test');
    expect(a.serialNumber.trim()).toBe('A-0001');
    expect(a.model.trim()).toBe('SM2TT-A');
    const must = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    expect(a.flags & must).toBe(must);
    expect(a.flags & CKF_PROTECTED_AUTHENTICATION_PATH).toBe(0);
    const b = p11.C_GetTokenInfo(slots.b);
    expect(b.model.trim()).toBe('SM2TT-B');
    expect(b.flags & CKF_PROTECTED_AUTHENTICATION_PATH).toBe(CKF_PROTECTED_AUTHENTICATION_PATH);
  });

  it('mechanism lists follow the vendor profile', () => {
    expect(p11.C_GetMechanismList(slots.a)).toEqual([
      CKM_SM3_SM2_APPID1, CKM_SM3_SM2_APPID1_DER, CKM_SM2_SIGN, CKM_SM2_SIGN_NO_DER, CKM_ECDSA,
    ]);
    expect(p11.C_GetMechanismList(slots.b)).toEqual([CKM_IBM_SM2, CKM_IBM_SM2_SM3, CKM_ECDSA]);
    expect(p11.C_GetMechanismInfo(slots.a, CKM_SM2_SIGN).flags & CKF_SIGN).toBe(CKF_SIGN);
    expect(ckr(() => p11.C_GetMechanismInfo(slots.a, CKM_IBM_SM2))).toBe(CKR.MECHANISM_INVALID);
  });
});

describe('objects', () => {
  it('public objects before login: certificates, public keys, data; no private keys', () => {
    withSession(slots.a, false, (s) => {
      const certs = find(s, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }]);
      expect(certs).toHaveLength(2);
      const sm2Cert = keyByLabel(s, CKO_CERTIFICATE, 'seal-sm2');
      expect(attr(s, sm2Cert, CKA_VALUE)).toEqual(readCertDer(dirs.a, 'seal-sm2'));
      expect(attr(s, sm2Cert, CKA_ID).toString()).toBe('seal-sm2');
      expect(attr(s, sm2Cert, CKA_SUBJECT).includes(Buffer.from('测试', 'utf8'))).toBe(true);
      expect(find(s, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }])).toHaveLength(0);
      expect(find(s, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }])).toHaveLength(2);
    });
  });

  it('SM2 public key: vendor key type per profile (or CKK_EC, no CKA_EC_PARAMS by config), SM2 OID, EC point = the PEM key', () => {
    withSession(slots.a, false, (s) => {
      const pub = keyByLabel(s, CKO_PUBLIC_KEY, 'seal-sm2');
      expect(attr(s, pub, CKA_KEY_TYPE).readBigUInt64LE(0)).toBe(BigInt(CKK_SM2));
      expect(attr(s, pub, CKA_EC_PARAMS)).toEqual(SM2_OID_DER);
      const { x, y } = publicPoint(join(dirs.a, 'seal-sm2.key.pem'));
      expect(attr(s, pub, CKA_EC_POINT)).toEqual(Buffer.concat([Buffer.from([4, 0x41, 4]), x, y]));
      const p256 = keyByLabel(s, CKO_PUBLIC_KEY, 'seal-p256');
      expect(attr(s, p256, CKA_KEY_TYPE).readBigUInt64LE(0)).toBe(BigInt(CKK_EC));
    });
    withSession(slots.b, false, (s) => {
      expect(attr(s, keyByLabel(s, CKO_PUBLIC_KEY, 'seal-sm2'), CKA_KEY_TYPE).readBigUInt64LE(0)).toBe(BigInt(CKK_IBM_SM2));
    });
    withSession(slots.lock, false, (s) => {
      const pub = keyByLabel(s, CKO_PUBLIC_KEY, 'k');
      expect(attr(s, pub, CKA_KEY_TYPE).readBigUInt64LE(0)).toBe(BigInt(CKK_EC));
      expect(ckr(() => p11.C_GetAttributeValue(s, pub, [{ type: CKA_EC_PARAMS }]))).toBe(CKR.ATTRIBUTE_TYPE_INVALID);
    });
  });

  it('data objects from *.data files (raw and with header)', () => {
    withSession(slots.a, false, (s) => {
      const data = find(s, [{ type: CKA_CLASS, value: CKO_DATA }]);
      expect(data).toHaveLength(2);
      const [seal] = find(s, [{ type: CKA_CLASS, value: CKO_DATA }, { type: CKA_APPLICATION, value: 'ESeal' }]);
      expect(seal).toBeDefined();
      expect(attr(s, seal!, CKA_LABEL).toString('utf8')).toBe('公章');
      expect(attr(s, seal!, CKA_VALUE)).toEqual(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
      const raw = keyByLabel(s, CKO_DATA, 'raw-seal');
      expect(attr(s, raw, CKA_VALUE).toString()).toBe('raw seal bytes');
    });
  });

  it('private key after login; its CKA_VALUE is sensitive; unknown attributes are reported', () => {
    withSession(slots.a, false, (s) => {
      p11.C_Login(s, CKU_USER, PIN);
      const priv = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2');
      expect(attr(s, priv, CKA_ID).toString()).toBe('seal-sm2');
      expect(ckr(() => p11.C_GetAttributeValue(s, priv, [{ type: CKA_VALUE }]))).toBe(CKR.ATTRIBUTE_SENSITIVE);
      expect(ckr(() => p11.C_GetAttributeValue(s, priv, [{ type: 0x7777 }]))).toBe(CKR.ATTRIBUTE_TYPE_INVALID);
      p11.C_Logout(s);
      expect(ckr(() => p11.C_GetAttributeValue(s, priv, [{ type: CKA_ID }]))).toBe(CKR.OBJECT_HANDLE_INVALID);
    });
  });

  it('creates, persists and destroys a CKO_DATA seal object (R/W session)', () => {
    const value = Buffer.from('SES_Seal DER would go here', 'utf8');
    const template: Pkcs11Js.Template = [
      { type: CKA_CLASS, value: CKO_DATA }, { type: CKA_TOKEN, value: true }, { type: CKA_PRIVATE, value: false },
      { type: CKA_LABEL, value: '新印章' }, { type: CKA_APPLICATION, value: 'ESeal-new' }, { type: CKA_VALUE, value },
    ];
    withSession(slots.a, false, (s) => {
      expect(ckr(() => p11.C_CreateObject(s, template))).toBe(CKR.SESSION_READ_ONLY);
    });
    withSession(slots.a, true, (s) => {
      const privTemplate = template.map((t) => (t.type === CKA_PRIVATE ? { type: CKA_PRIVATE, value: true } : t));
      expect(ckr(() => p11.C_CreateObject(s, privTemplate))).toBe(CKR.USER_NOT_LOGGED_IN);
      p11.C_CreateObject(s, template);
      expect(readdirSync(dirs.a).filter((f) => f.startsWith('obj-') && f.endsWith('.data'))).toHaveLength(1);
    });
    // survives C_Finalize / C_Initialize (it is a file in the token directory)
    p11.C_Finalize();
    initialize();
    withSession(slots.a, true, (s) => {
      const [h] = find(s, [{ type: CKA_CLASS, value: CKO_DATA }, { type: CKA_APPLICATION, value: 'ESeal-new' }]);
      expect(h).toBeDefined();
      expect(attr(s, h!, CKA_LABEL).toString('utf8')).toBe('新印章');
      expect(attr(s, h!, CKA_VALUE)).toEqual(value);
      const cert = keyByLabel(s, CKO_CERTIFICATE, 'seal-sm2');
      expect(ckr(() => p11.C_DestroyObject(s, cert))).toBe(CKR.ACTION_PROHIBITED);
      p11.C_DestroyObject(s, h!);
      expect(find(s, [{ type: CKA_APPLICATION, value: 'ESeal-new' }])).toHaveLength(0);
      expect(ckr(() => p11.C_DestroyObject(s, h!))).toBe(CKR.OBJECT_HANDLE_INVALID);
    });
    expect(readdirSync(dirs.a).filter((f) => f.startsWith('obj-'))).toHaveLength(0);
  });
});

describe('PIN handling', () => {
  it('wrong PIN → CKR_PIN_INCORRECT, COUNT_LOW then FINAL_TRY; right PIN resets; double login refused', () => {
    withSession(slots.a, false, (s) => {
      expect(ckr(() => p11.C_Login(s, CKU_USER, '000000'))).toBe(CKR.PIN_INCORRECT);
      let flags = p11.C_GetTokenInfo(slots.a).flags;
      expect(flags & CKF_USER_PIN_COUNT_LOW).toBe(CKF_USER_PIN_COUNT_LOW);
      expect(flags & CKF_USER_PIN_FINAL_TRY).toBe(0);
      expect(ckr(() => p11.C_Login(s, CKU_USER, '000001'))).toBe(CKR.PIN_INCORRECT);
      flags = p11.C_GetTokenInfo(slots.a).flags;
      expect(flags & CKF_USER_PIN_FINAL_TRY).toBe(CKF_USER_PIN_FINAL_TRY);
      p11.C_Login(s, CKU_USER, PIN);
      flags = p11.C_GetTokenInfo(slots.a).flags;
      expect(flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)).toBe(0);
      expect(ckr(() => p11.C_Login(s, CKU_USER, PIN))).toBe(CKR.USER_ALREADY_LOGGED_IN);
      expect(p11.C_GetSessionInfo(s).state).toBe(1); // CKS_RO_USER_FUNCTIONS
    });
  });

  it('C_SetPIN: needs R/W, checks the old PIN and the length, then the new PIN works', () => {
    withSession(slots.a, false, (s) => {
      expect(ckr(() => p11.C_SetPIN(s, PIN, '654321'))).toBe(CKR.SESSION_READ_ONLY);
    });
    withSession(slots.a, true, (s) => {
      expect(ckr(() => p11.C_SetPIN(s, PIN, '12'))).toBe(CKR.PIN_LEN_RANGE);
      expect(ckr(() => p11.C_SetPIN(s, '999999', '654321'))).toBe(CKR.PIN_INCORRECT);
      p11.C_SetPIN(s, PIN, '654321');
      expect(ckr(() => p11.C_Login(s, CKU_USER, PIN))).toBe(CKR.PIN_INCORRECT);
      p11.C_Login(s, CKU_USER, '654321');
      p11.C_SetPIN(s, '654321', PIN);
      p11.C_Logout(s);
      p11.C_Login(s, CKU_USER, PIN);
    });
  });

  it('PIN pad token: an empty PIN means "typed on the pad" (control file), missing input = cancelled', () => {
    withSession(slots.b, false, (s) => {
      expect(ckr(() => p11.C_Login(s, CKU_USER, ''))).toBe(CKR.FUNCTION_CANCELED);
      writeFileSync(join(dirs.b, 'pinpad-input'), `${PIN}\n`);
      p11.C_Login(s, CKU_USER, ''); // pkcs11js sends an empty PIN: the PIN pad path
      expect(find(s, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }])).toHaveLength(1);
    });
  });

  it('lock-out: CKR_PIN_LOCKED after N failures, persists across C_Finalize/C_Initialize; SO InitPIN unblocks', () => {
    withSession(slots.lock, false, (s) => {
      expect(ckr(() => p11.C_Login(s, CKU_USER, '1111'))).toBe(CKR.PIN_INCORRECT);
      expect(ckr(() => p11.C_Login(s, CKU_USER, '2222'))).toBe(CKR.PIN_INCORRECT);
      expect(ckr(() => p11.C_Login(s, CKU_USER, '3333'))).toBe(CKR.PIN_LOCKED);
      expect(ckr(() => p11.C_Login(s, CKU_USER, PIN))).toBe(CKR.PIN_LOCKED);
    });
    expect(p11.C_GetTokenInfo(slots.lock).flags & CKF_USER_PIN_LOCKED).toBe(CKF_USER_PIN_LOCKED);
    p11.C_Finalize();
    initialize();
    expect(p11.C_GetTokenInfo(slots.lock).flags & CKF_USER_PIN_LOCKED).toBe(CKF_USER_PIN_LOCKED);
    withSession(slots.lock, true, (s) => {
      expect(ckr(() => p11.C_Login(s, CKU_USER, PIN))).toBe(CKR.PIN_LOCKED);
      p11.C_Login(s, CKU_SO, SO_PIN);
      p11.C_InitPIN(s, '24680');
      p11.C_Logout(s);
      p11.C_Login(s, CKU_USER, '24680');
    });
    expect(p11.C_GetTokenInfo(slots.lock).flags & CKF_USER_PIN_LOCKED).toBe(0);
  });
});

describe('signing (verified with openssl)', () => {
  it('profile A: CKM_SM2_SIGN (e → DER) and CKM_SM2_SIGN_NO_DER (e → r||s), e = SM3(Z||M) computed here', () => {
    withSession(slots.a, false, (s) => {
      p11.C_Login(s, CKU_USER, PIN);
      const key = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2');
      const { x, y, pem } = tokenSpki(s, 'seal-sm2', 'SM2');
      const e = sm2E(x, y, MESSAGE);
      const der = sign(s, CKM_SM2_SIGN, key, e);
      expect(der[0]).toBe(0x30);
      expect(opensslVerify('SM2', pem, MESSAGE, der)).toBe(true);
      const raw = sign(s, CKM_SM2_SIGN_NO_DER, key, e);
      expect(raw).toHaveLength(64);
      expect(opensslVerify('SM2', pem, MESSAGE, rawToDer(raw))).toBe(true);
      // control: a signature over another message does not verify
      expect(opensslVerify('SM2', pem, Buffer.from('other'), rawToDer(raw))).toBe(false);
    });
  });

  it('profile A: CKM_SM3_SM2_APPID1 (raw) and _DER hash with Z inside the token, single- and multi-part', () => {
    withSession(slots.a, false, (s) => {
      p11.C_Login(s, CKU_USER, PIN);
      const key = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2');
      const { pem } = tokenSpki(s, 'seal-sm2', 'SM2');
      const raw = sign(s, CKM_SM3_SM2_APPID1, key, MESSAGE);
      expect(raw).toHaveLength(64);
      expect(opensslVerify('SM2', pem, MESSAGE, rawToDer(raw))).toBe(true);
      const der = sign(s, CKM_SM3_SM2_APPID1_DER, key, MESSAGE);
      expect(opensslVerify('SM2', pem, MESSAGE, der)).toBe(true);
      p11.C_SignInit(s, { mechanism: CKM_SM3_SM2_APPID1_DER }, key);
      p11.C_SignUpdate(s, MESSAGE.subarray(0, 10));
      p11.C_SignUpdate(s, MESSAGE.subarray(10));
      const multi = Buffer.from(p11.C_SignFinal(s, Buffer.alloc(80)));
      expect(opensslVerify('SM2', pem, MESSAGE, multi)).toBe(true);
    });
  });

  it('profile B: CKM_IBM_SM2 (e → r||s) and CKM_IBM_SM2_SM3 (Z inside, r||s)', () => {
    writeFileSync(join(dirs.b, 'pinpad-input'), PIN);
    withSession(slots.b, false, (s) => {
      p11.C_Login(s, CKU_USER, ''); // pkcs11js sends an empty PIN: the PIN pad path
      const key = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2');
      const { x, y, pem } = tokenSpki(s, 'seal-sm2', 'SM2');
      const raw = sign(s, CKM_IBM_SM2, key, sm2E(x, y, MESSAGE));
      expect(raw).toHaveLength(64);
      expect(opensslVerify('SM2', pem, MESSAGE, rawToDer(raw))).toBe(true);
      const raw2 = sign(s, CKM_IBM_SM2_SM3, key, MESSAGE);
      expect(opensslVerify('SM2', pem, MESSAGE, rawToDer(raw2))).toBe(true);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, key))).toBe(CKR.MECHANISM_INVALID);
    });
  });

  it('CKM_ECDSA on a P-256 key over a caller SHA-256 hash', () => {
    withSession(slots.a, false, (s) => {
      p11.C_Login(s, CKU_USER, PIN);
      const key = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-p256');
      const { pem } = tokenSpki(s, 'seal-p256', 'P-256');
      const raw = sign(s, CKM_ECDSA, key, createHash('sha256').update(MESSAGE).digest());
      expect(raw).toHaveLength(64);
      expect(opensslVerify('P-256', pem, MESSAGE, rawToDer(raw))).toBe(true);
    });
  });

  it('is thread-safe: C_SignAsync on four sessions at once (libuv pool threads), all signatures verify', async () => {
    const sessions = [0, 1, 2, 3].map(() => p11.C_OpenSession(slots.a, CKF_SERIAL_SESSION));
    try {
      p11.C_Login(sessions[0]!, CKU_USER, PIN); // the login belongs to the slot, so every session can sign
      const key = keyByLabel(sessions[0]!, CKO_PRIVATE_KEY, 'seal-sm2');
      const { x, y, pem } = tokenSpki(sessions[0]!, 'seal-sm2', 'SM2');
      const messages = sessions.map((_, i) => Buffer.from(`concurrent message ${i}`));
      const sigs = await Promise.all(sessions.map(async (s, i) => {
        const out: Buffer[] = [];
        for (let k = 0; k < 5; k++) {
          p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN_NO_DER }, key);
          out.push(Buffer.from(await p11.C_SignAsync(s, sm2E(x, y, messages[i]!), Buffer.alloc(64))));
        }
        return out;
      }));
      sigs.forEach((list, i) => {
        expect(list).toHaveLength(5);
        expect(opensslVerify('SM2', pem, messages[i]!, rawToDer(list[4]!))).toBe(true);
      });
    } finally {
      for (const s of sessions) p11.C_CloseSession(s);
    }
  });

  it('refuses mismatches: wrong key type, wrong e length, not logged in, public key', () => {
    withSession(slots.a, false, (s) => {
      const pub = keyByLabel(s, CKO_PUBLIC_KEY, 'seal-sm2');
      p11.C_Login(s, CKU_USER, PIN);
      const sm2 = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2');
      const p256 = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-p256');
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_ECDSA }, sm2))).toBe(CKR.KEY_TYPE_INCONSISTENT);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, p256))).toBe(CKR.KEY_TYPE_INCONSISTENT);
      expect(ckr(() => sign(s, CKM_SM2_SIGN, sm2, Buffer.alloc(31)))).toBe(CKR.DATA_LEN_RANGE);
      expect(ckr(() => p11.C_Sign(s, Buffer.alloc(32), Buffer.alloc(64)))).toBe(CKR.OPERATION_NOT_INITIALIZED);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, pub))).not.toBe(CKR.OK);
      // too-small output buffer: CKR_BUFFER_TOO_SMALL, the operation stays active
      p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN_NO_DER }, sm2);
      expect(ckr(() => p11.C_Sign(s, Buffer.alloc(32, 1), Buffer.alloc(10)))).toBe(CKR.BUFFER_TOO_SMALL);
      expect(p11.C_Sign(s, Buffer.alloc(32, 1), Buffer.alloc(64))).toHaveLength(64);
      p11.C_Logout(s);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, sm2))).toBe(CKR.USER_NOT_LOGGED_IN);
    });
  });
});

describe('hostile raw C calls (koffi on the same loaded module)', () => {
  const lib = () => koffi.load(libPath);
  type Ulong = number | bigint;

  it('NULL pointers, bad handles, too-small buffers and size queries give CKR_ codes, never a crash', () => {
    const l = lib();
    const C_GetFunctionList = l.func('unsigned long C_GetFunctionList(void *pp)');
    const C_GetSlotList = l.func('unsigned long C_GetSlotList(uint8_t present, void *list, _Inout_ unsigned long *count)');
    const C_GetTokenInfo = l.func('unsigned long C_GetTokenInfo(unsigned long slot, void *info)');
    const C_GetSessionInfo = l.func('unsigned long C_GetSessionInfo(unsigned long s, void *info)');
    const C_GetAttributeValue = l.func('unsigned long C_GetAttributeValue(unsigned long s, unsigned long o, void *tpl, unsigned long n)');
    const C_SignInit = l.func('unsigned long C_SignInit(unsigned long s, void *mech, unsigned long key)');
    const C_Sign = l.func('unsigned long C_Sign(unsigned long s, void *data, unsigned long len, void *sig, _Inout_ unsigned long *siglen)');
    const C_FindObjects = l.func('unsigned long C_FindObjects(unsigned long s, void *objs, unsigned long max, _Inout_ unsigned long *count)');
    const C_Login = l.func('unsigned long C_Login(unsigned long s, unsigned long user, void *pin, unsigned long len)');
    const C_Encrypt = l.func('unsigned long C_Encrypt(unsigned long s, void *d, unsigned long l, void *o, void *ol)');
    const C_WaitForSlotEvent = l.func('unsigned long C_WaitForSlotEvent(unsigned long flags, void *slot, void *res)');
    const rv = (v: unknown): number => Number(v);

    expect(rv(C_GetFunctionList(null))).toBe(CKR.ARGUMENTS_BAD);
    expect(rv(C_GetSlotList(1, null, null))).toBe(CKR.ARGUMENTS_BAD);
    const count: Ulong[] = [0];
    expect(rv(C_GetSlotList(1, null, count))).toBe(CKR.OK);
    expect(Number(count[0])).toBe(4);
    count[0] = 1;
    expect(rv(C_GetSlotList(1, Buffer.alloc(8), count))).toBe(CKR.BUFFER_TOO_SMALL);
    expect(Number(count[0])).toBe(4);
    expect(rv(C_GetTokenInfo(999, Buffer.alloc(512)))).toBe(CKR.SLOT_ID_INVALID);
    expect(rv(C_GetTokenInfo(slotId(slots.a), null))).toBe(CKR.ARGUMENTS_BAD);
    expect(rv(C_GetSessionInfo(0xdeadbeef, Buffer.alloc(64)))).toBe(CKR.SESSION_HANDLE_INVALID);
    expect(rv(C_Encrypt(1, null, 0, null, null))).toBe(CKR.FUNCTION_NOT_SUPPORTED);
    expect(rv(C_WaitForSlotEvent(CKF_DONT_BLOCK, null, null))).toBe(CKR.ARGUMENTS_BAD);

    withSession(slots.a, false, (s) => {
      const sh = s.readBigUInt64LE(0);
      expect(rv(C_FindObjects(sh, Buffer.alloc(64), 8, [0]))).toBe(CKR.OPERATION_NOT_INITIALIZED);
      expect(rv(C_Login(sh, CKU_USER, null, 6))).toBe(CKR.ARGUMENTS_BAD);
      const cert = keyByLabel(s, CKO_CERTIFICATE, 'seal-sm2').readBigUInt64LE(0);
      expect(rv(C_GetAttributeValue(sh, 0x7fffffffn, Buffer.alloc(24), 1))).toBe(CKR.OBJECT_HANDLE_INVALID);
      expect(rv(C_GetAttributeValue(sh, cert, null, 1))).toBe(CKR.ARGUMENTS_BAD);
      // size query: pValue NULL → the length; too-small buffer → CKR_BUFFER_TOO_SMALL + CK_UNAVAILABLE_INFORMATION
      const certLen = readCertDer(dirs.a, 'seal-sm2').length;
      const mem: unknown = koffi.alloc('uint8', 16);
      try {
        const tpl = Buffer.alloc(24);
        tpl.writeBigUInt64LE(BigInt(CKA_VALUE), 0);
        expect(rv(C_GetAttributeValue(sh, cert, tpl, 1))).toBe(CKR.OK);
        expect(Number(tpl.readBigUInt64LE(16))).toBe(certLen);
        tpl.writeBigUInt64LE(koffi.address(mem), 8);
        tpl.writeBigUInt64LE(16n, 16);
        expect(rv(C_GetAttributeValue(sh, cert, tpl, 1))).toBe(CKR.BUFFER_TOO_SMALL);
        expect(tpl.readBigUInt64LE(16)).toBe(CK_UNAVAILABLE_INFORMATION);
      } finally {
        koffi.free(mem);
      }

      // C_Sign size query with a NULL buffer keeps the operation active
      p11.C_Login(s, CKU_USER, PIN);
      const key = keyByLabel(s, CKO_PRIVATE_KEY, 'seal-sm2').readBigUInt64LE(0);
      const mech = Buffer.alloc(24);
      mech.writeBigUInt64LE(BigInt(CKM_SM2_SIGN), 0);
      expect(rv(C_SignInit(sh, null, key))).toBe(CKR.ARGUMENTS_BAD);
      expect(rv(C_SignInit(sh, mech, 0x7fffffffn))).toBe(CKR.KEY_HANDLE_INVALID);
      expect(rv(C_SignInit(sh, mech, key))).toBe(CKR.OK);
      const e = Buffer.alloc(32, 7);
      const len: Ulong[] = [0];
      expect(rv(C_Sign(sh, e, 32, null, len))).toBe(CKR.OK);
      expect(Number(len[0])).toBe(72);
      expect(rv(C_Sign(sh, e, 32, null, null))).toBe(CKR.ARGUMENTS_BAD); // ends the operation
      expect(rv(C_SignInit(sh, mech, key))).toBe(CKR.OK);
      const sig = Buffer.alloc(72);
      len[0] = 72;
      expect(rv(C_Sign(sh, e, 32, sig, len))).toBe(CKR.OK);
      expect(sig[0]).toBe(0x30);
      expect(Number(len[0])).toBeLessThanOrEqual(72);
    });
  });

  it('calls before C_Initialize answer CKR_CRYPTOKI_NOT_INITIALIZED', () => {
    p11.C_Finalize();
    try {
      expect(ckr(() => p11.C_GetSlotList(true))).toBe(CKR.CRYPTOKI_NOT_INITIALIZED);
    } finally {
      initialize();
    }
  });
});

describe('removal and reinsertion (control file)', () => {
  it('unplug: open sessions get CKR_DEVICE_REMOVED once, then SESSION_HANDLE_INVALID; slot events both ways', () => {
    expect(p11.C_WaitForSlotEvent(CKF_DONT_BLOCK)).toBeNull();
    const s = p11.C_OpenSession(slots.rem, CKF_SERIAL_SESSION);
    p11.C_Login(s, CKU_USER, PIN);
    const key = keyByLabel(s, CKO_PRIVATE_KEY, 'k');

    unplug(dirs.rem);
    expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, key))).toBe(CKR.DEVICE_REMOVED);
    expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_SM2_SIGN }, key))).toBe(CKR.SESSION_HANDLE_INVALID);
    const present = p11.C_GetSlotList(true).map(slotId);
    expect(present).not.toContain(slotId(slots.rem));
    expect(present).toHaveLength(3);
    expect(p11.C_GetSlotInfo(slots.rem).flags & CKF_TOKEN_PRESENT).toBe(0);
    expect(ckr(() => p11.C_GetTokenInfo(slots.rem))).toBe(CKR.TOKEN_NOT_PRESENT);
    expect(ckr(() => p11.C_OpenSession(slots.rem, CKF_SERIAL_SESSION))).toBe(CKR.TOKEN_NOT_PRESENT);
    const ev = p11.C_WaitForSlotEvent(CKF_DONT_BLOCK);
    expect(ev && slotId(ev)).toBe(slotId(slots.rem));
    expect(p11.C_WaitForSlotEvent(CKF_DONT_BLOCK)).toBeNull(); // once per change

    replug(dirs.rem);
    const ev2 = p11.C_WaitForSlotEvent(CKF_DONT_BLOCK);
    expect(ev2 && slotId(ev2)).toBe(slotId(slots.rem));
    expect(p11.C_WaitForSlotEvent(CKF_DONT_BLOCK)).toBeNull();
    expect(p11.C_GetSlotList(true)).toHaveLength(4);
    withSession(slots.rem, false, (s2) => {
      expect(ckr(() => p11.C_Login(s, CKU_USER, PIN))).toBe(CKR.SESSION_HANDLE_INVALID);
      p11.C_Login(s2, CKU_USER, PIN);
      const k2 = keyByLabel(s2, CKO_PRIVATE_KEY, 'k');
      const { x, y, pem } = tokenSpki(s2, 'k', 'SM2');
      expect(opensslVerify('SM2', pem, MESSAGE, sign(s2, CKM_SM2_SIGN, k2, sm2E(x, y, MESSAGE)))).toBe(true);
    });
    // blocking waits are not offered (pkcs11js would block the JS thread)
    expect(ckr(() => p11.C_WaitForSlotEvent(0))).toBe(CKR.FUNCTION_NOT_SUPPORTED);
    expect(existsSync(join(dirs.rem, 'removed'))).toBe(false);
  });
});
