// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * SM2 digital signatures (GB/T 32918.2-2016, GM/T 0003.2-2012) with the user-identity hash Z
 * (GB/T 32918.2, GM/T 0009-2012), on the recommended curve (GB/T 32918.5-2017).
 *
 * Design rationale:
 * - **Always Z** (ARCHITECTURE decision 4): `sm2Sign`/`sm2Verify` hash `e = SM3(Z ‖ M)` with
 *   `Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ xA ‖ yA)` and the default ID `1234567812345678`. The
 *   `*Digest` variants take a ready `e` for callers that stream the message (PDF, OFD) or sign on a
 *   token that expects `e`.
 * - The sign and verify equations are written out here (sign: `r = (e + x1) mod n`,
 *   `s = (1 + d)⁻¹ (k − r·d) mod n`; verify: `t = (r + s) mod n ≠ 0`, `(x1, y1) = sG + tP`,
 *   `R = (e + x1) mod n = r`) over the fast Jacobian arithmetic of `sm2curve.ts`; modular inverses
 *   come from @noble/curves.
 * - **Nonces** are hedged: k = HMAC-SM3(key = d, e ‖ 32 fresh random bytes ‖ counter), retried
 *   with the next counter in the rare case k ∉ [1, n−1] (the RFC 6979 / RFC 8032 idea of deriving k
 *   from the key and the message, plus randomness). A broken or repeating RNG therefore cannot
 *   give the same k for different messages (the failure that leaks the key), and a healthy RNG
 *   still makes every signature random as GB/T 32918.2 expects. `opts.k` exists only to reproduce
 *   the standard's test vector.
 * - **Errors vs false.** Inputs are checked at every entry point (`ERR_INPUT_INVALID` names the
 *   argument). A public key that is not a valid curve point (off the curve, coordinates ≥ p,
 *   undecodable compressed x, the point at infinity) throws `ERR_CRYPTO_POINT_INVALID`. A signature
 *   that is neither strict DER nor 64 raw bytes throws `ERR_CRYPTO_SIGNATURE_MALFORMED`. A
 *   well-formed signature whose r or s lies outside [1, n−1], or that simply does not match, makes
 *   verification return `false`: that is a *bad* signature, not a malformed one, and
 *   `shared/verify` reports it as such (ARCHITECTURE decision 7).
 * - Signatures are accepted as DER or raw `r ‖ s` (samples from Shandong 同智伟业 store raw; see
 *   seal-formats.md §6.1). Bytes starting with 0x30 that parse as strict DER are DER; otherwise 64
 *   bytes are raw. A raw signature whose r happens to begin with a valid DER header for the whole
 *   64 bytes would be misread; the odds are about 2⁻⁴⁰ and such a signature can always be passed
 *   through `sm2SignatureToDer` first.
 * - Private keys must lie in [1, n−2] (1 + d must be invertible mod n). Public keys
 *   are accepted as 65-byte `04 ‖ X ‖ Y`, 33-byte compressed, or 64-byte `X ‖ Y` (GM/T 0016 / SKF
 *   style). Because the cofactor is 1, any on-curve affine point has order n; `sm2ValidatePublicKey`
 *   still performs the explicit `n·P = O` check of the GB/T 32918.1 public-key validation, while the verification hot
 *   path relies on the cofactor argument.
 * - Derived data per private key (public key, `(1 + d)⁻¹`) is cached in a `WeakMap` keyed by the
 *   caller's key array and re-validated against a copy of its bytes, so repeated signing costs one
 *   fixed-base multiplication instead of two, and nothing outlives the caller's key object.
 */
import { SealError } from '../errors/index.js';
import { assertBigInt, assertBytes, assertOneOf, assertOptions, invalidInput } from './assert.js';
import { equalBytes, randomBytes } from './bytes.js';
import { hmacSm3Parts, sm3 } from './sm3.js';
import { bigintToBytes, bytesToBigint, encodeDerSignature, parseDerSignature } from './signatureDer.js';
import { SM2_CURVE, invN, isOnCurve, liftX, modN, mulAddBaseXModN, mulBase, mulPoint, type Affine } from './sm2curve.js';

export { SM2_CURVE } from './sm2curve.js';

const N = SM2_CURVE.n;

/** The default user ID of GM/T 0009-2012: the ASCII bytes of `1234567812345678`. */
export const SM2_DEFAULT_USER_ID: Uint8Array = Uint8Array.from([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38]);

// Private copy used internally: a caller mutating the exported array cannot change our default.
const DEFAULT_ID = SM2_DEFAULT_USER_ID.slice();

/** Signature encodings: DER `SEQUENCE { r, s }` or raw 64-byte `r ‖ s`. */
export type Sm2SignatureFormat = 'der' | 'raw';

export interface Sm2SignOptions {
  /** Signer ID for Z; default `SM2_DEFAULT_USER_ID`. At most 8191 bytes (ENTL is 16 bits). */
  userId?: Uint8Array;
  /** The signer's public key, if known; must match the private key (checked). */
  publicKey?: Uint8Array;
  /** Output encoding; default 'der'. */
  format?: Sm2SignatureFormat;
  /** Fixed nonce in [1, n−1]: for reproducing published test vectors only. */
  k?: bigint;
}

export interface Sm2SignDigestOptions {
  format?: Sm2SignatureFormat;
  /** Fixed nonce in [1, n−1]: for reproducing published test vectors only. */
  k?: bigint;
}

export interface Sm2VerifyOptions {
  /** Signer ID for Z; default `SM2_DEFAULT_USER_ID`. */
  userId?: Uint8Array;
}

function pointInvalid(reason: string): SealError {
  return new SealError('ERR_CRYPTO_POINT_INVALID', { reason });
}

// ── keys ─────────────────────────────────────────────────────────────────────────────────────────

/** Decodes and validates a public key in any accepted form. */
function decodePublicKey(publicKey: Uint8Array, title = 'publicKey'): Affine {
  assertBytes(title, publicKey);
  // SEC 1's one-byte encoding of the point at infinity: a point, just not a usable key
  if (publicKey.length === 1 && publicKey[0] === 0) throw pointInvalid('the point at infinity is not a public key');
  assertBytes(title, publicKey, 65, 33, 64);
  let x: bigint;
  let y: bigint;
  if (publicKey.length === 33) {
    const prefix = publicKey[0];
    if (prefix !== 0x02 && prefix !== 0x03) throw pointInvalid(`compressed point must start with 02 or 03, got ${String(prefix)}`);
    x = bytesToBigint(publicKey.subarray(1));
    if (x >= SM2_CURVE.p) throw pointInvalid('x coordinate is not a field element');
    const lifted = liftX(x, prefix === 0x03);
    if (lifted === undefined) throw pointInvalid('x is not the abscissa of a curve point');
    y = lifted;
  } else {
    const offset = publicKey.length === 65 ? 1 : 0;
    if (offset === 1 && publicKey[0] !== 0x04) throw pointInvalid(`uncompressed point must start with 04, got ${String(publicKey[0])}`);
    x = bytesToBigint(publicKey.subarray(offset, offset + 32));
    y = bytesToBigint(publicKey.subarray(offset + 32, offset + 64));
    if (x >= SM2_CURVE.p || y >= SM2_CURVE.p) throw pointInvalid('coordinate is not a field element');
    // (0, 0), which some encoders use for infinity, fails the curve equation because b ≠ 0.
    if (!isOnCurve(x, y)) throw pointInvalid('point is not on the SM2 curve');
  }
  return { x, y };
}

function encodePoint(pt: Affine, compressed: boolean): Uint8Array {
  if (compressed) {
    const out = new Uint8Array(33);
    out[0] = pt.y & 1n ? 0x03 : 0x02;
    out.set(bigintToBytes(pt.x, 32), 1);
    return out;
  }
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(bigintToBytes(pt.x, 32), 1);
  out.set(bigintToBytes(pt.y, 32), 33);
  return out;
}

interface KeyInfo {
  readonly copy: Uint8Array;
  readonly d: bigint;
  readonly pub: Affine;
  readonly dInv1: bigint; // (1 + d)⁻¹ mod n
}

const keyCache = new WeakMap<Uint8Array, KeyInfo>();

function keyInfo(privateKey: Uint8Array): KeyInfo {
  assertBytes('privateKey', privateKey, 32);
  const cached = keyCache.get(privateKey);
  if (cached !== undefined && equalBytes(cached.copy, privateKey)) return cached;
  const d = bytesToBigint(privateKey);
  if (d < 1n || d > N - 2n) throw new SealError('ERR_CRYPTO_KEY_INVALID', { reason: 'SM2 private key must be in [1, n-2]' });
  const pub = mulBase(d) as Affine; // d in range, so never infinity
  const info: KeyInfo = { copy: privateKey.slice(), d, pub, dInv1: invN(d + 1n) };
  keyCache.set(privateKey, info);
  return info;
}

/** A new random key pair (private key uniformly in [1, n−2] by rejection sampling). */
export function sm2GenerateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  for (;;) {
    const privateKey = randomBytes(32);
    const d = bytesToBigint(privateKey);
    if (d >= 1n && d <= N - 2n) return { privateKey, publicKey: encodePoint(keyInfo(privateKey).pub, false) };
  }
}

/** The public key of `privateKey`: 65-byte uncompressed, or 33-byte compressed. */
export function sm2GetPublicKey(privateKey: Uint8Array, compressed = false): Uint8Array {
  if (typeof compressed !== 'boolean') throw invalidInput('compressed', 'expected boolean');
  return encodePoint(keyInfo(privateKey).pub, compressed);
}

/** 33-byte compressed form of a public key given in any accepted form. */
export function sm2CompressPublicKey(publicKey: Uint8Array): Uint8Array {
  return encodePoint(decodePublicKey(publicKey), true);
}

/** 65-byte uncompressed form of a public key given in any accepted form (usually 33-byte compressed). */
export function sm2DecompressPublicKey(publicKey: Uint8Array): Uint8Array {
  return encodePoint(decodePublicKey(publicKey), false);
}

/**
 * Full public-key validation (GB/T 32918.1): decodable, coordinates in [0, p−1], on the curve,
 * not the point at infinity, and of order n. Returns normally or throws `ERR_CRYPTO_POINT_INVALID`.
 */
export function sm2ValidatePublicKey(publicKey: Uint8Array): void {
  const pt = decodePublicKey(publicKey);
  if (mulPoint(pt, N) !== undefined) throw pointInvalid('point does not have order n');
}

// ── Z and e ──────────────────────────────────────────────────────────────────────────────────────

const CURVE_BYTES = [SM2_CURVE.a, SM2_CURVE.b, SM2_CURVE.Gx, SM2_CURVE.Gy].map((v) => bigintToBytes(v, 32));

function checkUserId(userId: unknown): Uint8Array {
  if (userId === undefined) return DEFAULT_ID;
  assertBytes('userId', userId);
  if (userId.length > 8191) throw invalidInput('userId', 'longer than 8191 bytes (ENTL is a 16-bit bit length)');
  return userId;
}

function computeZ(pub: Affine, userId: Uint8Array): Uint8Array {
  const bits = userId.length * 8;
  const buf = new Uint8Array(2 + userId.length + 32 * 6);
  buf[0] = bits >>> 8;
  buf[1] = bits & 0xff;
  buf.set(userId, 2);
  let o = 2 + userId.length;
  for (const c of CURVE_BYTES) {
    buf.set(c, o);
    o += 32;
  }
  buf.set(bigintToBytes(pub.x, 32), o);
  buf.set(bigintToBytes(pub.y, 32), o + 32);
  return sm3(buf);
}

/** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ xA ‖ yA) (GB/T 32918.2). */
export function sm2ComputeZ(publicKey: Uint8Array, userId?: Uint8Array): Uint8Array {
  return computeZ(decodePublicKey(publicKey), checkUserId(userId));
}

function digestFor(pub: Affine, message: Uint8Array, userId: Uint8Array): Uint8Array {
  const z = computeZ(pub, userId);
  const buf = new Uint8Array(32 + message.length);
  buf.set(z);
  buf.set(message, 32);
  return sm3(buf);
}

/** e = SM3(Z ‖ M), the value that is actually signed (GB/T 32918.2 signature steps A1–A2). */
export function sm2Digest(publicKey: Uint8Array, message: Uint8Array, userId?: Uint8Array): Uint8Array {
  const pub = decodePublicKey(publicKey);
  assertBytes('message', message);
  return digestFor(pub, message, checkUserId(userId));
}

// ── signatures: encodings ────────────────────────────────────────────────────────────────────────

function malformed(reason: string): SealError {
  return new SealError('ERR_CRYPTO_SIGNATURE_MALFORMED', { reason });
}

/**
 * r and s of a signature in DER or raw 64-byte form. Throws `ERR_CRYPTO_SIGNATURE_MALFORMED` for
 * anything else; does not check that r, s lie in [1, n−1] (verification does).
 */
export function sm2ParseSignature(signature: Uint8Array): { r: bigint; s: bigint } {
  assertBytes('signature', signature);
  if (signature[0] === 0x30) {
    try {
      return parseDerSignature(signature, 32);
    } catch (e) {
      if (signature.length !== 64) throw e;
    }
  }
  if (signature.length === 64) return { r: bytesToBigint(signature.subarray(0, 32)), s: bytesToBigint(signature.subarray(32)) };
  throw malformed(`expected DER or 64 raw bytes, got ${signature.length} bytes`);
}

function rawSignature(r: bigint, s: bigint): Uint8Array {
  const out = new Uint8Array(64);
  out.set(bigintToBytes(r, 32), 0);
  out.set(bigintToBytes(s, 32), 32);
  return out;
}

/** Raw 64-byte `r ‖ s` of a DER (or already raw) signature. */
export function sm2SignatureToRaw(der: Uint8Array): Uint8Array {
  const { r, s } = sm2ParseSignature(der);
  return rawSignature(r, s);
}

/** DER `SEQUENCE { r, s }` of a raw 64-byte signature. */
export function sm2SignatureToDer(raw64: Uint8Array): Uint8Array {
  assertBytes('signature', raw64, 64);
  return encodeDerSignature(bytesToBigint(raw64.subarray(0, 32)), bytesToBigint(raw64.subarray(32)));
}

// ── signing ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Candidate nonce number `counter`: HMAC-SM3 keyed with the private key over e ‖ 32 fresh random
 * bytes ‖ counter, as an integer. Values outside [1, n−1] (probability about 2⁻³²) are skipped by
 * the caller with the next counter. This is a hedged PRF construction in the spirit of RFC 6979 /
 * RFC 8032 (one HMAC instead of RFC 6979's seven-call DRBG set-up, which cost ~15 % of a signature).
 */
function nonce(keyBytes: Uint8Array, e: Uint8Array, extra: Uint8Array, counter: number): bigint {
  return bytesToBigint(hmacSm3Parts(keyBytes, [e, extra, Uint8Array.of(counter >>> 24, counter >>> 16, counter >>> 8, counter)]));
}

function signE(info: KeyInfo, e: Uint8Array, opts: Sm2SignDigestOptions | undefined): Uint8Array {
  assertOptions('opts', opts);
  const format = opts?.format ?? 'der';
  assertOneOf('opts.format', format, ['der', 'raw'] as const);
  const fixedK = opts?.k;
  if (fixedK !== undefined) assertBigInt('opts.k', fixedK, 1n, N - 1n);
  const eInt = bytesToBigint(e);
  const extra = fixedK === undefined ? randomBytes(32) : undefined;
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = fixedK ?? nonce(info.copy, e, extra as Uint8Array, attempt);
    if (k < 1n || k >= N) continue;
    const x1 = (mulBase(k) as Affine).x; // k in [1, n−1]: never infinity
    const r = modN(eInt + x1);
    if (r === 0n || r + k === N) {
      if (fixedK !== undefined) throw invalidInput('opts.k', 'nonce yields r = 0 or r + k = n');
      continue;
    }
    const s = modN(info.dInv1 * (k - ((r * info.d) % N)));
    if (s === 0n) {
      if (fixedK !== undefined) throw invalidInput('opts.k', 'nonce yields s = 0');
      continue;
    }
    return format === 'der' ? encodeDerSignature(r, s) : rawSignature(r, s);
  }
  // 64 consecutive rejections have probability ~2^-16000: only a broken environment gets here.
  throw new SealError('ERR_INTERNAL', { reason: 'SM2 nonce generation failed repeatedly' });
}

/**
 * Signs `message` with Z: e = SM3(Z ‖ M). Returns DER unless `opts.format` is 'raw'.
 * @throws ERR_INPUT_INVALID, ERR_CRYPTO_KEY_INVALID (key out of range, or `opts.publicKey` does not match)
 */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, opts?: Sm2SignOptions): Uint8Array {
  assertOptions('opts', opts);
  const info = keyInfo(privateKey);
  assertBytes('message', message);
  const userId = checkUserId(opts?.userId);
  if (opts?.publicKey !== undefined) {
    const given = decodePublicKey(opts.publicKey, 'opts.publicKey');
    if (given.x !== info.pub.x || given.y !== info.pub.y) {
      throw new SealError('ERR_CRYPTO_KEY_INVALID', { reason: 'opts.publicKey does not belong to the private key' });
    }
  }
  const e = digestFor(info.pub, message, userId);
  return signE(info, e, { format: opts?.format, k: opts?.k });
}

/** Signs a ready 32-byte e = SM3(Z ‖ M) (GB/T 32918.2 signature steps A3–A7). */
export function sm2SignDigest(privateKey: Uint8Array, e: Uint8Array, opts?: Sm2SignDigestOptions): Uint8Array {
  const info = keyInfo(privateKey);
  assertBytes('e', e, 32);
  return signE(info, e, opts);
}

// ── verification ─────────────────────────────────────────────────────────────────────────────────

function verifyE(pub: Affine, e: Uint8Array, signature: Uint8Array): boolean {
  const { r, s } = sm2ParseSignature(signature);
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = modN(r + s);
  if (t === 0n) return false;
  // R = (e + x1) mod n = r  ⇔  x1 ≡ r − e (mod n)
  return mulAddBaseXModN(s, pub, t, modN(r - bytesToBigint(e)));
}

/**
 * Verifies an SM2 signature (DER or raw) over `message` with Z (GB/T 32918.2 verification steps B1–B7).
 * @returns false for a well-formed signature that does not verify (including r or s outside [1, n−1])
 * @throws ERR_INPUT_INVALID, ERR_CRYPTO_POINT_INVALID (bad public key), ERR_CRYPTO_SIGNATURE_MALFORMED
 */
export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, opts?: Sm2VerifyOptions): boolean {
  assertOptions('opts', opts);
  const pub = decodePublicKey(publicKey);
  assertBytes('message', message);
  assertBytes('signature', signature);
  const userId = checkUserId(opts?.userId);
  return verifyE(pub, digestFor(pub, message, userId), signature);
}

/** Verifies a signature over a ready 32-byte e = SM3(Z ‖ M). Same results and errors as `sm2Verify`. */
export function sm2VerifyDigest(publicKey: Uint8Array, e: Uint8Array, signature: Uint8Array): boolean {
  const pub = decodePublicKey(publicKey);
  assertBytes('e', e, 32);
  assertBytes('signature', signature);
  return verifyE(pub, e, signature);
}
