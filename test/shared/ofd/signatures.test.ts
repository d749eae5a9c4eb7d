// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findSignatureLists, parseSignatureDateTime, parseSignatureXml, readSignatureList } from '../../../shared/ofd/signatures.js';
import { ZipArchive } from '../../../shared/ofd/zip.js';

const SAMPLES = 'test/fixtures/samples/ofd';

function open(name: string) {
  const zip = ZipArchive.open(new Uint8Array(readFileSync(`${SAMPLES}/${name}`)));
  const { lists } = findSignatureLists(zip);
  const entries = lists.flatMap((l) => readSignatureList(zip, l));
  const parsed = entries.map((e) => parseSignatureXml(zip, e.signatureXmlPath ?? '', zip.read(e.signatureXmlPath ?? '')));
  return { zip, lists, entries, parsed };
}

describe('OFD signature structures (facts from ANALYSIS.txt)', () => {
  it('gomain-jiangsu: Type absent → Seal, 13 references, SM3 OID, one stamp', () => {
    const { lists, entries, parsed } = open('gomain-jiangsu-tax-v4.ofd');
    expect(lists).toEqual(['/Doc_0/Signs/Signatures.xml']);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: '2', type: 'Seal', signatureXmlPath: '/Doc_0/Signs/Sign_0/Signature.xml' });
    expect(entries[0]?.typeText).toBeUndefined();
    const sx = parsed[0];
    expect(sx?.references).toHaveLength(13);
    expect(sx?.checkMethod).toBe('1.2.156.10197.1.401');
    expect(sx?.provider).toMatchObject({ ProviderName: 'gomain_eseal', Version: '2.0', Company: 'gomain' });
    expect(sx?.stamps).toEqual([{ page: '1', box: [90, 8, 30, 20], unit: 'mm' }]);
    expect(sx?.signedValuePath).toBe('/Doc_0/Signs/Sign_0/SignedValue.dat');
    expect(sx?.sealBaseLoc).toBeUndefined();
  });

  it('kinggrid: relative BaseLoc resolves against the Signatures.xml folder', () => {
    const { entries, parsed } = open('kinggrid-v4-invoice.ofd');
    expect(entries[0]?.baseLoc).toBe('Sign_0/Signature.xml');
    expect(entries[0]?.signatureXmlPath).toBe('/Doc_0/Signs/Sign_0/Signature.xml');
    expect(parsed[0]?.references).toHaveLength(20);
  });

  it('dianju: the value file is named SignValue.dat', () => {
    const { parsed } = open('dianju-v4-signvalue-name.ofd');
    expect(parsed[0]?.signedValuePath).toBe('/Doc_0/Signs/Sign_0/SignValue.dat');
    expect(parsed[0]?.stamps[0]).toEqual({ page: '1', box: [248.25, 117.19, 39.9, 39.9], unit: 'mm', clip: [0, 0, 39.9, 39.9] });
  });

  it('dms360: Signatures.xml outside Signs/, CheckMethod .401.2, Seal/BaseLoc', () => {
    const { lists, parsed } = open('dms360-v1-seal.ofd');
    expect(lists).toEqual(['/Doc_0/Signatures.xml']);
    expect(parsed[0]?.checkMethod).toBe('1.2.156.10197.1.401.2');
    expect(parsed[0]?.sealPath).toBe('/Doc_0/Signs/Sign_0/Seal.esl');
    expect(parsed[0]?.references).toHaveLength(6);
  });

  it('gomain two digital signatures: Type=Sign, relative SignedValue', () => {
    const { entries, parsed } = open('gomain-two-digital-signs-gmt0010.ofd');
    expect(entries.map((e) => [e.id, e.type])).toEqual([['1', 'Sign'], ['2', 'Sign']]);
    expect(parsed.map((p) => p.signedValuePath)).toEqual(['/Doc_0/Signs/Sign_0/SignedValue.dat', '/Doc_0/Signs/Sign_1/SignedValue.dat']);
    expect(parsed.map((p) => p.references.length)).toEqual([12, 17]);
  });

  it('ofdrw riding seal: 5 stamps with Clip on 5 pages', () => {
    const { parsed } = open('ofdrw-v4-riding-seal.ofd');
    const stamps = parsed[0]?.stamps ?? [];
    expect(stamps.map((s) => s.page)).toEqual(['1', '21', '43', '63', '83']);
    expect(stamps.every((s) => s.clip !== undefined)).toBe(true);
    expect(stamps[4]).toEqual({ page: '83', box: [170, 40, 40, 40], unit: 'mm', clip: [32, 0, 8, 40] });
    expect(parsed[0]?.checkMethod).toBe('SM3');
  });
});

describe('parseSignatureDateTime', () => {
  it.each([
    ['20200817111329Z', '2020-08-17T11:13:29.000Z'],
    ['20201004072855.302Z', '2020-10-04T07:28:55.302Z'],
    ['20201010151120', '2020-10-10T07:11:20.000Z'],
    ['2020-06-20 17:18:49', '2020-06-20T09:18:49.000Z'],
    ['2021-05-19T20:53:44+08:00', '2021-05-19T12:53:44.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseSignatureDateTime(text)?.toISOString()).toBe(iso);
  });
  it.each(['', 'yesterday', '2020-13-01 00:00:00', '20201301000000Z'])('%j → undefined', (text) => {
    expect(parseSignatureDateTime(text)).toBeUndefined();
  });
});
