import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHandlerConfig, workerIdentity } from '../src/config.ts';

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
});
