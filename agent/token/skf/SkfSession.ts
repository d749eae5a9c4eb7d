// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One open SKF device: device handle + application handle + container handles, behind the
 * `TokenSession` interface. Created by `SkfTokenProvider.open`.
 *
 * Design rationale: every call goes through the device's promise queue and koffi's `.async`; the
 * first `SAR_DEVICE_REMOVED` marks the session dead, so later calls fail fast with ERR_TOKEN_REMOVED
 * instead of talking to stale handles; `close()` always succeeds and frees what it can. PINs are
 * checked locally only for what would break the C call (NUL, non-ASCII, absurd length) so a
 * malformed PIN never costs a retry; the length rules are the token's (SAR_PIN_LEN_RANGE).
 */
import { sm2SignatureToDer } from '../../../shared/crypto/sm2.js';
import { SealError } from '../../../shared/errors/index.js';
import { lastNameAttribute, parseCertificate } from '../../../shared/x509/index.js';
import type { TokenCertificate, TokenInfo, TokenSeal, TokenSession } from '../TokenProvider.js';
import { SAR, checkSar } from './mapSkfError.js';
import type { SerialQueue } from '../SerialQueue.js';
import {
  CONTAINER_TYPE,
  USER_TYPE,
  callSkf,
  cString,
  decodeSkfString,
  readNameList,
  rightAligned32,
  type EccSignatureBlob,
  type FileAttribute,
  type Out,
  type SkfHandle,
  type SkfLibrary,
} from './skfBindings.js';

/** Largest seal file read from a token. */
export const MAX_SEAL_FILE_BYTES = 1024 * 1024;
/** Bytes per SKF_ReadFile call (small USB KEYs move at most a few KiB per command). */
const READ_CHUNK = 4096;
const MAX_PIN_BYTES = 64;

/** Validates a PIN for the C call and returns it as a NUL-terminated buffer (zero it after use). */
export function pinBuffer(pin: string, name = 'pin'): Buffer {
  if (typeof pin !== 'string' || pin.length === 0 || pin.length > MAX_PIN_BYTES || !/^[\x20-\x7e]+$/.test(pin)) {
    throw new SealError('ERR_TOKEN_PIN_INVALID', { reason: `${name}: 1 to ${MAX_PIN_BYTES} printable ASCII characters` });
  }
  return cString(Buffer.from(pin, 'latin1'));
}

/** What a session shares with its provider. */
export interface SkfDeviceContext {
  readonly lib: SkfLibrary;
  readonly queue: SerialQueue;
  /** Raw device name from SKF_EnumDev. */
  readonly devName: Uint8Array;
  readonly sealFilePrefix: string;
}

interface Container {
  readonly raw: Uint8Array;
  handle?: SkfHandle;
  type?: number;
}

/** A container's signing certificate: SKF_ExportCertificate(bSignFlag = TRUE), or undefined if it has none. */
async function exportSigningCertificate(lib: SkfLibrary, con: SkfHandle): Promise<Uint8Array | undefined> {
  const fn = lib.fn.SKF_ExportCertificate;
  for (let attempt = 0; attempt < 3; attempt++) {
    const len: Out<number> = [0];
    let rv = await callSkf(fn, con, 1, null, len);
    if (rv === SAR.SAR_CERTNOTFOUNTERR || rv === SAR.SAR_KEYNOTFOUNTERR) return undefined;
    checkSar(rv, 'SKF_ExportCertificate');
    if (len[0] === 0) return undefined;
    if (len[0] > 64 * 1024) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `certificate of ${len[0]} bytes` });
    const buf = Buffer.alloc(len[0]);
    const got: Out<number> = [len[0]];
    rv = await callSkf(fn, con, 1, buf, got);
    if (rv === SAR.SAR_BUFFER_TOO_SMALL) continue;
    checkSar(rv, 'SKF_ExportCertificate');
    return Uint8Array.from(buf.subarray(0, Math.min(got[0], len[0])));
  }
  throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'SKF_ExportCertificate kept changing size' });
}

function certificateLabel(der: Uint8Array, fallback: string): string {
  try {
    return lastNameAttribute(parseCertificate(der).subject, 'CN') ?? fallback;
  } catch {
    return fallback;
  }
}

export class SkfSession implements TokenSession {
  private removed = false;
  private closed = false;
  private readonly containers = new Map<string, Container>();

  constructor(
    private readonly ctx: SkfDeviceContext,
    private readonly dev: SkfHandle,
    private readonly app: SkfHandle,
    public token: TokenInfo,
    private readonly onClose: (session: SkfSession) => void,
  ) {}

  /** The raw SKF device name this session is connected to. */
  get deviceName(): Uint8Array {
    return this.ctx.devName;
  }

  /** Neither closed nor known to be removed. */
  get isLive(): boolean {
    return !this.closed && !this.removed;
  }

  /** Called by the provider when SKF_WaitForDevEvent reports this device removed. */
  markRemoved(): void {
    this.removed = true;
    this.token = { ...this.token, present: false };
  }

  /** Queues a device operation; any ERR_TOKEN_REMOVED makes the session dead. */
  private run<T>(task: () => Promise<T>): Promise<T> {
    return this.ctx.queue.run(async () => {
      if (this.closed) throw new SealError('ERR_INPUT_INVALID', { name: 'session', reason: 'the token session is closed' });
      if (this.removed) throw new SealError('ERR_TOKEN_REMOVED');
      try {
        return await task();
      } catch (error) {
        if (error instanceof SealError && error.code === 'ERR_TOKEN_REMOVED') this.markRemoved();
        throw error;
      }
    });
  }

  private get fn(): SkfLibrary['fn'] {
    return this.ctx.lib.fn;
  }

  private async refreshPinInfo(): Promise<void> {
    const getInfo = this.fn.SKF_GetPINInfo;
    if (!getInfo) return;
    const max: Out<number> = [0];
    const remain: Out<number> = [0];
    const isDefault: Out<number> = [0];
    if ((await callSkf(getInfo, this.app, USER_TYPE, max, remain, isDefault)) !== SAR.SAR_OK) return;
    this.token = { ...this.token, pinRetriesLeft: remain[0], pinLocked: remain[0] === 0 };
  }

  login(pin: string): Promise<void> {
    return this.run(async () => {
      const buf = pinBuffer(pin);
      const retry: Out<number> = [0];
      let rv: number;
      try {
        rv = await callSkf(this.fn.SKF_VerifyPIN, this.app, USER_TYPE, buf, retry);
      } finally {
        buf.fill(0);
      }
      if (rv === SAR.SAR_USER_ALREADY_LOGGED_IN) rv = SAR.SAR_OK;
      if (rv === SAR.SAR_PIN_INCORRECT || rv === SAR.SAR_PIN_LOCKED) {
        const left = rv === SAR.SAR_PIN_LOCKED ? 0 : retry[0];
        this.token = { ...this.token, pinRetriesLeft: left, pinLocked: left === 0 };
      } else if (rv === SAR.SAR_OK) {
        await this.refreshPinInfo();
      }
      checkSar(rv, 'SKF_VerifyPIN', rv === SAR.SAR_PIN_LOCKED ? 0 : retry[0]);
    });
  }

  loginWithPinPad(): Promise<void> {
    return Promise.reject(new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: 'PIN pad (GM/T 0016 SKF has no standard PIN pad call)' }));
  }

  logout(): Promise<void> {
    return this.run(async () => {
      checkSar(await callSkf(this.fn.SKF_ClearSecureState, this.app), 'SKF_ClearSecureState');
    });
  }

  changePin(oldPin: string, newPin: string): Promise<void> {
    return this.run(async () => {
      const oldBuf = pinBuffer(oldPin, 'oldPin');
      let newBuf: Buffer;
      try {
        newBuf = pinBuffer(newPin, 'newPin');
      } catch (error) {
        oldBuf.fill(0);
        throw error;
      }
      const retry: Out<number> = [0];
      let rv: number;
      try {
        rv = await callSkf(this.fn.SKF_ChangePIN, this.app, USER_TYPE, oldBuf, newBuf, retry);
      } finally {
        oldBuf.fill(0);
        newBuf.fill(0);
      }
      if (rv === SAR.SAR_PIN_INCORRECT || rv === SAR.SAR_PIN_LOCKED) {
        const left = rv === SAR.SAR_PIN_LOCKED ? 0 : retry[0];
        this.token = { ...this.token, pinRetriesLeft: left, pinLocked: left === 0 };
      }
      checkSar(rv, 'SKF_ChangePIN', rv === SAR.SAR_PIN_LOCKED ? 0 : retry[0]);
      await this.refreshPinInfo();
    });
  }

  /** Container names (decoded) → raw names; handles already opened are kept. */
  private async enumerateContainers(): Promise<Map<string, Container>> {
    const raw = await readNameList(
      (buf, size) => callSkf(this.fn.SKF_EnumContainer, this.app, buf, size),
      (rv) => checkSar(rv, 'SKF_EnumContainer'),
    );
    for (const name of raw) {
      const id = decodeSkfString(name);
      if (!this.containers.has(id)) this.containers.set(id, { raw: name });
    }
    return this.containers;
  }

  private async openContainer(c: Container): Promise<{ handle: SkfHandle; type: number }> {
    if (c.handle === undefined) {
      const out: Out<SkfHandle> = [0];
      checkSar(await callSkf(this.fn.SKF_OpenContainer, this.app, cString(c.raw), out), 'SKF_OpenContainer');
      c.handle = out[0];
    }
    if (c.type === undefined) {
      const getType = this.fn.SKF_GetContainerType;
      if (getType) {
        const type: Out<number> = [0];
        checkSar(await callSkf(getType, c.handle, type), 'SKF_GetContainerType');
        c.type = type[0];
      } else {
        c.type = CONTAINER_TYPE.ecc; // drivers without SKF_GetContainerType: SM2 USB KEYs
      }
    }
    return { handle: c.handle, type: c.type };
  }

  listCertificates(): Promise<readonly TokenCertificate[]> {
    return this.run(async () => {
      const result: TokenCertificate[] = [];
      for (const [id, c] of await this.enumerateContainers()) {
        const { handle, type } = await this.openContainer(c);
        if (type !== CONTAINER_TYPE.ecc && type !== CONTAINER_TYPE.rsa) continue; // empty container
        const der = await exportSigningCertificate(this.ctx.lib, handle);
        if (!der) continue; // a key pair without a signing certificate cannot seal
        result.push({ id, label: certificateLabel(der, id), der, keyAlgorithm: type === CONTAINER_TYPE.rsa ? 'RSA' : 'SM2' });
      }
      return result;
    });
  }

  listSeals(): Promise<readonly TokenSeal[]> {
    return this.run(async () => {
      const { SKF_EnumFiles: enumFiles, SKF_ReadFile: readFile } = this.fn;
      if (!enumFiles || !readFile) return [];
      const names = await readNameList(
        (buf, size) => callSkf(enumFiles, this.app, buf, size),
        (rv) => checkSar(rv, 'SKF_EnumFiles'),
      );
      const seals: TokenSeal[] = [];
      for (const raw of names) {
        const id = decodeSkfString(raw);
        if (!id.startsWith(this.ctx.sealFilePrefix)) continue;
        seals.push({ id, der: await this.readFile(raw, id) });
      }
      return seals;
    });
  }

  private async fileSize(raw: Uint8Array, id: string): Promise<number> {
    const getInfo = this.fn.SKF_GetFileInfo;
    let size: number;
    if (getInfo) {
      const info: Partial<FileAttribute> = {};
      checkSar(await callSkf(getInfo, this.app, cString(raw), info), 'SKF_GetFileInfo');
      size = info.FileSize ?? 0;
    } else {
      const readFile = this.fn.SKF_ReadFile;
      const len: Out<number> = [0];
      if (readFile) checkSar(await callSkf(readFile, this.app, cString(raw), 0, MAX_SEAL_FILE_BYTES + 1, null, len), 'SKF_ReadFile');
      size = len[0];
    }
    if (size > MAX_SEAL_FILE_BYTES) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `seal file ${id} is ${size} bytes (limit ${MAX_SEAL_FILE_BYTES})` });
    return size;
  }

  private async readFile(raw: Uint8Array, id: string): Promise<Uint8Array> {
    const readFile = this.fn.SKF_ReadFile;
    if (!readFile) return new Uint8Array(0);
    const size = await this.fileSize(raw, id);
    const out = new Uint8Array(size);
    const name = cString(raw);
    let offset = 0;
    while (offset < size) {
      const want = Math.min(READ_CHUNK, size - offset);
      const buf = Buffer.alloc(want);
      const got: Out<number> = [want];
      checkSar(await callSkf(readFile, this.app, name, offset, want, buf, got), 'SKF_ReadFile');
      const n = Math.min(got[0], want);
      if (n === 0) break;
      out.set(buf.subarray(0, n), offset);
      offset += n;
    }
    if (offset !== size) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `seal file ${id}: read ${offset} of ${size} bytes` });
    return out;
  }

  signDigest(certificateId: string, digest: Uint8Array): Promise<Uint8Array> {
    return this.run(async () => {
      if (!(digest instanceof Uint8Array) || digest.length !== 32) {
        throw new SealError('ERR_INPUT_INVALID', { name: 'digest', reason: 'SKF SM2 signs the 32-byte e = SM3(Z ‖ M)' });
      }
      const c = (await this.enumerateContainers()).get(certificateId);
      if (!c) throw new SealError('ERR_TOKEN_KEY_NOT_FOUND');
      const { handle, type } = await this.openContainer(c);
      if (type === CONTAINER_TYPE.rsa) throw new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: 'RSA (SKF_RSASignData)' });
      if (type !== CONTAINER_TYPE.ecc) throw new SealError('ERR_TOKEN_KEY_NOT_FOUND');
      const blob: Partial<EccSignatureBlob> = {};
      checkSar(await callSkf(this.fn.SKF_ECCSignData, handle, Buffer.from(digest), 32, blob), 'SKF_ECCSignData');
      if (!blob.r || !blob.s) throw new SealError('ERR_TOKEN_LIBRARY', { reason: 'SKF_ECCSignData returned no signature' });
      const raw = new Uint8Array(64);
      raw.set(rightAligned32(blob.r, 'ECCSIGNATUREBLOB.r'), 0);
      raw.set(rightAligned32(blob.s, 'ECCSIGNATUREBLOB.s'), 32);
      return sm2SignatureToDer(raw);
    });
  }

  /** Closes containers and the application and disconnects; never throws, idempotent. */
  close(): Promise<void> {
    return this.ctx.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      const fn = this.fn;
      for (const c of this.containers.values()) {
        if (c.handle !== undefined) await callSkf(fn.SKF_CloseContainer, c.handle).catch(() => undefined);
      }
      this.containers.clear();
      await callSkf(fn.SKF_CloseApplication, this.app).catch(() => undefined);
      await callSkf(fn.SKF_DisConnectDev, this.dev).catch(() => undefined);
      this.onClose(this);
    });
  }
}
