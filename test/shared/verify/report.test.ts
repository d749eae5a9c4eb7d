// SPDX-License-Identifier: Apache-2.0
/**
 * Real reports (every sample OFD, the bare seals/signatures, error cases) validate against
 * docs/verification-report.schema.json; bare inputs are recognised; text rendering says who, what,
 * when and whether the document changed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { strToU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderReportText } from '../../../shared/verify/renderReportText.js';
import { verifyDocument } from '../../../shared/verify/verifyDocument.js';
import type { VerificationReport } from '../../../shared/verify/VerificationReport.js';
import { validate } from './miniSchema.js';

const SCHEMA = JSON.parse(readFileSync('docs/verification-report.schema.json', 'utf8')) as Record<string, unknown>;
const NOW = new Date('2026-11-22T00:00:00Z');
const DIR = 'test/fixtures/samples';

const reports = new Map<string, VerificationReport>();

beforeAll(async () => {
  for (const f of readdirSync(`${DIR}/ofd`)) {
    reports.set(f, await verifyDocument(new Uint8Array(readFileSync(`${DIR}/ofd/${f}`)), { fileName: f, now: NOW }));
  }
  for (const f of ['UserV1.esl', 'UserV4.esl', 'SignedValueV4.dat']) {
    reports.set(f, await verifyDocument(new Uint8Array(readFileSync(`${DIR}/seals/${f}`)), { fileName: f, now: NOW, includePictures: false }));
  }
  reports.set('junk', await verifyDocument(strToU8('junk'), { fileName: 'junk.bin', now: NOW }));
  reports.set('pdf', await verifyDocument(strToU8('%PDF-1.7\n'), { fileName: 'a.pdf', now: NOW }));
  reports.set('raw-sm2', await verifyDocument(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]), { now: NOW }));
});

describe('verification report', () => {
  it('every real report validates against the JSON schema (also after a JSON round trip)', () => {
    expect(reports.size).toBeGreaterThanOrEqual(14);
    for (const [name, r] of reports) {
      expect(validate(SCHEMA, r), name).toEqual([]);
      expect(validate(SCHEMA, JSON.parse(JSON.stringify(r))), name).toEqual([]);
    }
  });

  it('the schema validator catches wrong enums, missing keys and extra keys', () => {
    const r = JSON.parse(JSON.stringify(reports.get('gomain-jiangsu-tax-v4.ofd'))) as Record<string, unknown> & { signatures: Record<string, unknown>[] };
    r.indication = 'PASSED';
    delete r.signatures[0]?.coverage;
    (r.signatures[0] as Record<string, unknown>).extra = 1;
    const errors = validate(SCHEMA, r);
    expect(errors.some((e) => e.includes('$.indication'))).toBe(true);
    expect(errors.some((e) => e.includes('missing required coverage'))).toBe(true);
    expect(errors.some((e) => e.includes('unexpected property extra'))).toBe(true);
  });

  it('bare inputs: v1/v4 seals, a v4 SES_Signature, a bare SM2 signature', () => {
    expect(reports.get('UserV1.esl')?.documentType).toBe('seal');
    expect(reports.get('UserV1.esl')?.signatures[0]?.format).toBe('SESeal v1');
    expect(reports.get('UserV4.esl')?.signatures[0]?.seal?.name).toBe('OFD R&W 测试用印章');
    const sig = reports.get('SignedValueV4.dat');
    expect(sig?.documentType).toBe('signature');
    expect(sig?.signatures[0]?.checks.find((c) => c.id === 'signature.value')?.status).toBe('passed');
    expect(sig?.checks.find((c) => c.id === 'document.original')?.status).toBe('skipped');
    expect(reports.get('raw-sm2')?.signatures[0]?.subIndications).toEqual(['NO_SIGNING_CERTIFICATE_FOUND']);
  });

  it('error reports: TOTAL_FAILED with a coded error, no signatures', () => {
    expect(reports.get('junk')).toMatchObject({ indication: 'TOTAL_FAILED', documentType: 'unknown', signatures: [], error: { code: 'ERR_FILE_TYPE_UNKNOWN' } });
    // PDFs are verified now (test/shared/verify/pdf*.test.ts); a header without a body is malformed.
    expect(reports.get('pdf')).toMatchObject({ documentType: 'pdf', indication: 'TOTAL_FAILED', signatures: [], error: { code: 'ERR_PDF_MALFORMED' } });
  });

  it('pictures are included by default and left out on request', () => {
    expect(reports.get('gomain-jiangsu-tax-v4.ofd')?.signatures[0]?.seal?.picture.dataBase64?.length).toBeGreaterThan(100);
    expect(reports.get('UserV4.esl')?.signatures[0]?.seal?.picture.dataBase64).toBeUndefined();
  });

  it('fileName never carries a directory', async () => {
    const r = await verifyDocument(strToU8('x'), { fileName: '/home/user/secret/dir/a.ofd', now: NOW });
    expect(r.fileName).toBe('a.ofd');
  });

  it('renders Chinese text with signer, seal, time, modification status and certificate status', () => {
    const text = renderReportText(reports.get('gomain-yunnan-v4-two-seals.ofd') as VerificationReport, 'zh-CN');
    expect(text).toContain('总体结论：[✗] 无效（TOTAL_FAILED）');
    expect(text).toContain('签章人：53011200000556');
    expect(text).toContain('印章：云南省住房和城乡建设厅');
    expect(text).toContain('签章时间（签章方声明）：2020-10-10T06:58:4');
    expect(text).toContain('签章后文档是否被修改：是');
    expect(text).toContain('签章人证书：未知（未配置受信任的根证书）');
    expect(text).toContain('原因：HASH_FAILURE');
    const en = renderReportText(reports.get('kinggrid-v4-invoice.ofd') as VerificationReport, 'en');
    expect(en).toContain('Overall: [?] cannot be determined (INDETERMINATE)');
    expect(en).toContain('Changed after signing: no');
    expect(renderReportText(reports.get('junk') as VerificationReport)).toContain('ERR_FILE_TYPE_UNKNOWN');
  });
});
