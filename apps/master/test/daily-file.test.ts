import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDailyFile } from '../src/daily-file.ts';

describe('a daily file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-daily-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the day in PATH and moves past days to PATH.YYYY-MM-DD (UTC)', () => {
    const path = join(dir, 'logs', 'events.jsonl');
    let now = new Date('2026-03-01T23:59:59.500Z');
    const file = createDailyFile(path, () => now);
    file.appendLine('a');
    file.appendLine('b');
    now = new Date('2026-03-02T00:00:00.100Z');
    file.appendLine('c');
    now = new Date('2026-03-04T08:00:00Z');
    file.appendLine('d');

    expect(readdirSync(join(dir, 'logs')).sort()).toEqual([
      'events.jsonl',
      'events.jsonl.2026-03-01',
      'events.jsonl.2026-03-02',
    ]);
    expect(readFileSync(`${path}.2026-03-01`, 'utf8')).toBe('a\nb\n');
    expect(readFileSync(`${path}.2026-03-02`, 'utf8')).toBe('c\n');
    expect(readFileSync(path, 'utf8')).toBe('d\n');
  });

  it('a restart on a later day rotates the file the last run wrote first', () => {
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, 'old\n');
    const written = new Date('2026-03-01T12:00:00Z');
    utimesSync(path, written, written);
    createDailyFile(path, () => new Date('2026-03-03T01:00:00Z')).appendLine('new');
    expect(readFileSync(`${path}.2026-03-01`, 'utf8')).toBe('old\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
  });

  it('a restart on the same day appends', () => {
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, 'old\n');
    createDailyFile(path).appendLine('new');
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
    expect(readFileSync(path, 'utf8')).toBe('old\nnew\n');
  });
});
