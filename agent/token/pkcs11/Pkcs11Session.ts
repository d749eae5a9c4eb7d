// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One open PKCS#11 session on one token (TokenSession). Every call goes through the token's promise
 * queue, so at most one operation runs on a token at a time (sessions are not thread-safe, and a
 * USB KEY serialises on the device anyway: specs/tokens.md §5 pitfall 2).
 *
 * Design rationale:
 * - Signing is "raw" everywhere: the caller hashed (SM3 with Z for SM2, SHA-256 for ECDSA, a DER
 *   DigestInfo for RSA). SM2 uses the vendor profile's e-sign mechanism; ECDSA uses CKM_ECDSA (SoftHSM
 *   2.6 has no CKM_ECDSA_SHA256); RSA uses CKM_RSA_PKCS. SM2/ECDSA results are re-encoded as strict
 *   DER whatever form the token returned. C_Sign runs through C_SignAsync (libuv pool), so a slow
 *   USB KEY does not block the event loop; C_Login has no async form in pkcs11js and does block it
 *   (a PIN-pad login blocks until the user has typed: docs/tokens.md).
 * - A removal error on any call (CKR_DEVICE_REMOVED, or TOKEN_NOT_PRESENT / SESSION_HANDLE_INVALID on
 *   this open session) marks the session dead: later calls answer ERR_TOKEN_REMOVED without touching
 *   the module. A reinserted token needs a new `open()` (its object handles are new).
 * - PIN retries: PKCS#11 has no counter, only CKF_USER_PIN_FINAL_TRY (→ 1 left) and
 *   CKF_USER_PIN_LOCKED (→ 0). With only CKF_USER_PIN_COUNT_LOW the number is unknown, and
 *   ERR_TOKEN_PIN_INCORRECT carries no `retriesLeft` (details.pinCountLow = true instead).
 */
import type { PKCS11, TokenInfo as P11TokenInfo } from 'pkcs11js';
import { SealError } from '../../../shared/errors/index.js';
import { bytesToHex, hexToBytes, sm2SignatureToDer, sm2SignatureToRaw, sm3 } from '../../../shared/crypto/index.js';
import { bytesToBigint, encodeDerSignature, parseDerSignature } from '../../../shared/crypto/signatureDer.js';
import { parseCertificate } from '../../../shared/x509/index.js';
import type { SerialQueue } from '../SerialQueue.js';
import type { KeyAlgorithm, TokenCertificate, TokenInfo, TokenSeal, TokenSession } from '../TokenProvider.js';
import {
  CKA_APPLICATION, CKA_CERTIFICATE_TYPE, CKA_CLASS, CKA_EC_PARAMS, CKA_ID, CKA_KEY_TYPE, CKA_LABEL, CKA_MODULUS, CKA_MODULUS_BITS, CKA_VALUE,
  CKC_X_509, CKF_PROTECTED_AUTHENTICATION_PATH, CKF_RW_SESSION, CKF_SERIAL_SESSION, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED, CKK_EC, CKK_RSA, CKM_ECDSA, CKM_RSA_PKCS, CKO_CERTIFICATE, CKO_DATA, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKR, CKU_USER,
  OID_DER_P256, OID_DER_SM2,
} from './constants.js';
import { isRemovalCode, mapPkcs11Error, pkcs11ErrorOf, type Pkcs11ErrorContext } from './mapPkcs11Error.js';
import { findObjects, readAttributes, trimPadded, ulongOf, type Handle } from './pkcs11Module.js';
import { chooseSm2SignMechanism, VENDOR_PROFILES, type ProfileSelection, type Sm2Mechanism } from './vendorProfiles.js';

/** CKO_DATA objects with this CKA_APPLICATION are seals. */
export const SEAL_APPLICATION = 'ESeal';
/** …and so are CKO_DATA objects whose CKA_LABEL starts with this (tokens whose tools cannot set CKA_APPLICATION). */
export const SEAL_LABEL_PREFIX = 'ESeal:';

/** Largest message for the in-token-Z fallback (the token receives it whole over USB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const ALL_SM2_KEY_TYPES: ReadonlySet<number> = new Set(VENDOR_PROFILES.flatMap((p) => p.sm2KeyTypes));


/** CK_TOKEN_INFO → TokenInfo (strings trimmed, flags decoded). */
export function toTokenInfo(raw: P11TokenInfo, libraryPath: string, developmentOnly: boolean): TokenInfo {
  const serial = trimPadded(raw.serialNumber);
  const label = trimPadded(raw.label);
  const flags = raw.flags;
  const locked = (flags & CKF_USER_PIN_LOCKED) !== 0;
  const retries = locked ? 0 : (flags & CKF_USER_PIN_FINAL_TRY) !== 0 ? 1 : undefined;
  return {
    id: `pkcs11:${libraryPath}:${serial === '' ? `label:${label}` : serial}`,
    backend: 'pkcs11',
    label,
    serial,
    manufacturer: trimPadded(raw.manufacturerID),
    present: true,
    pinPad: (flags & CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
    ...(retries === undefined ? {} : { pinRetriesLeft: retries }),
    pinLocked: locked,
    developmentOnly,
  };
}

/** What a session needs from its provider. */
export interface SessionContext {
  readonly p11: PKCS11;
  readonly libraryPath: string;
  readonly slot: Handle;
  readonly queue: SerialQueue;
  readonly profile: ProfileSelection;
  /** C_GetMechanismList of the token, when the module answered it. */
  readonly mechanisms: readonly number[] | undefined;
  readonly developmentOnly: boolean;
  readonly onClose: (session: Pkcs11Session) => void;
}

interface KeyEntry {
  readonly handle: Handle;
  readonly algorithm: KeyAlgorithm;
  /** Output buffer size for C_Sign. */
  readonly signatureBytes: number;
}

function checkPin(pin: unknown, name: string): asserts pin is string {
  // An empty PIN would take the PIN-pad path (pkcs11js passes a zero-length PIN), so it is refused here.
  if (typeof pin !== 'string' || pin.length === 0 || pin.length > 255 || pin.includes('\0')) {
    throw new SealError('ERR_TOKEN_PIN_INVALID', { reason: `${name}: 1 to 255 characters, no NUL` });
  }
}

function utf8(value: Buffer | undefined): string {
  return value ? trimPadded(value.toString('utf8')) : '';
}

function algorithmFromCertificate(der: Uint8Array): KeyAlgorithm | undefined {
  try {
    const alg = parseCertificate(der).publicKey.algorithm;
    return alg === 'SM2' ? 'SM2' : alg === 'ECDSA-P256' ? 'EC-P256' : alg === 'RSA' ? 'RSA' : undefined;
  } catch {
    return undefined;
  }
}

function algorithmFromEcParams(params: Buffer | undefined): KeyAlgorithm | 'other' | undefined {
  if (!params || params.length === 0) return undefined;
  const hex = params.toString('hex');
  if (hex === OID_DER_P256) return 'EC-P256';
  if (hex === OID_DER_SM2) return 'SM2';
  return 'other';
}

export class Pkcs11Session implements TokenSession {
  private handle: Handle | undefined;
  private removed = false;
  private loggedIn = false;
  private info: TokenInfo;
  /** CK_TOKEN_INFO.flags as last read. */
  private flags = 0;
  private readonly keys = new Map<string, KeyEntry>();

  constructor(
    private readonly ctx: SessionContext,
    handle: Handle,
    private readonly readWrite: boolean,
    info: TokenInfo,
  ) {
    this.handle = handle;
    this.info = info;
  }

  get token(): TokenInfo {
    return this.info;
  }

  /** The vendor profile in use and the rule that chose it. */
  get profile(): ProfileSelection {
    return this.ctx.profile;
  }

  /** The SM2 e-sign mechanism this session would use, if any. */
  get sm2Mechanism(): Sm2Mechanism | undefined {
    return chooseSm2SignMechanism(this.ctx.profile.profile, this.ctx.mechanisms);
  }

  /** Called by the provider's watcher when the token disappeared. */
  markRemoved(): void {
    this.removed = true;
    this.loggedIn = false;
    this.keys.clear();
  }

  private get p11(): PKCS11 {
    return this.ctx.p11;
  }

  /** Runs `fn` in the token's queue; maps errors; a removal kills the session. */
  private call<T>(fn: (session: Handle) => T | Promise<T>, contextOf: () => Omit<Pkcs11ErrorContext, 'session'> = () => ({})): Promise<T> {
    return this.ctx.queue.run(async () => {
      if (this.removed) throw new SealError('ERR_TOKEN_REMOVED');
      const handle = this.handle;
      if (!handle) throw new SealError('ERR_INTERNAL', { reason: 'PKCS#11 session already closed' });
      try {
        return await fn(handle);
      } catch (error) {
        const p11 = pkcs11ErrorOf(error);
        const mapped = mapPkcs11Error(error, { ...contextOf(), session: true });
        if ((p11 && isRemovalCode(p11.code, true)) || mapped.code === 'ERR_TOKEN_REMOVED') this.markRemoved();
        throw mapped;
      }
    });
  }

  /** Re-reads CK_TOKEN_INFO (flags change after PIN failures); keeps the old one if that fails. */
  private refreshInfo(): TokenInfo {
    try {
      const raw = this.p11.C_GetTokenInfo(this.ctx.slot);
      this.flags = raw.flags;
      this.info = toTokenInfo(raw, this.ctx.libraryPath, this.ctx.developmentOnly);
    } catch {
      // the error of the operation itself is the one to report
    }
    return this.info;
  }

  /** C_Login / C_SetPIN failure → coded error with whatever the flags say about tries left. */
  private pinFailure(error: unknown): SealError {
    const p11 = pkcs11ErrorOf(error);
    if (p11?.code !== CKR.PIN_INCORRECT) return mapPkcs11Error(error, { session: true });
    const info = this.refreshInfo();
    if (info.pinLocked) return new SealError('ERR_TOKEN_PIN_LOCKED', { ckr: 'CKR_PIN_INCORRECT', method: p11.method }, { cause: error });
    const mapped = mapPkcs11Error(error, { session: true, ...(info.pinRetriesLeft === undefined ? {} : { retriesLeft: info.pinRetriesLeft }) });
    if (info.pinRetriesLeft !== undefined) return mapped;
    return new SealError(mapped.code, { ...mapped.details, pinCountLow: (this.flags & CKF_USER_PIN_COUNT_LOW) !== 0 }, { cause: error });
  }

  private doLogin(session: Handle, pin: string): void {
    try {
      try {
        this.p11.C_Login(session, CKU_USER, pin);
      } catch (error) {
        // The login belongs to the application, not the session: verify the PIN anyway.
        if (pkcs11ErrorOf(error)?.code !== CKR.USER_ALREADY_LOGGED_IN) throw error;
        this.p11.C_Logout(session);
        this.p11.C_Login(session, CKU_USER, pin);
      }
    } catch (error) {
      this.loggedIn = false; // after the C_Logout above, or never logged in
      this.keys.clear();
      throw this.pinFailure(error);
    }
    this.loggedIn = true;
    this.keys.clear();
    this.refreshInfo();
  }

  login(pin: string): Promise<void> {
    return Promise.resolve().then(() => {
      checkPin(pin, 'pin');
      return this.call((session) => this.doLogin(session, pin));
    });
  }

  /**
   * The PIN is typed on the key's own pad. pkcs11js cannot pass NULL_PTR: it passes a zero-length
   * PIN, which PIN-pad modules treat the same (the test token does; see docs/tokens.md).
   */
  loginWithPinPad(): Promise<void> {
    return this.call((session) => {
      if (!this.refreshInfo().pinPad) throw new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: 'PIN pad' });
      this.doLogin(session, '');
    });
  }

  logout(): Promise<void> {
    return this.call((session) => {
      try {
        this.p11.C_Logout(session);
      } catch (error) {
        if (pkcs11ErrorOf(error)?.code !== CKR.USER_NOT_LOGGED_IN) throw error;
      }
      this.loggedIn = false;
      this.keys.clear();
    });
  }

  changePin(oldPin: string, newPin: string): Promise<void> {
    return Promise.resolve().then(() => {
      checkPin(oldPin, 'oldPin');
      checkPin(newPin, 'newPin');
      return this.call((session) => {
        // C_SetPIN needs a read/write session; a read-only main session borrows one for the call.
        const rw = this.readWrite ? session : this.p11.C_OpenSession(this.ctx.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
        try {
          this.p11.C_SetPIN(rw, oldPin, newPin);
        } catch (error) {
          throw this.pinFailure(error);
        } finally {
          if (rw !== session) this.p11.C_CloseSession(rw);
        }
        this.refreshInfo();
      });
    });
  }

  /** Key type → algorithm; CKK_EC by its curve (CKA_EC_PARAMS, else the public key's, else the certificate's). */
  private keyAlgorithm(session: Handle, key: Handle, idBytes: Buffer, certDer: Uint8Array | undefined): { algorithm: KeyAlgorithm; signatureBytes: number } | undefined {
    const attrs = readAttributes(this.p11, session, key, [CKA_KEY_TYPE, CKA_EC_PARAMS]);
    const keyType = ulongOf(attrs.get(CKA_KEY_TYPE));
    if (keyType === undefined) return undefined;
    if (ALL_SM2_KEY_TYPES.has(keyType)) return { algorithm: 'SM2', signatureBytes: 80 };
    if (keyType === CKK_RSA) {
      const rsa = readAttributes(this.p11, session, key, [CKA_MODULUS, CKA_MODULUS_BITS]);
      const modulus = rsa.get(CKA_MODULUS);
      const bits = ulongOf(rsa.get(CKA_MODULUS_BITS));
      let bytes = modulus ? modulus.length - (modulus[0] === 0 ? 1 : 0) : bits ? Math.ceil(bits / 8) : 0;
      if (bytes === 0) {
        const pub = findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_ID, value: idBytes }], 1)[0];
        const m = pub ? readAttributes(this.p11, session, pub, [CKA_MODULUS]).get(CKA_MODULUS) : undefined;
        bytes = m ? m.length - (m[0] === 0 ? 1 : 0) : 512; // 512: up to RSA-4096, when nothing tells the size
      }
      return { algorithm: 'RSA', signatureBytes: bytes };
    }
    if (keyType !== CKK_EC) return undefined;
    let curve = algorithmFromEcParams(attrs.get(CKA_EC_PARAMS));
    if (curve === undefined) {
      const pub = findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_ID, value: idBytes }], 1)[0];
      if (pub) curve = algorithmFromEcParams(readAttributes(this.p11, session, pub, [CKA_EC_PARAMS]).get(CKA_EC_PARAMS));
    }
    if (curve === undefined && certDer) {
      const fromCert = algorithmFromCertificate(certDer);
      curve = fromCert === 'RSA' ? 'other' : fromCert;
    }
    if (curve === undefined || curve === 'other') return undefined;
    return { algorithm: curve, signatureBytes: 80 };
  }

  /** The private key with CKA_ID = `id` (cached for the session). */
  private privateKey(session: Handle, id: string, certDer?: Uint8Array): KeyEntry | undefined {
    const cached = this.keys.get(id);
    if (cached) return cached;
    const idBytes = Buffer.from(hexToBytes(id));
    const handle = findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_ID, value: idBytes }], 1)[0];
    if (!handle) return undefined;
    const alg = this.keyAlgorithm(session, handle, idBytes, certDer);
    if (!alg) return undefined;
    const entry: KeyEntry = { handle, ...alg };
    this.keys.set(id, entry);
    return entry;
  }

  /**
   * X.509 certificates with a matching private key (same CKA_ID). Before login private keys are
   * usually invisible: then a certificate is listed when a public key with its CKA_ID exists, or
   * else from its own SubjectPublicKeyInfo, so the list may include certificates without a key
   * (CA certificates) until the user logs in. Certificates without CKA_ID, or whose key is of
   * another algorithm (P-384, …), are left out.
   */
  listCertificates(): Promise<readonly TokenCertificate[]> {
    return this.call((session) => {
      const out: TokenCertificate[] = [];
      const certs = findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }, { type: CKA_CERTIFICATE_TYPE, value: CKC_X_509 }]);
      for (const cert of certs) {
        const attrs = readAttributes(this.p11, session, cert, [CKA_ID, CKA_LABEL, CKA_VALUE]);
        const idBytes = attrs.get(CKA_ID);
        const value = attrs.get(CKA_VALUE);
        if (!idBytes || idBytes.length === 0 || !value || value.length === 0) continue;
        const id = bytesToHex(idBytes);
        const der = new Uint8Array(value);
        let algorithm = this.privateKey(session, id, der)?.algorithm;
        if (!algorithm && !this.loggedIn) {
          const pub = findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_ID, value: idBytes }], 1)[0];
          algorithm = pub ? this.keyAlgorithm(session, pub, idBytes, der)?.algorithm : algorithmFromCertificate(der);
        }
        if (!algorithm) continue;
        out.push({ id, label: utf8(attrs.get(CKA_LABEL)), der, keyAlgorithm: algorithm });
      }
      return out;
    });
  }

  /**
   * Seals: CKO_DATA objects whose CKA_APPLICATION is "ESeal", or whose CKA_LABEL starts with
   * "ESeal:". The id is the CKA_LABEL (or `sm3:` + the first 16 hex digits of the value's SM3 when the
   * label is empty). Private data objects are visible only after login.
   */
  listSeals(): Promise<readonly TokenSeal[]> {
    return this.call((session) => {
      const out: TokenSeal[] = [];
      for (const obj of findObjects(this.p11, session, [{ type: CKA_CLASS, value: CKO_DATA }])) {
        const attrs = readAttributes(this.p11, session, obj, [CKA_APPLICATION, CKA_LABEL, CKA_VALUE]);
        const application = utf8(attrs.get(CKA_APPLICATION));
        const label = utf8(attrs.get(CKA_LABEL));
        const value = attrs.get(CKA_VALUE);
        if (!value || (application !== SEAL_APPLICATION && !label.startsWith(SEAL_LABEL_PREFIX))) continue;
        const der = new Uint8Array(value);
        out.push({ id: label === '' ? `sm3:${bytesToHex(sm3(der)).slice(0, 16)}` : label, der });
      }
      return out;
    });
  }

  /**
   * Signs a caller-computed digest with the private key whose CKA_ID (hex) is `certificateId`.
   * SM2: e = SM3(Z ‖ M), 32 bytes, via the profile's e-sign mechanism → DER. EC-P256: SHA-256 hash,
   * CKM_ECDSA → DER. RSA: DER DigestInfo, CKM_RSA_PKCS → the raw signature block.
   */
  signDigest(certificateId: string, digest: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve().then(() => {
      if (typeof certificateId !== 'string' || !/^(?:[0-9a-f]{2})+$/i.test(certificateId)) {
        throw new SealError('ERR_INPUT_INVALID', { name: 'certificateId', reason: 'the hex CKA_ID from listCertificates' });
      }
      if (!(digest instanceof Uint8Array)) throw new SealError('ERR_INPUT_INVALID', { name: 'digest', reason: 'bytes expected' });
      let mechanism: number | undefined;
      return this.call(
        async (session) => {
          const key = this.privateKey(session, certificateId.toLowerCase());
          if (!key) throw new SealError(this.loggedIn ? 'ERR_TOKEN_KEY_NOT_FOUND' : 'ERR_TOKEN_LOGIN_REQUIRED');
          let sm2: Sm2Mechanism | undefined;
          if (key.algorithm === 'SM2') {
            if (digest.length !== 32) throw new SealError('ERR_INPUT_INVALID', { name: 'digest', reason: 'SM2 signs the 32-byte e = SM3(Z ‖ M)' });
            sm2 = this.sm2Mechanism;
            if (!sm2) {
              throw new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: `SM2 e-sign (vendor profile ${this.ctx.profile.profile.id})` });
            }
            mechanism = sm2.mechanism;
          } else if (key.algorithm === 'EC-P256') {
            if (digest.length !== 32) throw new SealError('ERR_INPUT_INVALID', { name: 'digest', reason: 'ECDSA P-256 signs the 32-byte SHA-256 hash' });
            mechanism = CKM_ECDSA;
          } else {
            if (digest[0] !== 0x30 || digest.length > key.signatureBytes - 11) {
              throw new SealError('ERR_INPUT_INVALID', { name: 'digest', reason: 'RSA signs a DER DigestInfo shorter than the modulus minus 11 bytes' });
            }
            mechanism = CKM_RSA_PKCS;
          }
          const out = await this.sign(session, mechanism, key, digest);
          if (key.algorithm === 'RSA') return new Uint8Array(out);
          return normaliseEcSignature(out, key.algorithm);
        },
        () => (mechanism === undefined ? {} : { mechanism }),
      );
    });
  }

  /** C_SignInit + C_SignAsync; a CKR_BUFFER_TOO_SMALL (the operation stays active, v2.40 §5.2) is retried once with a large buffer. */
  private async sign(session: Handle, mechanism: number, key: KeyEntry, data: Uint8Array): Promise<Buffer> {
    this.p11.C_SignInit(session, { mechanism }, key.handle);
    try {
      return await this.p11.C_SignAsync(session, Buffer.from(data), Buffer.alloc(key.signatureBytes));
    } catch (error) {
      if (pkcs11ErrorOf(error)?.code !== CKR.BUFFER_TOO_SMALL) throw error;
      return await this.p11.C_SignAsync(session, Buffer.from(data), Buffer.alloc(4096));
    }
  }

  /**
   * SM2 fallback for tokens whose profile has no raw e-sign mechanism usable on this token: signs
   * the whole `message` with the profile's in-token-Z mechanism (SM3 with Z for the default ID
   * 1234567812345678 computed by the token) → DER. Not part of TokenSession, whose `signDigest`
   * receives only e; see docs/tokens.md §3.2. ERR_TOKEN_MECHANISM_UNSUPPORTED when the token lists
   * none of the profile's in-token-Z mechanisms.
   */
  signSm2Message(certificateId: string, message: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve().then(() => {
      if (typeof certificateId !== 'string' || !/^(?:[0-9a-f]{2})+$/i.test(certificateId)) {
        throw new SealError('ERR_INPUT_INVALID', { name: 'certificateId', reason: 'the hex CKA_ID from listCertificates' });
      }
      if (!(message instanceof Uint8Array)) throw new SealError('ERR_INPUT_INVALID', { name: 'message', reason: 'bytes expected' });
      if (message.length > MAX_MESSAGE_BYTES) throw new SealError('ERR_INPUT_TOO_LARGE', { name: 'message', limit: MAX_MESSAGE_BYTES });
      const available = this.ctx.mechanisms;
      const mech = this.ctx.profile.profile.sm2SignInTokenZ.find((m) => !available || available.length === 0 || available.includes(m.mechanism));
      return this.call(
        async (session) => {
          if (!mech) throw new SealError('ERR_TOKEN_MECHANISM_UNSUPPORTED', { mechanism: `SM2 with in-token Z (vendor profile ${this.ctx.profile.profile.id})` });
          const key = this.privateKey(session, certificateId.toLowerCase());
          if (!key) throw new SealError(this.loggedIn ? 'ERR_TOKEN_KEY_NOT_FOUND' : 'ERR_TOKEN_LOGIN_REQUIRED');
          if (key.algorithm !== 'SM2') throw new SealError('ERR_INPUT_INVALID', { name: 'certificateId', reason: 'not an SM2 key' });
          return normaliseEcSignature(await this.sign(session, mech.mechanism, key, message), 'SM2');
        },
        () => (mech ? { mechanism: mech.mechanism } : {}),
      );
    });
  }

  close(): Promise<void> {
    return this.ctx.queue.run(() => {
      const handle = this.handle;
      if (!handle) return;
      this.handle = undefined;
      this.loggedIn = false;
      this.keys.clear();
      try {
        this.p11.C_CloseSession(handle);
      } catch {
        // a removed token's session is gone already; nothing else can be done about a failing close
      }
      this.ctx.onClose(this);
    });
  }
}

/** DER `SEQUENCE { r, s }` from a raw r ‖ s or a (possibly non-strict) DER signature. */
export function normaliseEcSignature(sig: Uint8Array, algorithm: 'SM2' | 'EC-P256'): Uint8Array {
  if (algorithm === 'SM2') return sm2SignatureToDer(sm2SignatureToRaw(sig));
  if (sig.length === 64) return encodeDerSignature(bytesToBigint(sig.subarray(0, 32)), bytesToBigint(sig.subarray(32)));
  const { r, s } = parseDerSignature(sig, 32);
  return encodeDerSignature(r, s);
}
