import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFunctions } from './load-functions.ts';

const EXAMPLES = resolve(import.meta.dirname, '../examples/handlers.ts');

describe('loadFunctions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-modules-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes every exported function, and the functions of a default export object', async () => {
    const extra = join(dir, 'extra.mjs');
    writeFileSync(
      extra,
      'export default { resize() { return 1; }, note: "not a function" };\nexport const size = 3;\n',
    );
    const loaded = await loadFunctions([EXAMPLES, extra]);
    expect(loaded.problems).toEqual([]);
    expect(Object.keys(loaded.functions).sort()).toEqual(['echo', 'fail', 'http_status', 'resize', 'sleep']);
    expect(loaded.sources.resize).toBe(extra);
  });

  it('reports modules that fail to load, export nothing, clash or use invalid names', async () => {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    const clash = join(dir, 'clash.mjs');
    writeFileSync(clash, 'export function echo() {}\nexport default { "bad name": () => 1 };\n');
    const loaded = await loadFunctions([EXAMPLES, join(dir, 'missing.mjs'), empty, clash]);
    expect(loaded.problems).toEqual([
      expect.stringContaining('cannot load'),
      expect.stringContaining('exports no functions'),
      expect.stringContaining('"echo" is exported by both'),
      expect.stringContaining('"bad name" is not a valid task name'),
    ]);
  });
});
