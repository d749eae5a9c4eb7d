// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy, standardPolicyPath } from '../../../agent/policy/loadPolicy.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPolicy', () => {
  it('knows each OS standard location', () => {
    expect(standardPolicyPath({}, 'linux')).toBe('/etc/eseal/policy.json');
    expect(standardPolicyPath({ ProgramData: 'D:\\PD' }, 'win32')).toContain('ESeal');
    expect(standardPolicyPath({}, 'darwin')).toBe('/Library/Application Support/ESeal/policy.json');
  });

  it('uses the deny-all default when no standard file exists', () => {
    const loaded = loadPolicy(undefined, { ESEAL_POLICY: undefined, ProgramData: dir });
    // The standard Linux path does not exist on a test machine.
    expect(loaded.source === 'default' || loaded.source === '/etc/eseal/policy.json').toBe(true);
  });

  it('reads a file with a BOM', () => {
    const path = join(dir, 'bom.json');
    writeFileSync(path, '\uFEFF' + JSON.stringify({ portals: [{ origin: 'https://a.gov.cn', actions: ['status'] }] }));
    expect(loadPolicy(path).policy.portals).toHaveLength(1);
  });

  it.each([
    ['missing explicit file', undefined, /ERR_FILE_NOT_FOUND|not found/],
    ['not JSON', '{ "portals": [', /not valid JSON/],
    ['too large', ' '.repeat(1024 * 1024 + 1), /larger than/],
    ['bad field', JSON.stringify({ batch: { maxItems: 0 } }), /batch\.maxItems/],
  ])('refuses %s with a coded error', (_label, content, message) => {
    const path = join(dir, `${Math.random()}.json`);
    if (content !== undefined) writeFileSync(path, content);
    expect(() => loadPolicy(path)).toThrow(message);
  });
});
