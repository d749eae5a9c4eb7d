// SPDX-License-Identifier: Apache-2.0
/**
 * Verification of the real sample seals and signatures (test/fixtures/samples, results as in the
 * samples' README/ANALYSIS.txt): bare seals, SignedValueV4.dat, and the SES_Signatures extracted from
 * each vendor's OFD (fflate here only; the OFD reader is elsewhere). dataHash is compared with
 * SM3(Signature.xml). No trust anchors are configured, so valid signatures are INDETERMINATE
 * (NO_CERTIFICATE_CHAIN_FOUND) and all other checks pass.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sm3 } from '../../../shared/crypto/sm3.js';
import { decodeSES_Signature, detectSesStructure, verifySealOnly, verifySesSignature, type SesStructure } from '../../../shared/seal/index.js';

const seals = new URL('../../fixtures/samples/seals/', import.meta.url);
const ofds = new URL('../../fixtures/samples/ofd/', import.meta.url);
const load = (u: URL): Uint8Array => new Uint8Array(readFileSync(u));

function statusOf(v: { checks: readonly { id: string; status: string; details?: Readonly<Record<string, unknown>> }[] }, id: string): string | undefined {
  return v.checks.find((c) => c.id === id)?.status;
}

function details(v: { checks: readonly { id: string; details?: Readonly<Record<string, unknown>> }[] }, id: string): Readonly<Record<string, unknown>> | undefined {
  return v.checks.find((c) => c.id === id)?.details;
}

describe('bare sample seals', () => {
  it('UserV1.esl: v1, maker signature over SEQ{sealInfo, cert, alg}', async () => {
    const v = await verifySealOnly(load(new URL('UserV1.esl', seals)), { trustAnchors: [], time: new Date('2021-01-01T00:00:00Z') });
    expect(v.structure).toBe('seal-v1');
    expect(statusOf(v, 'seal.maker-signature')).toBe('passed');
    expect(v.seal.makerSignatureConvention).toBe('sealInfo+cert+alg');
    expect(v.seal).toMatchObject({ format: 'v1', headerVersion: 1, esID: '40C8CDD24DEF43388B86E62CCE1D6832', name: 'OFDRW测试用印章', type: 1, createDate: '2020-04-22T02:18:07.000Z', validEnd: '2022-04-22T02:18:07.000Z' });
    expect(v.seal.picture).toMatchObject({ type: 'PNG', format: 'png', byteLength: 15693, widthMm: 40, heightMm: 40 });
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
  });

  it('UserV4.esl: v4, maker signature over SES_SealInfo', async () => {
    const v = await verifySealOnly(load(new URL('UserV4.esl', seals)), { trustAnchors: [], time: new Date('2021-01-01T00:00:00Z') });
    expect(v.structure).toBe('seal-v4');
    expect(statusOf(v, 'seal.maker-signature')).toBe('passed');
    expect(v.seal.makerSignatureConvention).toBe('sealInfo');
    expect(v.seal.maker?.subject).toContain('Test Certificate');
    expect(v.indication).toBe('INDETERMINATE');
    const expired = await verifySealOnly(load(new URL('UserV4.esl', seals)), { trustAnchors: [], time: new Date('2023-01-01T00:00:00Z') });
    expect(expired.indication).toBe('TOTAL_FAILED');
    expect(expired.sealCodes).toContain('SEAL_EXPIRED');
  });

  it('SignedValueV4.dat: SES_Signature v4, signature over TBS_Sign verifies', async () => {
    const v = await verifySesSignature(load(new URL('SignedValueV4.dat', seals)), { trustAnchors: [] });
    expect(v.structure).toBe('signature-v4');
    expect(statusOf(v, 'signature.value')).toBe('passed');
    expect(statusOf(v, 'signature.signer-in-seal')).toBe('passed');
    expect(statusOf(v, 'seal.maker-signature')).toBe('passed');
    expect(statusOf(v, 'seal.validity')).toBe('passed');
    expect(v.signingTime).toBe('2020-10-12T11:14:03.000Z');
    expect(v.signingTimeText).toBe('20201012111403Z');
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.subIndications).toEqual(['NO_CERTIFICATE_CHAIN_FOUND']);
    expect(v.signer?.subject).toContain('Test Certificate');
  });
});

interface Expected {
  readonly structure: SesStructure;
  /** Expected per signature, in path order. */
  readonly signatures?: readonly {
    readonly esID: string;
    readonly value: 'passed' | 'failed';
    readonly maker: 'sealInfo' | 'sealInfo+cert+alg';
    readonly hash: 'passed' | 'failed';
    readonly indication: string;
    readonly sealCodes?: readonly string[];
  }[];
}

const OFD_EXPECTED: Record<string, Expected> = {
  'gomain-jiangsu-tax-v4.ofd': { structure: 'signature-v4', signatures: [{ esID: '32010600000001', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' }] },
  'kinggrid-v4-invoice.ofd': { structure: 'signature-v4', signatures: [{ esID: '50011200000323', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' }] },
  'dianju-v4-signvalue-name.ofd': { structure: 'signature-v4', signatures: [{ esID: '32050000011053', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' }] },
  'gomain-yunnan-v4-two-seals.ofd': {
    structure: 'signature-v4',
    signatures: [
      { esID: '53011200000556', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' },
      { esID: '53011200000556', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' },
    ],
  },
  'ofdrw-v4-riding-seal.ofd': { structure: 'signature-v4', signatures: [{ esID: '51f044b76510434e9bc67a1185c2fba5', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'INDETERMINATE' }] },
  // Signed in 2026 with a seal (and certificate) that expired in 2022.
  'ofdrw-v4-seal.ofd': { structure: 'signature-v4', signatures: [{ esID: '51f044b76510434e9bc67a1185c2fba5', value: 'passed', maker: 'sealInfo', hash: 'passed', indication: 'TOTAL_FAILED', sealCodes: ['SEAL_EXPIRED'] }] },
  // Negative sample: Signature.xml rewritten after signing, TBS signature does not verify.
  'dms360-v1-seal.ofd': { structure: 'signature-v1', signatures: [{ esID: 'esID', value: 'failed', maker: 'sealInfo+cert+alg', hash: 'failed', indication: 'TOTAL_FAILED' }] },
  'gomain-two-digital-signs-gmt0010.ofd': { structure: 'cms' },
};

describe('SES_Signatures from the sample OFDs, per vendor', () => {
  it.each(Object.entries(OFD_EXPECTED))('%s', async (name, exp) => {
    const files = unzipSync(load(new URL(name, ofds)));
    const values = Object.keys(files)
      .filter((p) => /Sign(ed)?Value\.dat$/.test(p))
      .sort();
    expect(values.length).toBeGreaterThan(0);
    for (const p of values) expect(detectSesStructure(files[p] as Uint8Array)).toBe(exp.structure);
    if (exp.signatures === undefined) return;
    expect(values.length).toBe(exp.signatures.length);
    for (const [i, p] of values.entries()) {
      const e = exp.signatures[i];
      if (e === undefined) throw new Error('missing expectation');
      const der = files[p] as Uint8Array;
      const xml = files[p.replace(/[^/]+$/, 'Signature.xml')];
      expect(xml).toBeDefined();
      const v = await verifySesSignature(der, { trustAnchors: [], documentHash: sm3(xml ?? new Uint8Array(0)) });
      expect([p, v.seal.esID]).toEqual([p, e.esID]);
      expect([p, statusOf(v, 'signature.value')]).toEqual([p, e.value]);
      expect([p, v.seal.makerSignatureConvention]).toEqual([p, e.maker]);
      expect([p, statusOf(v, 'signature.data-hash')]).toEqual([p, e.hash]);
      expect([p, v.indication]).toEqual([p, e.indication]);
      for (const code of e.sealCodes ?? []) expect(v.sealCodes).toContain(code);
      expect(details(v, 'signature.value')?.signatureForm).toBe('der');
      // propertyInfo names the Signature.xml path in every vendor's signature
      expect('/' + p.replace(/[^/]+$/, 'Signature.xml')).toBe(v.propertyInfo);
      const decoded = decodeSES_Signature(der);
      expect(v.sealDer).toEqual(decoded.raw.eseal);
    }
  });

  it('dms360 v1: textual timeInfo, certList of IA5String ids', async () => {
    const files = unzipSync(load(new URL('dms360-v1-seal.ofd', ofds)));
    const der = files['Doc_0/Signs/Sign_0/SignedValue.dat'] as Uint8Array;
    const sig = decodeSES_Signature(der);
    expect(sig.format).toBe('v1');
    expect(sig.toSign.timeInfo).toEqual({ date: new Date('2020-01-25T07:31:56.377Z'), text: '2020-01-25T07:31:56.377Z', encoding: 'BIT STRING' });
    expect(sig.toSign.eseal.eSealInfo.property.certList).toEqual({ kind: 'ids', ids: ['1'] });
    expect(sig.toSign.eseal.eSealInfo.extDatas?.length).toBeGreaterThanOrEqual(0);
    const v = await verifySesSignature(der, { trustAnchors: [] });
    expect(statusOf(v, 'signature.signer-in-seal')).toBe('warning');
    expect(statusOf(v, 'seal.maker-signature')).toBe('passed');
    expect(v.subIndications).toContain('SIG_CRYPTO_FAILURE');
  });

  it('GOMAIN ExtData with explicit critical FALSE is read', () => {
    const files = unzipSync(load(new URL('gomain-jiangsu-tax-v4.ofd', ofds)));
    const sig = decodeSES_Signature(files['Doc_0/Signs/Sign_0/SignedValue.dat'] as Uint8Array);
    expect(sig.toSign.eseal.eSealInfo.extDatas).toEqual([{ extnID: '1.2.156.10197.6.7.2.2.1', critical: false, extnValue: new TextEncoder().encode('2.1') }]);
    expect(sig.toSign.eseal.eSealInfo.picture.type).toBe('ofd');
  });
});
