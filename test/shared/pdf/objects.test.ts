// SPDX-License-Identifier: Apache-2.0
/**
 * The object model: serialize → parse round trips (names with #xx, strings, numbers, nesting).
 */
import { describe, expect, it } from 'vitest';
import { PdfDict, PdfName, PdfRef, PdfString, decodeTextString, formatName, formatNumber, pdfDate, serialize, textString, type PdfObject } from '../../../shared/pdf/objects.js';
import { Lexer, parseObject } from '../../../shared/pdf/parser.js';

const parse = (s: string): PdfObject => parseObject(new Lexer(Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff), 0, false));

describe('PDF objects', () => {
  it('round-trips a nested object through serialize and parse', () => {
    const obj = new PdfDict([
      ['Type', new PdfName('Annot')],
      ['A B#/(x)', new PdfName('\u00e9\u00ff')], // names are byte strings (Latin-1 chars)
      ['Rect', [0, -1.5, 595.276, 1e-7]],
      ['Refs', [new PdfRef(12, 0), new PdfRef(3, 65535)]],
      ['S', new PdfString(Uint8Array.of(0, 0x28, 0x29, 0x5c, 0xff), false)],
      ['Nested', new PdfDict([['Deep', [[[true, false, null]]]]])],
    ]);
    const text = serialize(obj);
    const back = parse(text);
    expect(serialize(back)).toBe(text);
    expect(back).toBeInstanceOf(PdfDict);
    const d = back as PdfDict;
    expect((d.get('A B#/(x)') as PdfName).name).toBe('\u00e9\u00ff');
    expect(d.get('Rect')).toEqual([0, -1.5, 595.276, 0]);
    expect(d.get('Refs')).toEqual([new PdfRef(12, 0), new PdfRef(3, 65535)]);
    expect(Array.from((d.get('S') as PdfString).bytes)).toEqual([0, 0x28, 0x29, 0x5c, 0xff]);
  });

  it('formats names, numbers and dates canonically', () => {
    expect(formatName('A B')).toBe('/A#20B');
    expect(formatName('Adobe.PPKLite')).toBe('/Adobe.PPKLite');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(1 / 3)).toBe('0.333333');
    expect(formatNumber(-0.0000001)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('0');
    expect(pdfDate(new Date('2026-01-02T03:04:05Z'))).toBe('D:20260102030405Z');
  });

  it('encodes text strings as PDFDocEncoding or UTF-16BE and decodes them back', () => {
    expect(decodeTextString(textString('Beijing').bytes)).toBe('Beijing');
    const zh = textString('北京市财政局');
    expect(Array.from(zh.bytes.subarray(0, 2))).toEqual([0xfe, 0xff]);
    expect(decodeTextString(zh.bytes)).toBe('北京市财政局');
  });

  it('parses literal-string escapes, balanced parentheses and hex strings with odd digits', () => {
    const s = parse('(a\\(b\\)(c)\\\\\\101\\7\\\r\nd)') as PdfString;
    expect(new TextDecoder('latin1').decode(s.bytes)).toBe('a(b)(c)\\A\x07d');
    expect(Array.from((parse('<4 1 4>') as PdfString).bytes)).toEqual([0x41, 0x40]);
  });

  it('tells references from pairs of integers', () => {
    expect(parse('[1 0 R 2 3 4 0 R 5]')).toEqual([new PdfRef(1, 0), 2, 3, new PdfRef(4, 0), 5]);
    expect(parse('[1 0 2 R]')).toEqual([1, new PdfRef(0, 2)]);
  });
});
