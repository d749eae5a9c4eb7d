// SPDX-License-Identifier: Apache-2.0
/** Seeded, bounded fuzzing of whole OFD files: verifyDocument never throws, errors are coded. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, it } from 'vitest';
import { assertContract, int, useNativeSm3, mutateBytes, prng } from './fuzzSupport.js';

const FILES = ['gomain-jiangsu-tax-v4.ofd', 'ofdrw-v4-seal.ofd', 'gomain-two-digital-signs-gmt0010.ofd', 'dms360-v1-seal.ofd'].map((f) => new Uint8Array(readFileSync(`test/fixtures/samples/ofd/${f}`)));
const ROUNDS = 1200;

beforeAll(useNativeSm3);

describe('fuzz: byte mutations of sample OFD files', () => {
  it(`survives ${ROUNDS} seeded rounds of 1–3 mutations each`, async () => {
    const rand = prng(0x5ea1);
    for (let i = 0; i < ROUNDS; i++) {
      let bytes = FILES[int(rand, FILES.length)] as Uint8Array;
      const n = 1 + int(rand, 3);
      for (let k = 0; k < n; k++) bytes = mutateBytes(rand, bytes);
      await assertContract(bytes, `byte round ${i}`);
    }
  }, 60_000);
});
