import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterConfig, type MasterConfig } from '../src/config.ts';

const TOKEN = 'a-token-of-twenty-chars';

describe('loadMasterConfig', () => {
  let dir: string;
  let cwd: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-config-'));
    cwd = join(dir, 'cwd');
    mkdirSync(join(dir, 'etc'), { recursive: true });
    mkdirSync(cwd);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (text: string) => {
    const file = join(dir, 'etc', 'master.yaml');
    writeFileSync(file, text);
    return file;
  };

  function load(env: Record<string, string>, file?: string): MasterConfig {
    const result = loadMasterConfig({ file, env, cwd });
    if (!result.ok) throw new Error(`unexpected problems:\n${result.problems.join('\n')}`);
    return result.config;
  }

  function problems(env: Record<string, string>, file?: string): string[] {
    const result = loadMasterConfig({ file, env, cwd });
    if (result.ok) throw new Error('expected the config to be refused');
    return result.problems;
  }

  it('has the documented defaults, with the token from SCHEDULEZERO_API_TOKEN', () => {
    const config = load({ SCHEDULEZERO_API_TOKEN: TOKEN });
    expect(config.network).toEqual({ bindAddress: '127.0.0.1', port: 8888 });
    expect(config.database.url).toBe(`sqlite:${join(cwd, 'data', 'master.db')}`);
    expect(config.api).toMatchObject({
      requireAuth: true,
      tokens: [TOKEN],
      allowedOrigins: [],
      maxBodyBytes: 1024 * 1024,
    });
    expect(config.node).toMatchObject({ type: 'master', zone: 'admin', shutdownGraceSeconds: 30 });
    expect(config.handlers.modules).toEqual([]);
    expect(config.handlers.bind).toBe('tcp://127.0.0.1:5555');
    expect(config.logging).toEqual({ level: 'info', pretty: false });
  });

  it('reads per-handler governors from the file and the environment, and names a bad limit', () => {
    const env = { SCHEDULEZERO_API_TOKEN: TOKEN };
    const file = writeConfig(
      'governors: { handler: { concurrency: 8 }, perHandler: { worker-a: { perSecond: 5, burst: 10 } } }\n',
    );
    expect(load(env, file).governors).toEqual({
      perTask: {},
      handler: { concurrency: 8 },
      perHandler: { 'worker-a': { perSecond: 5, burst: 10 } },
      queueLimit: 10_000,
    });
    expect(
      load({ ...env, SCHEDULEZERO_GOVERNORS__PERHANDLER: '{"b":{"concurrency":2}}' }).governors,
    ).toMatchObject({
      perHandler: { b: { concurrency: 2 } },
    });
    expect(load({ ...env, SCHEDULEZERO_GOVERNORS__HANDLER: '{"perSecond":1}' }).governors.handler).toEqual({
      perSecond: 1,
    });
    expect(
      problems(env, writeConfig('governors: { perHandler: { a: { concurrency: 0, rate: 1 } } }\n')),
    ).toEqual([
      expect.stringMatching(/^governors\.perHandler\.a\.concurrency: /),
      expect.stringMatching(/^governors\.perHandler\.a: unknown setting\(s\): rate/),
    ]);
  });

  it('binds the handler link on loopback 5555 unless told otherwise; `none` binds no link', () => {
    const env = { SCHEDULEZERO_API_TOKEN: TOKEN };
    expect(load(env, writeConfig('handlers: { bind: "tcp://0.0.0.0:6000" }\n')).handlers.bind).toBe(
      'tcp://0.0.0.0:6000',
    );
    expect(load(env, writeConfig('handlers: { bind: none }\n')).handlers.bind).toBeUndefined();
    expect(load({ ...env, SCHEDULEZERO_HANDLERS__BIND: 'none' }).handlers.bind).toBeUndefined();
    expect(problems(env, writeConfig('handlers: { bind: "127.0.0.1:5555" }\n'))).toEqual([
      'handlers.bind: must be tcp://ADDRESS:PORT or none',
    ]);
  });

  it('reads the YAML file and resolves its relative paths against the file’s directory', () => {
    const file = writeConfig(`
node: { name: sz-master-01 }
network: { bindAddress: 0.0.0.0, port: 9000 }
database: { url: "sqlite:../db/master.db" }
api: { tokens: ["${TOKEN}"], allowedOrigins: ["https://ops.example.com"] }
handlers: { modules: [./handlers.ts, /opt/h.ts, "@acme/handlers"] }
replication: { zones: { dmz: { publish: "tcp://0.0.0.0:5562", sync: "tcp://0.0.0.0:5563", secretKeyFile: keys/dmz.key } } }
logging: { eventLog: ../log/events.jsonl }
`);
    const config = load({}, file);
    expect(config.logging.eventLog).toBe(join(dir, 'log', 'events.jsonl'));
    expect(config.node.name).toBe('sz-master-01');
    expect(config.network).toEqual({ bindAddress: '0.0.0.0', port: 9000 });
    expect(config.database.url).toBe(`sqlite:${join(dir, 'db', 'master.db')}`);
    expect(config.handlers.modules).toEqual([join(dir, 'etc', 'handlers.ts'), '/opt/h.ts', '@acme/handlers']);
    expect(config.api.allowedOrigins).toEqual(['https://ops.example.com']);
    expect(config.replication.zones.dmz).toEqual({
      publish: 'tcp://0.0.0.0:5562',
      sync: 'tcp://0.0.0.0:5563',
      policy: 'dmz',
      secretKeyFile: join(dir, 'etc', 'keys', 'dmz.key'),
      clientKeys: [],
    });
    expect(config.replication.retention).toEqual({ changes: 1_000_000 });
  });

  it('takes SCHEDULEZERO_<SECTION>__<KEY> overrides, case-insensitively, coerced by the schema', () => {
    const file = writeConfig(`api: { tokens: ["${TOKEN}"] }\nnetwork: { port: 9000 }\n`);
    const config = load(
      {
        SCHEDULEZERO_NETWORK__PORT: '8899',
        SCHEDULEZERO_DATABASE__URL: 'postgres://sz@db.internal:5432/schedulezero',
        SCHEDULEZERO_network__bind_address: '::1',
        SCHEDULEZERO_API__REQUIREAUTH: 'false',
        SCHEDULEZERO_API__ALLOWEDORIGINS: 'https://a.example.com, https://b.example.com',
        SCHEDULEZERO_API__MAXBODYBYTES: '4096',
        SCHEDULEZERO_LOGGING__PRETTY: 'yes',
        SCHEDULEZERO_LOGGING__EVENTLOG: 'events.jsonl',
        SCHEDULEZERO_NODE__SHUTDOWNGRACESECONDS: '2.5',
        SCHEDULEZERO_HANDLERS__MODULES: '["./a.ts","./b.ts"]',
        SCHEDULEZERO_REPLICATION__HEARTBEATMS: '250',
        SCHEDULEZERO_SECURITY__ALLOWPLAINTEXT: 'true',
      },
      file,
    );
    expect(config.network).toEqual({ bindAddress: '::1', port: 8899 });
    expect(config.database.url).toBe('postgres://sz@db.internal:5432/schedulezero');
    expect(config.api).toMatchObject({
      requireAuth: false,
      allowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      maxBodyBytes: 4096,
    });
    expect(config.logging.pretty).toBe(true);
    expect(config.node.shutdownGraceSeconds).toBe(2.5);
    // Paths from the environment are relative to the cwd, not to the file.
    expect(config.handlers.modules).toEqual([join(cwd, 'a.ts'), join(cwd, 'b.ts')]);
    expect(config.logging.eventLog).toBe(join(cwd, 'events.jsonl'));
    expect(config.replication.heartbeatMs).toBe(250);
    expect(config.security).toEqual({ allowPlaintext: true });
  });

  it('matches the SCHEDULEZERO_ prefix and the shorthands in any case as well', () => {
    const config = load({ schedulezero_network__port: '8898', schedulezero_api_token: TOKEN });
    expect(config.network.port).toBe(8898);
    expect(config.api.tokens).toEqual([TOKEN]);
  });

  it('takes the shorthands; the token is added to the file’s tokens; the explicit form wins', () => {
    const file = writeConfig(`api: { tokens: ["${TOKEN}"] }\n`);
    const config = load(
      {
        SCHEDULEZERO_API_TOKEN: 'another-token-from-env',
        SCHEDULEZERO_DATABASE_URL: 'postgres://sz@db.internal:5432/schedulezero',
        SCHEDULEZERO_HTTP_PORT: '8080',
        SCHEDULEZERO_NETWORK__PORT: '8081',
      },
      file,
    );
    expect(config.api.tokens).toEqual([TOKEN, 'another-token-from-env']);
    expect(config.database.url).toBe('postgres://sz@db.internal:5432/schedulezero');
    expect(config.network.port).toBe(8081);
    expect(load({ SCHEDULEZERO_DATABASE_URL: 'sqlite:rel/m.db' }, file).database.url).toBe(
      `sqlite:${join(cwd, 'rel/m.db')}`,
    );
    expect(load({ SCHEDULEZERO_DATABASE_URL: 'sqlite::memory:' }, file).database.url).toBe('sqlite::memory:');
  });

  it('ignores empty variables and names without __ that are not shorthands', () => {
    const config = load({
      SCHEDULEZERO_API_TOKEN: TOKEN,
      SCHEDULEZERO_HTTP_PORT: '',
      SCHEDULEZERO_SOMETHING: 'x',
    });
    expect(config.network.port).toBe(8888);
  });

  it('lists every problem at once, naming the setting and where an env value came from', () => {
    const file = writeConfig(`
node: { type: replica }
netwrok: { port: 1 }
database: { url: "mysql://localhost/db" }
api: { tokens: ["short"], allowedOrigins: ["ops.example.com"], colour: red }
handlers: { modules: "./one.ts" }
logging: { level: loud }
`);
    const list = problems(
      {
        SCHEDULEZERO_NETWORK__PORT: 'eighty',
        SCHEDULEZERO_NETWORK__NOPE: '1',
        SCHEDULEZERO_API__REQUIREAUTH: 'sometimes',
      },
      file,
    );
    const expected = [
      /^SCHEDULEZERO_NETWORK__NOPE: no setting "nope" in "network"/,
      /^node\.type: this is a master node/,
      /^\(top level\): unknown setting\(s\): netwrok/,
      /^network\.port: .*\(from SCHEDULEZERO_NETWORK__PORT\)$/,
      /^database\.url: must be sqlite:PATH/,
      /^api\.requireAuth: .*\(from SCHEDULEZERO_API__REQUIREAUTH\)$/,
      /^api\.tokens\.0: must be at least 16 characters/,
      /^api\.allowedOrigins\.0: must be "\*" or an origin/,
      /^api: unknown setting\(s\): colour/,
      /^handlers\.modules: /,
      /^logging\.level: /,
    ];
    for (const pattern of expected)
      expect(list, String(pattern)).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    expect(list).toHaveLength(expected.length);
  });

  it('refuses requireAuth without any token (fail closed)', () => {
    expect(problems({})).toEqual([
      expect.stringMatching(/^api\.tokens: api\.requireAuth is on but no token is configured/),
    ]);
    expect(load({ SCHEDULEZERO_API__REQUIREAUTH: 'false' }).api.tokens).toEqual([]);
  });

  it('reports a missing file, YAML syntax errors and a top level that is not a mapping', () => {
    expect(problems({}, 'nope.yaml')).toEqual([`${join(cwd, 'nope.yaml')}: file not found`]);
    expect(problems({}, writeConfig('network: { port: 1\n'))[0]).toMatch(/master\.yaml: /);
    expect(problems({}, writeConfig('- a\n- b\n'))).toEqual([
      expect.stringMatching(/top level must be a mapping/),
    ]);
  });

  it('takes an empty file as all defaults', () => {
    expect(load({ SCHEDULEZERO_API_TOKEN: TOKEN }, writeConfig('')).network.port).toBe(8888);
  });

  it('reads the api settings of sessions, cookies and the auth throttle, with their defaults', () => {
    const env = { SCHEDULEZERO_API_TOKEN: TOKEN };
    expect(load(env).api).toMatchObject({
      sessions: { ttlSeconds: 43_200, max: 1000 },
      authThrottle: { maxFailures: 10, windowSeconds: 60, maxClients: 10_000 },
    });
    expect(load(env).api.publicUrl).toBeUndefined();
    const file = writeConfig('api: { publicUrl: "https://scheduler.example.com", sessions: { max: 5 } }\n');
    const api = load({ ...env, SCHEDULEZERO_API__AUTHTHROTTLE__MAXFAILURES: '3' }, file).api;
    expect(api).toMatchObject({
      publicUrl: 'https://scheduler.example.com',
      sessions: { ttlSeconds: 43_200, max: 5 },
      authThrottle: { maxFailures: 3, windowSeconds: 60 },
    });
    expect(problems({ ...env, SCHEDULEZERO_API__PUBLICURL: 'ftp://files.example.com' }).join('\n')).toContain(
      'api.publicUrl',
    );
  });
});
