import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/keys.ts';
import { z85Decode } from '../src/z85.ts';
import {
  compileZapDomains,
  decideZap,
  parseZapRequest,
  type ZapRequest,
  zapReplyFrames,
} from '../src/zap-policy.ts';

const alice = generateKeyPair().publicKey;
const bob = generateKeyPair().publicKey;
const domains = compileZapDomains({
  'zone.a': { clientKeys: [alice] },
  dev: { clientKeys: [bob], allowPlaintext: true },
});

function request(overrides: Partial<ZapRequest>): ZapRequest {
  return {
    version: '1.0',
    requestId: Buffer.from('1'),
    domain: 'zone.a',
    address: '10.0.0.7',
    identity: Buffer.alloc(0),
    mechanism: 'CURVE',
    credentials: [Buffer.from(z85Decode(alice) ?? [])],
    ...overrides,
  };
}

describe('ZAP decisions', () => {
  it('admits an allowed CURVE key with the key as user id', () => {
    expect(decideZap(request({}), domains)).toEqual({ status: '200', text: 'OK', userId: alice });
  });

  it.each([
    ['an unknown key', { credentials: [Buffer.from(z85Decode(bob) ?? [])] }, 'key_not_allowed'],
    ['an unknown domain', { domain: 'zone.x' }, 'unknown_domain'],
    ['an empty domain', { domain: '' }, 'unknown_domain'],
    ['NULL outside development mode', { mechanism: 'NULL', credentials: [] }, 'mechanism_not_allowed'],
    [
      'PLAIN outside development mode',
      { mechanism: 'PLAIN', credentials: [Buffer.from('u'), Buffer.from('p')] },
      'mechanism_not_allowed',
    ],
    ['GSSAPI', { mechanism: 'GSSAPI', credentials: [] }, 'mechanism_not_allowed'],
    ['a short CURVE key', { credentials: [Buffer.alloc(31)] }, 'malformed_request'],
    [
      'two CURVE credential frames',
      { credentials: [Buffer.alloc(32), Buffer.alloc(32)] },
      'malformed_request',
    ],
    ['no CURVE credentials', { credentials: [] }, 'malformed_request'],
    ['another ZAP version', { version: '2.0' }, 'malformed_request'],
  ] as const)('rejects %s', (_name, overrides, reason) => {
    const decision = decideZap(request(overrides as Partial<ZapRequest>), domains);
    expect(decision.status).toBe('400');
    expect(decision.status === '400' && decision.rejection.reason).toBe(reason);
  });

  it('admits NULL and PLAIN only in a plaintext development domain, and still checks CURVE keys there', () => {
    expect(decideZap(request({ domain: 'dev', mechanism: 'NULL', credentials: [] }), domains)).toMatchObject({
      status: '200',
      userId: 'plaintext',
    });
    expect(
      decideZap(
        request({ domain: 'dev', mechanism: 'PLAIN', credentials: [Buffer.from('u'), Buffer.from('p')] }),
        domains,
      ),
    ).toMatchObject({ status: '200' });
    expect(decideZap(request({ domain: 'dev' }), domains)).toMatchObject({
      status: '400',
      rejection: { reason: 'key_not_allowed', clientKey: alice },
    });
  });

  it('never copies PLAIN credentials into a rejection', () => {
    const decision = decideZap(
      request({ mechanism: 'PLAIN', credentials: [Buffer.from('bob'), Buffer.from('hunter2')] }),
      domains,
    );
    expect(JSON.stringify(decision)).not.toMatch(/hunter2|bob/);
  });

  it('refuses invalid configuration', () => {
    expect(() => compileZapDomains({ '': { clientKeys: [] } })).toThrow(/must not be empty/);
    expect(() => compileZapDomains({ a: { clientKeys: [alice, 'nope'] } })).toThrow(
      expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('clientKeys[1]') }),
    );
  });
});

describe('ZAP frames', () => {
  it('parses a request and builds the RFC 27 reply', () => {
    const key = Buffer.from(z85Decode(alice) ?? []);
    const frames = ['peer', '', '1.0', '7', 'zone.a', '127.0.0.1', '', 'CURVE'].map((f) => Buffer.from(f));
    const parsed = parseZapRequest([...frames, key]);
    expect(parsed?.request).toMatchObject({ domain: 'zone.a', mechanism: 'CURVE', credentials: [key] });
    const reply = zapReplyFrames(parsed?.envelope ?? [], Buffer.from('7'), {
      status: '200',
      text: 'OK',
      userId: alice,
    });
    expect(reply.map(String)).toEqual(['peer', '', '1.0', '7', '200', 'OK', alice, '']);
  });

  it('tells a request it cannot answer from one it can reject', () => {
    expect(parseZapRequest([Buffer.from('peer')])).toBeUndefined();
    expect(parseZapRequest([Buffer.from('peer'), Buffer.from('x')])).toBeUndefined();
    expect(parseZapRequest([Buffer.from('peer'), Buffer.alloc(0), Buffer.from('1.0')])).toMatchObject({
      request: undefined,
    });
  });
});
