import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { firstNonZ85Char, z85Decode, z85Encode } from '../src/z85.ts';

describe('z85', () => {
  it('matches the RFC 32 test vector', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect(z85Decode('HelloWorld')).toEqual(bytes);
  });

  it('round-trips random 32-byte keys, also from a Buffer slice with an offset', () => {
    for (let i = 0; i < 200; i++) {
      const pool = randomBytes(40);
      const key = pool.subarray(3, 35);
      const text = z85Encode(key);
      expect(text).toHaveLength(40);
      expect(Buffer.from(z85Decode(text) ?? [])).toEqual(Buffer.from(key));
    }
  });

  it('refuses lengths it cannot code and characters outside the alphabet', () => {
    expect(() => z85Encode(new Uint8Array(3))).toThrow(RangeError);
    expect(z85Decode('Hello')).toBeDefined();
    expect(z85Decode('Hell')).toBeUndefined();
    expect(z85Decode('Hell~')).toBeUndefined();
    expect(z85Decode('Hellö')).toBeUndefined();
    // '#####' is 85^5 - 1, more than 32 bits.
    expect(z85Decode('#####')).toBeUndefined();
    expect(firstNonZ85Char('abc"def')).toBe(3);
    expect(firstNonZ85Char('abc')).toBe(-1);
  });
});
