// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The seal store: the seals on a token (or, later, on a seal server), decoded once, with the
 * metadata the agent needs to apply policy (our seal type) and to show the consent window.
 *
 * Seal type mapping (policy `sealTypes` ↔ GB/T 38540 `SES_ESPropertyInfo.type`). The standard
 * leaves the integer to the business domain (GM/T 0031 names 1 = organisation, 2 = personal); ESeal
 * fixes this table, and an administrator may override one seal's type in `seals.json` in the state
 * directory (`{"seals": {"<sealId>": {"sealType": "legal"}}}`):
 *
 * | sealType  | type | 中文                      |
 * |-----------|------|---------------------------|
 * | official  | 1    | 单位印章（公章、业务专用章） |
 * | personal  | 2    | 个人印章（私章）            |
 * | legal     | 3    | 法定代表人章 / 职务章        |
 *
 * A seal whose integer is not in the table and has no override has no seal type, so no portal
 * policy can allow it (deny by default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEAL_TYPES, type SealType } from '../../shared/policy/Policy.js';
import { decodeSESeal, matchCertDigest, equalBytesCt, type DecodedSESeal } from '../../shared/seal/index.js';
import { parseCertificate, type Certificate } from '../../shared/x509/index.js';
import { SealError } from '../../shared/errors/index.js';
import type { TokenCertificate, TokenSession } from '../token/TokenProvider.js';

export const SEAL_TYPE_CODES: Readonly<Record<SealType, number>> = { official: 1, personal: 2, legal: 3 };

export function sealTypeOfCode(code: number): SealType | undefined {
  return SEAL_TYPES.find((t) => SEAL_TYPE_CODES[t] === code);
}

export interface SealEntry {
  readonly id: string;
  readonly tokenSerial: string;
  readonly der: Uint8Array;
  readonly seal: DecodedSESeal;
  readonly sealType: SealType | undefined;
  readonly name: string;
  readonly typeCode: number;
}

export interface SealView {
  readonly id: string;
  readonly tokenSerial: string;
  readonly name: string;
  readonly sealType: SealType | null;
  readonly type: number;
  readonly esID: string;
  readonly format: string;
  readonly validStart: string;
  readonly validEnd: string;
  readonly picture: { readonly format: string; readonly widthMm: number; readonly heightMm: number; readonly dataBase64?: string };
  readonly signer?: { readonly certId: string; readonly subject: string; readonly issuer: string; readonly serial: string; readonly notBefore: string; readonly notAfter: string };
}

interface Overrides {
  readonly seals?: Readonly<Record<string, { readonly sealType?: string }>>;
}

export class SealStore {
  private readonly decoded = new Map<string, DecodedSESeal>();
  private readonly certs = new Map<string, Certificate>();

  constructor(private readonly stateDir: string) {}

  private overrides(): Overrides {
    const path = join(this.stateDir, 'seals.json');
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Overrides;
    } catch {
      throw new SealError('ERR_POLICY_INVALID', { field: 'seals.json', reason: 'not valid JSON' });
    }
  }

  private decode(der: Uint8Array): DecodedSESeal {
    const key = Buffer.from(der).toString('base64');
    let seal = this.decoded.get(key);
    if (!seal) {
      seal = decodeSESeal(der);
      if (this.decoded.size > 256) this.decoded.clear();
      this.decoded.set(key, seal);
    }
    return seal;
  }

  /** Every seal on the token, decoded; undecodable seals are skipped. */
  async list(session: TokenSession): Promise<SealEntry[]> {
    const overrides = this.overrides().seals ?? {};
    const out: SealEntry[] = [];
    for (const s of await session.listSeals()) {
      let seal: DecodedSESeal;
      try {
        seal = this.decode(s.der);
      } catch {
        continue;
      }
      const override = overrides[s.id]?.sealType;
      const sealType = override !== undefined && (SEAL_TYPES as readonly string[]).includes(override) ? (override as SealType) : sealTypeOfCode(seal.eSealInfo.property.type);
      out.push({ id: s.id, tokenSerial: session.token.serial, der: s.der, seal, sealType, name: seal.eSealInfo.property.name, typeCode: seal.eSealInfo.property.type });
    }
    return out;
  }

  async find(session: TokenSession, sealId: string): Promise<SealEntry> {
    const entry = (await this.list(session)).find((s) => s.id === sealId);
    if (!entry) throw new SealError('ERR_INPUT_INVALID', { name: 'sealId', reason: 'no such seal on the token' });
    return entry;
  }

  /** The token certificate bound to the seal (certificate list or digest list). */
  async signerFor(session: TokenSession, entry: SealEntry): Promise<{ tokenCert: TokenCertificate; cert: Certificate } | undefined> {
    const list = entry.seal.eSealInfo.property.certList;
    for (const c of await session.listCertificates()) {
      if (c.keyAlgorithm !== 'SM2') continue;
      const bound = list.kind === 'certs' ? list.certs.some((x) => equalBytesCt(x, c.der)) : list.kind === 'digests' ? matchCertDigest(c.der, list.digests) !== undefined : false;
      if (bound) {
        const key = Buffer.from(c.der).toString('base64');
        let cert = this.certs.get(key);
        if (!cert) {
          cert = parseCertificate(c.der);
          if (this.certs.size > 256) this.certs.clear();
          this.certs.set(key, cert);
        }
        return { tokenCert: c, cert };
      }
    }
    return undefined;
  }

  view(entry: SealEntry, signer: { tokenCert: TokenCertificate; cert: Certificate } | undefined, includePicture: boolean): SealView {
    const p = entry.seal.eSealInfo.property;
    const pic = entry.seal.eSealInfo.picture;
    return {
      id: entry.id,
      tokenSerial: entry.tokenSerial,
      name: entry.name,
      sealType: entry.sealType ?? null,
      type: entry.typeCode,
      esID: entry.seal.eSealInfo.esID,
      format: entry.seal.format,
      validStart: p.validStart.toISOString(),
      validEnd: p.validEnd.toISOString(),
      picture: { format: pic.type.toLowerCase(), widthMm: pic.width, heightMm: pic.height, ...(includePicture ? { dataBase64: Buffer.from(pic.data).toString('base64') } : {}) },
      ...(signer ? { signer: { certId: signer.tokenCert.id, subject: signer.cert.subjectText, issuer: signer.cert.issuerText, serial: signer.cert.serialNumberHex, notBefore: signer.cert.notBefore.toISOString(), notAfter: signer.cert.notAfter.toISOString() } } : {}),
    };
  }
}
