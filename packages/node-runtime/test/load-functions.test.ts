import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFunctions } from '../src/load-functions.ts';

type Fn = (args: unknown, context: unknown) => unknown;

describe('loadFunctions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sz-handlers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const module = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('makes every exported function a handler named after its export, default-object members too', async () => {
    const named = module(
      'named.mjs',
      'export const version = 2;\nexport function ping(args) { return { pong: args }; }\n',
    );
    const fallback = module('fallback.mjs', 'export default { report: () => "done", limit: 3 };\n');
    const loaded = await loadFunctions<Fn>([named, fallback], 'handlers.modules');
    expect(loaded.problems).toEqual([]);
    expect(Object.keys(loaded.functions).sort()).toEqual(['ping', 'report']);
    expect(loaded.sources).toEqual({ ping: named, report: fallback });
    expect(await loaded.functions.ping?.({ a: 1 }, {})).toEqual({ pong: { a: 1 } });
  });

  it('lists every problem under the setting: missing module, no functions, duplicates, bad names', async () => {
    const first = module('first.mjs', 'export function twice() {}\n');
    const second = module(
      'second.mjs',
      'export function twice() {}\nexport default { "bad name": () => 1 };\n',
    );
    const empty = module('empty.mjs', 'export const nothing = null;\n');
    const missing = join(dir, 'missing.mjs');
    const loaded = await loadFunctions<Fn>([first, second, empty, missing], 'worker.modules');
    expect(loaded.problems).toEqual([
      `worker.modules: "twice" is exported by both ${first} and ${second}`,
      `worker.modules: ${second}: "bad name" is not a valid task name`,
      `worker.modules: ${empty} exports no functions`,
      expect.stringContaining(`worker.modules: cannot load ${missing}`),
    ]);
  });
});

describe('the example handlers', () => {
  it('load and behave as documented', async () => {
    const examples = new URL('../../../examples/handlers.ts', import.meta.url).pathname;
    const loaded = await loadFunctions<Fn>([examples], 'handlers.modules');
    expect(loaded.problems).toEqual([]);
    expect(Object.keys(loaded.functions).sort()).toEqual(['echo', 'fail', 'http_status', 'sleep']);
    const context = {
      signal: new AbortController().signal,
      jobId: 'j',
      scheduleId: 's',
      attempt: 1,
      scheduledAt: new Date(0),
    };
    expect(await loaded.functions.echo?.({ x: 1 }, context)).toEqual({
      args: { x: 1 },
      scheduledAt: '1970-01-01T00:00:00.000Z',
      handlerId: null,
    });
    await expect(async () => loaded.functions.fail?.({ message: 'boom' }, context)).rejects.toThrow('boom');
    const aborted = new AbortController();
    const sleeping = loaded.functions.sleep?.({ ms: 60_000 }, { ...context, signal: aborted.signal });
    aborted.abort('timeout');
    await expect(sleeping).rejects.toThrow('sleep aborted (timeout)');
  });
});
