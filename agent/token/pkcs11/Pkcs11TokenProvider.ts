// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The PKCS#11 back end (TokenProvider) over pkcs11js: Chinese USB KEYs through their vendor
 * modules (SM2 by vendor profile), and SoftHSM2 / any standard module for ECDSA P-256 and RSA.
 *
 * Design rationale (specs/tokens.md §5, §7):
 * - One loaded library per path per process (`pkcs11Module.ts`), C_Initialize once with
 *   CKF_OS_LOCKING_OK, C_Finalize explicitly in `close()`.
 * - Tokens are found by serial or label, never by slot position (SoftHSM always shows an extra
 *   uninitialised slot; slot IDs change when a key is re-plugged). Tokens whose
 *   CKF_TOKEN_INITIALIZED flag is clear are not listed.
 * - `watch()` polls on a timer: it drains C_WaitForSlotEvent(CKF_DONT_BLOCK) (never the blocking
 *   form, which pkcs11js would run on the JS thread) and compares C_GetSlotList(true) +
 *   C_GetTokenInfo with the previous poll. The comparison decides; slot events only keep modules
 *   that queue them from growing the queue. A remove-and-reinsert within one interval is not seen;
 *   open sessions then fail with ERR_TOKEN_REMOVED on their next call anyway.
 * - One promise queue per token serialises the operations of every session on that token.
 */
import type { PKCS11, TokenInfo as P11TokenInfo } from 'pkcs11js';
import { SealError } from '../../../shared/errors/index.js';
import type { TokenEvent, TokenInfo, TokenProvider } from '../TokenProvider.js';
import { CKF_DONT_BLOCK, CKF_RW_SESSION, CKF_SERIAL_SESSION, CKF_TOKEN_INITIALIZED, CKR } from './constants.js';
import { mapPkcs11Error, pkcs11ErrorOf } from './mapPkcs11Error.js';
import { acquireModule, type Handle, type LoadedModule } from './pkcs11Module.js';
import { Pkcs11Session, toTokenInfo } from './Pkcs11Session.js';
import { SerialQueue } from '../SerialQueue.js';
import { selectProfile } from './vendorProfiles.js';

export interface Pkcs11ProviderOptions {
  /** Path of the PKCS#11 library (the vendor's .so / .dll / .dylib). */
  readonly libraryPath: string;
  /** Vendor profile id from configuration (a VendorProfileId: 'A', 'B', 'C', 'D', 'standard'): wins over detection. */
  readonly profile?: string;
  /**
   * Mark the tokens as development-only. Default: true for SoftHSM (manufacturer or library name)
   * and ESeal's test token (libsm2testtoken), false otherwise.
   */
  readonly developmentOnly?: boolean;
}

interface ScannedToken {
  readonly info: TokenInfo;
  readonly slot: Handle;
  readonly raw: P11TokenInfo;
}

/** CK_RVs of C_GetTokenInfo that mean "no usable token in this slot (right now)". */
const NO_TOKEN: ReadonlySet<number> = new Set([CKR.TOKEN_NOT_PRESENT, CKR.DEVICE_REMOVED, CKR.TOKEN_NOT_RECOGNIZED, CKR.SLOT_ID_INVALID, CKR.DEVICE_ERROR]);

/**
 * The per-token queues, process-wide: the token id includes the library path, and two providers on
 * the same module (they share the loaded library) must not run operations on one token at once.
 */
const QUEUES = new Map<string, SerialQueue>();

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export class Pkcs11TokenProvider implements TokenProvider {
  readonly backend = 'pkcs11' as const;
  private module: LoadedModule | undefined;
  private closed = false;
  private readonly sessions = new Set<Pkcs11Session>();
  private readonly watchers = new Set<() => void>();

  constructor(private readonly options: Pkcs11ProviderOptions) {
    if (typeof options?.libraryPath !== 'string' || options.libraryPath === '') {
      throw new SealError('ERR_INPUT_INVALID', { name: 'libraryPath', reason: 'the path of a PKCS#11 library' });
    }
  }

  /** The loaded module, loading and initialising it on first use. */
  private p11(): PKCS11 {
    if (this.closed) throw new SealError('ERR_INTERNAL', { reason: 'PKCS#11 provider already closed' });
    this.module ??= acquireModule(this.options.libraryPath);
    return this.module.p11;
  }

  private developmentOnly(manufacturer: string): boolean {
    return this.options.developmentOnly ?? (/softhsm|sm2testtoken/i.test(basename(this.options.libraryPath)) || /^SoftHSM/i.test(manufacturer));
  }

  private scan(): ScannedToken[] {
    const p11 = this.p11();
    const out: ScannedToken[] = [];
    let slots: Handle[];
    try {
      slots = p11.C_GetSlotList(true);
    } catch (error) {
      throw mapPkcs11Error(error);
    }
    for (const slot of slots) {
      let raw: P11TokenInfo;
      try {
        raw = p11.C_GetTokenInfo(slot);
      } catch (error) {
        const code = pkcs11ErrorOf(error)?.code;
        if (code !== undefined && NO_TOKEN.has(code)) continue;
        throw mapPkcs11Error(error);
      }
      if ((raw.flags & CKF_TOKEN_INITIALIZED) === 0) continue;
      out.push({ info: toTokenInfo(raw, this.options.libraryPath, this.developmentOnly(raw.manufacturerID.trim())), slot, raw });
    }
    return out;
  }

  private queueFor(id: string): SerialQueue {
    let queue = QUEUES.get(id);
    if (!queue) {
      queue = new SerialQueue();
      QUEUES.set(id, queue);
    }
    return queue;
  }

  list(): Promise<readonly TokenInfo[]> {
    return Promise.resolve().then(() => this.scan().map((t) => t.info));
  }

  /**
   * Opens a session on the token with this serial (and label, if both are given) or, without a
   * serial, the one token with this label: several tokens with the label → ERR_INPUT_INVALID (open by
   * serial instead); none → ERR_TOKEN_NOT_PRESENT. The session is read/write when the token allows.
   */
  open(selector: { readonly serial?: string; readonly label?: string }): Promise<Pkcs11Session> {
    return Promise.resolve().then(() => {
      const serial = selector?.serial;
      const label = selector?.label;
      if ((serial === undefined || serial === '') && (label === undefined || label === '')) {
        throw new SealError('ERR_INPUT_INVALID', { name: 'selector', reason: 'a serial or a label (never a slot number)' });
      }
      const matches = this.scan().filter((t) => (serial === undefined || serial === '' || t.info.serial === serial) && (label === undefined || label === '' || t.info.label === label));
      if (matches.length === 0) throw new SealError('ERR_TOKEN_NOT_PRESENT');
      if (matches.length > 1) {
        const by = serial ? 'serial' : 'label';
        throw new SealError('ERR_INPUT_INVALID', { name: by, reason: `${matches.length} tokens have ${by} "${serial || label}"; open by serial` });
      }
      const token = matches[0] as ScannedToken;
      return this.queueFor(token.info.id).run(() => this.openOn(token));
    });
  }

  private openOn(token: ScannedToken): Pkcs11Session {
    const p11 = this.p11();
    let mechanisms: number[] | undefined;
    try {
      mechanisms = p11.C_GetMechanismList(token.slot);
    } catch {
      mechanisms = undefined; // some modules refuse it; profile selection and mechanism choice then go without
    }
    const profile = selectProfile({
      manufacturerId: token.info.manufacturer,
      libraryPath: this.options.libraryPath,
      ...(this.options.profile === undefined ? {} : { configured: this.options.profile }),
      mechanisms,
    });
    let handle: Handle;
    let readWrite = true;
    try {
      try {
        handle = p11.C_OpenSession(token.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
      } catch (error) {
        if (pkcs11ErrorOf(error)?.code !== CKR.TOKEN_WRITE_PROTECTED) throw error;
        handle = p11.C_OpenSession(token.slot, CKF_SERIAL_SESSION);
        readWrite = false;
      }
    } catch (error) {
      throw mapPkcs11Error(error);
    }
    const session = new Pkcs11Session(
      {
        p11,
        libraryPath: this.options.libraryPath,
        slot: token.slot,
        queue: this.queueFor(token.info.id),
        profile,
        mechanisms,
        developmentOnly: token.info.developmentOnly,
        onClose: (s) => this.sessions.delete(s),
      },
      handle,
      readWrite,
      token.info,
    );
    this.sessions.add(session);
    return session;
  }

  /**
   * Polls every `intervalMs` (default 1000) and reports tokens that appeared or disappeared since
   * the previous poll (the tokens present at the call are the baseline, not events). Sessions on a
   * removed token are marked dead at once.
   */
  watch(onEvent: (event: TokenEvent) => void, intervalMs = 1000): { stop(): void } {
    const snapshot = (): Map<string, TokenInfo> | undefined => {
      try {
        return new Map(this.scan().map((t) => [t.info.id, t.info]));
      } catch {
        return undefined; // a transient module error: try again on the next tick
      }
    };
    let eventsSupported = true;
    let last = snapshot() ?? new Map<string, TokenInfo>();
    const tick = (): void => {
      if (this.closed) return;
      if (eventsSupported) {
        try {
          const p11 = this.p11();
          for (let i = 0; i < 64 && p11.C_WaitForSlotEvent(CKF_DONT_BLOCK) !== null; i++) {
            // drained; the slot list comparison below decides what happened
          }
        } catch (error) {
          if (pkcs11ErrorOf(error)?.code === CKR.FUNCTION_NOT_SUPPORTED) eventsSupported = false;
        }
      }
      const now = snapshot();
      if (!now) return;
      const events: TokenEvent[] = [];
      for (const [id, info] of last) {
        if (!now.has(id)) {
          events.push({ type: 'removed', token: { ...info, present: false } });
          for (const s of this.sessions) if (s.token.id === id) s.markRemoved();
        }
      }
      for (const [id, info] of now) if (!last.has(id)) events.push({ type: 'inserted', token: info });
      last = now;
      for (const event of events) {
        try {
          onEvent(event);
        } catch {
          // a failing listener must not stop the watcher
        }
      }
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    const stop = (): void => {
      clearInterval(timer);
      this.watchers.delete(stop);
    };
    this.watchers.add(stop);
    return { stop };
  }

  /** Stops the watchers, closes every session (after its queued operations) and finalises the library. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const stop of [...this.watchers]) stop();
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.closed = true;
    const module = this.module;
    this.module = undefined;
    module?.release();
  }
}
