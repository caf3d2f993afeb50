import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.ts';

describe('parseCliArgs', () => {
  it('reads --config, -c and --config=FILE, falling back to SCHEDULEZERO_CONFIG', () => {
    expect(parseCliArgs(['--config', 'a.yaml'], {})).toEqual({ kind: 'run', config: 'a.yaml' });
    expect(parseCliArgs(['-c', 'b.yaml'], {})).toEqual({ kind: 'run', config: 'b.yaml' });
    expect(parseCliArgs(['--config=c.yaml'], { SCHEDULEZERO_CONFIG: 'env.yaml' })).toEqual({
      kind: 'run',
      config: 'c.yaml',
    });
    expect(parseCliArgs([], { SCHEDULEZERO_CONFIG: 'env.yaml' })).toEqual({
      kind: 'run',
      config: 'env.yaml',
    });
    expect(parseCliArgs([], {})).toEqual({ kind: 'run', config: undefined });
  });

  it('knows --help and --version, and refuses anything else', () => {
    expect(parseCliArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-v'], {})).toEqual({ kind: 'version' });
    expect(parseCliArgs(['--port', '1'], {}).kind).toBe('error');
    expect(parseCliArgs(['extra'], {})).toEqual({ kind: 'error', message: 'unknown command: extra' });
    expect(parseCliArgs(['keygen'], {})).toEqual({ kind: 'keygen' });
    expect(parseCliArgs(['keygen', 'now'], {}).kind).toBe('error');
    expect(parseCliArgs(['--config'], {}).kind).toBe('error');
    expect(parseCliArgs(['--config='], {})).toEqual({ kind: 'error', message: '--config needs a file path' });
  });

  it('takes keygen --for CONFIG with an optional --out DIR, and nothing of the kind elsewhere', () => {
    expect(parseCliArgs(['keygen', '--for', 'm.yaml'], {})).toEqual({ kind: 'keygen', forConfig: 'm.yaml' });
    expect(parseCliArgs(['keygen', '--out', 'keys', '--for', 'm.yaml'], {})).toEqual({
      kind: 'keygen',
      forConfig: 'm.yaml',
      out: 'keys',
    });
    expect(parseCliArgs(['keygen', '--out', 'keys'], {})).toEqual({
      kind: 'error',
      message: 'keygen --out DIR needs --for CONFIG: the config names the key files',
    });
    expect(parseCliArgs(['keygen', '--config', 'm.yaml'], {}).kind).toBe('error');
    expect(parseCliArgs(['--for', 'm.yaml'], {})).toEqual({
      kind: 'error',
      message: '--for and --out belong to keygen',
    });
  });
});
