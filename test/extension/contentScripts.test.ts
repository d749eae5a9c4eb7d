// SPDX-License-Identifier: Apache-2.0
// Run-time content-script registration (extension/background/contentScripts.ts): the patterns a
// policy yields, and register / update / unregister against an in-memory scripting registry
// (Chromium's real registry is exercised by test/extension/e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { CONTENT_SCRIPT_ID, contentScriptMatches, syncContentScripts, type ScriptingApi } from '../../extension/background/contentScripts.js';

type Script = Parameters<ScriptingApi['registerContentScripts']>[0][number];

function registry(): ScriptingApi & { scripts: Map<string, Script>; calls: string[] } {
  const scripts = new Map<string, Script>();
  const calls: string[] = [];
  return {
    scripts,
    calls,
    getRegisteredContentScripts: (f) => Promise.resolve([...scripts.values()].filter((s) => !f?.ids || f.ids.includes(s.id))),
    registerContentScripts: (list) => {
      calls.push('register');
      for (const s of list) {
        if (scripts.has(s.id)) return Promise.reject(new Error('duplicate id'));
        scripts.set(s.id, s);
      }
      return Promise.resolve();
    },
    updateContentScripts: (list) => {
      calls.push('update');
      for (const s of list) scripts.set(s.id, { ...scripts.get(s.id), ...s });
      return Promise.resolve();
    },
    unregisterContentScripts: (f) => {
      calls.push('unregister');
      for (const id of f?.ids ?? [...scripts.keys()]) scripts.delete(id);
      return Promise.resolve();
    },
  };
}

const portal = (origin: string) => ({ origin, actions: ['status'] as const, sealTypes: [] });

describe('contentScriptMatches', () => {
  it('gives scheme://host/* per portal: ports dropped, wildcards kept, duplicates merged, sorted', () => {
    expect(contentScriptMatches({ portals: [portal('https://czj.example.gov.cn'), portal('http://localhost:8080'), portal('http://localhost:9090'), portal('https://*.gov.cn:8443')] as never })).toEqual([
      'http://localhost/*',
      'https://*.gov.cn/*',
      'https://czj.example.gov.cn/*',
    ]);
  });
  it('is empty without portals', () => {
    expect(contentScriptMatches({ portals: [] })).toEqual([]);
  });
});

describe('syncContentScripts', () => {
  it('registers once, updates only when the hosts change, unregisters when no portal is left', async () => {
    const r = registry();
    expect(await syncContentScripts(r, { portals: [portal('https://a.gov.cn')] as never })).toEqual(['https://a.gov.cn/*']);
    expect(r.scripts.get(CONTENT_SCRIPT_ID)).toMatchObject({ matches: ['https://a.gov.cn/*'], js: ['content.js', 'pdfIntercept.js'], runAt: 'document_start' });
    await syncContentScripts(r, { portals: [portal('https://a.gov.cn')] as never });
    expect(r.calls).toEqual(['register']);
    await syncContentScripts(r, { portals: [portal('https://b.gov.cn'), portal('https://a.gov.cn')] as never });
    expect(r.calls).toEqual(['register', 'update']);
    expect(r.scripts.get(CONTENT_SCRIPT_ID)?.matches).toEqual(['https://a.gov.cn/*', 'https://b.gov.cn/*']);
    expect(await syncContentScripts(r, { portals: [] })).toEqual([]);
    expect(r.calls).toEqual(['register', 'update', 'unregister']);
    expect(r.scripts.size).toBe(0);
  });
});
