// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: builds GM/T 0010 / PKCS#7 SignedData with an independent SM2 signer (sm-crypto) and,
 * optionally, a fresh test PKI (scripts/make-test-pki.sh) to sign with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derExplicit, derImplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet, derUtcTime } from '../../../shared/asn1/index.js';
import { id_contentType, id_data, id_gmt0010_signedData, id_messageDigest, id_signingTime, id_sm2_1, id_sm3 } from '../../../shared/asn1/oids.js';
import { parseDer } from '../../../shared/cms/der.js';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { parseCertificates, type Certificate } from '../../../shared/x509/index.js';

const smCrypto = createRequire(import.meta.url)('sm-crypto') as {
  sm2: { doSignature: (msg: number[], priv: string, opts: { der: boolean; hash: boolean; userId?: string }) => string };
};

export interface Signer {
  readonly cert: Certificate;
  readonly privHex: string;
}

/** Private key scalar (hex) of a PEM key file, read with the OpenSSL command line. */
export function privateKeyHex(keyFile: string): string {
  const text = execFileSync('openssl', ['pkey', '-in', keyFile, '-text', '-noout'], { encoding: 'utf8' });
  const m = /priv:\s*([\s\S]*?)\npub:/.exec(text);
  if (m?.[1] === undefined) throw new Error(`no private key in ${keyFile}`);
  return m[1].replace(/[\s:]/g, '').replace(/^00(?=[0-9a-f]{64}$)/, '');
}

/** Builds the test PKI into a fresh temporary directory (about a second). */
export function makeTestPki(): { dir: string; root: Certificate[]; inter: Certificate[]; unit: Signer; rootPem: string; interPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eseal-cms-pki-'));
  execFileSync('bash', ['scripts/make-test-pki.sh', dir], { timeout: 60_000 });
  const load = (n: string) => parseCertificates(readFileSync(join(dir, `${n}.pem`), 'utf8'));
  const unitCert = load('unit')[0];
  if (unitCert === undefined) throw new Error('unit.pem');
  return { dir, root: load('root'), inter: load('inter'), unit: { cert: unitCert, privHex: privateKeyHex(join(dir, 'unit.key')) }, rootPem: join(dir, 'root.pem'), interPem: join(dir, 'inter.pem') };
}

export function sm2Sign(msg: Uint8Array, privHex: string): Uint8Array {
  const hex = smCrypto.sm2.doSignature(Array.from(msg), privHex, { der: true, hash: true });
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function issuerAndSerial(certDer: Uint8Array): Uint8Array {
  const tbs = parseDer(certDer, true).children[0];
  const first = tbs?.children[0]?.tag === 0xa0 ? 1 : 0;
  const serial = tbs?.children[first];
  const issuer = tbs?.children[first + 2];
  if (serial === undefined || issuer === undefined) throw new Error('certificate');
  return derSequence(issuer.raw, serial.raw);
}

export function attr(oid: string, value: Uint8Array): Uint8Array {
  return derSequence(derOid(oid), derSet(value));
}

export function standardAttrs(hash: Uint8Array, signingTime: Date, contentType = id_data): Uint8Array[] {
  return [attr(id_contentType, derOid(contentType)), attr(id_signingTime, derUtcTime(signingTime)), attr(id_messageDigest, derOctetString(hash))];
}

export interface CmsBuild {
  readonly signer: Signer;
  readonly content?: Uint8Array;
  readonly outerOid?: string;
  readonly eContentType?: string;
  readonly eContent?: Uint8Array;
  readonly attrs?: Uint8Array[];
  readonly sigAlg?: string;
  readonly certs?: boolean;
  readonly sid?: Uint8Array;
  readonly tamper?: boolean;
}

export function buildCms(o: CmsBuild): Uint8Array {
  const attrsSet = o.attrs === undefined ? undefined : derSet(...o.attrs);
  const msg = attrsSet ?? o.eContent ?? o.content ?? new Uint8Array(0);
  const sig = sm2Sign(msg, o.signer.privHex);
  if (o.tamper === true) sig[sig.length - 3] = (sig[sig.length - 3] ?? 0) ^ 1;
  const signerInfo = derSequence(
    derInteger(1),
    o.sid ?? issuerAndSerial(o.signer.cert.der),
    derSequence(derOid(id_sm3), derNull()),
    ...(attrsSet === undefined ? [] : [derImplicit(0, attrsSet)]),
    derSequence(derOid(o.sigAlg ?? id_sm2_1)),
    derOctetString(sig),
  );
  const encap = derSequence(derOid(o.eContentType ?? id_data), ...(o.eContent === undefined ? [] : [derExplicit(0, derOctetString(o.eContent))]));
  const signedData = derSequence(
    derInteger(1),
    derSet(derSequence(derOid(id_sm3), derNull())),
    encap,
    ...(o.certs === false ? [] : [derImplicit(0, derSet(o.signer.cert.der))]),
    derSet(signerInfo),
  );
  return derSequence(derOid(o.outerOid ?? id_gmt0010_signedData), derExplicit(0, signedData));
}

/** GOMAIN-style detached GM/T 0010 signature over `content` with signed attributes. */
export function detachedCms(signer: Signer, content: Uint8Array, signingTime: Date): Uint8Array {
  return buildCms({ signer, attrs: standardAttrs(sm3(content), signingTime) });
}
