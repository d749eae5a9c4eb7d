// SPDX-License-Identifier: Apache-2.0
// The ready-made enterprise templates in docs/admin/templates: every JSON parses, the policy in
// each passes the shared validator (the same one the extension and the agent run), all of them
// carry the same policy as eseal-policy.json, and the Windows .reg files decode — by Chrome's
// registry rules (objects are subkeys, lists are values/subkeys named 1, 2, …, numbers and booleans
// are REG_DWORD) — to that same policy. (No Windows here: the decoding is checked, not regedit.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy, POLICY_SCHEMA } from '../../shared/policy/Policy.js';
import type { Schema } from '../../shared/schema/schema.js';
import { builtExtensionDir, repoRoot } from '../support/builtArtifacts.js';

const DIR = join(repoRoot, 'docs/admin/templates');
const CHROME_ID = readFileSync(join(repoRoot, 'extension/EXTENSION_ID'), 'utf8').trim();
const canonical = JSON.parse(readFileSync(join(DIR, 'eseal-policy.json'), 'utf8')) as Record<string, unknown>;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}
const all = files(DIR).map((f) => relative(DIR, f)).sort();
const readJson = (name: string) => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as Record<string, unknown>;

/** A .reg file as key path → values (name → string | number). */
function parseReg(name: string): { deleted: string[]; keys: Map<string, Map<string, string | number>> } {
  const raw = readFileSync(join(DIR, name));
  expect([raw[0], raw[1]]).toEqual([0xff, 0xfe]); // UTF-16LE BOM, what regedit expects for non-ASCII
  const lines = raw.subarray(2).toString('utf16le').split('\r\n');
  expect(lines[0]).toBe('Windows Registry Editor Version 5.00');
  const keys = new Map<string, Map<string, string | number>>();
  const deleted: string[] = [];
  let current: Map<string, string | number> | undefined;
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith(';')) continue;
    const section = /^\[(-?)(.+)\]$/.exec(line);
    if (section) {
      if (section[1] === '-') {
        deleted.push(section[2] ?? '');
        current = undefined;
      } else {
        current = new Map();
        keys.set(section[2] ?? '', current);
      }
      continue;
    }
    const value = /^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$/.exec(line);
    if (!value || !current) throw new Error(`${name}: unexpected line ${line}`);
    const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
    current.set(unescape(value[1] ?? ''), value[3] !== undefined ? parseInt(value[3], 16) : unescape(value[2] ?? ''));
  }
  return { deleted, keys };
}

/** Chrome's conversion of a registry subtree to JSON, guided by the schema's types. */
function fromRegistry(keys: Map<string, Map<string, string | number>>, path: string, schema: Schema): unknown {
  const values = keys.get(path) ?? new Map<string, string | number>();
  const scalar = (v: string | number, s: Schema): unknown => (s.type === 'boolean' ? v === 1 : v);
  if (schema.type === 'array') {
    const out: unknown[] = [];
    for (let i = 1; ; i++) {
      const v = values.get(String(i));
      if (v !== undefined) out.push(scalar(v, schema.items));
      else if (keys.has(`${path}\\${i}`)) out.push(fromRegistry(keys, `${path}\\${i}`, schema.items));
      else break;
    }
    return out;
  }
  if (schema.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(schema.properties)) {
      const v = values.get(name);
      if (v !== undefined) out[name] = scalar(v, sub);
      else if (keys.has(`${path}\\${name}`)) out[name] = fromRegistry(keys, `${path}\\${name}`, sub);
    }
    // Nothing in the registry that the schema does not know (Chrome would drop it silently).
    for (const name of values.keys()) expect(Object.keys(schema.properties), `${path} value ${name}`).toContain(name);
    return out;
  }
  throw new Error('scalar at key level');
}

describe('docs/admin/templates', () => {
  it('has the templates the admin guide names', () => {
    expect(all).toEqual(['eseal-policy.json', 'firefox/policies.json', 'linux/chrome/eseal.json', 'linux/chromium/eseal.json', 'linux/edge/eseal.json', 'windows/eseal-chrome.reg', 'windows/eseal-edge.reg']);
    const guide = readFileSync(join(repoRoot, 'docs/admin/README.md'), 'utf8');
    for (const f of all) expect(guide).toContain(`templates/${f}`);
  });

  it('eseal-policy.json passes the shared validator and lists real portals', () => {
    const p = parsePolicy(canonical);
    expect(p.portals.length).toBeGreaterThan(0);
    expect(p.portals.every((r) => r.origin.startsWith('https://'))).toBe(true);
  });

  it.each(['linux/chrome/eseal.json', 'linux/chromium/eseal.json', 'linux/edge/eseal.json'])('%s: 3rdparty policy = eseal-policy.json (valid), force install and the LNA fallback', (name) => {
    const j = readJson(name);
    const ext = (j['3rdparty'] as { extensions: Record<string, unknown> }).extensions;
    expect(Object.keys(ext)).toEqual([CHROME_ID]);
    expect(ext[CHROME_ID]).toEqual(canonical);
    expect(() => parsePolicy(ext[CHROME_ID])).not.toThrow();
    expect(j['ExtensionInstallForcelist']).toEqual([expect.stringMatching(new RegExp(`^${CHROME_ID};https://`)) as string]);
    const lna = j['LocalNetworkAccessAllowedForUrls'] as string[];
    for (const portal of parsePolicy(canonical).portals) expect(lna).toContain(portal.origin.replace('https://*.', 'https://[*.]'));
    expect(lna).toContain(`chrome-extension://${CHROME_ID}`);
  });

  it('firefox/policies.json: 3rdparty.Extensions[gecko id] = eseal-policy.json (valid), force-installed by ExtensionSettings', () => {
    const gecko = (JSON.parse(readFileSync(join(builtExtensionDir('firefox'), 'manifest.json'), 'utf8')) as { browser_specific_settings: { gecko: { id: string } } }).browser_specific_settings.gecko.id;
    const j = readJson('firefox/policies.json') as { policies: { ExtensionSettings: Record<string, Record<string, string>>; '3rdparty': { Extensions: Record<string, unknown> } } };
    expect(j.policies['3rdparty'].Extensions[gecko]).toEqual(canonical);
    expect(() => parsePolicy(j.policies['3rdparty'].Extensions[gecko])).not.toThrow();
    expect(j.policies.ExtensionSettings[gecko]).toMatchObject({ installation_mode: 'force_installed', install_url: expect.stringMatching(/^https:\/\/.+\.xpi$/) as string });
  });

  it.each([
    ['windows/eseal-chrome.reg', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome'],
    ['windows/eseal-edge.reg', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge'],
  ])('%s decodes to the same policy under %s\\3rdparty\\extensions\\<id>\\policy', (name, base) => {
    const { deleted, keys } = parseReg(name);
    const policyKey = `${base}\\3rdparty\\extensions\\${CHROME_ID}\\policy`;
    expect(deleted).toEqual([policyKey]); // stale fields from an older policy are removed first
    const decoded = fromRegistry(keys, policyKey, POLICY_SCHEMA);
    expect(decoded).toEqual(canonical);
    expect(() => parsePolicy(decoded)).not.toThrow();
    const linux = readJson('linux/chrome/eseal.json');
    expect([...(keys.get(`${base}\\ExtensionInstallForcelist`)?.values() ?? [])]).toEqual(linux['ExtensionInstallForcelist']);
    expect([...(keys.get(`${base}\\LocalNetworkAccessAllowedForUrls`)?.values() ?? [])]).toEqual(linux['LocalNetworkAccessAllowedForUrls']);
    // Every key is under the browser's policy root.
    for (const k of keys.keys()) expect(k.startsWith(`${base}\\`)).toBe(true);
  });

  it('the .reg decoder is not lenient: a changed value is noticed', () => {
    const { keys } = parseReg('windows/eseal-chrome.reg');
    const policyKey = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\3rdparty\\extensions\\${CHROME_ID}\\policy`;
    keys.get(`${policyKey}\\batch`)?.set('enabled', 0);
    expect(fromRegistry(keys, policyKey, POLICY_SCHEMA)).not.toEqual(canonical);
  });
});
