import { describe, expect, it } from 'vitest';
import { createSessionGuard, isSameOrigin } from '../../src/routes/session.ts';

describe('session guard', () => {
  const guard = createSessionGuard(['token-a', 'token-b'], Buffer.alloc(32, 7));

  it('accepts only configured tokens', () => {
    expect(guard.acceptsToken('token-a')).toBe(true);
    expect(guard.acceptsToken('token-b')).toBe(true);
    expect(guard.acceptsToken('token-c')).toBe(false);
    expect(guard.acceptsToken('')).toBe(false);
    expect(guard.acceptsToken(undefined)).toBe(false);
  });

  it('checks the CSRF token of the session', () => {
    const csrf = guard.csrfToken('token-a');
    expect(guard.checkCsrf('token-a', csrf)).toBe(true);
    expect(guard.checkCsrf('token-b', csrf)).toBe(false);
    expect(guard.checkCsrf('token-a', `${csrf}x`)).toBe(false);
    expect(guard.checkCsrf('token-a', '')).toBe(false);
    expect(guard.checkCsrf('token-a', undefined)).toBe(false);
  });

  it('derives CSRF tokens from a per-process key', () => {
    const other = createSessionGuard(['token-a']);
    expect(other.csrfToken('token-a')).not.toBe(guard.csrfToken('token-a'));
  });
});

describe('isSameOrigin', () => {
  const requestUrl = 'http://127.0.0.1:8888/ui/schedules';
  it('passes same-origin and header-less requests', () => {
    expect(isSameOrigin({ requestUrl, origin: 'http://127.0.0.1:8888', host: '127.0.0.1:8888' })).toBe(true);
    expect(isSameOrigin({ requestUrl, secFetchSite: 'same-origin' })).toBe(true);
    expect(isSameOrigin({ requestUrl })).toBe(true);
  });
  it('refuses cross-origin posts', () => {
    expect(isSameOrigin({ requestUrl, origin: 'http://evil.example', host: '127.0.0.1:8888' })).toBe(false);
    expect(isSameOrigin({ requestUrl, origin: 'null' })).toBe(false);
    expect(isSameOrigin({ requestUrl, secFetchSite: 'cross-site' })).toBe(false);
    expect(isSameOrigin({ requestUrl, secFetchSite: 'same-site' })).toBe(false);
  });
});
