import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execForm, type Instruction, parseContainerfile } from '../src/containerfile.ts';
import { DEPLOY_DIR, deployPath } from '../src/deploy-files.ts';

const REPO = join(DEPLOY_DIR, '..');
const stages = parseContainerfile(deployPath('container/Containerfile'));
const runtime = stages.at(-1);
const build = stages.find((stage) => stage.name === 'build');
const all = stages.flatMap((stage) => stage.instructions);
const of = (keyword: string, instructions: Instruction[] = runtime?.instructions ?? []) =>
  instructions.filter((instruction) => instruction.keyword === keyword);
const runs = (instructions: Instruction[] | undefined) =>
  of('RUN', instructions)
    .map((run) => run.args)
    .join('\n');

/** Where the image puts the repository: the build stage's WORKDIR, `COPY . .` there. */
const APP_DIR = of('WORKDIR', build?.instructions)[0]?.args ?? '';

/** `ln -s /opt/schedulezero/apps/x/bin/y.js /usr/local/bin/y`: command name → path in the repository. */
const bins = new Map<string, string>(
  [...runs(runtime?.instructions).matchAll(/ln -s (\S+) \/usr\/local\/bin\/(\S+)/g)].map((match) => [
    match[2] as string,
    posix.relative(APP_DIR, match[1] as string),
  ]),
);
/** Which node each command starts. */
const KIND: Record<string, string> = {
  'schedulezero-master': 'master',
  'schedulezero-replica': 'replica',
  'schedulezero-handler': 'handler',
};
/** Environment names that would hold a secret. */
const SECRET_NAME = /token|secret|passw|key|credential|database_url/i;

function repoJson(path: string): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(join(REPO, path), 'utf8'));
}

describe('deploy/container/Containerfile', () => {
  it('builds in a stage with the build tools and the pinned pnpm, then a runtime stage copies the result', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['global', 'build', 'runtime']);
    const nodeImage = of('ARG', stages[0]?.instructions)[0]?.args;
    expect(nodeImage).toMatch(/^NODE_IMAGE=node:(\d+)-/);
    const engine = Number(repoJson('package.json').engines?.node?.match(/\d+/)?.[0]);
    expect(Number(nodeImage?.match(/node:(\d+)/)?.[1])).toBeGreaterThanOrEqual(engine);
    const buildRuns = runs(build?.instructions);
    for (const tool of ['python3', 'make', 'g++']) expect(buildRuns).toContain(` ${tool} `);
    const pnpm = buildRuns.match(/pnpm@(\S+)/)?.[1];
    expect(`pnpm@${pnpm}`).toBe(repoJson('package.json').packageManager);
    expect(buildRuns).toMatch(/pnpm install .*--frozen-lockfile/);
    expect(APP_DIR).toBe('/opt/schedulezero');
    expect(of('COPY', runtime?.instructions).map((copy) => copy.args)).toContain(
      `--from=build ${APP_DIR} ${APP_DIR}`,
    );
  });

  it('checks at build time that the native modules load, from the packages that depend on them', () => {
    const buildRuns = runs(build?.instructions);
    for (const [pkg, module] of [
      ['scheduler-core', 'better-sqlite3'],
      ['security-filter', 'zeromq'],
    ] as const) {
      expect(repoJson(`packages/${pkg}/package.json`).dependencies, pkg).toHaveProperty(module);
      expect(buildRuns).toContain(`pnpm --filter @schedulezero/${pkg} exec node -e`);
      expect(buildRuns).toContain(`require('${module}')`);
    }
    // The install runs before that check, both in the build stage.
    const lines = of('RUN', build?.instructions);
    const install = lines.findIndex((run) => run.args.includes('pnpm install'));
    const check = lines.findIndex((run) => run.args.includes("require('better-sqlite3')"));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(install);
  });

  it('runs as a fixed non-root user that owns only its data directory', () => {
    const users = of('USER');
    expect(users).toHaveLength(1);
    const user = users[0]?.args ?? '';
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const runtimeRuns = runs(runtime?.instructions);
    expect(runtimeRuns).toContain(`useradd --system --uid ${uid}`);
    expect(runtimeRuns).toContain(`groupadd --system --gid ${gid}`);
    expect(runtimeRuns).toContain('chown schedulezero:schedulezero /var/lib/schedulezero');
    // USER comes after every RUN, so nothing in the image is written as that user at build time.
    const instructions = runtime?.instructions ?? [];
    const userIndex = instructions.findIndex((instruction) => instruction.keyword === 'USER');
    expect(instructions.slice(userIndex).some((instruction) => instruction.keyword === 'RUN')).toBe(false);
    expect(of('VOLUME').map((volume) => volume.args)).toEqual(['["/var/lib/schedulezero"]']);
  });

  it("links the apps' three bins, each an existing executable node script named in its app's package.json", () => {
    expect([...bins.keys()].sort()).toEqual(Object.keys(KIND).sort());
    for (const [command, path] of bins) {
      const file = join(REPO, path);
      expect(existsSync(file), path).toBe(true);
      accessSync(file, constants.X_OK);
      expect(readFileSync(file, 'utf8').split('\n')[0], path).toBe('#!/usr/bin/env node');
      const app = path.split('/').slice(0, 2).join('/');
      expect(join(app, repoJson(`${app}/package.json`).bin?.[command] ?? '')).toBe(path);
    }
    expect(runs(runtime?.instructions)).toContain('schedulezero-master --version');
  });

  it('starts a bin directly (exec form, node as PID 1) with a config under /etc/schedulezero', () => {
    const [entrypoint] = execForm(of('ENTRYPOINT')[0]);
    expect(bins.has(entrypoint as string)).toBe(true);
    expect(execForm(of('CMD')[0])).toEqual(['--config', '/etc/schedulezero/config.yaml']);
    expect(of('STOPSIGNAL').map((stop) => stop.args)).toEqual(['SIGTERM']);
    for (const port of [8888, 8889, 5555, 5560, 5561, 5562, 5563, 5564, 5565])
      expect(of('EXPOSE')[0]?.args.split(' ')).toContain(String(port));
  });

  it('bakes in no secret: no secret-named ARG or ENV, no key or .env copied, the ignore file keeps them out', () => {
    for (const instruction of [...of('ARG', all), ...of('ENV', all)])
      expect(instruction.args.split('=')[0], `line ${instruction.line}`).not.toMatch(SECRET_NAME);
    for (const copy of [...of('COPY', all), ...of('ADD', all)])
      expect(copy.args, `line ${copy.line}`).not.toMatch(/keys|\.env|\.key\b|\.pem\b/);
    // `COPY . .` sends the whole checkout: the ignore file must hold back keys, state and data.
    const ignored = readFileSync(deployPath('container/Containerfile.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const pattern of [
      'deploy/container/keys',
      'deploy/container/.env',
      '.schedulezero',
      '**/*.db',
      '**/node_modules',
      '.git',
    ])
      expect(ignored).toContain(pattern);
  });

  it('has no HEALTHCHECK (one image runs three kinds of node); compose and Kubernetes probe each node instead', () => {
    // A probe of the master's port would fail every replica and handler container.
    expect(of('HEALTHCHECK', all)).toEqual([]);
    expect(readFileSync(deployPath('container/Containerfile'), 'utf8')).toMatch(/No HEALTHCHECK/);
  });
});

// ---------------------------------------------------------------------------------------------

type Service = {
  image?: string;
  build?: unknown;
  user?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
};
type Compose = {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
  volumes: Record<string, unknown>;
};

const compose = parse(readFileSync(deployPath('container/compose.yaml'), 'utf8'), {
  merge: true,
}) as Compose;
const nodeServices = Object.entries(compose.services).filter(([, service]) =>
  service.entrypoint?.[0]?.startsWith('schedulezero-'),
);
// biome-ignore lint/suspicious/noExplicitAny: node configs are read field by field; expect() checks them.
type NodeConfig = any;

/** The container path → host file of a service's config, and that config parsed. */
function serviceConfig(service: Service): { file: string; config: NodeConfig } {
  const path = service.command?.[1];
  const mount = service.volumes?.find((volume) => volume.split(':')[1] === path);
  if (!mount) throw new Error(`no volume mounts ${path}`);
  const [source, , mode] = mount.split(':');
  expect(mode).toBe('ro');
  const file = join(deployPath('container'), source as string);
  return { file, config: parse(readFileSync(file, 'utf8')) };
}

function networksOf(service: Service): Record<string, string | undefined> {
  const networks = service.networks ?? {};
  if (Array.isArray(networks)) return Object.fromEntries(networks.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(networks).map(([name, value]) => [name, value?.ipv4_address]));
}

const hostOf = (endpoint: string) => new URL(endpoint.replace(/^tcp:/, 'http:')).hostname;
const seconds = (value: string | undefined) => Number(value?.match(/^(\d+)s$/)?.[1]);

/**
 * The variables make-keys.sh writes to .env, and the key files it writes: the script is run, with
 * the workspace's keygen, on a copy of deploy/container (it writes next to itself).
 */
const makeKeys = readFileSync(deployPath('container/make-keys.sh'), 'utf8');
const envWritten = new Set([...makeKeys.matchAll(/echo "(SZ_[A-Z_]+)=/g)].map((match) => match[1]));
const scratch = mkdtempSync(join(tmpdir(), 'sz-make-keys-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
cpSync(deployPath('container'), scratch, { recursive: true });
execFileSync('sh', [join(scratch, 'make-keys.sh')], {
  env: {
    ...process.env,
    SZ_KEYGEN: `node ${join(DEPLOY_DIR, '../apps/master/bin/schedulezero-master.js')} keygen`,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const keyFiles = new Set(readdirSync(join(scratch, 'keys')));

describe('deploy/container/compose.yaml', () => {
  it('has PostgreSQL and the four nodes', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'handler',
      'master',
      'postgres',
      'replica-dmz',
      'replica-regional',
    ]);
    expect(nodeServices.map(([name]) => name).sort()).toEqual([
      'handler',
      'master',
      'replica-dmz',
      'replica-regional',
    ]);
  });

  it.each(nodeServices)('%s: the image, as its non-root user, locked down', (_name, service) => {
    expect(service.image).toMatch(/^\$\{SZ_IMAGE:-schedulezero:[\w.-]+\}$/);
    expect(service.user).toBe(of('USER')[0]?.args);
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.security_opt).toContain('no-new-privileges:true');
  });

  it.each(nodeServices)(
    '%s: a bin of the image with --config naming a mounted config of its kind, keys read-only',
    (_name, service) => {
      const [bin] = service.entrypoint ?? [];
      expect(bins.has(bin as string)).toBe(true);
      expect(service.command?.[0]).toBe('--config');
      const { config } = serviceConfig(service);
      expect(config.node.type).toBe(KIND[bin as string]);
      expect(service.volumes).toContain('./keys:/etc/schedulezero/keys:ro');
      // Every key file it reads is one make-keys.sh writes, in the mounted directory.
      const paths = JSON.stringify(config).match(/"\w+KeyFile":"[^"]+"/g) ?? [];
      expect(paths.length).toBeGreaterThan(0);
      for (const entry of paths) {
        const path = entry.split('":"')[1]?.slice(0, -1) ?? '';
        expect(dirname(path)).toBe('/etc/schedulezero/keys');
        expect(keyFiles.has(posix.basename(path)), path).toBe(true);
      }
      // Handler modules are paths in the image, that is, files of the repository.
      for (const module of config.worker?.modules ?? [])
        expect(existsSync(join(REPO, posix.relative(APP_DIR, module))), module).toBe(true);
      expect(seconds(service.stop_grace_period)).toBeGreaterThan(config.node.shutdownGraceSeconds ?? 0);
    },
  );

  it('puts each service on the networks of its zones, the master binding each endpoint to its address there', () => {
    const networks = Object.fromEntries(
      Object.entries(compose.services).map(([name, service]) => [name, networksOf(service)]),
    );
    expect(Object.keys(networks.postgres ?? {})).toEqual(['admin']);
    expect(Object.keys(networks.master ?? {}).sort()).toEqual(['admin', 'dmz', 'regional']);
    expect(Object.keys(networks['replica-dmz'] ?? {})).toEqual(['dmz']);
    expect(Object.keys(networks['replica-regional'] ?? {})).toEqual(['regional']);
    expect(Object.keys(networks.handler ?? {})).toEqual(['regional']);
    // Fixed addresses lie in their network's subnet.
    for (const service of Object.values(networks))
      for (const [network, address] of Object.entries(service)) {
        if (!address) continue;
        const subnet = compose.networks[network]?.ipam.config[0]?.subnet ?? '';
        expect(address.split('.').slice(0, 3)).toEqual(subnet.split('.').slice(0, 3));
      }
    const master = networks.master ?? {};
    const { config } = serviceConfig(compose.services.master as Service);
    expect(hostOf(config.handlers.bind)).toBe(master.regional);
    expect(hostOf(config.replication.zones.dmz.publish)).toBe(master.dmz);
    expect(hostOf(config.replication.zones.dmz.sync)).toBe(master.dmz);
    expect(hostOf(config.replication.zones.regional.publish)).toBe(master.regional);
    expect(Object.keys(config.replication.zones).sort()).toEqual(['dmz', 'regional']);
    // Each client connects to the master's address on its own network.
    const dmz = serviceConfig(compose.services['replica-dmz'] as Service).config;
    expect(hostOf(dmz.replication.master.publish)).toBe(master.dmz);
    const regional = serviceConfig(compose.services['replica-regional'] as Service).config;
    expect(hostOf(regional.replication.master.sync)).toBe(master.regional);
    const handler = serviceConfig(compose.services.handler as Service).config;
    expect(hostOf(handler.worker.master)).toBe(master.regional);
  });

  it('keeps data in named volumes: PostgreSQL its data directory, each replica the directory of its SQLite file', () => {
    const declared = Object.keys(compose.volumes);
    expect(compose.services.postgres?.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(declared).toContain('pgdata');
    for (const name of ['replica-dmz', 'replica-regional']) {
      const service = compose.services[name] as Service;
      const url: string = serviceConfig(service).config.database.url;
      expect(url).toMatch(/^sqlite:\//);
      const mount = service.volumes?.find((volume) => volume.split(':')[1] === dirname(url.slice(7)));
      const volume = mount?.split(':')[0] ?? '';
      expect(declared, name).toContain(volume);
    }
    // The master keeps nothing of its own: its database is PostgreSQL's, at PostgreSQL's address.
    const databaseUrl = compose.services.master?.environment?.SCHEDULEZERO_DATABASE_URL ?? '';
    expect(hostOf(databaseUrl.replace(/\$\{[^}]+\}/g, 'x'))).toBe(
      networksOf(compose.services.postgres as Service).admin,
    );
  });

  it('make-keys.sh writes each pair once with keygen --for: secret keys 0400, public 0444, .env 0600', () => {
    const mode = (file: string) => statSync(join(scratch, file)).mode & 0o777;
    expect([...keyFiles].sort()).toEqual(
      ['handler', 'link', 'replica-dmz', 'replica-regional', 'zone-dmz', 'zone-regional']
        .flatMap((name) => [`${name}.key`, `${name}.pub`])
        .sort(),
    );
    for (const file of keyFiles)
      expect(mode(`keys/${file}`), file).toBe(file.endsWith('.key') ? 0o400 : 0o444);
    expect(mode('.env')).toBe(0o600);
    const env = readFileSync(join(scratch, '.env'), 'utf8');
    expect(env).toContain(`SZ_HANDLER_PUB=${readFileSync(join(scratch, 'keys/handler.pub'), 'utf8').trim()}`);
    expect([...env.matchAll(/^(SZ_\w+)=/gm)].map((match) => match[1]).sort()).toEqual([...envWritten].sort());
  });

  it('keeps secrets out of the file: each secret is a variable of .env that make-keys.sh writes', () => {
    for (const [name, service] of Object.entries(compose.services))
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!SECRET_NAME.test(key)) continue;
        const literal = String(value).replace(/\$\{[^}]+\}/g, '');
        if (key.endsWith('DATABASE_URL')) {
          // The URL is written out; its password is a variable.
          expect(String(value), `${name} ${key}`).toMatch(/^postgres:\/\/\w+:\$\{SZ_DB_PASSWORD\}@/);
        } else {
          expect(literal, `${name} ${key}`).toBe('');
        }
        for (const [, variable] of String(value).matchAll(/\$\{(\w+)/g))
          expect(envWritten.has(variable), `${name} ${key}: ${variable}`).toBe(true);
      }
    // Nor do the node configs hold an inline secret key or token.
    for (const [, service] of nodeServices) {
      const { config } = serviceConfig(service);
      expect(JSON.stringify(config)).not.toMatch(/"secretKey"|"tokens":\["/);
    }
  });

  it('probes each HTTP node on its /readyz and publishes only the DMZ replica beyond the host', () => {
    for (const [name, service] of nodeServices) {
      const { config } = serviceConfig(service);
      if (config.node.type === 'handler') {
        expect(service.healthcheck, name).toBeUndefined(); // no HTTP; the master tracks it by heartbeat
        expect(service.ports, name).toBeUndefined();
        continue;
      }
      expect(service.healthcheck?.test.join(' '), name).toContain(
        `http://127.0.0.1:${config.network.port}/readyz`,
      );
      const published = service.ports ?? [];
      expect(published.length, name).toBe(1);
      if (name === 'replica-dmz') expect(published[0]).toBe(`${config.network.port}:${config.network.port}`);
      else expect(published[0], name).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+:${config.network.port}$`));
    }
  });
});
