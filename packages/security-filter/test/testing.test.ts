import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/keys.ts';
import { checkKeygenOutput } from '../src/testing.ts';

describe('checkKeygenOutput', () => {
  const pair = () => {
    const { publicKey, secretKey } = generateKeyPair();
    return { publicKey, secretKey: secretKey.reveal() };
  };

  it('takes a pair whose public key is its secret key’s own', () => {
    const printed = pair();
    expect(checkKeygenOutput(JSON.stringify(printed))).toEqual(printed);
  });

  it('refuses extra fields, a key that is not Z85 and halves of two pairs', () => {
    const a = pair();
    const b = pair();
    expect(() => checkKeygenOutput(JSON.stringify({ ...a, note: 1 }))).toThrow(/fields/);
    expect(() => checkKeygenOutput(JSON.stringify({ ...a, publicKey: 'x'.repeat(39) }))).toThrow(/publicKey/);
    expect(() =>
      checkKeygenOutput(JSON.stringify({ publicKey: a.publicKey, secretKey: b.secretKey })),
    ).toThrow(/does not belong/);
  });
});
