// SPDX-License-Identifier: Apache-2.0
// The extension's policy source without a browser: the Firefox path (policies.json 3rdparty
// → browser.storage.managed, no schema check by Firefox, so the shared validator is the only
// judge), what counts as "no managed policy", the cached read and its invalidation, the bounded
// wait, and the Chrome managed_schema.json rendered from POLICY_SCHEMA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrowserApi } from '../../extension/browserApi.js';
import { loadPolicy, readPolicy } from '../../extension/background/policySource.js';
import { POLICY_SCHEMA } from '../../shared/policy/Policy.js';
import { managedSchemaNode, renderManagedSchema } from '../../scripts/managedSchema.js';
import { builtExtensionDir } from '../support/builtArtifacts.js';

const PORTAL = 'https://zwfw.example.gov.cn';

interface Fake {
  api: BrowserApi;
  reads: () => number;
  setManaged(v: unknown): void;
  fire(changes: Record<string, unknown>, area: string): void;
}

/** A Firefox-like API: storage.managed rejects when policies.json has no entry for the add-on. */
function firefoxApi(o: { managed?: unknown; installType?: string; devPolicy?: unknown; hang?: boolean; onChanged?: boolean }): Fake {
  let managed = o.managed;
  let reads = 0;
  const listeners: ((c: Record<string, unknown>, a: string) => void)[] = [];
  const api = {
    storage: {
      local: { get: () => Promise.resolve(o.devPolicy === undefined ? {} : { devPolicy: o.devPolicy }), set: () => Promise.resolve(), remove: () => Promise.resolve() },
      managed: {
        get: () => {
          reads++;
          if (o.hang) return new Promise(() => undefined);
          return managed === undefined ? Promise.reject(new Error('Managed storage manifest not found')) : Promise.resolve(managed);
        },
      },
      ...(o.onChanged !== false && { onChanged: { addListener: (l: (c: Record<string, unknown>, a: string) => void) => listeners.push(l) } }),
    },
    management: { getSelf: () => Promise.resolve({ installType: o.installType ?? 'normal' }) },
  } as unknown as BrowserApi;
  return { api, reads: () => reads, setManaged: (v) => (managed = v), fire: (c, a) => listeners.forEach((l) => l(c, a)) };
}

describe('Firefox policies.json 3rdparty → storage.managed, validated by the extension', () => {
  it('the same fields as the agent file and Chrome are accepted', async () => {
    const r = await readPolicy(firefoxApi({
      managed: { agentPort: 17600, portals: [{ origin: PORTAL, name: '政务服务网', actions: ['status', 'pdf.seal'], sealTypes: ['official'] }], batch: { enabled: true, maxItems: 20 }, pin: { entry: 'pinpad' } },
    }).api);
    expect(r).toMatchObject({ source: 'managed', origin: 'storage.managed', fields: ['agentPort', 'batch', 'pin', 'portals'] });
    expect(r.policy).toMatchObject({ agentPort: 17600, batch: { enabled: true, maxItems: 20 }, pin: { entry: 'pinpad' } });
    expect(r.policy.portals[0]).toMatchObject({ origin: PORTAL, sealTypes: ['official'] });
  });

  it.each([
    ['an unknown field (Firefox passes anything through)', { portals: [], colour: 'red' }, 'colour'],
    ['a wrong type', { agentPort: '17600' }, 'agentPort'],
    ['an out-of-range number', { batch: { maxItems: 5000 } }, 'batch.maxItems'],
    ['a bad origin in the second portal', { portals: [{ origin: PORTAL, actions: ['status'] }, { origin: 'ftp://x.example', actions: ['status'] }] }, 'portals[1].origin'],
    ['an unknown action', { portals: [{ origin: PORTAL, actions: ['status', 'sign.everything'] }] }, 'portals[0].actions[1]'],
    ['a sealing action without seal types', { portals: [{ origin: PORTAL, actions: ['pdf.seal'] }] }, 'portals[0].sealTypes'],
    ['plain http for a real host', { portals: [{ origin: 'http://zwfw.example.gov.cn', actions: ['status'] }] }, 'portals[0].origin'],
    ['a missing required field', { portals: [{ origin: PORTAL }] }, 'portals[0].actions'],
    ['pinentry without its program', { pin: { entry: 'pinentry' } }, 'pin.pinentryProgram'],
  ])('refuses %s: deny all, field named (ERR_POLICY_INVALID)', async (_name, managed, field) => {
    // Even on a development install: an invalid managed policy never falls back to the dev policy.
    const r = await readPolicy(firefoxApi({ managed, installType: 'development' }).api);
    expect(r.source).toBe('managed-invalid');
    expect(r.policy.portals).toEqual([]);
    expect(r.error).toMatchObject({ code: 'ERR_POLICY_INVALID', details: { field } });
    expect(r.error?.messageZh).toContain(field);
  });

  it('"no managed policy": rejected read, empty object, or a non-object answer; the dev policy only on a development install', async () => {
    for (const managed of [undefined, {}, null, [1, 2], 'x']) {
      expect((await readPolicy(firefoxApi({ managed, installType: 'normal' }).api)).source).toBe('none');
      expect((await readPolicy(firefoxApi({ managed, installType: 'development' }).api)).source).toBe('development');
    }
    const local = await readPolicy(firefoxApi({ installType: 'development', devPolicy: { portals: [{ origin: 'ftp://bad', actions: ['status'] }] } }).api);
    expect(local).toMatchObject({ source: 'development-local', policy: { portals: [] }, error: { code: 'ERR_POLICY_INVALID', details: { field: 'portals[0].origin' } } });
  });

  it('a browser that never answers: deny all with ERR_TIMEOUT instead of hanging', async () => {
    const r = await readPolicy(firefoxApi({ hang: true, installType: 'development' }).api, { timeoutMs: 20 });
    expect(r).toMatchObject({ source: 'none', policy: { portals: [] }, error: { code: 'ERR_TIMEOUT' } });
  });
});

describe('loadPolicy: one read until the policy changes', () => {
  it('reads storage.managed once, again after a managed change or a devPolicy change, not after other changes', async () => {
    const f = firefoxApi({ managed: { portals: [{ origin: PORTAL, actions: ['status'] }] } });
    await Promise.all([loadPolicy(f.api), loadPolicy(f.api), loadPolicy(f.api)]);
    expect(f.reads()).toBe(1);
    f.fire({ pairing: {} }, 'local');
    await loadPolicy(f.api);
    expect(f.reads()).toBe(1);
    f.setManaged({ portals: [{ origin: 'https://other.example.gov.cn', actions: ['status'] }] });
    f.fire({ portals: {} }, 'managed');
    expect((await loadPolicy(f.api)).policy.portals.map((p) => p.origin)).toEqual(['https://other.example.gov.cn']);
    expect(f.reads()).toBe(2);
    f.fire({ devPolicy: {} }, 'local');
    await loadPolicy(f.api);
    expect(f.reads()).toBe(3);
  });

  it('without storage.onChanged nothing is cached (a change could not be noticed)', async () => {
    const f = firefoxApi({ managed: { portals: [] }, onChanged: false });
    await loadPolicy(f.api);
    await loadPolicy(f.api);
    expect(f.reads()).toBe(2);
  });
});

describe('Chrome/Edge managed_schema.json', () => {
  it('has every POLICY_SCHEMA field with its type, and no value rules (Chrome would drop whole fields silently)', () => {
    const schema = JSON.parse(renderManagedSchema()) as Record<string, unknown>;
    expect(schema).toEqual(managedSchemaNode(POLICY_SCHEMA));
    const props = schema['properties'] as Record<string, { type: string; items?: { type: string; properties?: Record<string, unknown> } }>;
    expect(Object.keys(props).sort()).toEqual(Object.keys((POLICY_SCHEMA as { properties: object }).properties).sort());
    expect(props['portals']?.items?.type).toBe('object');
    expect(Object.keys(props['portals']?.items?.properties ?? {}).sort()).toEqual(['actions', 'name', 'origin', 'sealTypes']);
    expect(props['agentPort']?.type).toBe('integer');
    expect(JSON.stringify(schema)).not.toMatch(/"(pattern|enum|minimum|maximum|additionalProperties|required)":/);
    // The value rules are still told to the administrator (chrome://policy shows descriptions).
    expect(JSON.stringify(props['agentPort'])).toContain('1024..65535');
  });

  it('the built Chrome extension ships it and names it in the manifest; the Firefox build does not', () => {
    const chrome = builtExtensionDir('chrome');
    expect(JSON.parse(readFileSync(join(chrome, 'manifest.json'), 'utf8'))).toMatchObject({ storage: { managed_schema: 'managed_schema.json' } });
    expect(readFileSync(join(chrome, 'managed_schema.json'), 'utf8')).toBe(renderManagedSchema());
    expect((JSON.parse(readFileSync(join(builtExtensionDir('firefox'), 'manifest.json'), 'utf8')) as Record<string, unknown>)['storage']).toBeUndefined();
  });
});
