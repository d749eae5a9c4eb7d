// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { decide, originMatches, parsePolicy, POLICY_SCHEMA } from '../../../shared/policy/Policy.js';
import { findSchemaProblem, toJsonSchema } from '../../../shared/schema/schema.js';
import { SealError } from '../../../shared/errors/index.js';

const treasury = 'https://zfzf.czj.example.gov.cn';
const good = {
  version: 1,
  extensionOrigins: ['chrome-extension://mepihojfgfpgfcalkfgdmjcjhnfjgkcp'],
  portals: [
    { origin: treasury, name: '国库集中支付系统', actions: ['status', 'seals.list', 'seal.sign', 'seal.signBatch'], sealTypes: ['official', 'legal'] },
    { origin: 'https://*.zwfw.example.gov.cn', actions: ['verify', 'pdf.seal'], sealTypes: ['personal'] },
  ],
  batch: { enabled: true, maxItems: 20 },
  trust: { roots: ['/etc/eseal/roots/root.pem'] },
};

describe('policy', () => {
  it('parses a full policy and fills defaults', () => {
    const p = parsePolicy(good);
    expect(p.agentPort).toBe(17530);
    expect(p.pin).toEqual({ entry: 'extension', maxAgeDays: 90 });
    expect(p.batch).toEqual({ enabled: true, maxItems: 20, cachePin: false, ttlSeconds: 300 });
    expect(p.portals[0]?.name).toBe('国库集中支付系统');
  });

  it('denies everything by default', () => {
    const p = parsePolicy({});
    expect(decide(p, treasury, 'status')).toEqual({ allowed: false, reason: 'origin-not-listed' });
  });

  it.each([
    [treasury, 'seal.sign', 'official', undefined, true],
    [treasury, 'seal.sign', 'personal', undefined, 'seal-type-not-allowed'],
    [treasury, 'pdf.seal', 'official', undefined, 'action-not-allowed'],
    [treasury, 'seal.signBatch', 'official', 20, true],
    [treasury, 'seal.signBatch', 'official', 21, 'batch-too-large'],
    ['https://a.zwfw.example.gov.cn', 'pdf.seal', 'personal', undefined, true],
    ['https://zwfw.example.gov.cn', 'pdf.seal', 'personal', undefined, 'origin-not-listed'],
    ['https://evil-zwfw.example.gov.cn', 'verify', undefined, undefined, 'origin-not-listed'],
    ['http://zfzf.czj.example.gov.cn', 'status', undefined, undefined, 'origin-not-listed'],
    ['https://zfzf.czj.example.gov.cn.evil.cn', 'status', undefined, undefined, 'origin-not-listed'],
  ] as const)('%s %s %s → %s', (origin, action, sealType, items, expected) => {
    const d = decide(parsePolicy(good), origin, action, sealType, items);
    expect(d.allowed ? true : d.reason).toBe(expected);
  });

  it('refuses batches when batch.enabled is false', () => {
    const p = parsePolicy({ ...good, batch: { enabled: false } });
    expect(decide(p, treasury, 'seal.signBatch', 'official', 1)).toEqual({ allowed: false, reason: 'batch-disabled' });
  });

  it.each([
    [{ portals: 'x' }, 'portals', /array/],
    [{ portals: [{ origin: 'https://a.cn', actions: ['status'], extra: 1 }] }, 'portals[0].extra', /not a known field/],
    [{ portals: [{ origin: 'https://a.cn' }] }, 'portals[0].actions', /required/],
    [{ portals: [{ origin: 'http://a.cn', actions: ['status'] }] }, 'portals[0].origin', /wrong form/],
    [{ portals: [{ origin: 'http://localhost:8080', actions: ['status'] }] }, 'portals[0].origin', /allowHttpLocalhost/],
    [{ portals: [{ origin: 'https://a.cn', actions: ['seal.sign'] }] }, 'portals[0].sealTypes', /seal type/],
    [{ portals: [{ origin: 'https://a.cn', actions: ['sign.anything'] }] }, 'portals[0].actions[0]', /one of/],
    [{ portals: [{ origin: 'https://a.cn', actions: ['status', 'status'] }] }, 'portals[0].actions[1]', /duplicate/],
    [{ agentPort: 80 }, 'agentPort', /between/],
    [{ agentPort: '17530' }, 'agentPort', /integer/],
    [{ extensionOrigins: ['https://evil.example'] }, 'extensionOrigins[0]', /wrong form/],
    [{ pin: { entry: 'pinentry' } }, 'pin.pinentryProgram', /required/],
    [{ trust: { roots: ['relative/root.pem'] } }, 'trust.roots[0]', /wrong form/],
    [{ unknownTop: true }, 'unknownTop', /not a known field/],
    [[], '(root)', /object/],
    [null, '(root)', /object/],
  ])('names the field of a bad policy: %j', (input, field, reason) => {
    try {
      parsePolicy(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SealError);
      const e = error as SealError;
      expect(e.code).toBe('ERR_POLICY_INVALID');
      expect(e.details['field']).toBe(field);
      expect(String(e.details['reason'])).toMatch(reason);
      expect(e.messageZh).toContain(field);
    }
  });

  it('bounds hostile sizes and depth', () => {
    expect(findSchemaProblem(POLICY_SCHEMA, { portals: Array.from({ length: 300 }, () => ({ origin: 'https://a.cn', actions: [] })) })?.reason).toMatch(/more than 256/);
    expect(findSchemaProblem(POLICY_SCHEMA, { portals: [{ origin: 'https://' + 'a'.repeat(300) + '.cn', actions: [] }] })?.reason).toMatch(/longer/);
  });

  it('matches wildcard origins only on real subdomains', () => {
    expect(originMatches('https://*.gov.cn', 'https://a.gov.cn')).toBe(true);
    expect(originMatches('https://*.gov.cn', 'https://gov.cn')).toBe(false);
    expect(originMatches('https://*.gov.cn', 'https://agov.cn')).toBe(false);
    expect(originMatches('https://*.gov.cn', 'http://a.gov.cn')).toBe(false);
    expect(originMatches('https://a.gov.cn', 'HTTPS://A.GOV.CN')).toBe(true);
  });

  it('renders a JSON Schema for managed storage', () => {
    const js = toJsonSchema(POLICY_SCHEMA);
    expect(js).toMatchObject({ type: 'object', properties: { portals: { type: 'array', items: { type: 'object' } } } });
  });
});
