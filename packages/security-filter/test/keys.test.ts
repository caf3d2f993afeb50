import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { SecurityError } from '../src/errors.ts';
import {
  assertKeyPair,
  derivePublicKey,
  describeKeyProblem,
  generateKeyPair,
  isCurveKey,
  isSecretKey,
  parsePublicKey,
  parseSecretKey,
  publicKeyFromBytes,
} from '../src/keys.ts';
import { z85Decode } from '../src/z85.ts';

describe('CURVE keys', () => {
  it('generates Z85 pairs whose halves belong together', () => {
    const pair = generateKeyPair();
    expect(isCurveKey(pair.publicKey)).toBe(true);
    expect(isCurveKey(pair.secretKey.reveal())).toBe(true);
    expect(derivePublicKey(pair.secretKey)).toBe(pair.publicKey);
    expect(() => assertKeyPair(pair)).not.toThrow();
  });

  it('derives the same public key as libzmq for its own pairs', () => {
    for (let i = 0; i < 20; i++) {
      const pair = curveKeyPair();
      expect(derivePublicKey(parseSecretKey(pair.secretKey))).toBe(pair.publicKey);
    }
  });

  it('reports a mismatched pair', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(() => assertKeyPair({ publicKey: b.publicKey, secretKey: a.secretKey }, 'handlers link')).toThrow(
      expect.objectContaining({ code: 'key_mismatch', message: expect.stringContaining('handlers link') }),
    );
  });

  it('never prints a secret key, however it is printed', () => {
    const { secretKey } = generateKeyPair();
    const text = secretKey.reveal();
    const printed = [
      JSON.stringify({ secretKey }),
      JSON.stringify(secretKey),
      String(secretKey),
      `${secretKey}`,
      inspect(secretKey),
      inspect({ nested: { secretKey } }, { depth: 10, showHidden: true }),
      format('%s %o %O %j', secretKey, secretKey, secretKey, secretKey),
      Object.keys(secretKey).join(','),
    ];
    for (const line of printed) {
      expect(line).not.toContain(text);
    }
    expect(JSON.stringify(secretKey)).toBe('"[redacted CURVE secret key]"');
    expect(isSecretKey(secretKey)).toBe(true);
    expect(isSecretKey(text)).toBe(false);
  });

  it('explains invalid keys without quoting them', () => {
    const secret = generateKeyPair().secretKey.reveal();
    expect(describeKeyProblem(secret.slice(1))).toMatch(/40 characters.*got 39/);
    expect(describeKeyProblem(`${secret.slice(0, 39)}~`)).toMatch(/character 40 is not in the Z85 alphabet/);
    expect(describeKeyProblem('#'.repeat(40))).toMatch(/exceeds 32 bits/);

    const broken = `${secret.slice(0, 39)}"`;
    let error: unknown;
    try {
      parseSecretKey(broken, 'security.secretKey');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SecurityError);
    expect((error as SecurityError).code).toBe('invalid_key');
    expect((error as SecurityError).message).toContain('security.secretKey');
    expect((error as SecurityError).message).not.toContain(broken.slice(0, 39));
    expect(() => parsePublicKey('short', 'worker.serverKey')).toThrow(
      /worker.serverKey must be 40 characters/,
    );
  });

  it('turns the 32 raw bytes of a ZAP request back into the Z85 key', () => {
    const { publicKey } = generateKeyPair();
    expect(publicKeyFromBytes(z85Decode(publicKey) ?? new Uint8Array())).toBe(publicKey);
    expect(() => publicKeyFromBytes(new Uint8Array(31))).toThrow(SecurityError);
  });
});
