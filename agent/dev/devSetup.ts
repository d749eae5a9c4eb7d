// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * `eseal agent --dev`: an embedded development software token with three demo seals, built once
 * into `<state>/dev/`:
 *
 * - the test PKI from `scripts/make-test-pki.sh` (or an existing one named by ESEAL_DEV_PKI);
 * - seals made with shared/seal `makeSealV4` and the maker key: 电子公章 (official, type 1, bound to
 *   `unit`), 法定代表人章 (legal, type 3, bound to `legal`), 个人章 (personal, type 2, bound to
 *   `personal`), each with a generated PNG picture;
 * - the software token (`soft-token.json`) holding the three signer keys and the seals, PIN
 *   DEV_TOKEN_PIN (printed on the console: development only);
 * - a development policy allowing the demo portal `http://localhost:8080` every action and seal
 *   type, batches enabled.
 * NOT FOR PRODUCTION: every key here is a test key written unencrypted by the PKI script.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sm2Sign } from '../../shared/crypto/index.js';
import { parsePolicy, type Policy } from '../../shared/policy/Policy.js';
import { makeSealV4 } from '../../shared/seal/index.js';
import { parseCertificate } from '../../shared/x509/index.js';
import { loadSigningKey } from '../keys/loadSigningKey.js';
import { SEAL_TYPE_CODES } from '../sealstore/SealStore.js';
import { createSoftToken } from '../token/soft/SoftToken.js';
import { drawSealPng } from './sealPicture.js';

export const DEV_TOKEN_PIN = '123456';
export const DEV_PORTAL_ORIGIN = 'http://localhost:8080';
/** The Chrome extension id fixed by the manifest key (extension/EXTENSION_ID). */
export const DEV_EXTENSION_ORIGIN = 'chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp';

export interface DevSetup {
  readonly tokenPath: string;
  readonly pkiDir: string;
  readonly pin: string;
  readonly policy: Policy;
}

function findPkiScript(): string {
  const candidates = [new URL('../../scripts/make-test-pki.sh', import.meta.url), new URL('../scripts/make-test-pki.sh', import.meta.url)];
  for (const c of candidates) {
    const path = fileURLToPath(c);
    if (existsSync(path)) return path;
  }
  throw new Error('scripts/make-test-pki.sh not found (run the development agent from the source tree)');
}

export function devPolicy(extraOrigins: readonly string[] = []): Policy {
  return parsePolicy({
    extensionOrigins: [...new Set([DEV_EXTENSION_ORIGIN, ...extraOrigins.filter((o) => /^(chrome|moz)-extension:\/\//.test(o))])],
    portals: [{ origin: DEV_PORTAL_ORIGIN, name: 'ESeal 演示门户 / demo portal', actions: ['status', 'seals.list', 'seal.sign', 'seal.signBatch', 'pdf.seal', 'data.sign', 'verify', 'events'], sealTypes: ['official', 'legal', 'personal'] }],
    batch: { enabled: true, maxItems: 1000, cachePin: true, ttlSeconds: 600 },
    development: { allowHttpLocalhost: true },
  });
}

/** Builds the development token once (idempotent); returns where it is. */
export async function ensureDevSetup(stateDir: string, log: (line: string) => void = () => undefined): Promise<DevSetup> {
  const dir = join(stateDir, 'dev');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tokenPath = join(dir, 'soft-token.json');
  const pkiDir = process.env['ESEAL_DEV_PKI'] ?? join(dir, 'pki');
  if (!existsSync(join(pkiDir, 'maker.pem'))) {
    log(`生成开发测试 PKI / building the development test PKI in ${pkiDir}`);
    execFileSync('bash', [findPkiScript(), pkiDir], { stdio: 'ignore' });
  }
  if (!existsSync(tokenPath)) {
    log(`生成开发软件令牌 / building the development software token ${tokenPath}`);
    const load = (name: string) => loadSigningKey({ kind: 'pem', key: readFileSync(join(pkiDir, `${name}.key`)), certificates: readFileSync(join(pkiDir, `${name}.pem`)) });
    const maker = load('maker');
    const signers = { official: load('unit'), legal: load('legal'), personal: load('personal') } as const;
    const names = { official: '某某市财政局电子公章', legal: '王某某 法定代表人章', personal: '张三 个人章' } as const;
    const now = new Date();
    const seals = [];
    let n = 1;
    for (const sealType of ['official', 'legal', 'personal'] as const) {
      const signer = signers[sealType];
      const cert = parseCertificate(signer.certificateDer);
      const made = await makeSealV4({
        vid: 'ESealDev',
        esID: `9900000000000${n++}`,
        name: names[sealType],
        type: SEAL_TYPE_CODES[sealType],
        certs: [signer.certificateDer],
        createDate: now,
        validStart: cert.notBefore,
        validEnd: cert.notAfter,
        picture: { type: 'png', data: drawSealPng(160, sealType), widthMm: 40, heightMm: 40 },
        makerCertDer: maker.certificateDer,
        signSealInfo: (tbs) => sm2Sign(maker.privateKey, tbs),
      });
      seals.push({ id: `dev-${sealType}`, der: made.der });
    }
    createSoftToken({
      path: tokenPath,
      pin: DEV_TOKEN_PIN,
      label: 'ESeal 开发令牌 (dev)',
      serial: 'DEV0000000000001',
      keys: (['official', 'legal', 'personal'] as const).map((t) => ({ certificateId: `cert-${t}`, label: names[t], privateKey: signers[t].privateKey, certificateDer: signers[t].certificateDer })),
      seals,
      maxRetries: 10,
      kdfCost: 2 ** 12,
    });
  }
  return { tokenPath, pkiDir, pin: DEV_TOKEN_PIN, policy: devPolicy() };
}
