// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The SKF (GM/T 0016-2012) back end: a vendor's SKF library loaded through koffi, behind the
 * `TokenProvider` interface.
 *
 * Design rationale (token research notes §2, §7):
 * - Devices come from `SKF_EnumDev(TRUE)` (double-NUL list) and are described by `SKF_GetDevInfo`
 *   (label, serial, manufacturer). `open()` selects by serial and/or label, never by position; a
 *   label that matches several devices is refused (use the serial).
 * - Application: the one named in the options, otherwise the only one on the device; several
 *   applications without a configured name is an error that names them, rather than a guess.
 * - Containers are certificates (`SkfSession.listCertificates`); files whose name starts with
 *   `sealFilePrefix` (default `eseal.`) are seals.
 * - `watch()` waits in `SKF_WaitForDevEvent` on a libuv pool thread (koffi `.async`), restarts the
 *   wait after every event, and `stop()` calls `SKF_CancelWaitForDevEvent`. A library without the
 *   event functions (or answering SAR_NOTSUPPORTYETERR) is polled with `SKF_EnumDev` instead.
 *   `SKF_CancelWaitForDevEvent` wakes every waiter of the process, so a watcher woken by another
 *   watcher's stop simply waits again.
 * - One promise queue per device serialises every call that uses its handles.
 */
import { basename } from 'node:path';
import { SealError } from '../../../shared/errors/index.js';
import type { TokenEvent, TokenInfo, TokenProvider, TokenSession } from '../TokenProvider.js';
import { SAR, checkSar } from './mapSkfError.js';
import { SerialQueue } from '../SerialQueue.js';
import { SkfSession } from './SkfSession.js';
import {
  DEV_EVENT,
  USER_TYPE,
  callSkf,
  cString,
  decodeSkfString,
  loadSkfLibrary,
  readNameList,
  type DevInfo,
  type Out,
  type SkfHandle,
  type SkfLibrary,
} from './skfBindings.js';

export interface SkfTokenProviderOptions {
  /** Path of the vendor's SKF library (`.so`, `.dll`, `.dylib`). */
  readonly library: string;
  /** SKF application to open; default: the only application on the device. */
  readonly application?: string;
  /** Files whose name starts with this are seals (DER SESeal); default `eseal.`. */
  readonly sealFilePrefix?: string;
  /** Mark the tokens as development-only (e.g. the soft SKF test library). Default false. */
  readonly developmentOnly?: boolean;
  /**
   * How `watch()` learns of insertions and removals: `wait` (default) blocks in SKF_WaitForDevEvent on
   * a pool thread; `poll` lists devices with SKF_EnumDev every `intervalMs`, for drivers whose event
   * wait misbehaves (never returns on cancel, or spins). `wait` falls back to `poll` by itself when the
   * library lacks the event functions or answers SAR_NOTSUPPORTYETERR.
   */
  readonly deviceEvents?: 'wait' | 'poll';
}

/** What `watch()` returns: `stop()` plus a promise that settles once the native wait has returned. */
export interface SkfWatchHandle {
  stop(): void;
  /** Resolves when the watcher has fully stopped (no native call pending). */
  readonly done: Promise<void>;
}

interface DeviceDescription {
  readonly info: DevInfo;
  readonly label: string;
  readonly serial: string;
  readonly manufacturer: string;
}

const keyOf = (raw: Uint8Array): string => Buffer.from(raw).toString('hex');

export class SkfTokenProvider implements TokenProvider {
  readonly backend = 'skf' as const;
  private readonly lib: SkfLibrary;
  private readonly queues = new Map<string, SerialQueue>();
  private readonly known = new Map<string, TokenInfo>();
  private readonly sessions = new Set<SkfSession>();
  private readonly watchers = new Set<SkfWatchHandle>();
  private readonly sealFilePrefix: string;

  constructor(private readonly options: SkfTokenProviderOptions) {
    this.lib = loadSkfLibrary(options.library);
    this.sealFilePrefix = options.sealFilePrefix ?? 'eseal.';
  }

  private queue(devName: Uint8Array): SerialQueue {
    const key = keyOf(devName);
    let q = this.queues.get(key);
    if (!q) {
      q = new SerialQueue();
      this.queues.set(key, q);
    }
    return q;
  }

  private async enumerate(): Promise<Uint8Array[]> {
    return readNameList(
      (buf, size) => callSkf(this.lib.fn.SKF_EnumDev, 1, buf, size),
      (rv) => checkSar(rv, 'SKF_EnumDev'),
    );
  }

  private async connect(devName: Uint8Array): Promise<SkfHandle> {
    const out: Out<SkfHandle> = [0];
    checkSar(await callSkf(this.lib.fn.SKF_ConnectDev, cString(devName), out), 'SKF_ConnectDev');
    return out[0];
  }

  private async describe(dev: SkfHandle): Promise<DeviceDescription> {
    const info: Partial<DevInfo> = {};
    checkSar(await callSkf(this.lib.fn.SKF_GetDevInfo, dev, info), 'SKF_GetDevInfo');
    const full = info as DevInfo;
    return { info: full, label: decodeSkfString(full.Label), serial: decodeSkfString(full.SerialNumber), manufacturer: decodeSkfString(full.Manufacturer) };
  }

  /** Opens the configured application, or the only one present. */
  private async openApplication(dev: SkfHandle): Promise<SkfHandle> {
    const names = await readNameList(
      (buf, size) => callSkf(this.lib.fn.SKF_EnumApplication, dev, buf, size),
      (rv) => checkSar(rv, 'SKF_EnumApplication'),
    );
    const decoded = names.map(decodeSkfString);
    let raw: Uint8Array | undefined;
    if (this.options.application !== undefined) {
      raw = names[decoded.indexOf(this.options.application)];
      if (!raw) throw new SealError('ERR_TOKEN_LIBRARY', { reason: `SKF application ${this.options.application} not on the USB KEY (found: ${decoded.join(', ') || 'none'})` });
    } else if (names.length === 1) {
      raw = names[0];
    } else {
      throw new SealError('ERR_TOKEN_LIBRARY', {
        reason: names.length === 0 ? 'the USB KEY has no SKF application' : `several SKF applications (${decoded.join(', ')}); configure which one to use`,
      });
    }
    const out: Out<SkfHandle> = [0];
    checkSar(await callSkf(this.lib.fn.SKF_OpenApplication, dev, cString(raw ?? new Uint8Array(0)), out), 'SKF_OpenApplication');
    return out[0];
  }

  private async pinState(app: SkfHandle): Promise<{ pinRetriesLeft?: number; pinLocked: boolean }> {
    const getInfo = this.lib.fn.SKF_GetPINInfo;
    if (!getInfo) return { pinLocked: false };
    const max: Out<number> = [0];
    const remain: Out<number> = [0];
    const isDefault: Out<number> = [0];
    if ((await callSkf(getInfo, app, USER_TYPE, max, remain, isDefault)) !== SAR.SAR_OK) return { pinLocked: false };
    return { pinRetriesLeft: remain[0], pinLocked: remain[0] === 0 };
  }

  private tokenInfo(devName: Uint8Array, d: DeviceDescription | undefined, pin: { pinRetriesLeft?: number; pinLocked: boolean }, present: boolean): TokenInfo {
    const serial = d?.serial ?? '';
    const info: TokenInfo = {
      id: `skf:${basename(this.options.library)}:${serial || decodeSkfString(devName)}`,
      backend: 'skf',
      label: d?.label || decodeSkfString(devName),
      serial,
      manufacturer: d?.manufacturer ?? '',
      present,
      pinPad: false,
      ...(pin.pinRetriesLeft === undefined ? {} : { pinRetriesLeft: pin.pinRetriesLeft }),
      pinLocked: pin.pinLocked,
      developmentOnly: this.options.developmentOnly ?? false,
    };
    return info;
  }

  /**
   * Connects, describes and disconnects one device (in its queue). A device with an open session is
   * described from the session instead: on some drivers closing a second application handle clears
   * the security state, which would log the session out behind its back.
   */
  private probe(devName: Uint8Array): Promise<TokenInfo> {
    return this.queue(devName).run(async () => {
      const key = keyOf(devName);
      for (const s of this.sessions) if (s.isLive && keyOf(s.deviceName) === key) return { ...s.token, present: true };
      const dev = await this.connect(devName);
      try {
        const d = await this.describe(dev);
        let pin: { pinRetriesLeft?: number; pinLocked: boolean } = { pinLocked: false };
        try {
          const app = await this.openApplication(dev);
          try {
            pin = await this.pinState(app);
          } finally {
            await callSkf(this.lib.fn.SKF_CloseApplication, app).catch(() => undefined);
          }
        } catch (error) {
          if (error instanceof SealError && error.code === 'ERR_TOKEN_REMOVED') throw error;
          // No usable application: still list the device (open() reports the reason).
        }
        const info = this.tokenInfo(devName, d, pin, true);
        this.known.set(keyOf(devName), info);
        return info;
      } finally {
        await callSkf(this.lib.fn.SKF_DisConnectDev, dev).catch(() => undefined);
      }
    });
  }

  async list(): Promise<readonly TokenInfo[]> {
    const tokens: TokenInfo[] = [];
    for (const name of await this.enumerate()) {
      try {
        tokens.push(await this.probe(name));
      } catch (error) {
        if (error instanceof SealError && error.code === 'ERR_TOKEN_REMOVED') continue; // pulled out while listing
        throw error;
      }
    }
    return tokens;
  }

  async open(selector: { readonly serial?: string; readonly label?: string }): Promise<TokenSession> {
    const { serial, label } = selector;
    if ((serial === undefined && label === undefined) || (serial !== undefined && typeof serial !== 'string') || (label !== undefined && typeof label !== 'string')) {
      throw new SealError('ERR_INPUT_INVALID', { name: 'selector', reason: 'give the serial and/or the label of the USB KEY' });
    }
    const matches: { devName: Uint8Array; dev: SkfHandle; d: DeviceDescription }[] = [];
    for (const devName of await this.enumerate()) {
      await this.queue(devName).run(async () => {
        let dev: SkfHandle;
        try {
          dev = await this.connect(devName);
        } catch (error) {
          if (error instanceof SealError && error.code === 'ERR_TOKEN_REMOVED') return;
          throw error;
        }
        try {
          const d = await this.describe(dev);
          if ((serial === undefined || d.serial === serial) && (label === undefined || d.label === label)) {
            matches.push({ devName, dev, d });
            return;
          }
        } catch (error) {
          await callSkf(this.lib.fn.SKF_DisConnectDev, dev).catch(() => undefined);
          if (error instanceof SealError && error.code === 'ERR_TOKEN_REMOVED') return;
          throw error;
        }
        await callSkf(this.lib.fn.SKF_DisConnectDev, dev).catch(() => undefined);
      });
    }
    const [match, ...others] = matches;
    for (const m of others) await this.queue(m.devName).run(() => callSkf(this.lib.fn.SKF_DisConnectDev, m.dev).catch(() => 0));
    if (!match) throw new SealError('ERR_TOKEN_NOT_PRESENT');
    if (others.length > 0) {
      await this.queue(match.devName).run(() => callSkf(this.lib.fn.SKF_DisConnectDev, match.dev).catch(() => 0));
      throw new SealError('ERR_INPUT_INVALID', { name: 'selector', reason: `${matches.length} USB KEYs match; select by serial` });
    }
    const { devName, dev, d } = match;
    return this.queue(devName).run(async () => {
      try {
        const app = await this.openApplication(dev);
        const info = this.tokenInfo(devName, d, await this.pinState(app), true);
        this.known.set(keyOf(devName), info);
        const session = new SkfSession(
          { lib: this.lib, queue: this.queue(devName), devName, sealFilePrefix: this.sealFilePrefix },
          dev,
          app,
          info,
          (s) => this.sessions.delete(s),
        );
        this.sessions.add(session);
        return session;
      } catch (error) {
        await callSkf(this.lib.fn.SKF_DisConnectDev, dev).catch(() => undefined);
        throw error;
      }
    });
  }

  /** The TokenEvent for an SKF device event; a removed device is described from what we knew of it. */
  private async eventFor(devName: Uint8Array, event: number): Promise<TokenEvent | undefined> {
    const key = keyOf(devName);
    if (event === DEV_EVENT.removed) {
      for (const s of this.sessions) if (keyOf(s.deviceName) === key) s.markRemoved();
      const last = this.known.get(key) ?? this.tokenInfo(devName, undefined, { pinLocked: false }, false);
      return { type: 'removed', token: { ...last, present: false } };
    }
    if (event === DEV_EVENT.inserted) {
      let token: TokenInfo;
      try {
        token = await this.probe(devName);
      } catch {
        token = this.tokenInfo(devName, undefined, { pinLocked: false }, true);
      }
      return { type: 'inserted', token };
    }
    return undefined; // vendor-specific event numbers are ignored
  }

  /**
   * Reports insertions and removals. Uses SKF_WaitForDevEvent off the JS thread; `intervalMs` is the
   * back-off after an unexpected error, and the polling period for libraries without device events.
   * Call `stop()` (or `close()`) before exit: a pending native wait keeps the process alive.
   */
  watch(onEvent: (event: TokenEvent) => void, intervalMs = 1000): SkfWatchHandle {
    const { SKF_WaitForDevEvent: wait, SKF_CancelWaitForDevEvent: cancel } = this.lib.fn;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, ms);
      });
    const emit = (event: TokenEvent | undefined): void => {
      if (!event || stopped) return;
      try {
        onEvent(event);
      } catch {
        // a failing listener must not end the watch
      }
    };

    const poll = async (): Promise<void> => {
      let last = new Map((await this.enumerate().catch(() => [])).map((n) => [keyOf(n), n]));
      while (!stopped) {
        await sleep(intervalMs);
        if (stopped) break;
        let now: Map<string, Uint8Array>;
        try {
          now = new Map((await this.enumerate()).map((n) => [keyOf(n), n]));
        } catch {
          continue;
        }
        for (const [k, n] of last) if (!now.has(k)) emit(await this.eventFor(n, DEV_EVENT.removed));
        for (const [k, n] of now) if (!last.has(k)) emit(await this.eventFor(n, DEV_EVENT.inserted));
        last = now;
      }
    };

    const waitLoop = async (): Promise<void> => {
      if (!wait || !cancel || this.options.deviceEvents === 'poll') return poll();
      while (!stopped) {
        const name = Buffer.alloc(256);
        const len: Out<number> = [name.length];
        const event: Out<number> = [0];
        const rv = await callSkf(wait, name, len, event);
        if (stopped) break;
        if (rv === SAR.SAR_OK) {
          const n = Math.min(len[0], name.length);
          const nul = name.subarray(0, n).indexOf(0);
          const devName = Uint8Array.from(name.subarray(0, nul >= 0 ? nul : n));
          emit(await this.eventFor(devName, event[0]));
        } else if (rv === SAR.SAR_NOT_EVENTERR) {
          await sleep(50); // cancelled by someone else's stop(): wait again
        } else if (rv === SAR.SAR_NOTSUPPORTYETERR) {
          return poll();
        } else {
          await sleep(intervalMs);
        }
      }
    };

    // Prime the cache so a removal can be reported with the token's label and serial.
    const primed = this.list().catch(() => []);
    const done = waitLoop()
      .catch(() => undefined)
      .then(() => primed)
      .then(() => undefined);
    const handle: SkfWatchHandle = {
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        wake?.();
        if (this.options.deviceEvents !== 'poll') cancel?.();
        this.watchers.delete(handle);
      },
      done,
    };
    this.watchers.add(handle);
    return handle;
  }

  /** Stops every watcher (waiting until their native waits returned) and closes every open session. */
  async close(): Promise<void> {
    const watchers = [...this.watchers];
    for (const w of watchers) w.stop();
    await Promise.all(watchers.map((w) => w.done));
    await Promise.all([...this.sessions].map((s) => s.close()));
  }
}
