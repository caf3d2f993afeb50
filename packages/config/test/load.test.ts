import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/load.ts';

const schema = z.strictObject({
  worker: z
    .strictObject({
      master: z.string().default('tcp://127.0.0.1:5555'),
      capacity: z.number().int().min(1).default(10),
      tags: z.array(z.string()).default([]),
      modules: z.array(z.string()).default([]),
    })
    .prefault({}),
  logging: z.strictObject({ level: z.string().default('info') }).prefault({}),
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges the file, then SECTION__KEY overrides coerced by the schema, and resolves paths against the file', () => {
    writeFileSync(join(dir, 'node.yaml'), 'worker:\n  capacity: 2\n  modules: [./handlers.ts]\n');
    const result = loadConfig({
      schema,
      file: 'node.yaml',
      cwd: dir,
      prefix: 'SZ_',
      env: { SZ_WORKER__CAPACITY: '7', SZ_WORKER__TAGS: 'eu,gpu', SZ_LOGGING__LEVEL: 'debug', OTHER: 'x' },
      resolvePaths: (config, baseFor) => ({
        ...config,
        worker: {
          ...config.worker,
          modules: config.worker.modules.map((path) => join(baseFor(['worker', 'modules']), path)),
        },
      }),
    });
    expect(result).toEqual({
      ok: true,
      file: join(dir, 'node.yaml'),
      config: {
        worker: {
          master: 'tcp://127.0.0.1:5555',
          capacity: 7,
          tags: ['eu', 'gpu'],
          modules: [join(dir, 'handlers.ts')],
        },
        logging: { level: 'debug' },
      },
    });
  });

  it('lists every problem at once, naming the variable a bad value came from', () => {
    writeFileSync(join(dir, 'node.yaml'), 'worker:\n  capacity: 0\n  colour: blue\n');
    const result = loadConfig({
      schema,
      file: 'node.yaml',
      cwd: dir,
      prefix: 'SZ_',
      env: { SZ_WORKER__NOPE: '1', SZ_LOGGING__LEVEL: '' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toMatch(/SZ_WORKER__NOPE/);
    expect(result.problems.join('\n')).toMatch(/worker.capacity/);
    expect(result.problems.join('\n')).toMatch(/colour/);
  });

  it('reports a missing file', () => {
    const result = loadConfig({ schema, file: 'missing.yaml', cwd: dir, prefix: 'SZ_', env: {} });
    expect(result).toMatchObject({ ok: false, problems: [expect.stringContaining('file not found')] });
  });
});
