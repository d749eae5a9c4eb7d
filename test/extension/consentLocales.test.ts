// SPDX-License-Identifier: Apache-2.0
// The consent window's texts: every message key the window uses exists in both zh_CN (the default)
// and en, with the same placeholders, and the pin-pad prompt is the wording the issue asks for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/builtArtifacts.js';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const load = (locale: string): Messages => JSON.parse(readFileSync(join(repoRoot, 'extension/_locales', locale, 'messages.json'), 'utf8')) as Messages;

describe('consent window locales', () => {
  const zh = load('zh_CN');
  const en = load('en');
  const source = readFileSync(join(repoRoot, 'extension/consent/consent.ts'), 'utf8');
  // Literal keys, plus the seal type keys built from the policy's seal types.
  const used = new Set([...source.matchAll(/'(consent_[A-Za-z]+)'/g)].map((m) => m[1] as string));
  for (const t of ['official', 'legal', 'personal']) used.add(`consent_sealType_${t}`);

  it('uses a known set of keys', () => {
    expect(used.size).toBeGreaterThan(30);
  });

  it.each([...used].sort())('%s exists in zh_CN and en with the same placeholders', (key) => {
    expect(zh[key]?.message, `zh_CN ${key}`).toBeTruthy();
    expect(en[key]?.message, `en ${key}`).toBeTruthy();
    expect(Object.keys(zh[key]?.placeholders ?? {}).sort()).toEqual(Object.keys(en[key]?.placeholders ?? {}).sort());
    for (const name of Object.keys(zh[key]?.placeholders ?? {})) {
      expect(zh[key]?.message).toContain(`$${name.toUpperCase()}$`);
      expect(en[key]?.message).toContain(`$${name.toUpperCase()}$`);
    }
  });

  it('the pin-pad prompt says what the issue asks for, Chinese first', () => {
    expect(zh['consent_pinpad']?.message).toBe('请在USB KEY的密码键盘上输入PIN');
    expect(en['consent_lang']?.message).toBe('en');
    expect(zh['consent_lang']?.message).toBe('zh-CN');
  });
});
