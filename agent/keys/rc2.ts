// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * RC2 block decryption (RFC 2268), needed only to open legacy PKCS#12 files whose certificate bag
 * is encrypted with pbeWithSHAAnd40BitRC2-CBC (BouncyCastle, Windows, OpenSSL 1.x defaults; the
 * sample USER.p12 / SealBuilder.p12). OpenSSL 3 moved RC2 to its legacy provider, so node:crypto
 * cannot be relied on for it. Decryption only; never used to protect anything.
 */

// PITABLE, RFC 2268 §2.
const PITABLE = Uint8Array.from(
  (
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
    'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
    '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
    'c5f3db47e5a59c770aa62068fe7fc1ad'
  )
    .match(/../g)
    ?.map((h) => parseInt(h, 16)) ?? [],
);

/** RC2 key schedule: 64 16-bit words for the given key and effective key bits. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  if (key.length < 1 || key.length > 128) throw new RangeError('RC2 key must be 1..128 bytes');
  const L = new Uint8Array(128);
  L.set(key);
  const T = key.length;
  for (let i = T; i < 128; i++) L[i] = PITABLE[((L[i - 1] as number) + (L[i - T] as number)) & 0xff] as number;
  const T8 = (effectiveBits + 7) >> 3;
  const TM = 0xff >> (8 * T8 - effectiveBits);
  L[128 - T8] = PITABLE[(L[128 - T8] as number) & TM] as number;
  for (let i = 127 - T8; i >= 0; i--) L[i] = PITABLE[(L[i + 1] as number) ^ (L[i + T8] as number)] as number;
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = (L[2 * i] as number) | ((L[2 * i + 1] as number) << 8);
  return K;
}

/** Decrypts one 8-byte block in place. */
export function rc2DecryptBlock(K: Uint16Array, b: Uint8Array): void {
  const k = (i: number): number => K[i] as number;
  let x0 = (b[0] as number) | ((b[1] as number) << 8);
  let x1 = (b[2] as number) | ((b[3] as number) << 8);
  let x2 = (b[4] as number) | ((b[5] as number) << 8);
  let x3 = (b[6] as number) | ((b[7] as number) << 8);
  let j = 63;
  const mixRounds = (n: number): void => {
    for (let r = 0; r < n; r++) {
      x3 = ((x3 << 11) | (x3 >> 5)) & 0xffff;
      x3 = (x3 - (x0 & ~x2) - (x1 & x2) - k(j--)) & 0xffff;
      x2 = ((x2 << 13) | (x2 >> 3)) & 0xffff;
      x2 = (x2 - (x3 & ~x1) - (x0 & x1) - k(j--)) & 0xffff;
      x1 = ((x1 << 14) | (x1 >> 2)) & 0xffff;
      x1 = (x1 - (x2 & ~x0) - (x3 & x0) - k(j--)) & 0xffff;
      x0 = ((x0 << 15) | (x0 >> 1)) & 0xffff;
      x0 = (x0 - (x1 & ~x3) - (x2 & x3) - k(j--)) & 0xffff;
    }
  };
  const mash = (): void => {
    x3 = (x3 - k(x2 & 63)) & 0xffff;
    x2 = (x2 - k(x1 & 63)) & 0xffff;
    x1 = (x1 - k(x0 & 63)) & 0xffff;
    x0 = (x0 - k(x3 & 63)) & 0xffff;
  };
  mixRounds(5);
  mash();
  mixRounds(6);
  mash();
  mixRounds(5);
  b[0] = x0 & 0xff;
  b[1] = x0 >> 8;
  b[2] = x1 & 0xff;
  b[3] = x1 >> 8;
  b[4] = x2 & 0xff;
  b[5] = x2 >> 8;
  b[6] = x3 & 0xff;
  b[7] = x3 >> 8;
}

/** RC2-CBC decryption with PKCS#7 padding removal; returns undefined on bad length or padding. */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  if (data.length === 0 || data.length % 8 !== 0 || iv.length !== 8) return undefined;
  const K = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  let prev = iv;
  for (let o = 0; o < data.length; o += 8) {
    const c = data.subarray(o, o + 8);
    const block = new Uint8Array(c); // a copy even when data is a Buffer (Buffer#slice is a view)
    rc2DecryptBlock(K, block);
    for (let i = 0; i < 8; i++) out[o + i] = (block[i] as number) ^ (prev[i] as number);
    prev = c;
  }
  const pad = out[out.length - 1] as number;
  if (pad < 1 || pad > 8) return undefined;
  for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) return undefined;
  return out.subarray(0, out.length - pad);
}
