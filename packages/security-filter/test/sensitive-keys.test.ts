import { describe, expect, it } from 'vitest';
import { copyJson, createSensitiveKeyMatcher, MAX_DEPTH } from '../src/sensitive-keys.ts';

describe('sensitive keys', () => {
  const isSensitive = createSensitiveKeyMatcher();

  it.each([
    'password',
    'PASSWORD',
    'db_passwd',
    'apiKey',
    'x-api-key',
    'X-Api-Key',
    'stripe.api.key',
    'access_token',
    'refreshToken',
    'Authorization',
    'webhookUrl',
    'slack_webhook_url',
    'private-key',
    'clientSecret',
    'awsCredentials',
  ])('catches %s', (key) => {
    expect(isSensitive(key)).toBe(true);
  });

  it.each(['region', 'url', 'key', 'owner', 'webhook', 'private', 'api'])('lets %s pass', (key) => {
    expect(isSensitive(key)).toBe(false);
  });

  it('takes more patterns, spelled any way', () => {
    const matcher = createSensitiveKeyMatcher(['session-id']);
    expect(matcher('sessionId')).toBe(true);
    expect(matcher('password')).toBe(false);
  });
});

describe('copyJson', () => {
  const isSensitive = createSensitiveKeyMatcher();

  it('removes sensitive keys at any depth, inside arrays too, and copies everything else', () => {
    const input = {
      region: 'eu',
      headers: { Authorization: 'Bearer x', accept: 'json' },
      targets: [{ url: 'https://a', apiKey: 'k' }, 'plain'],
    };
    expect(copyJson(input, isSensitive)).toEqual({
      region: 'eu',
      headers: { accept: 'json' },
      targets: [{ url: 'https://a' }, 'plain'],
    });
  });

  it('copies dates as dates and objects with toJSON as what they serialize to', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const copied = copyJson({ at, custom: { toJSON: () => ({ token: 'x', ok: 1 }) } }, isSensitive) as Record<
      string,
      unknown
    >;
    expect(copied.at).toEqual(at);
    expect(copied.at).not.toBe(at);
    expect(copied.custom).toEqual({ ok: 1 });
  });

  it('keeps a data key named __proto__ as a plain key', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copied = copyJson(input) as Record<string, unknown>;
    expect(Object.hasOwn(copied, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops what JSON drops and cuts structures deeper than MAX_DEPTH (cycles too)', () => {
    expect(copyJson({ f: () => 1, u: undefined, s: Symbol('x'), a: [undefined] })).toEqual({ a: [null] });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let node = copyJson(cyclic) as Record<string, unknown>;
    let depth = 0;
    while (node.self) {
      node = node.self as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(MAX_DEPTH - 1);
  });
});
