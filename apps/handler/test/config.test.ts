import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHandlerConfig, workerIdentity, workerMasters } from '../src/config.ts';

describe('handler config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function load(yaml: string, env: Record<string, string> = {}) {
    writeFileSync(join(dir, 'handler.yaml'), yaml);
    return loadHandlerConfig({ file: 'handler.yaml', env, cwd: dir });
  }

  it('fills defaults, resolves module paths against the file and takes env overrides', () => {
    const result = load(
      [
        'node: { name: eu-worker-1, zone: eu }',
        'worker: { master: "tcp://10.0.0.1:5555", modules: [./handlers.ts, "@acme/jobs"], tags: [gpu] }',
        'security: { allowPlaintext: true }',
        'database: { url: "sqlite:./ignored.db" }',
        // The master's event log: a file shared by every node may carry it.
        'logging: { eventLog: ./events.jsonl }',
      ].join('\n'),
      { SCHEDULEZERO_WORKER__CAPACITY: '20', SCHEDULEZERO_LOGGING__LEVEL: 'debug' },
    );
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.worker).toEqual({
      master: 'tcp://10.0.0.1:5555',
      modules: [join(dir, 'handlers.ts'), '@acme/jobs'],
      capacity: 20,
      tags: ['gpu'],
      abortGraceSeconds: 5,
    });
    expect(result.config.logging.level).toBe('debug');
    expect(workerIdentity(result.config)).toEqual({ id: 'eu-worker-1', zone: 'eu' });
  });

  it('worker.id and worker.zone win over the node section', () => {
    const result = load(
      'node: { name: n }\nworker: { id: w-7, zone: us, modules: [x] }\nsecurity: { allowPlaintext: true }',
    );
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(workerIdentity(result.config)).toEqual({ id: 'w-7', zone: 'us' });
  });

  it('lists every problem at once', () => {
    const result = load('node: { type: master }\nworker: { capacity: 0, master: "http://x", colour: red }');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toMatch(/node.type/);
    expect(text).toMatch(/worker.capacity/);
    expect(text).toMatch(/worker.master: must be tcp:\/\/HOST:PORT/);
    expect(text).toMatch(/worker.modules/);
    expect(text).toMatch(/colour/);
  });

  it('makes key file paths absolute against the config file', () => {
    const result = load(
      'worker: { modules: [x], serverKeyFile: keys/link.pub }\nsecurity: { secretKeyFile: keys/node.key }',
    );
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.worker.serverKeyFile).toBe(join(dir, 'keys/link.pub'));
    expect(result.config.security.secretKeyFile).toBe(join(dir, 'keys/node.key'));
    expect(result.config.security.allowPlaintext).toBe(false);
  });
  it('links to every master of worker.masters, or to worker.master, or to loopback 5555', () => {
    const masters = load(
      'worker: { masters: ["tcp://m1:5555", "tcp://m2:5555"], modules: [x] }\nsecurity: { allowPlaintext: true }',
    );
    if (!masters.ok) throw new Error(masters.problems.join('\n'));
    expect(workerMasters(masters.config)).toEqual(['tcp://m1:5555', 'tcp://m2:5555']);
    const one = load('worker: { master: "tcp://m1:5555", modules: [x] }\nsecurity: { allowPlaintext: true }');
    if (!one.ok) throw new Error(one.problems.join('\n'));
    expect(workerMasters(one.config)).toEqual(['tcp://m1:5555']);
    const neither = load('worker: { modules: [x] }\nsecurity: { allowPlaintext: true }');
    if (!neither.ok) throw new Error(neither.problems.join('\n'));
    expect(workerMasters(neither.config)).toEqual(['tcp://127.0.0.1:5555']);
  });

  it('takes worker.masters from the environment as a comma-separated list', () => {
    const result = load('worker: { modules: [x] }\nsecurity: { allowPlaintext: true }', {
      SCHEDULEZERO_WORKER__MASTERS: 'tcp://m1:5555, tcp://m2:6000',
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(workerMasters(result.config)).toEqual(['tcp://m1:5555', 'tcp://m2:6000']);
  });

  it('refuses worker.master and worker.masters together, an empty or bad list, and fewer slots than masters', () => {
    const problems = (yaml: string) => {
      const result = load(`${yaml}\nsecurity: { allowPlaintext: true }`);
      return result.ok ? [] : result.problems;
    };
    expect(
      problems('worker: { master: "tcp://m1:5555", masters: ["tcp://m2:5555"], modules: [x] }').join('\n'),
    ).toMatch(/worker\.masters: set worker\.master \(one master\) or worker\.masters .*not both/);
    expect(problems('worker: { masters: [], modules: [x] }').join('\n')).toMatch(
      /worker\.masters: list at least one master/,
    );
    expect(problems('worker: { masters: ["m2:5555"], modules: [x] }').join('\n')).toMatch(
      /worker\.masters\.0: must be tcp:\/\/HOST:PORT/,
    );
    expect(
      problems('worker: { masters: ["tcp://m1:5555", "tcp://m2:5555"], capacity: 1, modules: [x] }').join(
        '\n',
      ),
    ).toMatch(/worker\.capacity: must be at least the number of worker\.masters \(2\)/);
  });
});
