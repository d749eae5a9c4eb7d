// SPDX-License-Identifier: Apache-2.0
/**
 * Test support for the project's own C test tokens (test-tokens/): builds them, writes token
 * directories from keys made with the OpenSSL command line, and checks signatures
 * independently with `openssl dgst` (never with Node's SM2, whose default ID is empty).
 *
 * Self-contained on purpose: no dependency on the test PKI script.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Paths of the two libraries, built (or found up to date) by scripts/build-test-tokens.sh. */
export interface TestTokenLibraries {
  pkcs11: string;
  skf: string;
}

export function buildTestTokens(): TestTokenLibraries {
  const out = execFileSync('bash', [join(REPO_ROOT, 'scripts/build-test-tokens.sh')], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  const pkcs11 = lines.find((l) => l.endsWith('/libsm2testtoken.so'));
  const skf = lines.find((l) => l.endsWith('/libsoftskf.so'));
  if (!pkcs11 || !skf) throw new Error(`build-test-tokens.sh printed no library paths:\n${out}`);
  return { pkcs11, skf };
}

export function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export type Curve = 'SM2' | 'P-256';

export interface KeySpec {
  /** File base name: NAME.key.pem + NAME.cert.der; also the PKCS#11 CKA_ID/CKA_LABEL and SKF container name. */
  name: string;
  curve: Curve;
  /** Certificate subject CN (UTF-8). */
  cn: string;
  /** Write the certificate as PEM instead of DER. */
  pemCert?: boolean;
}

/** Generates a key with `openssl genpkey` and a self-signed certificate with `openssl req -x509`. */
export function makeKeyPair(dir: string, spec: KeySpec): { keyPath: string; certDer: Buffer } {
  const keyPath = join(dir, `${spec.name}.key.pem`);
  const curve = spec.curve === 'SM2' ? 'SM2' : 'P-256';
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', keyPath]);
  const certDer = openssl([
    'req', '-x509', '-new', '-key', keyPath, '-subj', `/CN=${spec.cn}`, '-utf8', '-days', '30',
    ...(spec.curve === 'SM2' ? ['-sm3'] : ['-sha256']), '-outform', 'DER',
  ]);
  if (spec.pemCert) {
    const b64 = certDer.toString('base64').replace(/(.{64})/g, '$1\n');
    writeFileSync(join(dir, `${spec.name}.cert.pem`), `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`);
  } else {
    writeFileSync(join(dir, `${spec.name}.cert.der`), certDer);
  }
  return { keyPath, certDer };
}

/** Affine public key coordinates (32 bytes each) of a PEM private key, via `openssl pkey`. */
export function publicPoint(keyPath: string): { x: Buffer; y: Buffer; spkiPem: string } {
  const spkiPem = openssl(['pkey', '-in', keyPath, '-pubout']).toString('utf8');
  const der = Buffer.from(spkiPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const point = der.subarray(der.length - 65);
  if (point[0] !== 0x04) throw new Error('expected an uncompressed point at the end of the SPKI');
  return { x: Buffer.from(point.subarray(1, 33)), y: Buffer.from(point.subarray(33, 65)), spkiPem };
}

export interface DataObjectSpec {
  /** File name without ".data" */
  file: string;
  label?: string;
  application?: string;
  private?: boolean;
  value: Buffer;
}

export interface Pkcs11TokenSpec {
  label?: string;
  serial?: string;
  manufacturer?: string;
  profile?: 'A' | 'B';
  pin?: string;
  soPin?: string;
  maxPinRetries?: number;
  pinpad?: boolean;
  sm2KeyType?: 'vendor' | 'ec';
  /** false: SM2 keys carry no CKA_EC_PARAMS (some vendor tokens omit it). */
  sm2EcParams?: boolean;
  keys?: KeySpec[];
  data?: DataObjectSpec[];
}

function conf(entries: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(entries)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : v}\n`)
    .join('');
}

/**
 * Writes a directory for libsm2testtoken.so (one slot): token.conf, key/cert pairs and data
 * objects. Point SM2TESTTOKEN_DIR at it (several directories: join with ':').
 */
export function makeSm2TestTokenDir(dir: string, spec: Pkcs11TokenSpec): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token.conf'), '# sm2testtoken configuration (TEST ONLY)\n' + conf({
    label: spec.label, serial: spec.serial, manufacturer: spec.manufacturer, profile: spec.profile,
    pin: spec.pin, soPin: spec.soPin, maxPinRetries: spec.maxPinRetries, pinpad: spec.pinpad,
    sm2KeyType: spec.sm2KeyType, sm2EcParams: spec.sm2EcParams,
  }));
  for (const k of spec.keys ?? []) makeKeyPair(dir, k);
  for (const d of spec.data ?? []) {
    if (d.label === undefined && d.application === undefined && !d.private) {
      writeFileSync(join(dir, `${d.file}.data`), d.value); // raw form: label = file name
      continue;
    }
    const header = '#sm2testtoken-data\n' + conf({
      'label.hex': d.label === undefined ? undefined : Buffer.from(d.label, 'utf8').toString('hex'),
      'application.hex': d.application === undefined ? undefined : Buffer.from(d.application, 'utf8').toString('hex'),
      private: d.private,
    }) + '\n';
    writeFileSync(join(dir, `${d.file}.data`), Buffer.concat([Buffer.from(header, 'utf8'), d.value]));
  }
}

export interface SkfDeviceSpec {
  devName?: string;
  label?: string;
  serial?: string;
  manufacturer?: string;
  application?: string;
  pin?: string;
  adminPin?: string;
  maxPinRetries?: number;
  keys?: KeySpec[];
  files?: { name: string; value: Buffer }[];
}

/** Writes a directory for libsoftskf.so: skf.conf, containers (key/cert pairs), files/. */
export function makeSoftSkfDir(dir: string, spec: SkfDeviceSpec): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'skf.conf'), '# softskf configuration (TEST ONLY)\n' + conf({
    devName: spec.devName, label: spec.label, serial: spec.serial, manufacturer: spec.manufacturer,
    application: spec.application, pin: spec.pin, adminPin: spec.adminPin, maxPinRetries: spec.maxPinRetries,
  }));
  for (const k of spec.keys ?? []) makeKeyPair(dir, k);
  for (const f of spec.files ?? []) writeFileSync(join(dir, 'files', f.name), f.value);
}

/** Simulated unplug / replug: the `removed` control file. */
export function unplug(dir: string): void {
  writeFileSync(join(dir, 'removed'), '');
}
export function replug(dir: string): void {
  rmSync(join(dir, 'removed'), { force: true });
}

// ---------------------------------------------------------------------------------------------
// SM2 helpers (GM/T 0003.2 / GB/T 32918.2 §5.5 for Z; curve parameters from GM/T 0003.5)

const SM2_A = Buffer.from('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC', 'hex');
const SM2_B = Buffer.from('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93', 'hex');
const SM2_GX = Buffer.from('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7', 'hex');
const SM2_GY = Buffer.from('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0', 'hex');
export const SM2_DEFAULT_ID = '1234567812345678';

/** Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) */
export function sm2Z(x: Buffer, y: Buffer, id: string = SM2_DEFAULT_ID): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(idBytes.length * 8);
  return createHash('sm3').update(Buffer.concat([entl, idBytes, SM2_A, SM2_B, SM2_GX, SM2_GY, x, y])).digest();
}

/** e = SM3(Z || M): what SKF_ECCSignData and the "caller supplies e" PKCS#11 mechanisms sign. */
export function sm2E(x: Buffer, y: Buffer, message: Buffer): Buffer {
  return createHash('sm3').update(Buffer.concat([sm2Z(x, y), message])).digest();
}

function derInteger(v: Buffer): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let body = v.subarray(i);
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

/** r || s (equal halves) → DER SEQUENCE { INTEGER r, INTEGER s } */
export function rawToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** SubjectPublicKeyInfo PEM from an uncompressed point, so the token's CKA_EC_POINT / blob is what gets verified. */
export function spkiPemFromPoint(curve: Curve, x: Buffer, y: Buffer): string {
  const curveOid = curve === 'SM2' ? '06082a811ccf5501822d' : '06082a8648ce3d030107';
  const der = Buffer.concat([
    Buffer.from('3059301306072a8648ce3d0201' + curveOid + '034200' + '04', 'hex'), x, y,
  ]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * Verifies with the OpenSSL command line. SM2: `openssl dgst -sm3 -sigopt distid:1234567812345678`
 * (the GM/T 0009 default ID), P-256: `openssl dgst -sha256`. Returns true on "Verified OK".
 */
export function opensslVerify(curve: Curve, spkiPem: string, message: Buffer, sigDer: Buffer): boolean {
  const dir = tempDir('eseal-verify-');
  try {
    writeFileSync(join(dir, 'pub.pem'), spkiPem);
    writeFileSync(join(dir, 'msg'), message);
    writeFileSync(join(dir, 'sig.der'), sigDer);
    const args = curve === 'SM2'
      ? ['dgst', '-sm3', '-verify', join(dir, 'pub.pem'), '-sigopt', `distid:${SM2_DEFAULT_ID}`]
      : ['dgst', '-sha256', '-verify', join(dir, 'pub.pem')];
    try {
      const out = openssl([...args, '-signature', join(dir, 'sig.der'), join(dir, 'msg')]).toString('utf8');
      return out.includes('Verified OK');
    } catch {
      return false;
    }
  } finally {
    removeDir(dir);
  }
}

export function readCertDer(dir: string, name: string): Buffer {
  return readFileSync(join(dir, `${name}.cert.der`));
}
