import { parseArgs } from 'node:util';

export const USAGE = `Usage: schedulezero-handler --config FILE

Runs a ScheduleZero handler worker: loads the functions of worker.modules, registers them with the
master (worker.master, a ZeroMQ endpoint) and runs the jobs it is sent, up to worker.capacity at once.
SIGTERM or SIGINT drains: running jobs finish, no new ones are taken, then the process exits 0.

Options:
  -c, --config FILE   YAML config file (relative paths inside it are relative to its directory).
                      Default: $SCHEDULEZERO_CONFIG.
  -h, --help          Show this help.

Environment: SCHEDULEZERO_<SECTION>__<KEY>=value overrides any setting
(e.g. SCHEDULEZERO_WORKER__CAPACITY=20, SCHEDULEZERO_WORKER__MASTER=tcp://10.0.0.1:5555).`;

export type CliCommand =
  | { kind: 'run'; config: string | undefined }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliCommand {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { kind: 'help' };
    const config = values.config ?? (env.SCHEDULEZERO_CONFIG || undefined);
    if (config === '') return { kind: 'error', message: '--config needs a file path' };
    return { kind: 'run', config };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
