// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derGeneralizedTime,
  derIA5String,
  derImplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derUtcTime,
  derUtf8String,
  parseDer,
  parseGeneralizedTime,
  parseTextualTime,
  parseUtcTime,
  readBigInteger,
  readBitString,
  readBoolean,
  readExplicit,
  readIA5String,
  readOctetString,
  readOid,
  readPrintableString,
  readSequence,
  readSmallInteger,
  readTime,
  readUtf8String,
  tagName,
} from '../../../shared/asn1/index.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SealError);
    return (e as SealError).code;
  }
  return 'no error';
}

describe('parseDer', () => {
  it('keeps offsets and original bytes of nested elements', () => {
    const der = h('30 0a 02 01 05 04 02 aabb 0c 01 41');
    const el = parseDer(der);
    expect(el.children.map((c) => [c.offset, c.headerLength, hex(c.bytes)])).toEqual([
      [2, 2, '020105'],
      [5, 2, '0402aabb'],
      [9, 2, '0c0141'],
    ]);
    expect(el.children[1]?.content.buffer).toBe(der.buffer); // a view, not a copy
  });

  it('reads non-minimal long-form lengths, high tag numbers and BER indefinite lengths', () => {
    expect(parseDer(h('04 81 02 0102')).content).toEqual(h('0102'));
    const high = parseDer(h('9f 81 00 01 ff'));
    expect([high.tagClass, high.tagNumber, tagName(high)]).toEqual([2, 128, '[128]']);
    const ind = parseDer(h('30 80 02 01 01 04 00 00 00'));
    expect(ind.indefinite).toBe(true);
    expect(ind.children.length).toBe(2);
    expect(ind.bytes.length).toBe(9);
  });

  const hostile: [string, string][] = [
    ['empty', ''],
    ['identifier only', '30'],
    ['truncated content', '04 05 0102'],
    ['length beyond input', '30 84 7f ff ff ff 00'],
    ['5-byte length', '04 85 01 00 00 00 00'],
    ['reserved length 0xff', '04 ff'],
    ['indefinite primitive', '04 80 00 00'],
    ['indefinite without end', '30 80 02 01 01'],
    ['child overruns parent', '30 03 04 05 00'],
    ['trailing data', '05 00 00'],
    ['truncated high tag', '1f 81'],
  ];
  it.each(hostile)('rejects %s with ERR_ASN1_MALFORMED', (_name, input) => {
    expect(codeOf(() => parseDer(h(input)))).toBe('ERR_ASN1_MALFORMED');
  });

  it('caps nesting depth and element count', () => {
    const deep = new Uint8Array(200 * 2);
    for (let i = 0; i < 200; i++) {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = 0x80;
    }
    expect(codeOf(() => parseDer(deep))).toBe('ERR_ASN1_MALFORMED');
    let nested = derNull();
    for (let i = 0; i < 70; i++) nested = derSequence(nested);
    expect(codeOf(() => parseDer(nested))).toBe('ERR_ASN1_MALFORMED');
    expect(parseDer(nested, { maxDepth: 100 }).children.length).toBe(1);
    const many = derSequence(...Array.from({ length: 1000 }, () => derNull()));
    expect(codeOf(() => parseDer(many, { maxElements: 500 }))).toBe('ERR_ASN1_MALFORMED');
  });

  it('does not hang on a huge declared length', () => {
    const t = Date.now();
    expect(codeOf(() => parseDer(h('30 84 ff ff ff ff')))).toBe('ERR_ASN1_MALFORMED');
    expect(Date.now() - t).toBeLessThan(100);
  });
});

describe('typed accessors', () => {
  it('report the path and expectation on a wrong tag', () => {
    const el = parseDer(derSequence(derInteger(1)));
    try {
      readOctetString(el.children[0], 'SESeal.eSealInfo.property.certList[0]');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SealError);
      expect((e as SealError).code).toBe('ERR_ASN1_UNEXPECTED');
      expect((e as SealError).details).toEqual({ path: 'SESeal.eSealInfo.property.certList[0]', expected: 'OCTET STRING' });
    }
    expect(codeOf(() => readSequence(el, 'X', 2, 2))).toBe('ERR_ASN1_UNEXPECTED');
    expect(codeOf(() => readSequence(undefined, 'X'))).toBe('ERR_ASN1_UNEXPECTED');
  });

  it('decode values', () => {
    expect(readSmallInteger(parseDer(h('02 02 00 80')), 'i')).toBe(128);
    expect(readSmallInteger(parseDer(h('02 01 ff')), 'i')).toBe(-1);
    expect(readBigInteger(parseDer(h('02 09 01 00 00 00 00 00 00 00 00')), 'i')).toBe(2n ** 64n);
    expect(codeOf(() => readSmallInteger(parseDer(h('02 09 01 00 00 00 00 00 00 00 00')), 'i'))).toBe('ERR_ASN1_MALFORMED');
    expect(readOid(parseDer(h('06 08 2a 81 1c cf 55 01 83 75')), 'o')).toBe('1.2.156.10197.1.501');
    expect(readBitString(parseDer(h('03 03 00 ab cd')), 'b')).toEqual(h('abcd'));
    expect(codeOf(() => readBitString(parseDer(h('03 02 01 80')), 'b'))).toBe('ERR_ASN1_MALFORMED');
    expect(readBoolean(parseDer(h('01 01 00')), 'b')).toBe(false);
    expect(readIA5String(parseDer(h('16 02 4553')), 's')).toBe('ES');
    expect(codeOf(() => readIA5String(parseDer(h('16 01 c3')), 's'))).toBe('ERR_ASN1_MALFORMED');
    expect(readUtf8String(parseDer(derUtf8String('测试用印章')), 's')).toBe('测试用印章');
    expect(readExplicit(parseDer(derExplicit(0, derNull())), 0, 'x').tagNumber).toBe(5);
  });

  it('read times in both types and the textual forms of v1 timeInfo', () => {
    expect(readTime(parseDer(derUtcTime(new Date('2020-04-22T02:18:07Z'))), 't').text).toBe('200422021807Z');
    expect(parseUtcTime('491231235959Z')?.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(parseUtcTime('500101000000Z')?.toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(parseGeneralizedTime('20201004072855.302Z')?.toISOString()).toBe('2020-10-04T07:28:55.302Z');
    expect(parseGeneralizedTime('20201010151120')?.toISOString()).toBe('2020-10-10T15:11:20.000Z');
    expect(parseGeneralizedTime('20201010151120+0800')?.toISOString()).toBe('2020-10-10T07:11:20.000Z');
    expect(parseTextualTime('2020-01-25T07:31:56.377Z')?.toISOString()).toBe('2020-01-25T07:31:56.377Z');
    expect(parseTextualTime('2021-05-19 20:53:44')?.toISOString()).toBe('2021-05-19T12:53:44.000Z'); // Beijing time
    expect(parseTextualTime('not a time')).toBeUndefined();
    expect(parseGeneralizedTime('20201332000000Z')).toBeUndefined();
    expect(codeOf(() => readTime(parseDer(derGeneralizedTime(new Date(0))), 't', ['UTCTime']))).toBe('ERR_ASN1_UNEXPECTED');
  });
});

describe('strict DER writer', () => {
  it('encodes INTEGERs minimally', () => {
    expect(hex(derInteger(0))).toBe('020100');
    expect(hex(derInteger(127))).toBe('02017f');
    expect(hex(derInteger(128))).toBe('02020080');
    expect(hex(derInteger(256))).toBe('02020100');
    expect(hex(derInteger(-1))).toBe('0201ff');
    expect(hex(derInteger(-128))).toBe('020180');
    expect(hex(derInteger(-129))).toBe('0202ff7f');
    for (const v of [0, 1, 127, 128, 255, 256, 65535, -1, -128, -129, -65536, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(readSmallInteger(parseDer(derInteger(v)), 'i')).toBe(v);
    }
  });

  it('encodes lengths minimally', () => {
    expect(hex(derOctetString(new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(hex(derOctetString(new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(hex(derOctetString(new Uint8Array(256))).slice(0, 8)).toBe('04820100');
    expect(hex(derOctetString(new Uint8Array(70000))).slice(0, 10)).toBe('0483011170');
  });

  it('round-trips OIDs, strings, times and tags', () => {
    for (const oid of ['1.2.156.10197.1.501', '1.2.840.113549.1.7.2', '2.5.29.19', '2.999.1', '0.9.2342.19200300.100.1.1']) {
      expect(readOid(parseDer(derOid(oid)), 'o')).toBe(oid);
    }
    expect(hex(derOid('1.2.156.10197.1.501'))).toBe('06082a811ccf55018375');
    expect(codeOf(() => derOid('1.40.1'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => derOid('1.2.'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => derIA5String('印章'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => derPrintableString('a*b'))).toBe('ERR_INPUT_INVALID');
    expect(readPrintableString(parseDer(derPrintableString('SM3 digest')), 'p')).toBe('SM3 digest');
    const d = new Date('2020-04-22T02:09:00Z');
    expect(new TextDecoder().decode(parseDer(derGeneralizedTime(d)).content)).toBe('20200422020900Z');
    expect(new TextDecoder().decode(parseDer(derGeneralizedTime(new Date('2020-10-04T07:28:55.300Z'))).content)).toBe('20201004072855.3Z');
    expect(readTime(parseDer(derGeneralizedTime(d)), 't').date).toEqual(d);
    expect(codeOf(() => derUtcTime(new Date('2050-01-01T00:00:00Z')))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => derGeneralizedTime(new Date(NaN)))).toBe('ERR_INPUT_INVALID');
    expect(hex(derBoolean(true))).toBe('0101ff');
    expect(hex(derBitString(h('abcd')))).toBe('030300abcd');
    expect(hex(derImplicit(0, derOctetString(h('01'))))).toBe('800101');
    expect(hex(derImplicit(1, derSequence()))).toBe('a100');
    expect(hex(derSet(derInteger(2), derInteger(1)))).toBe('3106020101020102');
  });

  it('is byte-stable: parse → re-encode gives the same bytes', () => {
    const der = derSequence(derInteger(4), derIA5String('ES'), derExplicit(0, derBitString(h('00ff'))), derUtf8String('名称'), derGeneralizedTime(new Date('2022-04-22T02:09:00Z')));
    const el = parseDer(der);
    const again = derSequence(
      derInteger(readSmallInteger(el.children[0], 'a')),
      derIA5String(readIA5String(el.children[1], 'b')),
      derExplicit(0, derBitString(readBitString(readExplicit(el.children[2], 0, 'c'), 'c'))),
      derUtf8String(readUtf8String(el.children[3], 'd')),
      derGeneralizedTime(readTime(el.children[4], 'e').date),
    );
    expect(hex(again)).toBe(hex(der));
  });
});
