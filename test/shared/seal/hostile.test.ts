// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile inputs for the seal decoders: a table of malformed structures, then a seeded, bounded fuzz
 * run over the sample seals and signatures. Every failure must be a coded SealError (never a
 * TypeError/RangeError), and nothing may hang.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../shared/errors/index.js';
import { derBitString, derIA5String, derInteger, derNull, derOctetString, derOid, derSequence, derUtf8String } from '../../../shared/asn1/index.js';
import { decodeSESeal } from '../../../shared/seal/SESeal.js';
import { decodeSES_Signature } from '../../../shared/seal/SES_Signature.js';
import { detectSesStructure } from '../../../shared/seal/detectSesStructure.js';
import { verifySealOnly, verifySesSignature } from '../../../shared/seal/verifySeal.js';

const seals = new URL('../../fixtures/samples/seals/', import.meta.url);
const ofds = new URL('../../fixtures/samples/ofd/', import.meta.url);
const load = (u: URL): Uint8Array => new Uint8Array(readFileSync(u));

function failure(fn: () => unknown): SealError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof SealError)) throw new Error(`expected a SealError, got ${String(e)}`, { cause: e });
    return e;
  }
}

const header = derSequence(derIA5String('ES'), derInteger(4), derIA5String('V'));

describe('malformed seals and signatures → coded SealError', () => {
  const userV4 = load(new URL('UserV4.esl', seals));
  const table: [string, Uint8Array, string[]][] = [
    ['empty', new Uint8Array(0), ['ERR_ASN1_MALFORMED']],
    ['truncated seal', userV4.subarray(0, 1000), ['ERR_ASN1_MALFORMED']],
    ['huge length', Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00), ['ERR_ASN1_MALFORMED']],
    ['deep nesting', new Uint8Array(4000).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80)), ['ERR_ASN1_MALFORMED']],
    ['NULL instead of SEQUENCE', derNull(), ['ERR_ASN1_UNEXPECTED']],
    ['SEQUENCE of 3', derSequence(derNull(), derNull(), derNull()), ['ERR_SEAL_MALFORMED', 'ERR_ASN1_UNEXPECTED']],
    ['v4 shape without header', derSequence(derSequence(derNull()), derOctetString(new Uint8Array(1)), derOid('1.2.3'), derBitString(new Uint8Array(1))), ['ERR_SEAL_MALFORMED']],
    [
      'wrong tag in property',
      derSequence(
        derSequence(header, derIA5String('id'), derSequence(derInteger(1), derUtf8String('n'), derInteger(1), derOctetString(new Uint8Array(1)), derNull(), derNull(), derNull()), derNull()),
        derOctetString(new Uint8Array(1)),
        derOid('1.2.156.10197.1.501'),
        derBitString(new Uint8Array(1)),
      ),
      ['ERR_ASN1_UNEXPECTED'],
    ],
    ['trailing garbage', Uint8Array.from([...userV4, 0x00]), ['ERR_ASN1_MALFORMED']],
  ];
  it.each(table)('%s', (_name, input, codes) => {
    const e = failure(() => decodeSESeal(input));
    expect(e).toBeDefined();
    expect(codes).toContain(e?.code);
    const e2 = failure(() => decodeSES_Signature(input));
    expect(e2).toBeDefined();
    // Detection is structural only: a seal-shaped input with bad contents is still detected as a seal.
    expect(['unknown', 'seal-v4']).toContain(detectSesStructure(input));
  });

  it('names the path of a wrong element', () => {
    // certList entry is an INTEGER instead of an OCTET STRING.
    const bad = derSequence(
      derSequence(
        header,
        derIA5String('id'),
        derSequence(derInteger(1), derUtf8String('n'), derInteger(1), derSequence(derInteger(7)), derNull(), derNull(), derNull()),
        derNull(),
      ),
      derOctetString(new Uint8Array(1)),
      derOid('1.2.156.10197.1.501'),
      derBitString(new Uint8Array(1)),
    );
    const e = failure(() => decodeSESeal(bad));
    expect(e?.code).toBe('ERR_ASN1_UNEXPECTED');
    expect(e?.details).toEqual({ path: 'SESeal.eSealInfo.property.certList[0]', expected: 'OCTET STRING' });
  });
});

/** xorshift32: deterministic PRNG for the fuzz run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function seeds(): Uint8Array[] {
  const out = ['UserV1.esl', 'UserV4.esl', 'SignedValueV4.dat'].map((n) => load(new URL(n, seals)));
  for (const name of ['dms360-v1-seal.ofd', 'gomain-jiangsu-tax-v4.ofd', 'dianju-v4-signvalue-name.ofd']) {
    const files = unzipSync(load(new URL(name, ofds)));
    for (const [path, data] of Object.entries(files)) if (/Sign(ed)?Value\.dat$/.test(path)) out.push(data);
  }
  return out;
}

function mutate(src: Uint8Array, rnd: () => number, other: Uint8Array): Uint8Array {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const b = src.slice();
  switch (pick(6)) {
    case 0: {
      // bit flips, biased to the first bytes where the headers are
      const n = 1 + pick(4);
      for (let i = 0; i < n; i++) {
        const at = rnd() < 0.5 ? pick(Math.min(b.length, 200)) : pick(b.length);
        b[at] = (b[at] as number) ^ (1 << pick(8));
      }
      return b;
    }
    case 1:
      return b.subarray(0, pick(b.length));
    case 2: {
      // length-byte edits: find a plausible length byte after a tag
      const at = 1 + pick(Math.min(b.length - 1, 400));
      b[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][pick(7)] as number;
      return b;
    }
    case 3: {
      // splice a chunk of another sample in
      const from = pick(other.length);
      const len = pick(64);
      const at = pick(b.length);
      return Uint8Array.from([...b.subarray(0, at), ...other.subarray(from, from + len), ...b.subarray(at + len)]);
    }
    case 4: {
      // delete a range
      const at = pick(b.length);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + pick(16))]);
    }
    default: {
      // tag-byte rewrite
      const at = pick(Math.min(b.length, 300));
      b[at] = [0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0x16, 0x18, 0xa0, 0x80][pick(10)] as number;
      return b;
    }
  }
}

describe('seeded fuzz of sample seals and signatures', () => {
  it('every failure is a SealError, within the time budget', () => {
    const inputs = seeds();
    expect(inputs.length).toBeGreaterThanOrEqual(5);
    const rnd = prng(20260422);
    const started = Date.now();
    let errors = 0;
    let parsed = 0;
    const N = 3600;
    for (let i = 0; i < N; i++) {
      const src = inputs[i % inputs.length] as Uint8Array;
      const other = inputs[(i * 7 + 3) % inputs.length] as Uint8Array;
      const m = mutate(src, rnd, other);
      const t = Date.now();
      const structure = detectSesStructure(m);
      for (const fn of [() => decodeSESeal(m), () => decodeSES_Signature(m)]) {
        try {
          fn();
          parsed++;
        } catch (e) {
          if (!(e instanceof SealError)) {
            throw new Error(`mutation ${i} (${structure}) threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
          }
          errors++;
        }
      }
      expect(Date.now() - t).toBeLessThan(1000);
    }
    expect(errors + parsed).toBe(2 * N);
    expect(errors).toBeGreaterThan(N / 2);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('seeded fuzz of the verifiers', () => {
  it('verifySesSignature / verifySealOnly reject with SealError only and never hang', async () => {
    const inputs = seeds();
    const rnd = prng(7);
    const started = Date.now();
    let reports = 0;
    for (let i = 0; i < 300; i++) {
      const src = inputs[i % inputs.length] as Uint8Array;
      const m = mutate(src, rnd, inputs[(i + 1) % inputs.length] as Uint8Array);
      for (const fn of [() => verifySesSignature(m, { trustAnchors: [] }), () => verifySealOnly(m, { trustAnchors: [], time: new Date('2021-01-01T00:00:00Z') })]) {
        try {
          const v = await fn();
          expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(v.indication);
          reports++;
        } catch (e) {
          if (!(e instanceof SealError)) throw new Error(`verify mutation ${i} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
        }
      }
    }
    expect(reports).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
