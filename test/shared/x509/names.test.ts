// SPDX-License-Identifier: Apache-2.0
// Name decoding for every string type Chinese CAs use (UTF8String, BMPString, PrintableString and
// TeletexString holding UTF-8 or GBK bytes), RFC 4514 escaping and name matching; PEM edge cases.
import { describe, expect, it } from 'vitest';
import { parseDer } from '../../../shared/asn1/index.js';
import { derOid, derSequence, derSet, derTlv } from '../../../shared/asn1/derWriter.js';
import { isSealError } from '../../../shared/errors/index.js';
import { decodeBase64Strict, decodePem, escapeRfc4514, namesEqual, parseName } from '../../../shared/x509/index.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
function bmp(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) >> 8;
    out[2 * i + 1] = s.charCodeAt(i) & 0xff;
  }
  return out;
}
/** GBK bytes of 张三 and 财政局. */
const GBK_ZHANGSAN = Uint8Array.of(0xd5, 0xc5, 0xc8, 0xfd);

function atv(type: string, tag: number, value: Uint8Array): Uint8Array {
  return derSet(derSequence(derOid(type), derTlv(tag, value)));
}

function name(...rdns: Uint8Array[]): ReturnType<typeof parseName> {
  return parseName(parseDer(derSequence(...rdns)), 'test');
}

describe('parseName', () => {
  it('decodes UTF8String, BMPString, PrintableString and TeletexString', () => {
    const n = name(atv(C, 0x13, utf8('CN')), atv(O, 0x1e, bmp('某某市财政局')), atv(CN, 0x0c, utf8('张三')));
    expect(n.text).toBe('CN=张三,O=某某市财政局,C=CN');
    expect(n.rdns.flat().map((a) => a.encoding)).toEqual(['PrintableString', 'BMPString', 'UTF8String']);
    const t = name(atv(O, 0x14, utf8('某某市公安局')), atv(CN, 0x13, utf8('王某某')));
    expect(t.text).toBe('CN=王某某,O=某某市公安局');
  });

  it('decodes GBK bytes in a PrintableString (non-conforming but common)', () => {
    expect(name(atv(CN, 0x13, GBK_ZHANGSAN)).text).toBe('CN=张三');
    expect(name(atv(CN, 0x14, GBK_ZHANGSAN)).text).toBe('CN=张三');
  });

  it('prints unknown types and non-string values as #hex, multi-valued RDNs with +', () => {
    const n = name(derSet(derSequence(derOid(CN), derTlv(0x0c, utf8('a'))), derSequence(derOid('1.2.3.4'), derTlv(0x02, Uint8Array.of(5)))));
    expect(n.text).toBe('1.2.3.4=#020105+CN=a'); // DER SET OF order
  });

  it('escapes RFC 4514 special characters', () => {
    expect(escapeRfc4514('a,b+c"d\\e<f>g;h')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
    expect(escapeRfc4514(' lead')).toBe('\\ lead');
    expect(escapeRfc4514('#x')).toBe('\\#x');
    expect(escapeRfc4514('trail ')).toBe('trail\\ ');
    expect(escapeRfc4514('a\u0001b')).toBe('a\\01b');
    expect(name(atv(CN, 0x0c, utf8('#020105'))).text).toBe('CN=\\#020105');
  });

  it('matches names by DER or after normalisation (string type, case, spaces)', () => {
    const a = name(atv(C, 0x13, utf8('CN')), atv(CN, 0x0c, utf8('ESeal  Test')));
    const b = name(atv(C, 0x0c, utf8('cn')), atv(CN, 0x1e, bmp('eseal test')));
    const c = name(atv(C, 0x13, utf8('CN')), atv(CN, 0x0c, utf8('Other')));
    expect(namesEqual(a, a)).toBe(true);
    expect(namesEqual(a, b)).toBe(true);
    expect(namesEqual(a, c)).toBe(false);
  });

  it('rejects malformed names with ERR_X509_MALFORMED', () => {
    const bad = [
      derSequence(derSequence(derOid(CN))),
      derSequence(derSet()),
      derSequence(derSet(derSequence(derOid(CN), derTlv(0x1e, Uint8Array.of(0x00))))),
      derSequence(derSet(derSequence(derTlv(0x0c, utf8('x')), derTlv(0x0c, utf8('y'))))),
      derOid(CN),
    ];
    for (const der of bad) {
      let code = 'none';
      try {
        parseName(parseDer(der), 'test');
      } catch (e) {
        code = isSealError(e) ? e.code : 'not a SealError';
      }
      expect(code).toBe('ERR_X509_MALFORMED');
    }
  });
});

describe('PEM', () => {
  it('decodes CRLF, RFC 1421 headers, several blocks and skips other labels', () => {
    const text = [
      'junk before',
      '-----BEGIN CERTIFICATE-----',
      'AQID',
      '-----END CERTIFICATE-----',
      '-----BEGIN EC PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      'DEK-Info: AES-128-CBC,00',
      '',
      'BAUG',
      '-----END EC PRIVATE KEY-----',
      '-----BEGIN CERTIFICATE-----',
      'BwgJCg==',
      '-----END CERTIFICATE-----',
    ].join('\r\n');
    expect(decodePem(text, ['CERTIFICATE']).map((b) => [...b.der])).toEqual([[1, 2, 3], [7, 8, 9, 10]]);
    expect(decodePem(text).map((b) => b.label)).toEqual(['CERTIFICATE', 'EC PRIVATE KEY', 'CERTIFICATE']);
    expect([...(decodePem(text)[1]?.der ?? [])]).toEqual([4, 5, 6]);
  });

  it('strict base64', () => {
    expect([...decodeBase64Strict('AQ==')]).toEqual([1]);
    expect([...decodeBase64Strict('AQI=')]).toEqual([1, 2]);
    for (const bad of ['A', 'AQ=', 'A=Q=', '====', 'AQ==AQ==', 'AQ\u00e9=']) {
      let code = 'none';
      try {
        decodeBase64Strict(bad);
      } catch (e) {
        code = isSealError(e) ? e.code : 'not a SealError';
      }
      expect(code, bad).toBe('ERR_X509_PEM_INVALID');
    }
  });
});
