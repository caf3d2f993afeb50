import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadHandlerConfig } from '@schedulezero/handler/src/config.ts';
import { loadMasterConfig } from '@schedulezero/master';
import { loadReplicaConfig } from '@schedulezero/replica';
import { derivePublicKey, loadSecretKey } from '@schedulezero/security-filter';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY_DIR, deployPath, manifests } from '../src/deploy-files.ts';

/**
 * The recipes of docs/deployment.md, followed as written where this machine allows: their `cp` of
 * the example configs and their `keygen` commands run as typed, under a scratch root standing in for
 * `/` (and for the operator's working folder), and the nodes' own loaders then take the configs and
 * the key files those commands wrote. Accounts, systemd, scp and kubectl are not run; the files a
 * `kubectl create secret` names are checked to exist and to hold every key file the pods read.
 */

const REPO = join(DEPLOY_DIR, '..');
const root = mkdtempSync(join(tmpdir(), 'sz-recipes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const doc = readFileSync(join(REPO, 'docs/deployment.md'), 'utf8');
/** The shell lines of the code blocks under a heading, continuation lines joined. */
function recipe(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading), doc.indexOf('\n## ', doc.indexOf(heading) + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  );
}

/** The same command with `/etc/schedulezero` and the working folder's `keys` under the scratch root. */
function rooted(line: string): string {
  return line
    .replaceAll('/etc/schedulezero', `${root}/etc/schedulezero`)
    .replace(/(?<=[\s=(])keys(?=[/)\s]|$)/g, `${root}/keys`);
}

/** Runs the recipe's `cp deploy/…`, `mkdir` and `keygen` lines as typed (rooted), from the repository. */
function follow(lines: readonly string[]): string[] {
  const ran: string[] = [];
  mkdirSync(join(root, 'etc/schedulezero'), { recursive: true });
  for (const line of lines) {
    // Secrets in /tmp are readable by whoever wins a race for the file: no recipe passes one there.
    expect(line).not.toMatch(/\/tmp\//);
    if (!/^(cp deploy\/config\/|pnpm -s keygen |\(umask 077 && mkdir keys\))/.test(line)) continue;
    const command = rooted(line.replace(/\s+#.*$/, ''));
    execFileSync('sh', ['-c', command], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    ran.push(line);
  }
  // The configs name /etc/schedulezero/keys/…: the copies are read under the same root.
  for (const file of readdirSync(join(root, 'etc/schedulezero')))
    if (file.endsWith('.yaml')) {
      const path = join(root, 'etc/schedulezero', file);
      writeFileSync(path, rooted(readFileSync(path, 'utf8')));
    }
  return ran;
}

/** A secret key file the node loader accepts, 0400, with its public key beside it. */
async function expectPair(secretFile: string, publicFile: string): Promise<void> {
  const loaded = await loadSecretKey({ file: secretFile });
  if (!loaded.ok) throw loaded.error;
  expect(statSync(secretFile).mode & 0o777).toBe(0o400);
  expect(statSync(publicFile).mode & 0o777).toBe(0o444);
  expect(readFileSync(publicFile, 'utf8').trim()).toBe(derivePublicKey(loaded.key));
}

const pub = (keyFile: string) => keyFile.replace(/\.key$/, '.pub');
const env = { SCHEDULEZERO_API_TOKEN: 'recipe-test-token-0123456789abcdef' };

// Each recipe runs `pnpm keygen` several times: a few seconds each on a quiet machine, far more on a busy one.
describe('docs/deployment.md, followed', { timeout: 120_000 }, () => {
  it('1. single server: keygen --for the copied master config writes the link and the three zone keys', async () => {
    expect(follow(recipe('## 1. Single server'))).toHaveLength(2);
    const loaded = loadMasterConfig({ file: join(root, 'etc/schedulezero/master.yaml'), env, cwd: root });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const files = [
      loaded.config.handlers.secretKeyFile,
      ...Object.values(loaded.config.replication.zones).map((zone) => zone.secretKeyFile),
    ];
    expect(files.map((file) => basename(file ?? ''))).toEqual([
      'link.key',
      'zone-admin.key',
      'zone-dmz.key',
      'zone-regional.key',
    ]);
    for (const file of files) await expectPair(file as string, pub(file as string));
  });

  it('2. a DMZ replica host: its own pair from its config, the zone key from the master', async () => {
    // After 1, on the same scratch root: the master's zone-dmz.pub is where scp would put it.
    const lines = recipe('## 2. Master (admin)');
    expect(lines.some((line) => line.startsWith('scp master:/etc/schedulezero/keys/zone-dmz.pub'))).toBe(
      true,
    );
    expect(follow(lines)).toHaveLength(2);
    const loaded = loadReplicaConfig({ file: join(root, 'etc/schedulezero/replica.yaml'), env, cwd: root });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const { security, replication } = loaded.config;
    await expectPair(security.secretKeyFile as string, security.publicKeyFile as string);
    expect(existsSync(replication.master?.serverKeyFile as string)).toBe(true);
    // The handler's config gets its pair the same way.
    const handlerConfig = join(root, 'etc/schedulezero/handler-eu.yaml');
    writeFileSync(handlerConfig, rooted(readFileSync(deployPath('config/handler.yaml'), 'utf8')));
    execFileSync('sh', ['-c', `pnpm -s keygen --out ${root}/etc/schedulezero/keys --for ${handlerConfig}`], {
      cwd: REPO,
    });
    const handler = loadHandlerConfig({ file: handlerConfig, env: {}, cwd: root });
    if (!handler.ok) throw new Error(handler.problems.join('\n'));
    await expectPair(
      handler.config.security.secretKeyFile as string,
      handler.config.security.publicKeyFile as string,
    );
    expect(existsSync(handler.config.worker.serverKeyFile as string)).toBe(true);
  });

  it('3. Kubernetes: the Secrets made from the keygen folders hold every key file each pod reads', async () => {
    const lines = recipe('## 3. Kubernetes');
    expect(follow(lines)).toHaveLength(5);
    const secrets = new Map<string, Set<string>>();
    for (const line of lines.filter(
      (entry) => entry.startsWith('kubectl') && entry.includes('create secret'),
    )) {
      const [, namespace, name] = line.match(/-n (\S+) create secret generic (\S+)/) ?? [];
      const keys = new Set<string>();
      for (const [, given, path] of rooted(line).matchAll(/--from-file=(?:([\w.-]+)=)?(\S+)/g)) {
        expect(existsSync(path as string), path).toBe(true);
        if (given) keys.add(given);
        else if (statSync(path as string).isDirectory())
          for (const file of readdirSync(path as string)) keys.add(file);
        else keys.add(basename(path as string));
      }
      secrets.set(`${namespace}/${name}`, keys);
    }
    for (const file of ['master.yaml', 'replica-dmz.yaml', 'replica-regional.yaml', 'handler.yaml']) {
      const documents = manifests(`kubernetes/${file}`);
      const deployment = documents.find((document) => document.kind === 'Deployment') as {
        metadata: { namespace: string };
        spec: { template: { spec: { volumes: Array<{ secret?: { secretName: string } }> } } };
      };
      const secretName = deployment.spec.template.spec.volumes.find((volume) => volume.secret)?.secret
        ?.secretName;
      const keys = secrets.get(`${deployment.metadata.namespace}/${secretName}`);
      expect(keys, `${file}: no kubectl create secret for ${secretName}`).toBeDefined();
      const configText = JSON.stringify(documents.filter((document) => document.kind === 'ConfigMap'));
      const needed = [...configText.matchAll(/\w+KeyFile: (\/etc\/schedulezero\/keys\/[\w.-]+)/g)].map(
        (match) => basename(match[1] as string),
      );
      expect(needed.length, file).toBeGreaterThan(0);
      for (const name of needed) expect(keys?.has(name), `${file} reads ${name}`).toBe(true);
    }
    for (const folder of readdirSync(join(root, 'keys')))
      for (const file of readdirSync(join(root, 'keys', folder)).filter((entry) => entry.endsWith('.key')))
        await expectPair(join(root, 'keys', folder, file), join(root, 'keys', folder, pub(file)));
  });
});
