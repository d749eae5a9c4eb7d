// SPDX-License-Identifier: Apache-2.0
/**
 * libsoftskf.so (test-tokens/skf) driven through koffi exactly as the agent will drive a vendor
 * SKF DLL: GM/T 0016 structures declared with koffi.pack, double-NUL name lists, size queries,
 * retry counters, SM2 signing of a caller-computed e (verified by openssl with distid
 * 1234567812345678), files, removal, and SKF_WaitForDevEvent on a worker thread (koffi .async).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import koffi, { type KoffiFunc } from 'koffi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTestTokens, makeSoftSkfDir, opensslVerify, publicPoint, rawToDer, readCertDer, removeDir, replug, sm2E, sm2Z,
  spkiPemFromPoint, tempDir, unplug,
} from './testTokenSupport';

// GM/T 0016-2012 appendix A error codes
const SAR = {
  OK: 0, INVALIDHANDLEERR: 0x0a000005, INVALIDPARAMERR: 0x0a000006, NAMELENERR: 0x0a000009,
  INDATALENERR: 0x0a000010, CERTNOTFOUNTERR: 0x0a00001c, BUFFER_TOO_SMALL: 0x0a000020, NOT_EVENTERR: 0x0a000022,
  DEVICE_REMOVED: 0x0a000023, PIN_INCORRECT: 0x0a000024, PIN_LOCKED: 0x0a000025, PIN_LEN_RANGE: 0x0a000027,
  USER_TYPE_INVALID: 0x0a00002a, USER_NOT_LOGGED_IN: 0x0a00002d, APPLICATION_NOT_EXISTS: 0x0a00002e,
  FILE_ALREADY_EXIST: 0x0a00002f, FILE_NOT_EXIST: 0x0a000031,
} as const;
const ADMIN_TYPE = 0;
const USER_TYPE = 1;
const SGD_SM3 = 0x00000001;
const SECURE_ANYONE_ACCOUNT = 0xff;
const SECURE_USER_ACCOUNT = 0x10;

// GM/T 0016-2012 §6.4, #pragma pack(1)
const VERSION = koffi.pack('VERSION', { major: 'uint8', minor: 'uint8' });
const DEVINFO = koffi.pack('DEVINFO', {
  Version: VERSION, Manufacturer: koffi.array('char', 64), Issuer: koffi.array('char', 64),
  Label: koffi.array('char', 32), SerialNumber: koffi.array('char', 32), HWVersion: VERSION, FirmwareVersion: VERSION,
  AlgSymCap: 'uint32', AlgAsymCap: 'uint32', AlgHashCap: 'uint32', DevAuthAlgId: 'uint32', TotalSpace: 'uint32',
  FreeSpace: 'uint32', MaxECCBufferSize: 'uint32', MaxBufferSize: 'uint32', Reserved: koffi.array('uint8', 64),
});
const ECCPUBLICKEYBLOB = koffi.pack('ECCPUBLICKEYBLOB', {
  BitLen: 'uint32', XCoordinate: koffi.array('uint8', 64), YCoordinate: koffi.array('uint8', 64),
});
const ECCSIGNATUREBLOB = koffi.pack('ECCSIGNATUREBLOB', { r: koffi.array('uint8', 64), s: koffi.array('uint8', 64) });
const FILEATTRIBUTE = koffi.pack('FILEATTRIBUTE', {
  FileName: koffi.array('char', 32), FileSize: 'uint32', ReadRights: 'uint32', WriteRights: 'uint32',
});

interface Version { major: number; minor: number }
interface DevInfo {
  Version: Version; Manufacturer: string; Issuer: string; Label: string; SerialNumber: string; AlgAsymCap: number;
  AlgHashCap: number;
}
interface EccPublicKeyBlob { BitLen: number; XCoordinate: ArrayLike<number>; YCoordinate: ArrayLike<number> }
interface EccSignatureBlob { r: ArrayLike<number>; s: ArrayLike<number> }
interface FileAttribute { FileName: string; FileSize: number; ReadRights: number; WriteRights: number }

/** Opaque SKF handle (DEVHANDLE, HAPPLICATION, HCONTAINER, hash HANDLE) carried as uintptr_t. */
type Handle = number | bigint;
type Out<T> = [T];
type WaitFn = (name: Buffer, len: Out<number>, event: Out<number>) => number;

interface Skf {
  EnumDev(present: number, list: Buffer | null, size: Out<number> | null): number;
  GetDevState(name: string, state: Out<number>): number;
  ConnectDev(name: string | null, h: Out<Handle> | null): number;
  DisConnectDev(h: Handle): number;
  GetDevInfo(h: Handle, info: Partial<DevInfo> | null): number;
  WaitForDevEvent: KoffiFunc<WaitFn>;
  CancelWaitForDevEvent(): number;
  EnumApplication(h: Handle, list: Buffer | null, size: Out<number>): number;
  OpenApplication(h: Handle, name: string, app: Out<Handle>): number;
  CloseApplication(h: Handle): number;
  VerifyPIN(app: Handle, type: number, pin: string | null, retry: Out<number>): number;
  ChangePIN(app: Handle, type: number, oldPin: string, newPin: string, retry: Out<number>): number;
  GetPINInfo(app: Handle, type: number, max: Out<number>, remain: Out<number>, isDefault: Out<number>): number;
  UnblockPIN(app: Handle, adminPin: string, newPin: string, retry: Out<number>): number;
  ClearSecureState(app: Handle): number;
  EnumContainer(app: Handle, list: Buffer | null, size: Out<number>): number;
  OpenContainer(app: Handle, name: string, con: Out<Handle>): number;
  CloseContainer(con: Handle): number;
  GetContainerType(con: Handle, type: Out<number>): number;
  ExportCertificate(con: Handle, sign: number, cert: Buffer | null, len: Out<number> | null): number;
  ExportPublicKey(con: Handle, sign: number, blob: Partial<EccPublicKeyBlob> | null, len: Out<number>): number;
  ECCSignData(con: Handle, data: Buffer | null, len: number, sig: Partial<EccSignatureBlob> | null): number;
  EnumFiles(app: Handle, list: Buffer | null, size: Out<number>): number;
  GetFileInfo(app: Handle, name: string, info: Partial<FileAttribute>): number;
  ReadFile(app: Handle, name: string, offset: number, size: number, out: Buffer | null, outLen: Out<number>): number;
  CreateFile(app: Handle, name: string, size: number, readRights: number, writeRights: number): number;
  WriteFile(app: Handle, name: string, offset: number, data: Buffer, size: number): number;
  DeleteFile(app: Handle, name: string): number;
  DigestInit(dev: Handle, alg: number, pub: EccPublicKeyBlob | null, id: Buffer | null, idLen: number, h: Out<Handle>): number;
  Digest(h: Handle, data: Buffer, len: number, out: Buffer | null, outLen: Out<number>): number;
  CloseHandle(h: Handle): number;
}

function bind(path: string): Skf {
  const lib = koffi.load(path);
  const f = <T>(proto: string): T => lib.func(proto) as unknown as T;
  return {
    EnumDev: f('uint32_t SKF_EnumDev(int32_t bPresent, void *szNameList, _Inout_ uint32_t *pulSize)'),
    GetDevState: f('uint32_t SKF_GetDevState(const char *szDevName, _Out_ uint32_t *pulDevState)'),
    ConnectDev: f('uint32_t SKF_ConnectDev(const char *szName, _Out_ uintptr_t *phDev)'),
    DisConnectDev: f('uint32_t SKF_DisConnectDev(uintptr_t hDev)'),
    GetDevInfo: f('uint32_t SKF_GetDevInfo(uintptr_t hDev, _Out_ DEVINFO *pDevInfo)'),
    WaitForDevEvent: f('uint32_t SKF_WaitForDevEvent(_Out_ uint8_t *szDevName, _Inout_ uint32_t *pulDevNameLen, _Out_ uint32_t *pulEvent)'),
    CancelWaitForDevEvent: f('uint32_t SKF_CancelWaitForDevEvent(void)'),
    EnumApplication: f('uint32_t SKF_EnumApplication(uintptr_t hDev, void *szAppName, _Inout_ uint32_t *pulSize)'),
    OpenApplication: f('uint32_t SKF_OpenApplication(uintptr_t hDev, const char *szAppName, _Out_ uintptr_t *phApplication)'),
    CloseApplication: f('uint32_t SKF_CloseApplication(uintptr_t hApplication)'),
    VerifyPIN: f('uint32_t SKF_VerifyPIN(uintptr_t hApplication, uint32_t ulPINType, const char *szPIN, _Out_ uint32_t *pulRetryCount)'),
    ChangePIN: f('uint32_t SKF_ChangePIN(uintptr_t hApplication, uint32_t ulPINType, const char *szOldPin, const char *szNewPin, _Out_ uint32_t *pulRetryCount)'),
    GetPINInfo: f('uint32_t SKF_GetPINInfo(uintptr_t hApplication, uint32_t ulPINType, _Out_ uint32_t *pulMaxRetryCount, _Out_ uint32_t *pulRemainRetryCount, _Out_ int32_t *pbDefaultPin)'),
    UnblockPIN: f('uint32_t SKF_UnblockPIN(uintptr_t hApplication, const char *szAdminPIN, const char *szNewUserPIN, _Out_ uint32_t *pulRetryCount)'),
    ClearSecureState: f('uint32_t SKF_ClearSecureState(uintptr_t hApplication)'),
    EnumContainer: f('uint32_t SKF_EnumContainer(uintptr_t hApplication, void *szContainerName, _Inout_ uint32_t *pulSize)'),
    OpenContainer: f('uint32_t SKF_OpenContainer(uintptr_t hApplication, const char *szContainerName, _Out_ uintptr_t *phContainer)'),
    CloseContainer: f('uint32_t SKF_CloseContainer(uintptr_t hContainer)'),
    GetContainerType: f('uint32_t SKF_GetContainerType(uintptr_t hContainer, _Out_ uint32_t *pulContainerType)'),
    ExportCertificate: f('uint32_t SKF_ExportCertificate(uintptr_t hContainer, int32_t bSignFlag, void *pbCert, _Inout_ uint32_t *pulCertLen)'),
    ExportPublicKey: f('uint32_t SKF_ExportPublicKey(uintptr_t hContainer, int32_t bSignFlag, _Out_ ECCPUBLICKEYBLOB *pbBlob, _Inout_ uint32_t *pulBlobLen)'),
    ECCSignData: f('uint32_t SKF_ECCSignData(uintptr_t hContainer, void *pbData, uint32_t ulDataLen, _Out_ ECCSIGNATUREBLOB *pSignature)'),
    EnumFiles: f('uint32_t SKF_EnumFiles(uintptr_t hApplication, void *szFileList, _Inout_ uint32_t *pulSize)'),
    GetFileInfo: f('uint32_t SKF_GetFileInfo(uintptr_t hApplication, const char *szFileName, _Out_ FILEATTRIBUTE *pFileInfo)'),
    ReadFile: f('uint32_t SKF_ReadFile(uintptr_t hApplication, const char *szFileName, uint32_t ulOffset, uint32_t ulSize, void *pbOutData, _Inout_ uint32_t *pulOutLen)'),
    CreateFile: f('uint32_t SKF_CreateFile(uintptr_t hApplication, const char *szFileName, uint32_t ulFileSize, uint32_t ulReadRights, uint32_t ulWriteRights)'),
    WriteFile: f('uint32_t SKF_WriteFile(uintptr_t hApplication, const char *szFileName, uint32_t ulOffset, void *pbData, uint32_t ulSize)'),
    DeleteFile: f('uint32_t SKF_DeleteFile(uintptr_t hApplication, const char *szFileName)'),
    DigestInit: f('uint32_t SKF_DigestInit(uintptr_t hDev, uint32_t ulAlgID, ECCPUBLICKEYBLOB *pPubKey, void *pucID, uint32_t ulIDLen, _Out_ uintptr_t *phHash)'),
    Digest: f('uint32_t SKF_Digest(uintptr_t hHash, void *pbData, uint32_t ulDataLen, void *pbHashData, _Inout_ uint32_t *pulHashLen)'),
    CloseHandle: f('uint32_t SKF_CloseHandle(uintptr_t hHandle)'),
  };
}

/** Splits a double-NUL-terminated multi-string. */
function multiString(buf: Buffer, size: number): string[] {
  expect(buf[size - 1]).toBe(0);
  expect(buf[size - 2]).toBe(0);
  return buf.subarray(0, size).toString('latin1').split('\0').filter((s) => s.length > 0);
}

const PIN = '123456';
const ADMIN_PIN = '12345678';
const DEV = 'SoftSKF0';
const APP = 'ESEAL';
const MESSAGE = Buffer.from('ESeal test message: 电子印章 SM2 over SKF', 'utf8');
const SEAL_FILE = Buffer.from('seal file content: SES_Seal', 'utf8');

let skf: Skf;
let dir = '';
let root = '';

function list(fn: (buf: Buffer | null, size: Out<number>) => number): string[] {
  const size: Out<number> = [0];
  expect(fn(null, size)).toBe(SAR.OK);
  const buf = Buffer.alloc(size[0]);
  expect(fn(buf, size)).toBe(SAR.OK);
  return multiString(buf, size[0]);
}

function connect(): { dev: Handle; app: Handle } {
  const dev: Out<Handle> = [0];
  expect(skf.ConnectDev(DEV, dev)).toBe(SAR.OK);
  const app: Out<Handle> = [0];
  expect(skf.OpenApplication(dev[0], APP, app)).toBe(SAR.OK);
  return { dev: dev[0], app: app[0] };
}

function openContainer(app: Handle, name = 'seal-sm2'): Handle {
  const con: Out<Handle> = [0];
  expect(skf.OpenContainer(app, name, con)).toBe(SAR.OK);
  return con[0];
}

function exportPublicKey(con: Handle): { x: Buffer; y: Buffer; blob: EccPublicKeyBlob } {
  const blob: Partial<EccPublicKeyBlob> = {};
  const len: Out<number> = [koffi.sizeof(ECCPUBLICKEYBLOB)];
  expect(skf.ExportPublicKey(con, 1, blob, len)).toBe(SAR.OK);
  const full = blob as EccPublicKeyBlob;
  const X = Buffer.from(Array.from(full.XCoordinate));
  const Y = Buffer.from(Array.from(full.YCoordinate));
  return { x: X.subarray(32), y: Y.subarray(32), blob: full };
}

/** SKF_ECCSignData over e = SM3(Z || M); returns r || s (32 + 32) after checking the right alignment. */
function signE(con: Handle, e: Buffer): { rv: number; raw: Buffer } {
  const sig: Partial<EccSignatureBlob> = {};
  const rv = skf.ECCSignData(con, e, e.length, sig);
  if (rv !== SAR.OK) return { rv, raw: Buffer.alloc(0) };
  const r = Buffer.from(Array.from(sig.r ?? []));
  const s = Buffer.from(Array.from(sig.s ?? []));
  expect(r.subarray(0, 32).equals(Buffer.alloc(32))).toBe(true);
  expect(s.subarray(0, 32).equals(Buffer.alloc(32))).toBe(true);
  return { rv, raw: Buffer.concat([r.subarray(32), s.subarray(32)]) };
}

function waitForEvent(): Promise<{ rv: number; name: string; event: number }> {
  return new Promise((resolvePromise, reject) => {
    const name = Buffer.alloc(64);
    const len: Out<number> = [name.length];
    const event: Out<number> = [0];
    skf.WaitForDevEvent.async(name, len, event, (err: unknown, rv: number) => {
      if (err) {
        reject(err instanceof Error ? err : new Error('SKF_WaitForDevEvent: koffi async call failed'));
        return;
      }
      resolvePromise({ rv, name: name.subarray(0, Math.max(0, len[0] - 1)).toString('latin1'), event: event[0] });
    });
  });
}

beforeAll(() => {
  const libs = buildTestTokens();
  root = tempDir('eseal-softskf-');
  dir = join(root, 'dev');
  makeSoftSkfDir(dir, {
    devName: DEV, label: 'ESeal SKF 测试', serial: 'SKF-0001', manufacturer: 'SoftSKF Test', application: APP,
    pin: PIN, adminPin: ADMIN_PIN, maxPinRetries: 3,
    keys: [{ name: 'seal-sm2', curve: 'SM2', cn: '测试' }, { name: 'other-p256', curve: 'P-256', cn: 'not SKF' }],
    files: [{ name: 'seal.dat', value: SEAL_FILE }],
  });
  process.env.SOFTSKF_DIR = dir;
  skf = bind(libs.skf);
});

afterAll(() => {
  skf.CancelWaitForDevEvent();
  removeDir(root);
});

describe('device and application', () => {
  it('structures have the packed GM/T 0016 sizes', () => {
    expect(koffi.sizeof(DEVINFO)).toBe(294);
    expect(koffi.sizeof(ECCPUBLICKEYBLOB)).toBe(132);
    expect(koffi.sizeof(ECCSIGNATUREBLOB)).toBe(128);
    expect(koffi.sizeof(FILEATTRIBUTE)).toBe(44);
  });

  it('SKF_EnumDev: size query, double-NUL list, too-small buffer', () => {
    expect(list((b, s) => skf.EnumDev(1, b, s))).toEqual([DEV]);
    const size: Out<number> = [3];
    expect(skf.EnumDev(1, Buffer.alloc(3), size)).toBe(SAR.BUFFER_TOO_SMALL);
    expect(size[0]).toBe(DEV.length + 2);
    expect(skf.EnumDev(1, null, null)).toBe(SAR.INVALIDPARAMERR);
    const state: Out<number> = [9];
    expect(skf.GetDevState(DEV, state)).toBe(SAR.OK);
    expect(state[0]).toBe(1);
  });

  it('SKF_ConnectDev + SKF_GetDevInfo (DEVINFO via koffi.pack)', () => {
    const { dev, app } = connect();
    const info: Partial<DevInfo> = {};
    expect(skf.GetDevInfo(dev, info)).toBe(SAR.OK);
    expect(info.Version).toEqual({ major: 1, minor: 0 });
    expect(info.Manufacturer).toBe('SoftSKF Test');
    expect(info.SerialNumber).toBe('SKF-0001');
    expect(Buffer.from(info.Label ?? '', 'utf8').toString('utf8')).toBe('ESeal SKF 测试');
    expect(info.AlgHashCap).toBe(SGD_SM3);
    expect(list((b, s) => skf.EnumApplication(dev, b, s))).toEqual([APP]);
    const bad: Out<Handle> = [0];
    expect(skf.OpenApplication(dev, 'NOPE', bad)).toBe(SAR.APPLICATION_NOT_EXISTS);
    expect(skf.CloseApplication(app)).toBe(SAR.OK);
    expect(skf.CloseApplication(app)).toBe(SAR.INVALIDHANDLEERR);
    expect(skf.DisConnectDev(dev)).toBe(SAR.OK);
  });

  it('hostile calls: bad/foreign handles, NULL out-parameters, unknown names', () => {
    const { dev, app } = connect();
    expect(skf.GetDevInfo(0x1234, {})).toBe(SAR.INVALIDHANDLEERR);
    expect(skf.GetDevInfo(0, {})).toBe(SAR.INVALIDHANDLEERR);
    expect(skf.GetDevInfo(app, {})).toBe(SAR.INVALIDHANDLEERR); // an application handle is not a device handle
    expect(skf.GetDevInfo(dev, null)).toBe(SAR.INVALIDPARAMERR);
    expect(skf.ECCSignData(app, Buffer.alloc(32), 32, {})).toBe(SAR.INVALIDHANDLEERR);
    expect(skf.ConnectDev('NoSuchKey', [0])).toBe(SAR.INVALIDPARAMERR);
    expect(skf.ConnectDev(null, [0])).toBe(SAR.INVALIDPARAMERR);
    expect(skf.ConnectDev(DEV, null)).toBe(SAR.INVALIDPARAMERR);
    expect(skf.VerifyPIN(app, 7, PIN, [0])).toBe(SAR.USER_TYPE_INVALID);
    expect(skf.VerifyPIN(app, USER_TYPE, null, [0])).toBe(SAR.INVALIDPARAMERR);
    const con = openContainer(app);
    expect(skf.ExportCertificate(con, 1, null, null)).toBe(SAR.INVALIDPARAMERR);
    expect(skf.OpenContainer(app, 'other-p256', [0])).toBe(SAR.INVALIDPARAMERR); // P-256 keys are not SKF containers
    skf.CloseContainer(con);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });
});

describe('PIN (retry counter)', () => {
  it('wrong PIN → SAR_PIN_INCORRECT with tries left; right PIN resets; GetPINInfo; ChangePIN', () => {
    const { dev, app } = connect();
    const max: Out<number> = [0];
    const remain: Out<number> = [0];
    const isDefault: Out<number> = [0];
    expect(skf.GetPINInfo(app, USER_TYPE, max, remain, isDefault)).toBe(SAR.OK);
    expect([max[0], remain[0], isDefault[0]]).toEqual([3, 3, 1]);
    const retry: Out<number> = [99];
    expect(skf.VerifyPIN(app, USER_TYPE, '000000', retry)).toBe(SAR.PIN_INCORRECT);
    expect(retry[0]).toBe(2);
    expect(skf.GetPINInfo(app, USER_TYPE, max, remain, isDefault)).toBe(SAR.OK);
    expect(remain[0]).toBe(2);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, retry)).toBe(SAR.OK);
    expect(skf.GetPINInfo(app, USER_TYPE, max, remain, isDefault)).toBe(SAR.OK);
    expect(remain[0]).toBe(3);

    expect(skf.ChangePIN(app, USER_TYPE, PIN, '12', retry)).toBe(SAR.PIN_LEN_RANGE);
    expect(skf.ChangePIN(app, USER_TYPE, '999999', '654321', retry)).toBe(SAR.PIN_INCORRECT);
    expect(retry[0]).toBe(2);
    expect(skf.ChangePIN(app, USER_TYPE, PIN, '654321', retry)).toBe(SAR.OK);
    expect(skf.GetPINInfo(app, USER_TYPE, max, remain, isDefault)).toBe(SAR.OK);
    expect([remain[0], isDefault[0]]).toEqual([3, 0]);
    expect(skf.VerifyPIN(app, USER_TYPE, '654321', retry)).toBe(SAR.OK);
    expect(skf.ChangePIN(app, USER_TYPE, '654321', PIN, retry)).toBe(SAR.OK);
    expect(skf.GetPINInfo(app, USER_TYPE, max, remain, isDefault)).toBe(SAR.OK);
    expect(isDefault[0]).toBe(1);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });
});

describe('containers, certificate, public key, signing (verified with openssl)', () => {
  it('enumerates SM2 containers only; exports the certificate (size query) and the right-aligned public key', () => {
    const { dev, app } = connect();
    expect(list((b, s) => skf.EnumContainer(app, b, s))).toEqual(['seal-sm2']);
    const con = openContainer(app);
    const type: Out<number> = [0];
    expect(skf.GetContainerType(con, type)).toBe(SAR.OK);
    expect(type[0]).toBe(2); // ECC
    const len: Out<number> = [0];
    expect(skf.ExportCertificate(con, 1, null, len)).toBe(SAR.OK);
    const cert = Buffer.alloc(len[0]);
    expect(skf.ExportCertificate(con, 1, cert, len)).toBe(SAR.OK);
    expect(cert).toEqual(readCertDer(dir, 'seal-sm2'));
    const small: Out<number> = [10];
    expect(skf.ExportCertificate(con, 1, Buffer.alloc(10), small)).toBe(SAR.BUFFER_TOO_SMALL);
    expect(small[0]).toBe(cert.length);
    expect(skf.ExportCertificate(con, 0, null, len)).toBe(SAR.CERTNOTFOUNTERR); // no encryption certificate
    const { x, y, blob } = exportPublicKey(con);
    expect(blob.BitLen).toBe(256);
    expect(Buffer.from(Array.from(blob.XCoordinate)).subarray(0, 32).equals(Buffer.alloc(32))).toBe(true);
    const ref = publicPoint(join(dir, 'seal-sm2.key.pem'));
    expect(x).toEqual(ref.x);
    expect(y).toEqual(ref.y);
    skf.CloseContainer(con);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });

  it('SKF_ECCSignData signs e = SM3(Z||M); openssl verifies over M with distid 1234567812345678', () => {
    const { dev, app } = connect();
    const con = openContainer(app);
    const { x, y } = exportPublicKey(con);
    const e = sm2E(x, y, MESSAGE);
    expect(signE(con, e).rv).toBe(SAR.USER_NOT_LOGGED_IN);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, [0])).toBe(SAR.OK);
    const { rv, raw } = signE(con, e);
    expect(rv).toBe(SAR.OK);
    const pem = spkiPemFromPoint('SM2', x, y);
    expect(opensslVerify('SM2', pem, MESSAGE, rawToDer(raw))).toBe(true);
    expect(opensslVerify('SM2', pem, Buffer.from('other message'), rawToDer(raw))).toBe(false);
    expect(skf.ECCSignData(con, Buffer.alloc(31), 31, {})).toBe(SAR.INDATALENERR);
    expect(skf.ECCSignData(con, null, 32, {})).toBe(SAR.INVALIDPARAMERR);
    expect(skf.ECCSignData(con, e, 32, null)).toBe(SAR.INVALIDPARAMERR);
    expect(skf.ClearSecureState(app)).toBe(SAR.OK);
    expect(signE(con, e).rv).toBe(SAR.USER_NOT_LOGGED_IN);
    skf.CloseContainer(con);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });

  it('SKF_DigestInit with public key + ID computes e = SM3(Z||M) on the device', () => {
    const { dev, app } = connect();
    const con = openContainer(app);
    const { x, y, blob } = exportPublicKey(con);
    const id = Buffer.from('1234567812345678');
    const h: Out<Handle> = [0];
    expect(skf.DigestInit(dev, SGD_SM3, blob, id, id.length, h)).toBe(SAR.OK);
    const len: Out<number> = [0];
    expect(skf.Digest(h[0], MESSAGE, MESSAGE.length, null, len)).toBe(SAR.OK);
    expect(len[0]).toBe(32);
    const out = Buffer.alloc(32);
    expect(skf.Digest(h[0], MESSAGE, MESSAGE.length, out, len)).toBe(SAR.OK);
    expect(out).toEqual(sm2E(x, y, MESSAGE));
    expect(out).toEqual(createHash('sm3').update(Buffer.concat([sm2Z(x, y), MESSAGE])).digest());
    expect(skf.CloseHandle(h[0])).toBe(SAR.OK);
    expect(skf.DigestInit(dev, 0x4, null, null, 0, h)).not.toBe(SAR.OK); // not SM3
    skf.CloseContainer(con);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });
});

describe('files (seals stored as SKF files)', () => {
  it('enumerates, reads (size query, offset, too small), creates, writes, deletes', () => {
    const { dev, app } = connect();
    expect(list((b, s) => skf.EnumFiles(app, b, s))).toEqual(['seal.dat']);
    const info: Partial<FileAttribute> = {};
    expect(skf.GetFileInfo(app, 'seal.dat', info)).toBe(SAR.OK);
    expect(info).toMatchObject({ FileName: 'seal.dat', FileSize: SEAL_FILE.length, ReadRights: SECURE_ANYONE_ACCOUNT });
    const len: Out<number> = [0];
    expect(skf.ReadFile(app, 'seal.dat', 0, 4096, null, len)).toBe(SAR.OK);
    expect(len[0]).toBe(SEAL_FILE.length);
    const buf = Buffer.alloc(len[0]);
    expect(skf.ReadFile(app, 'seal.dat', 0, 4096, buf, len)).toBe(SAR.OK);
    expect(buf).toEqual(SEAL_FILE);
    const part = Buffer.alloc(4);
    const partLen: Out<number> = [4];
    expect(skf.ReadFile(app, 'seal.dat', 5, 4, part, partLen)).toBe(SAR.OK);
    expect(part).toEqual(SEAL_FILE.subarray(5, 9));
    const small: Out<number> = [2];
    expect(skf.ReadFile(app, 'seal.dat', 0, 4096, Buffer.alloc(2), small)).toBe(SAR.BUFFER_TOO_SMALL);
    expect(small[0]).toBe(SEAL_FILE.length);
    expect(skf.ReadFile(app, 'missing', 0, 10, null, len)).toBe(SAR.FILE_NOT_EXIST);

    const content = Buffer.from('新的印章 data');
    expect(skf.CreateFile(app, 'new-seal', content.length, SECURE_ANYONE_ACCOUNT, SECURE_USER_ACCOUNT)).toBe(SAR.USER_NOT_LOGGED_IN);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, [0])).toBe(SAR.OK);
    expect(skf.CreateFile(app, 'x'.repeat(33), 10, SECURE_ANYONE_ACCOUNT, SECURE_USER_ACCOUNT)).toBe(SAR.NAMELENERR);
    expect(skf.CreateFile(app, 'new-seal', content.length, SECURE_ANYONE_ACCOUNT, SECURE_USER_ACCOUNT)).toBe(SAR.OK);
    expect(skf.CreateFile(app, 'new-seal', content.length, SECURE_ANYONE_ACCOUNT, SECURE_USER_ACCOUNT)).toBe(SAR.FILE_ALREADY_EXIST);
    expect(skf.WriteFile(app, 'new-seal', 0, content, content.length)).toBe(SAR.OK);
    expect(skf.WriteFile(app, 'new-seal', 1, content, content.length)).toBe(SAR.INDATALENERR); // fixed size
    const back = Buffer.alloc(content.length);
    const backLen: Out<number> = [back.length];
    expect(skf.ReadFile(app, 'new-seal', 0, back.length, back, backLen)).toBe(SAR.OK);
    expect(back).toEqual(content);
    expect(list((b, s) => skf.EnumFiles(app, b, s))).toEqual(['new-seal', 'seal.dat']);
    skf.ClearSecureState(app);
    expect(skf.WriteFile(app, 'new-seal', 0, content, content.length)).toBe(SAR.USER_NOT_LOGGED_IN);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, [0])).toBe(SAR.OK);
    expect(skf.DeleteFile(app, 'new-seal')).toBe(SAR.OK);
    expect(list((b, s) => skf.EnumFiles(app, b, s))).toEqual(['seal.dat']);
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
  });
});

describe('lock-out', () => {
  it('SAR_PIN_LOCKED after N failures (even for the right PIN); SKF_UnblockPIN with the admin PIN', () => {
    const { dev, app } = connect();
    const retry: Out<number> = [99];
    expect(skf.VerifyPIN(app, USER_TYPE, '1111', retry)).toBe(SAR.PIN_INCORRECT);
    expect(skf.VerifyPIN(app, USER_TYPE, '2222', retry)).toBe(SAR.PIN_INCORRECT);
    expect(retry[0]).toBe(1);
    expect(skf.VerifyPIN(app, USER_TYPE, '3333', retry)).toBe(SAR.PIN_LOCKED);
    expect(retry[0]).toBe(0);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, retry)).toBe(SAR.PIN_LOCKED);
    const remain: Out<number> = [9];
    expect(skf.GetPINInfo(app, USER_TYPE, [0], remain, [0])).toBe(SAR.OK);
    expect(remain[0]).toBe(0);
    // persisted: a fresh connection sees the same lock
    skf.CloseApplication(app);
    skf.DisConnectDev(dev);
    const again = connect();
    expect(skf.VerifyPIN(again.app, USER_TYPE, PIN, retry)).toBe(SAR.PIN_LOCKED);
    expect(skf.UnblockPIN(again.app, '00000000', PIN, retry)).toBe(SAR.PIN_INCORRECT);
    expect(skf.UnblockPIN(again.app, ADMIN_PIN, PIN, retry)).toBe(SAR.OK);
    expect(skf.VerifyPIN(again.app, USER_TYPE, PIN, retry)).toBe(SAR.OK);
    expect(skf.VerifyPIN(again.app, ADMIN_TYPE, ADMIN_PIN, retry)).toBe(SAR.OK); // admin counter was reset too
    skf.CloseApplication(again.app);
    skf.DisConnectDev(again.dev);
  });
});

describe('device events and removal', () => {
  it('SKF_WaitForDevEvent runs on a worker thread; removal → event 2, SAR_DEVICE_REMOVED; reinsertion → event 1', async () => {
    const { dev, app } = connect();
    const con = openContainer(app);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, [0])).toBe(SAR.OK);

    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    try {
      let settled = false;
      const removal = waitForEvent().finally(() => { settled = true; });
      await new Promise((r) => setTimeout(r, 150));
      expect(settled).toBe(false);
      expect(ticks).toBeGreaterThan(3); // the event loop kept running while the native call blocked
      unplug(dir);
      expect(await removal).toEqual({ rv: SAR.OK, name: DEV, event: 2 });
    } finally {
      clearInterval(timer);
    }

    const { x, y } = publicPoint(join(dir, 'seal-sm2.key.pem'));
    expect(signE(con, sm2E(x, y, MESSAGE)).rv).toBe(SAR.DEVICE_REMOVED);
    expect(skf.GetDevInfo(dev, {})).toBe(SAR.DEVICE_REMOVED);
    expect(skf.VerifyPIN(app, USER_TYPE, PIN, [0])).toBe(SAR.DEVICE_REMOVED);
    expect(list((b, s) => skf.EnumDev(1, b, s))).toEqual([]);
    expect(list((b, s) => skf.EnumDev(0, b, s))).toEqual([DEV]);
    const state: Out<number> = [9];
    expect(skf.GetDevState(DEV, state)).toBe(SAR.OK);
    expect(state[0]).toBe(0);
    expect(skf.ConnectDev(DEV, [0])).toBe(SAR.DEVICE_REMOVED);

    const insertion = waitForEvent();
    replug(dir);
    expect(await insertion).toEqual({ rv: SAR.OK, name: DEV, event: 1 });
    // handles from before the removal stay dead; closing them is fine
    expect(skf.GetDevInfo(dev, {})).toBe(SAR.DEVICE_REMOVED);
    expect(skf.CloseContainer(con)).toBe(SAR.OK);
    expect(skf.CloseApplication(app)).toBe(SAR.OK);
    expect(skf.DisConnectDev(dev)).toBe(SAR.OK);
    const fresh = connect();
    const con2 = openContainer(fresh.app);
    expect(skf.VerifyPIN(fresh.app, USER_TYPE, PIN, [0])).toBe(SAR.OK);
    const { rv, raw } = signE(con2, sm2E(x, y, MESSAGE));
    expect(rv).toBe(SAR.OK);
    expect(opensslVerify('SM2', spkiPemFromPoint('SM2', x, y), MESSAGE, rawToDer(raw))).toBe(true);
    skf.CloseContainer(con2);
    skf.CloseApplication(fresh.app);
    skf.DisConnectDev(fresh.dev);
  });

  it('SKF_CancelWaitForDevEvent releases a blocked wait (SAR_NOT_EVENTERR)', async () => {
    const pending = waitForEvent();
    await new Promise((r) => setTimeout(r, 50));
    expect(skf.CancelWaitForDevEvent()).toBe(SAR.OK);
    expect((await pending).rv).toBe(SAR.NOT_EVENTERR);
  });
});
