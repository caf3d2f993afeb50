import { describe, expect, it } from 'vitest';
import { parseDevArgs } from '../src/dev-args.ts';

describe('pnpm start arguments', () => {
  it('none is the single master; --ha is two masters; --ha=3 three', () => {
    expect(parseDevArgs([])).toEqual({ ok: true, masters: 1 });
    expect(parseDevArgs(['--ha'])).toEqual({ ok: true, masters: 2 });
    expect(parseDevArgs(['--ha=2'])).toEqual({ ok: true, masters: 2 });
    expect(parseDevArgs(['--ha=3'])).toEqual({ ok: true, masters: 3 });
  });

  it('refuses another count or an unknown argument, saying the usage', () => {
    for (const argv of [['--ha=4'], ['--ha=1'], ['--ha='], ['--HA'], ['start']]) {
      const parsed = parseDevArgs(argv);
      expect(parsed.ok, argv.join(' ')).toBe(false);
      if (!parsed.ok) expect(parsed.problem).toContain('usage: pnpm start [--ha | --ha=2 | --ha=3]');
    }
  });
});
