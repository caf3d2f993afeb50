import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, publicKeyFromBytes } from '@schedulezero/security-filter';
import { afterEach, describe, expect, it } from 'vitest';
import { HANDLER_KEYS_FILE, readHandlerKeys } from '../src/handler-keys.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('readHandlerKeys', () => {
  it('reads keys that contain `#` (a Z85 digit), skips comments, and names the lines that are no key', () => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-keys-'));
    // 31 zero bytes and 84: the last Z85 group is 84, written `0000#`.
    const hashKey = publicKeyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 84 : 0)));
    expect(hashKey).toContain('#');
    const plain = generateKeyPair().publicKey;
    writeFileSync(
      join(dir, HANDLER_KEYS_FILE),
      `# my workers\n${hashKey}\n  ${plain}   # the laptop\n\nnot-a-key\n`,
    );
    const read = readHandlerKeys(dir);
    expect(read.keys).toEqual([hashKey, plain]);
    expect(read.invalid).toEqual(['line 5: "not-a-key"']);
  });

  it('writes a commented header on first use, and reads no key from it', () => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-keys-'));
    expect(readHandlerKeys(dir)).toEqual({ file: join(dir, HANDLER_KEYS_FILE), keys: [], invalid: [] });
  });
});
