// SPDX-License-Identifier: Apache-2.0
/** The koffi layer of the SKF back end: packed structure sizes, name lists, strings, blobs, loading. */
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import {
  DEVINFO, ECCPUBLICKEYBLOB, ECCSIGNATUREBLOB, FILEATTRIBUTE, cString, decodeSkfString, loadSkfLibrary, readNameList, rightAligned32, splitNameList,
} from '../../../../agent/token/skf/skfBindings.js';
import { SAR } from '../../../../agent/token/skf/mapSkfError.js';
import { buildTestTokens } from '../../../test-tokens/testTokenSupport.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (list: Uint8Array[]): string[] => list.map((b) => Buffer.from(b).toString('latin1'));

describe('SKF bindings', () => {
  it('declares the GM/T 0016 structures packed: DEVINFO 294, ECCPUBLICKEYBLOB 132, ECCSIGNATUREBLOB 128, FILEATTRIBUTE 44', () => {
    expect([DEVINFO, ECCPUBLICKEYBLOB, ECCSIGNATUREBLOB, FILEATTRIBUTE].map((t) => koffi.sizeof(t))).toEqual([294, 132, 128, 44]);
  });

  it.each([
    ['\0\0', 2, []],
    ['\0', 1, []],
    ['', 0, []],
    ['SoftSKF0\0\0', 10, ['SoftSKF0']],
    ['A\0BB\0CCC\0\0', 10, ['A', 'BB', 'CCC']],
    ['A\0BB', 4, ['A', 'BB']], // no terminating NULs (some drivers)
    ['A\0\0garbage\0\0', 13, ['A']], // stops at the list end
    ['A\0BB\0\0', 3, ['A', 'B']], // never reads past the reported size
  ])('splits the double-NUL list %j (size %d)', (list, size, expected) => {
    expect(text(splitNameList(bytes(list), size))).toEqual(expected);
  });

  it('readNameList: size query, then the list; retries when the list grew in between', async () => {
    const lists = ['AB\0\0', 'AB\0CD\0\0'] as const;
    let calls = 0;
    const names = await readNameList(
      (buf, size) => {
        const current = calls++ === 0 ? lists[0] : lists[1]; // grows after the first size query
        if (!buf) size[0] = current.length;
        else if (size[0] < current.length) {
          size[0] = current.length;
          return Promise.resolve(SAR.SAR_BUFFER_TOO_SMALL);
        } else {
          buf.write(current, 'latin1');
          size[0] = current.length;
        }
        return Promise.resolve(SAR.SAR_OK);
      },
      (rv) => expect(rv).toBe(SAR.SAR_OK),
    );
    expect(text(names)).toEqual(['AB', 'CD']);
    expect(calls).toBe(4); // query, too small, query, fill
  });

  it('decodes SKF strings: UTF-8, else GB18030 (GBK drivers); cut at NUL; trailing blanks trimmed', () => {
    expect(decodeSkfString(new Uint8Array([...Buffer.from('测试 KEY  ', 'utf8'), 0, 0x41]))).toBe('测试 KEY');
    expect(decodeSkfString(new Uint8Array([0xb2, 0xe2, 0xca, 0xd4, 0x4b, 0x45, 0x59, 0]))).toBe('测试KEY'); // GBK
    expect(decodeSkfString(new Uint8Array(32))).toBe('');
    expect(decodeSkfString(bytes('FULL-32-BYTES-NO-NUL-0123456789A'))).toBe('FULL-32-BYTES-NO-NUL-0123456789A');
    expect([...cString(new Uint8Array([0xb2, 0xe2]))]).toEqual([0xb2, 0xe2, 0]);
  });

  it('takes 256-bit values right-aligned in 64-byte blob fields, and refuses anything else', () => {
    const field = new Uint8Array(64);
    field.fill(7, 32);
    expect(rightAligned32(field, 'r')).toEqual(new Uint8Array(32).fill(7));
    field[0] = 1;
    expect(() => rightAligned32(field, 'r')).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_LIBRARY' }) as Error);
    expect(() => rightAligned32(new Uint8Array(32), 'r')).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_LIBRARY' }) as Error);
  });

  it('loads a library once per path; a missing library is ERR_TOKEN_LIBRARY', () => {
    const path = buildTestTokens().skf;
    expect(loadSkfLibrary(path)).toBe(loadSkfLibrary(path));
    expect(loadSkfLibrary(path).fn.SKF_WaitForDevEvent).toBeTypeOf('function');
    expect(() => loadSkfLibrary('/nonexistent/libskf.so')).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_LIBRARY' }) as Error);
    // A library without the SKF entry points (libsm2testtoken.so is PKCS#11) is refused by name.
    expect(() => loadSkfLibrary(buildTestTokens().pkcs11)).toThrow(expect.objectContaining({ details: { reason: 'SKF_EnumDev missing from the SKF library' } }) as Error);
  });
});
