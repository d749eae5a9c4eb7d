// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSESeal } from '../../../shared/seal/SESeal.js';
import { decodeSES_Signature } from '../../../shared/seal/SES_Signature.js';
import { detectSesStructure } from '../../../shared/seal/detectSesStructure.js';

const dir = new URL('../../fixtures/samples/seals/', import.meta.url);
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('sample seals decode field by field', () => {
  it('UserV1.esl: GM/T 0031-2014 seal', () => {
    const der = load('UserV1.esl');
    expect(detectSesStructure(der)).toBe('seal-v1');
    const s = decodeSESeal(der);
    expect(s.format).toBe('v1');
    const i = s.eSealInfo;
    expect(i.header).toEqual({ ID: 'ES', version: 1, Vid: 'OFDR&WTest' });
    expect(i.esID).toBe('40C8CDD24DEF43388B86E62CCE1D6832');
    expect(i.property.type).toBe(1);
    expect(i.property.name).toBe('OFDRW测试用印章');
    expect(i.property.certListType).toBeUndefined();
    expect(i.property.certList.kind).toBe('certs');
    expect(i.property.timeEncoding).toBe('UTCTime');
    expect(i.property.createDate.toISOString()).toBe('2020-04-22T02:18:07.000Z');
    expect(i.property.validStart.toISOString()).toBe('2020-04-22T02:18:07.000Z');
    expect(i.property.validEnd.toISOString()).toBe('2022-04-22T02:18:07.000Z');
    expect(i.picture.type).toBe('PNG');
    expect(i.picture.data.length).toBe(15693);
    expect(hex(i.picture.data.subarray(0, 8))).toBe('89504e470d0a1a0a');
    expect([i.picture.width, i.picture.height]).toEqual([40, 40]);
    expect(s.signAlgID).toBe('1.2.156.10197.1.501');
    expect(s.signedValue.length).toBe(72);
    expect(s.raw.der).toEqual(der);
    expect(s.raw.sealInfoCertAlg[0]).toBe(0x30);
  });

  it('UserV4.esl: GB/T 38540 seal', () => {
    const der = load('UserV4.esl');
    expect(detectSesStructure(der)).toBe('seal-v4');
    const s = decodeSESeal(der);
    expect(s.format).toBe('v4');
    const i = s.eSealInfo;
    expect(i.header).toEqual({ ID: 'ES', version: 4, Vid: 'OFDR&WTest' });
    expect(i.esID).toBe('51f044b76510434e9bc67a1185c2fba5');
    expect(i.property.type).toBe(3);
    expect(i.property.name).toBe('OFD R&W 测试用印章');
    expect(i.property.certListType).toBe(1);
    expect(i.property.certList.kind === 'certs' && i.property.certList.certs.length).toBe(1);
    expect(i.property.timeEncoding).toBe('GeneralizedTime');
    expect(i.property.createDate.toISOString()).toBe('2020-04-22T02:09:00.000Z');
    expect(i.property.validStart.toISOString()).toBe('2020-04-22T02:09:00.000Z');
    expect(i.property.validEnd.toISOString()).toBe('2022-04-22T02:09:00.000Z');
    expect(i.picture.type).toBe('PNG');
    expect(i.picture.data.length).toBe(15693);
    expect([i.picture.width, i.picture.height]).toEqual([40, 40]);
    expect(i.extDatas).toBeUndefined();
    expect(s.signedValue.length).toBe(71);
  });

  it('SignedValueV4.dat: GB/T 38540 SES_Signature', () => {
    const der = load('SignedValueV4.dat');
    expect(detectSesStructure(der)).toBe('signature-v4');
    const sig = decodeSES_Signature(der);
    expect(sig.format).toBe('v4');
    expect(sig.toSign.version).toBe(4);
    expect(sig.toSign.timeInfo).toEqual({ date: new Date('2020-10-12T11:14:03Z'), text: '20201012111403Z', encoding: 'GeneralizedTime' });
    expect(sig.toSign.dataHash.length).toBe(32);
    expect(sig.toSign.propertyInfo).toBe('/Doc_0/Signs/Sign_0/Signature.xml');
    expect(sig.signatureAlgID).toBe('1.2.156.10197.1.501');
    expect(sig.toSign.eseal.eSealInfo.esID).toBe('51f044b76510434e9bc67a1185c2fba5');
    expect(sig.raw.eseal).toEqual(load('UserV4.esl'));
  });
});
