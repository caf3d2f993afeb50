/**
 * The arguments of `pnpm start`: none for the usual topology (one master on SQLite), `--ha` for a
 * cluster of two masters on PostgreSQL, `--ha=3` for three.
 */

export const USAGE = 'usage: pnpm start [--ha | --ha=2 | --ha=3]';

export type DevArgs = { ok: true; masters: number } | { ok: false; problem: string };

export function parseDevArgs(argv: readonly string[]): DevArgs {
  let masters = 1;
  for (const arg of argv) {
    const ha = /^--ha(?:=(.*))?$/.exec(arg);
    if (ha === null) return { ok: false, problem: `unknown argument "${arg}"; ${USAGE}` };
    const count = ha[1] === undefined ? 2 : Number(ha[1]);
    if (count !== 2 && count !== 3)
      return { ok: false, problem: `--ha takes 2 or 3 masters, not "${ha[1]}"; ${USAGE}` };
    masters = count;
  }
  return { ok: true, masters };
}
