// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A minimal PKCS#12 (RFC 7292) reader: verifies the MAC, decrypts the bags and returns the private
 * keys (PKCS#8 DER) and certificates (DER) with their localKeyId. BER input (indefinite lengths,
 * constructed OCTET STRINGs, as BouncyCastle writes) is accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SealError } from '../../shared/errors/index.js';
import {
  type Asn1Element,
  isContext,
  isUniversal,
  parseDer,
  readOid,
  readSequence,
  readSmallInteger,
  Tag,
  unexpected,
} from '../../shared/asn1/index.js';
import { DIGESTS, decryptFailed, pbeDecrypt, pkcs12Kdf, bmpPassword } from './pbe.js';

const id_data = '1.2.840.113549.1.7.1';
const id_encryptedData = '1.2.840.113549.1.7.6';
const keyBag = '1.2.840.113549.1.12.10.1.1';
const pkcs8ShroudedKeyBag = '1.2.840.113549.1.12.10.1.2';
const certBag = '1.2.840.113549.1.12.10.1.3';
const x509Certificate = '1.2.840.113549.1.9.22.1';
const localKeyId = '1.2.840.113549.1.9.21';

export interface Pkcs12Contents {
  readonly keys: readonly { readonly pkcs8: Uint8Array; readonly localKeyId?: Uint8Array }[];
  readonly certificates: readonly { readonly der: Uint8Array; readonly localKeyId?: Uint8Array }[];
}

/** OCTET STRING content, primitive or BER constructed (concatenated chunks). */
export function octets(el: Asn1Element | undefined, path: string, depth = 0): Uint8Array {
  if (el === undefined || el.tagClass !== 0 || el.tagNumber !== Tag.OCTET_STRING) {
    // [n] IMPLICIT OCTET STRING is also read through here.
    if (el === undefined || el.tagClass !== 2) throw unexpected(path, 'OCTET STRING');
  }
  if (!el.constructed) return el.content;
  if (depth > 8) throw new SealError('ERR_ASN1_MALFORMED', { reason: `${path}: constructed OCTET STRING nested too deeply` });
  return new Uint8Array(Buffer.concat(el.children.map((c) => octets(c, path, depth + 1))));
}

function malformed(reason: string): SealError {
  return new SealError('ERR_ASN1_MALFORMED', { reason: `PKCS#12: ${reason}` });
}

function attrLocalKeyId(attrs: Asn1Element | undefined): Uint8Array | undefined {
  if (attrs === undefined || !isUniversal(attrs, Tag.SET)) return undefined;
  for (const a of attrs.children) {
    try {
      const [oid, values] = readSequence(a, 'PKCS12Attribute', 2, 2);
      if (readOid(oid, 'PKCS12Attribute.attrId') === localKeyId) return octets(values?.children[0], 'localKeyId');
    } catch {
      // ignore unknown attributes
    }
  }
  return undefined;
}

function verifyMac(pfx: readonly Asn1Element[], authSafe: Uint8Array, password: string): void {
  const macData = pfx[2];
  if (macData === undefined) return; // no integrity mode (public-key integrity is not supported; nothing to check)
  const [digestInfo, saltEl, iterEl] = readSequence(macData, 'PFX.macData', 2, 3);
  const [algId, digestEl] = readSequence(digestInfo, 'PFX.macData.mac', 2, 2);
  const oid = readOid(readSequence(algId, 'PFX.macData.mac.digestAlgorithm', 1, 2)[0], 'PFX.macData.mac.digestAlgorithm');
  const d = DIGESTS[oid];
  if (d === undefined) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: `PKCS#12 MAC digest ${oid}` });
  const salt = octets(saltEl, 'PFX.macData.macSalt');
  const iter = iterEl === undefined ? 1 : readSmallInteger(iterEl, 'PFX.macData.iterations');
  if (iter < 1 || iter > 2_000_000) throw malformed('MAC iteration count out of range');
  const expected = octets(digestEl, 'PFX.macData.mac.digest');
  const key = pkcs12Kdf(d.name, d.u, d.v, bmpPassword(password), salt, 3, iter, d.u);
  const mac = createHmac(d.name, key).update(authSafe).digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw decryptFailed();
}

/**
 * Opens a PKCS#12 file.
 * @throws SealError ERR_CRYPTO_DECRYPT_FAILED (wrong password or damaged file),
 *   ERR_CRYPTO_ALGORITHM_UNSUPPORTED, ERR_ASN1_*.
 */
export function readPkcs12(data: Uint8Array, password: string): Pkcs12Contents {
  const pfx = readSequence(parseDer(data, { allowTrailing: true }), 'PFX', 2, 3);
  if (readSmallInteger(pfx[0], 'PFX.version') !== 3) throw malformed('PFX version is not 3');
  const [ctEl, contentEl] = readSequence(pfx[1], 'PFX.authSafe', 2, 2);
  if (readOid(ctEl, 'PFX.authSafe.contentType') !== id_data) throw new SealError('ERR_CRYPTO_ALGORITHM_UNSUPPORTED', { algorithm: 'PKCS#12 public-key integrity mode' });
  if (contentEl === undefined || !isContext(contentEl, 0)) throw unexpected('PFX.authSafe.content', '[0] EXPLICIT');
  const authSafe = octets(contentEl.children[0], 'PFX.authSafe.content');
  verifyMac(pfx, authSafe, password);

  const keys: { pkcs8: Uint8Array; localKeyId?: Uint8Array }[] = [];
  const certificates: { der: Uint8Array; localKeyId?: Uint8Array }[] = [];
  const safes = readSequence(parseDer(authSafe), 'AuthenticatedSafe');
  safes.forEach((ci, i) => {
    const path = `AuthenticatedSafe[${i}]`;
    const [typeEl, wrapped] = readSequence(ci, path, 1, 2);
    const type = readOid(typeEl, `${path}.contentType`);
    if (wrapped === undefined || !isContext(wrapped, 0)) return;
    let safeContents: Uint8Array;
    if (type === id_data) {
      safeContents = octets(wrapped.children[0], `${path}.content`);
    } else if (type === id_encryptedData) {
      const ed = readSequence(wrapped.children[0], `${path}.EncryptedData`, 2, 3);
      const [, algId, encEl] = readSequence(ed[1], `${path}.EncryptedData.encryptedContentInfo`, 2, 3);
      if (algId === undefined || encEl === undefined) return;
      safeContents = pbeDecrypt(algId, password, octets(encEl, `${path}.encryptedContent`), `${path}.contentEncryptionAlgorithm`);
    } else {
      return; // enveloped data etc.: not supported, skipped
    }
    const bags = readSequence(parseDer(safeContents), `${path}.SafeContents`);
    bags.forEach((bag, j) => {
      const bpath = `${path}.SafeContents[${j}]`;
      const [idEl, valueEl, attrs] = readSequence(bag, bpath, 2, 3);
      const bagId = readOid(idEl, `${bpath}.bagId`);
      if (valueEl === undefined || !isContext(valueEl, 0)) throw unexpected(`${bpath}.bagValue`, '[0] EXPLICIT');
      const value = valueEl.children[0];
      const lk = attrLocalKeyId(attrs);
      const withId = <T extends object>(o: T): T & { localKeyId?: Uint8Array } => (lk === undefined ? o : { ...o, localKeyId: lk });
      if (bagId === keyBag && value !== undefined) keys.push(withId({ pkcs8: value.bytes }));
      else if (bagId === pkcs8ShroudedKeyBag) {
        const [alg, encEl] = readSequence(value, `${bpath}.EncryptedPrivateKeyInfo`, 2, 2);
        keys.push(withId({ pkcs8: pbeDecrypt(alg as Asn1Element, password, octets(encEl, `${bpath}.encryptedData`), `${bpath}.encryptionAlgorithm`) }));
      } else if (bagId === certBag) {
        const [certType, certValue] = readSequence(value, `${bpath}.CertBag`, 2, 2);
        if (readOid(certType, `${bpath}.CertBag.certId`) !== x509Certificate) return;
        if (certValue === undefined || !isContext(certValue, 0)) throw unexpected(`${bpath}.CertBag.certValue`, '[0] EXPLICIT');
        certificates.push(withId({ der: octets(certValue.children[0], `${bpath}.CertBag.certValue`) }));
      }
    });
  });
  return { keys, certificates };
}
