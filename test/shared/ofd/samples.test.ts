// SPDX-License-Identifier: Apache-2.0
/**
 * Every OFD sample gives the result stated in test/fixtures/samples/README.md (backed by ANALYSIS.txt).
 * "Fully valid" there means the cryptographic checks pass; without a trust anchor the chain is unknown,
 * so the indication is INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND. For the ofdrw samples the ofdrw test
 * root (ROOT.p12) is supplied as anchor in a second table.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { CheckStatus, SignatureReport, VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { parseCertificates, type Certificate } from '../../../shared/x509/index.js';

const DIR = 'test/fixtures/samples';
const NOW = new Date('2026-11-22T00:00:00Z');

function statusOf(sig: SignatureReport, id: string): CheckStatus[] {
  return sig.checks.filter((c) => c.id === id).map((c) => c.status);
}

async function verify(name: string, trustAnchors: Certificate[] = []): Promise<VerificationReport> {
  return verifyDocument(new Uint8Array(readFileSync(`${DIR}/ofd/${name}`)), { fileName: name, now: NOW, trustAnchors, includePictures: false });
}

interface Expect {
  file: string;
  indication: VerificationReport['indication'];
  signatures: {
    id: string;
    kind: 'seal' | 'digital';
    indication: VerificationReport['indication'];
    subIndications: string[];
    sealCodes?: string[];
    passed: string[];
    failed?: string[];
    references: [ok: number, bad: number];
    modified: boolean;
    stamps: number;
  }[];
}

const SEAL_CRYPTO = ['signature.value', 'seal.maker-signature', 'signature.data-hash', 'document.references', 'ofd.property-info', 'signature.signer-in-seal'];
const CMS_CRYPTO = ['signature.value', 'cms.message-digest', 'document.references', 'cms.signer-certificate'];
const NO_ANCHOR = ['NO_CERTIFICATE_CHAIN_FOUND'];

const TABLE: Expect[] = [
  { file: 'gomain-jiangsu-tax-v4.ofd', indication: 'INDETERMINATE', signatures: [{ id: '2', kind: 'seal', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: SEAL_CRYPTO, references: [13, 0], modified: false, stamps: 1 }] },
  { file: 'kinggrid-v4-invoice.ofd', indication: 'INDETERMINATE', signatures: [{ id: '1', kind: 'seal', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: SEAL_CRYPTO, references: [20, 0], modified: false, stamps: 1 }] },
  { file: 'dianju-v4-signvalue-name.ofd', indication: 'INDETERMINATE', signatures: [{ id: '1', kind: 'seal', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: SEAL_CRYPTO, references: [5, 0], modified: false, stamps: 1 }] },
  {
    file: 'gomain-two-digital-signs-gmt0010.ofd',
    indication: 'INDETERMINATE',
    signatures: [
      { id: '1', kind: 'digital', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: CMS_CRYPTO, references: [12, 0], modified: false, stamps: 0 },
      { id: '2', kind: 'digital', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: CMS_CRYPTO, references: [17, 0], modified: false, stamps: 0 },
    ],
  },
  {
    file: 'gomain-yunnan-v4-two-seals.ofd',
    indication: 'TOTAL_FAILED',
    signatures: [
      { id: '2', kind: 'seal', indication: 'TOTAL_FAILED', subIndications: ['HASH_FAILURE'], sealCodes: ['DOCUMENT_MODIFIED'], passed: ['signature.value', 'seal.maker-signature', 'signature.data-hash', 'ofd.property-info', 'ofd.seal-file'], failed: ['document.references'], references: [21, 2], modified: true, stamps: 1 },
      { id: '4', kind: 'seal', indication: 'TOTAL_FAILED', subIndications: ['HASH_FAILURE'], sealCodes: ['DOCUMENT_MODIFIED'], passed: ['signature.value', 'seal.maker-signature', 'signature.data-hash', 'ofd.property-info', 'ofd.seal-file'], failed: ['document.references'], references: [24, 2], modified: true, stamps: 1 },
    ],
  },
  {
    file: 'dms360-v1-seal.ofd',
    indication: 'TOTAL_FAILED',
    signatures: [{ id: '0', kind: 'seal', indication: 'TOTAL_FAILED', subIndications: ['HASH_FAILURE', 'SIG_CRYPTO_FAILURE'], sealCodes: ['DOCUMENT_MODIFIED'], passed: ['seal.maker-signature', 'ofd.property-info', 'ofd.seal-file'], failed: ['signature.value', 'signature.data-hash', 'document.references'], references: [0, 6], modified: true, stamps: 1 }],
  },
  { file: 'ofdrw-v4-seal.ofd', indication: 'TOTAL_FAILED', signatures: [{ id: '1', kind: 'seal', indication: 'TOTAL_FAILED', subIndications: ['EXPIRED'], sealCodes: ['SEAL_EXPIRED'], passed: [...SEAL_CRYPTO, 'ofd.seal-file'], failed: ['seal.validity'], references: [5, 0], modified: false, stamps: 1 }] },
  { file: 'ofdrw-v4-riding-seal.ofd', indication: 'INDETERMINATE', signatures: [{ id: 's001', kind: 'seal', indication: 'INDETERMINATE', subIndications: NO_ANCHOR, passed: [...SEAL_CRYPTO, 'ofd.seal-file'], references: [9, 0], modified: false, stamps: 5 }] },
];

describe('OFD samples without trust anchors (README results)', () => {
  it.each(TABLE)('$file → $indication', async (exp) => {
    const report = await verify(exp.file);
    expect(report.error).toBeUndefined();
    expect(report.documentType).toBe('ofd');
    expect(report.signatures.map((s) => s.id)).toEqual(exp.signatures.map((s) => s.id));
    for (const [i, e] of exp.signatures.entries()) {
      const sig = report.signatures[i] as SignatureReport;
      expect(sig.kind, `${exp.file} #${e.id} kind`).toBe(e.kind);
      for (const id of e.passed) expect(statusOf(sig, id), `${exp.file} #${e.id} ${id}`).toEqual(['passed']);
      for (const id of e.failed ?? []) expect(statusOf(sig, id), `${exp.file} #${e.id} ${id}`).toContain('failed');
      const refs = sig.checks.find((c) => c.id === 'document.references');
      expect([refs?.details?.ok, refs?.details?.bad], `${exp.file} #${e.id} references`).toEqual(e.references);
      expect(sig.indication, `${exp.file} #${e.id} indication`).toBe(e.indication);
      expect([...sig.subIndications].sort(), `${exp.file} #${e.id} sub-indications`).toEqual([...e.subIndications].sort());
      expect([...sig.sealCodes].sort(), `${exp.file} #${e.id} seal codes`).toEqual([...(e.sealCodes ?? [])].sort());
      expect(sig.coverage.modifiedAfterSigning).toBe(e.modified);
      expect(sig.stamps).toHaveLength(e.stamps);
    }
    expect(report.indication).toBe(exp.indication);
  });

  it('gomain-two-digital-signs: GOMAIN contentType inconsistency is a warning, signing time extracted', async () => {
    const report = await verify('gomain-two-digital-signs-gmt0010.ofd');
    for (const sig of report.signatures) {
      expect(sig.format).toBe('GM/T 0010 SignedData');
      expect(statusOf(sig, 'cms.content-type')).toEqual(['warning']);
      expect(sig.signingTime).toBe('2022-09-03T05:41:27.000Z');
      expect(sig.signer?.subject).toContain('一部手机办事通设备证书');
    }
  });

  it('riding seal: 5 stamps, each with a Clip slice', async () => {
    const report = await verify('ofdrw-v4-riding-seal.ofd');
    const stamps = report.signatures[0]?.stamps ?? [];
    expect(stamps.map((s) => s.clip?.[0])).toEqual([0, 8, 16, 24, 32]);
  });

  it('dms360 v1: maker signature verified over SEQ{sealInfo, cert, alg}', async () => {
    const report = await verify('dms360-v1-seal.ofd');
    expect(report.signatures[0]?.format).toBe('SES_Signature v1');
    expect(report.signatures[0]?.seal?.makerSignatureConvention).toBe('sealInfo+cert+alg');
  });

  it('yunnan: the two modified files are named and the coverage marks the document modified', async () => {
    const report = await verify('gomain-yunnan-v4-two-seals.ofd');
    const bad = report.signatures[0]?.checks.filter((c) => c.id === 'document.reference').map((c) => c.details?.path);
    expect(bad?.sort()).toEqual(['/Doc_0/Pages/Page_0/Content.xml', '/Doc_0/Pages/Page_1/Content.xml']);
  });
});

describe('ofdrw samples with the ofdrw test root as trust anchor', () => {
  let root: Certificate[] = [];
  beforeAll(() => {
    const pem = execFileSync('openssl', ['pkcs12', '-legacy', '-in', `${DIR}/keys/ROOT.p12`, '-nokeys', '-passin', 'pass:123456'], { encoding: 'utf8' });
    root = parseCertificates(pem);
    expect(root[0]?.subjectText).toContain('ROOT Certificate');
  });

  // The chain does not hold: the ofdrw root's keyUsage lacks keyCertSign (OpenSSL 3 `verify` agrees:
  // "error 32 … key usage does not include certificate signing"). Everything else passes.
  it('ofdrw-v4-riding-seal.ofd → TOTAL_FAILED CERTIFICATE_CHAIN_GENERAL_FAILURE (root key usage lacks keyCertSign)', async () => {
    const report = await verify('ofdrw-v4-riding-seal.ofd', root);
    const sig = report.signatures[0] as SignatureReport;
    for (const id of [...SEAL_CRYPTO, 'ofd.seal-file', 'seal.validity']) expect(statusOf(sig, id), id).toEqual(['passed']);
    expect(sig.signer?.status).toBe('INVALID');
    expect(sig.signer?.reasons).toContain('KEY_USAGE');
    expect(sig.seal?.maker?.status).toBe('INVALID');
    expect(sig.subIndications).toEqual(['CERTIFICATE_CHAIN_GENERAL_FAILURE']);
    expect(report.indication).toBe('TOTAL_FAILED');
  });

  it('ofdrw-v4-seal.ofd → TOTAL_FAILED EXPIRED: crypto valid and chain trusted, but signed 2026-08-04 with a seal valid until 2022-04-22', async () => {
    const report = await verify('ofdrw-v4-seal.ofd', root);
    const sig = report.signatures[0] as SignatureReport;
    for (const id of SEAL_CRYPTO) expect(statusOf(sig, id), id).toEqual(['passed']);
    expect(statusOf(sig, 'seal.validity')).toEqual(['failed']);
    expect(sig.sealCodes).toContain('SEAL_EXPIRED');
    expect(report.indication).toBe('TOTAL_FAILED');
  });
});
