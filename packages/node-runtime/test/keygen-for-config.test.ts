import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivePublicKey, loadSecretKey } from '@schedulezero/security-filter';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeKeyFiles } from '../src/keygen-for-config.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sz-keygen-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

function config(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const MASTER = `handlers:
  bind: tcp://127.0.0.1:5555
  secretKeyFile: /etc/schedulezero/keys/link.key
replication:
  zones:
    admin: { policy: admin, secretKeyFile: /etc/schedulezero/keys/zone-admin.key }
    dmz: { policy: dmz, secretKeyFile: /etc/schedulezero/keys/zone-dmz.key }
security: { secretKeyFile: keys/node.key, publicKeyFile: keys/node.public }
`;

describe('keygen --for CONFIG', () => {
  it('writes every pair the config names into --out: secret 0400, public 0444, a valid pair each', async () => {
    const out = join(dir, 'out');
    const outcomes = writeKeyFiles(config('master.yaml', MASTER), out);
    expect(
      outcomes.map(({ kind, setting, secretFile, publicFile }) => ({
        kind,
        setting,
        secretFile,
        publicFile,
      })),
    ).toEqual([
      {
        kind: 'written',
        setting: 'handlers.secretKeyFile',
        secretFile: join(out, 'link.key'),
        publicFile: join(out, 'link.pub'),
      },
      {
        kind: 'written',
        setting: 'replication.zones.admin.secretKeyFile',
        secretFile: join(out, 'zone-admin.key'),
        publicFile: join(out, 'zone-admin.pub'),
      },
      {
        kind: 'written',
        setting: 'replication.zones.dmz.secretKeyFile',
        secretFile: join(out, 'zone-dmz.key'),
        publicFile: join(out, 'zone-dmz.pub'),
      },
      {
        kind: 'written',
        setting: 'security.secretKeyFile',
        secretFile: join(out, 'node.key'),
        publicFile: join(out, 'node.public'),
      },
    ]);
    for (const outcome of outcomes) {
      expect(mode(outcome.secretFile)).toBe(0o400);
      expect(mode(outcome.publicFile)).toBe(0o444);
      // The node's own loader takes the file (it refuses secret keys others can read).
      const loaded = await loadSecretKey({ file: outcome.secretFile });
      if (!loaded.ok) throw loaded.error;
      const publicKey = readFileSync(outcome.publicFile, 'utf8').trim();
      expect(derivePublicKey(loaded.key)).toBe(publicKey);
      expect(outcome).toMatchObject({ publicKey });
    }
    expect(mode(out)).toBe(0o700);
    const keys = outcomes.map((outcome) => readFileSync(outcome.secretFile, 'utf8'));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('never overwrites: an existing pair is kept, a public key without its secret key is a problem', () => {
    const file = config('master.yaml', MASTER);
    const out = join(dir, 'out');
    const first = writeKeyFiles(file, out);
    const before = readFileSync(join(out, 'link.key'), 'utf8');
    rmSync(join(out, 'zone-dmz.key'));
    const second = writeKeyFiles(file, out);
    expect(second.map((outcome) => outcome.kind)).toEqual(['kept', 'kept', 'problem', 'kept']);
    expect(second[2]).toMatchObject({
      message: expect.stringContaining('zone-dmz.pub exists without its secret key'),
    });
    expect(readFileSync(join(out, 'link.key'), 'utf8')).toBe(before);
    expect(readFileSync(join(out, 'zone-dmz.pub'), 'utf8')).toBe(
      `${(first[2] as { publicKey: string }).publicKey}\n`,
    );
  });

  it("without --out writes to the config's paths, relative ones from the config's folder", () => {
    mkdirSync(join(dir, 'etc'));
    const file = config(
      'etc/handler.yaml',
      'security: { secretKeyFile: keys/handler.key, publicKeyFile: keys/handler.pub }\n',
    );
    expect(writeKeyFiles(file, undefined)).toMatchObject([
      {
        kind: 'written',
        secretFile: join(dir, 'etc/keys/handler.key'),
        publicFile: join(dir, 'etc/keys/handler.pub'),
      },
    ]);
  });

  it('reads the node configs inside the ConfigMaps of a Kubernetes manifest', () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata: { name: schedulezero-master }
data:
  master.yaml: |
    handlers: { secretKeyFile: /etc/schedulezero/keys/link.key }
  notes.txt: "secretKeyFile: not a config"
---
apiVersion: v1
kind: Secret
metadata: { name: other }
`;
    const out = join(dir, 'out');
    expect(writeKeyFiles(config('master.k8s.yaml', manifest), out)).toMatchObject([
      { kind: 'written', setting: 'master.yaml.handlers.secretKeyFile', secretFile: join(out, 'link.key') },
    ]);
  });
});
