// SPDX-License-Identifier: Apache-2.0
/** Seeded, bounded fuzzing of the XML inside OFD packages (re-zipped validly), plus DER of signed values. */
import { readFileSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, it } from 'vitest';
import { assertContract, int, useNativeSm3, mutateBytes, mutateXml, prng } from './fuzzSupport.js';

const SAMPLES = ['gomain-jiangsu-tax-v4.ofd', 'kinggrid-v4-invoice.ofd', 'gomain-two-digital-signs-gmt0010.ofd', 'ofdrw-v4-riding-seal.ofd'].map((f) => unzipSync(new Uint8Array(readFileSync(`test/fixtures/samples/ofd/${f}`))));
const ROUNDS = 800;

beforeAll(useNativeSm3);

describe('fuzz: XML and signed-value mutations inside sample OFD packages', () => {
  it(`survives ${ROUNDS} seeded rounds of 1–3 mutations each`, async () => {
    const rand = prng(0x0fd);
    for (let i = 0; i < ROUNDS; i++) {
      const files = { ...(SAMPLES[int(rand, SAMPLES.length)] as Record<string, Uint8Array>) };
      const names = Object.keys(files);
      // Prefer the signature machinery, where parsing is most involved.
      const sigNames = names.filter((n) => /Sign|OFD\.xml/i.test(n));
      const pool = rand() < 0.8 ? sigNames : names;
      const name = pool[int(rand, pool.length)] as string;
      const content = files[name] as Uint8Array;
      if (name.endsWith('.xml')) {
        let text = strFromU8(content);
        const n = 1 + int(rand, 3);
        for (let k = 0; k < n; k++) text = mutateXml(rand, text);
        files[name] = strToU8(text);
      } else {
        files[name] = mutateBytes(rand, content);
      }
      await assertContract(zipSync(files, { level: 0 }), `xml round ${i} (${name})`);
    }
  }, 60_000);
});
