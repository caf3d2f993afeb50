import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/keys.ts';
import { checkSecretFileMode, loadPublicKey, loadSecretKey } from '../src/load-key.ts';

// POSIX permission bits: ScheduleZero nodes run on Linux (systemd units, containers).
describe('loading keys', () => {
  let dir: string;
  const pair = generateKeyPair();
  const secret = pair.secretKey.reveal();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sz-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function keyFile(name: string, content: string, mode: number): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    await chmod(path, mode);
    return path;
  }

  it('reads inline text and files, trimmed', async () => {
    const inline = await loadSecretKey({ inline: `  ${secret}\n` });
    expect(inline.ok && inline.key.reveal()).toBe(secret);

    const file = await keyFile('node.key', `${secret}\n`, 0o600);
    const loaded = await loadSecretKey({ file });
    expect(loaded).toMatchObject({ ok: true, warnings: [] });
    expect(loaded.ok && loaded.key.reveal()).toBe(secret);

    const pub = await loadPublicKey({ file: await keyFile('node.pub', `\n${pair.publicKey}\n`, 0o644) });
    expect(pub).toEqual({ ok: true, key: pair.publicKey, warnings: [] });
  });

  it('reads the JSON that keygen prints, taking the half asked for', async () => {
    const json = JSON.stringify({ publicKey: pair.publicKey, secretKey: secret });
    const file = await keyFile('pair.json', json, 0o600);
    const loadedSecret = await loadSecretKey({ file });
    expect(loadedSecret.ok && loadedSecret.key.reveal()).toBe(secret);
    expect(await loadPublicKey({ file })).toMatchObject({ ok: true, key: pair.publicKey });
  });

  it('refuses a secret key file other users can read, unless told to warn', async () => {
    const file = await keyFile('open.key', secret, 0o644);
    const refused = await loadSecretKey({ file }, { label: 'security.secretKeyFile' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('insecure_key_file');
    expect(refused.error.message).toContain('security.secretKeyFile');
    expect(refused.error.message).toContain('0644');
    expect(refused.error.message).not.toContain(secret);

    const warned = await loadSecretKey({ file }, { insecureFile: 'warn' });
    expect(warned.ok).toBe(true);
    expect(warned.ok && warned.warnings).toEqual([expect.stringContaining('other users can access it')]);
  });

  it('loads a group-readable secret key file with a warning', async () => {
    const file = await keyFile('group.key', secret, 0o640);
    const loaded = await loadSecretKey({ file });
    expect(loaded.ok && loaded.warnings).toEqual([expect.stringContaining('its group can read it')]);
  });

  it('reports sources that are missing, doubled, unreadable or malformed, never quoting a secret', async () => {
    expect(await loadSecretKey({})).toMatchObject({ ok: false, error: { code: 'invalid_key_source' } });
    expect(await loadSecretKey({ inline: secret, file: '/x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_key_source' },
    });
    expect(await loadSecretKey({ file: join(dir, 'missing.key') })).toMatchObject({
      ok: false,
      error: { code: 'key_file_unreadable', message: expect.stringContaining('ENOENT') },
    });
    const truncated = secret.slice(0, 30);
    const bad = await loadSecretKey({ file: await keyFile('bad.key', truncated, 0o600) });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_key' } });
    expect(!bad.ok && bad.error.message).not.toContain(truncated);
    expect(await loadSecretKey({ inline: '{"publicKey":1}' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_key' },
    });
  });

  it('judges permission bits', () => {
    expect(checkSecretFileMode(0o100600).level).toBe('ok');
    expect(checkSecretFileMode(0o100400).level).toBe('ok');
    expect(checkSecretFileMode(0o100640).level).toBe('warn');
    expect(checkSecretFileMode(0o100660).level).toBe('insecure');
    expect(checkSecretFileMode(0o100604).level).toBe('insecure');
    expect(checkSecretFileMode(0o100602).level).toBe('insecure');
  });
});
