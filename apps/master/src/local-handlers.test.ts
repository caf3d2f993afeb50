import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLocalHandlers } from './local-handlers.ts';

describe('loadLocalHandlers', () => {
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
    const loaded = await loadLocalHandlers([named, fallback]);
    expect(loaded.problems).toEqual([]);
    expect(Object.keys(loaded.handlers).sort()).toEqual(['ping', 'report']);
    expect(loaded.sources).toEqual({ ping: named, report: fallback });
    expect(await loaded.handlers.ping?.({ a: 1 }, {} as never)).toEqual({ pong: { a: 1 } });
  });

  it('lists every problem: missing module, no functions, duplicate names', async () => {
    const first = module('first.mjs', 'export function twice() {}\n');
    const second = module('second.mjs', 'export function twice() {}\n');
    const empty = module('empty.mjs', 'export const nothing = null;\n');
    const missing = join(dir, 'missing.mjs');
    const loaded = await loadLocalHandlers([first, second, empty, missing]);
    expect(loaded.problems).toEqual([
      `handlers.modules: "twice" is exported by both ${first} and ${second}`,
      `handlers.modules: ${empty} exports no functions`,
      expect.stringContaining(`handlers.modules: cannot load ${missing}`),
    ]);
  });

  it('loads the example handlers shipped with the app', async () => {
    const loaded = await loadLocalHandlers([new URL('../examples/handlers.ts', import.meta.url).pathname]);
    expect(Object.keys(loaded.handlers).sort()).toEqual(['echo', 'fail', 'sleep']);
    const context = {
      signal: new AbortController().signal,
      jobId: 'j',
      scheduleId: 's',
      attempt: 1,
      scheduledAt: new Date(0),
    };
    expect(await loaded.handlers.echo?.({ x: 1 }, context)).toEqual({
      args: { x: 1 },
      scheduledAt: '1970-01-01T00:00:00.000Z',
    });
    await expect(async () => loaded.handlers.fail?.({ message: 'boom' }, context)).rejects.toThrow('boom');
    const aborted = new AbortController();
    const sleeping = loaded.handlers.sleep?.({ ms: 60_000 }, { ...context, signal: aborted.signal });
    aborted.abort();
    await expect(sleeping).rejects.toThrow('sleep aborted');
  });
});
