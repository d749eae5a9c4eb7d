// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * koffi declarations of the SKF (GM/T 0016-2012) functions and packed structures used by the SKF back
 * end. The only file that talks to koffi.
 *
 * Design rationale:
 * - One library handle per path per process (`loadSkfLibrary` caches), never unloaded: vendor SKF
 *   libraries keep global device state and several crash when unloaded with devices open.
 * - GM/T 0016 §6: `ULONG` and `BOOL` are 32-bit, handles are pointers (carried as `uintptr_t`
 *   numbers), structures are `#pragma pack(1)`. `DEVAPI` is `__stdcall` on 32-bit Windows and the C
 *   convention elsewhere; koffi is told so.
 * - Every call runs through koffi's `.async` (a libuv pool thread): a real USB KEY takes 50–300 ms per
 *   signature and `SKF_WaitForDevEvent` blocks until something happens, so nothing here may run on the
 *   JS thread. Only `SKF_CancelWaitForDevEvent`, which returns at once, is called synchronously.
 * - Names (devices, applications, containers, files) travel as raw bytes: vendors use UTF-8 or GBK,
 *   and the bytes a library gave us are the bytes we hand back. PINs travel in buffers that are zeroed
 *   after the call.
 */
import koffi, { type KoffiFunc, type LibraryHandle, type TypeObject } from 'koffi';
import { SealError } from '../../../shared/errors/index.js';
import { SAR } from './mapSkfError.js';

/** DEVHANDLE, HAPPLICATION, HCONTAINER: opaque pointers as `uintptr_t` (a bigint only above 2^53). */
export type SkfHandle = number | bigint;
/** A `_Out_`/`_Inout_` scalar: koffi writes element 0. */
export type Out<T> = [T];

export const USER_TYPE = 1;
export const ADMIN_TYPE = 0;
export const CONTAINER_TYPE = { empty: 0, rsa: 1, ecc: 2 } as const;
export const DEV_EVENT = { inserted: 1, removed: 2 } as const;

// ── GM/T 0016-2012 §6.4 structures, #pragma pack(1) ───────────────────────────────────────────────
// Type names carry a prefix so they cannot collide with another koffi user in the same process.

const VERSION = koffi.pack('ESEAL_SKF_VERSION', { major: 'uint8', minor: 'uint8' });
const bytes = (n: number): TypeObject => koffi.array('uint8', n, 'Typed');

/** §6.4.2, 294 bytes. The strings are fixed fields, NUL-terminated (or full). */
export const DEVINFO = koffi.pack('ESEAL_SKF_DEVINFO', {
  Version: VERSION,
  Manufacturer: bytes(64),
  Issuer: bytes(64),
  Label: bytes(32),
  SerialNumber: bytes(32),
  HWVersion: VERSION,
  FirmwareVersion: VERSION,
  AlgSymCap: 'uint32',
  AlgAsymCap: 'uint32',
  AlgHashCap: 'uint32',
  DevAuthAlgId: 'uint32',
  TotalSpace: 'uint32',
  FreeSpace: 'uint32',
  MaxECCBufferSize: 'uint32',
  MaxBufferSize: 'uint32',
  Reserved: bytes(64),
});

/** §6.4.5, 132 bytes: coordinates right-aligned in 64-byte fields. */
export const ECCPUBLICKEYBLOB = koffi.pack('ESEAL_SKF_ECCPUBLICKEYBLOB', { BitLen: 'uint32', XCoordinate: bytes(64), YCoordinate: bytes(64) });

/** §6.4.8, 128 bytes: r and s right-aligned in 64-byte fields. */
export const ECCSIGNATUREBLOB = koffi.pack('ESEAL_SKF_ECCSIGNATUREBLOB', { r: bytes(64), s: bytes(64) });

/** §6.4.10, 44 bytes. */
export const FILEATTRIBUTE = koffi.pack('ESEAL_SKF_FILEATTRIBUTE', { FileName: bytes(32), FileSize: 'uint32', ReadRights: 'uint32', WriteRights: 'uint32' });

export interface DevInfo {
  Version: { major: number; minor: number };
  Manufacturer: Uint8Array;
  Issuer: Uint8Array;
  Label: Uint8Array;
  SerialNumber: Uint8Array;
  AlgAsymCap: number;
  AlgHashCap: number;
  MaxBufferSize: number;
}
export interface EccPublicKeyBlob {
  BitLen: number;
  XCoordinate: Uint8Array;
  YCoordinate: Uint8Array;
}
export interface EccSignatureBlob {
  r: Uint8Array;
  s: Uint8Array;
}
export interface FileAttribute {
  FileName: Uint8Array;
  FileSize: number;
  ReadRights: number;
  WriteRights: number;
}

type Buf = Buffer | null;
type Sar = number;

/** The raw SKF entry points (each with koffi's `.async`). Optional ones may be absent from a vendor DLL. */
export interface SkfFunctions {
  SKF_EnumDev: KoffiFunc<(present: number, list: Buf, size: Out<number>) => Sar>;
  SKF_ConnectDev: KoffiFunc<(name: Buffer, dev: Out<SkfHandle>) => Sar>;
  SKF_DisConnectDev: KoffiFunc<(dev: SkfHandle) => Sar>;
  SKF_GetDevInfo: KoffiFunc<(dev: SkfHandle, info: Partial<DevInfo>) => Sar>;
  SKF_EnumApplication: KoffiFunc<(dev: SkfHandle, list: Buf, size: Out<number>) => Sar>;
  SKF_OpenApplication: KoffiFunc<(dev: SkfHandle, name: Buffer, app: Out<SkfHandle>) => Sar>;
  SKF_CloseApplication: KoffiFunc<(app: SkfHandle) => Sar>;
  SKF_VerifyPIN: KoffiFunc<(app: SkfHandle, type: number, pin: Buffer, retry: Out<number>) => Sar>;
  SKF_ChangePIN: KoffiFunc<(app: SkfHandle, type: number, oldPin: Buffer, newPin: Buffer, retry: Out<number>) => Sar>;
  SKF_ClearSecureState: KoffiFunc<(app: SkfHandle) => Sar>;
  SKF_EnumContainer: KoffiFunc<(app: SkfHandle, list: Buf, size: Out<number>) => Sar>;
  SKF_OpenContainer: KoffiFunc<(app: SkfHandle, name: Buffer, con: Out<SkfHandle>) => Sar>;
  SKF_CloseContainer: KoffiFunc<(con: SkfHandle) => Sar>;
  SKF_ExportCertificate: KoffiFunc<(con: SkfHandle, signFlag: number, cert: Buf, len: Out<number>) => Sar>;
  SKF_ECCSignData: KoffiFunc<(con: SkfHandle, data: Buffer, len: number, sig: Partial<EccSignatureBlob>) => Sar>;
  SKF_GetPINInfo?: KoffiFunc<(app: SkfHandle, type: number, max: Out<number>, remain: Out<number>, isDefault: Out<number>) => Sar>;
  SKF_GetContainerType?: KoffiFunc<(con: SkfHandle, type: Out<number>) => Sar>;
  SKF_ExportPublicKey?: KoffiFunc<(con: SkfHandle, signFlag: number, blob: Partial<EccPublicKeyBlob>, len: Out<number>) => Sar>;
  SKF_EnumFiles?: KoffiFunc<(app: SkfHandle, list: Buf, size: Out<number>) => Sar>;
  SKF_GetFileInfo?: KoffiFunc<(app: SkfHandle, name: Buffer, info: Partial<FileAttribute>) => Sar>;
  SKF_ReadFile?: KoffiFunc<(app: SkfHandle, name: Buffer, offset: number, size: number, out: Buf, outLen: Out<number>) => Sar>;
  SKF_WaitForDevEvent?: KoffiFunc<(name: Buffer, len: Out<number>, event: Out<number>) => Sar>;
  SKF_CancelWaitForDevEvent?: KoffiFunc<() => Sar>;
}

/** `CC` is `__stdcall ` where DEVAPI means it (32-bit Windows); koffi ignores it elsewhere anyway. */
const CC = process.platform === 'win32' && process.arch === 'ia32' ? '__stdcall ' : '';

const REQUIRED: Record<string, string> = {
  SKF_EnumDev: 'int32_t bPresent, void *szNameList, _Inout_ uint32_t *pulSize',
  SKF_ConnectDev: 'const uint8_t *szName, _Out_ uintptr_t *phDev',
  SKF_DisConnectDev: 'uintptr_t hDev',
  SKF_GetDevInfo: 'uintptr_t hDev, _Out_ ESEAL_SKF_DEVINFO *pDevInfo',
  SKF_EnumApplication: 'uintptr_t hDev, void *szAppName, _Inout_ uint32_t *pulSize',
  SKF_OpenApplication: 'uintptr_t hDev, const uint8_t *szAppName, _Out_ uintptr_t *phApplication',
  SKF_CloseApplication: 'uintptr_t hApplication',
  SKF_VerifyPIN: 'uintptr_t hApplication, uint32_t ulPINType, const uint8_t *szPIN, _Out_ uint32_t *pulRetryCount',
  SKF_ChangePIN: 'uintptr_t hApplication, uint32_t ulPINType, const uint8_t *szOldPin, const uint8_t *szNewPin, _Out_ uint32_t *pulRetryCount',
  SKF_ClearSecureState: 'uintptr_t hApplication',
  SKF_EnumContainer: 'uintptr_t hApplication, void *szContainerName, _Inout_ uint32_t *pulSize',
  SKF_OpenContainer: 'uintptr_t hApplication, const uint8_t *szContainerName, _Out_ uintptr_t *phContainer',
  SKF_CloseContainer: 'uintptr_t hContainer',
  SKF_ExportCertificate: 'uintptr_t hContainer, int32_t bSignFlag, void *pbCert, _Inout_ uint32_t *pulCertLen',
  SKF_ECCSignData: 'uintptr_t hContainer, const uint8_t *pbData, uint32_t ulDataLen, _Out_ ESEAL_SKF_ECCSIGNATUREBLOB *pSignature',
};

const OPTIONAL: Record<string, string> = {
  SKF_GetPINInfo: 'uintptr_t hApplication, uint32_t ulPINType, _Out_ uint32_t *pulMaxRetryCount, _Out_ uint32_t *pulRemainRetryCount, _Out_ int32_t *pbDefaultPin',
  SKF_GetContainerType: 'uintptr_t hContainer, _Out_ uint32_t *pulContainerType',
  SKF_ExportPublicKey: 'uintptr_t hContainer, int32_t bSignFlag, _Out_ ESEAL_SKF_ECCPUBLICKEYBLOB *pbBlob, _Inout_ uint32_t *pulBlobLen',
  SKF_EnumFiles: 'uintptr_t hApplication, void *szFileList, _Inout_ uint32_t *pulSize',
  SKF_GetFileInfo: 'uintptr_t hApplication, const uint8_t *szFileName, _Out_ ESEAL_SKF_FILEATTRIBUTE *pFileInfo',
  SKF_ReadFile: 'uintptr_t hApplication, const uint8_t *szFileName, uint32_t ulOffset, uint32_t ulSize, void *pbOutData, _Inout_ uint32_t *pulOutLen',
  SKF_WaitForDevEvent: 'void *szDevName, _Inout_ uint32_t *pulDevNameLen, _Out_ uint32_t *pulEvent',
  SKF_CancelWaitForDevEvent: 'void',
};

/** A loaded SKF library: its path and its entry points. */
export interface SkfLibrary {
  readonly path: string;
  readonly fn: SkfFunctions;
}

const libraries = new Map<string, SkfLibrary>();

function bindAll(lib: LibraryHandle, table: Record<string, string>, required: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, params] of Object.entries(table)) {
    try {
      out[name] = lib.func(`uint32_t ${CC}${name}(${params})`);
    } catch (error) {
      if (required) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `${name} missing from the SKF library` }, { cause: error });
    }
  }
  return out;
}

/**
 * Loads (once per path per process) an SKF library. Throws ERR_TOKEN_LIBRARY if it cannot be loaded
 * or lacks a required function; optional functions that are missing stay `undefined`.
 */
export function loadSkfLibrary(path: string): SkfLibrary {
  const cached = libraries.get(path);
  if (cached) return cached;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SealError('ERR_TOKEN_LIBRARY', { reason: `cannot load the SKF library ${path}: ${reason.slice(0, 200)}` }, { cause: error });
  }
  const fn = { ...bindAll(lib, REQUIRED, true), ...bindAll(lib, OPTIONAL, false) } as unknown as SkfFunctions;
  const loaded: SkfLibrary = { path, fn };
  libraries.set(path, loaded);
  return loaded;
}

/**
 * Arguments of the calls in flight. koffi hands a Buffer's memory to the native function as a raw
 * pointer without keeping a reference to the Buffer (koffi `src/call.cc`, `PushPointer`), and an async
 * call returns to JS before the pool thread uses the pointer: without this set, a Buffer nobody else
 * holds (the digest, a name, a read buffer) could be collected while the library reads or writes it.
 */
const inFlight = new Set<readonly unknown[]>();

/**
 * Calls an SKF function on a libuv pool thread and resolves with its return value. Out-parameters are
 * filled when the promise settles. A koffi failure (bad argument types) rejects as ERR_INTERNAL.
 */
export function callSkf<A extends unknown[]>(fn: KoffiFunc<(...args: A) => number>, ...args: A): Promise<number> {
  return new Promise((resolve, reject) => {
    inFlight.add(args);
    const done = (err: unknown, rv: number): void => {
      inFlight.delete(args);
      if (err) reject(new SealError('ERR_INTERNAL', { reason: `koffi call ${fn.info.name} failed: ${err instanceof Error ? err.message : 'unknown error'}` }, { cause: err }));
      else resolve(rv >>> 0);
    };
    try {
      (fn.async as (...all: unknown[]) => void)(...args, done);
    } catch (error) {
      inFlight.delete(args);
      reject(new SealError('ERR_INTERNAL', { reason: `koffi call ${fn.info.name} refused its arguments: ${error instanceof Error ? error.message : 'unknown error'}` }, { cause: error }));
    }
  });
}

// ── strings ───────────────────────────────────────────────────────────────────────────────────────

/** NUL-terminated copy of raw name bytes, for `const char *` parameters. */
export function cString(raw: Uint8Array): Buffer {
  const out = Buffer.alloc(raw.length + 1);
  out.set(raw);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030');

/** Text of SKF string bytes: UTF-8 if valid, else GB18030 (GBK-era drivers); cut at NUL, trailing blanks trimmed. */
export function decodeSkfString(raw: Uint8Array): string {
  const end = raw.indexOf(0);
  const body = end < 0 ? raw : raw.subarray(0, end);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    text = gb18030.decode(body);
  }
  return text.trimEnd();
}

/**
 * Splits a double-NUL-terminated name list (`SKF_EnumDev`, `SKF_EnumApplication`, …) of `size` bytes
 * into raw names. Stops at the first empty name; tolerates a missing final NUL.
 */
export function splitNameList(buf: Uint8Array, size: number): Uint8Array[] {
  const names: Uint8Array[] = [];
  const end = Math.min(size, buf.length);
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || buf[i] === 0) {
      if (i === start) break;
      names.push(Uint8Array.from(buf.subarray(start, i)));
      start = i + 1;
    }
  }
  return names;
}

/**
 * Runs a list function with the size-query convention (NULL buffer → size, then the call proper);
 * retries when the list grew in between (SAR_BUFFER_TOO_SMALL).
 */
export async function readNameList(call: (buf: Buffer | null, size: Out<number>) => Promise<number>, check: (rv: number) => void): Promise<Uint8Array[]> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const size: Out<number> = [0];
    check(await call(null, size));
    if (size[0] === 0) return [];
    if (size[0] > 1 << 20) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `SKF name list of ${size[0]} bytes` });
    const buf = Buffer.alloc(size[0] + 2);
    const got: Out<number> = [size[0]];
    const rv = await call(buf, got);
    if (rv === SAR.SAR_BUFFER_TOO_SMALL) continue;
    check(rv);
    return splitNameList(buf, Math.min(got[0], size[0]));
  }
  throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'SKF name list kept changing size' });
}

/** The 32-byte value right-aligned in a 64-byte blob field; throws if the upper half is not zero. */
export function rightAligned32(field: Uint8Array, what: string): Uint8Array {
  if (field.length !== 64 || field.subarray(0, 32).some((b) => b !== 0)) {
    throw new SealError('ERR_TOKEN_LIBRARY', { reason: `${what}: not a 256-bit value right-aligned in 64 bytes` });
  }
  return Uint8Array.from(field.subarray(32));
}
