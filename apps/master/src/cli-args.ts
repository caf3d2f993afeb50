import { parseArgs } from 'node:util';

export const USAGE = `Usage: schedulezero-master [--config FILE]

Runs the ScheduleZero master: the HTTP API, the scheduler loop and local handlers.

Options:
  -c, --config FILE   YAML config file (relative paths inside it are relative to its directory).
                      Default: $SCHEDULEZERO_CONFIG, else built-in defaults plus the environment.
  -h, --help          Show this help.
  -v, --version       Print the version.

Environment: SCHEDULEZERO_<SECTION>__<KEY>=value overrides any setting (e.g. SCHEDULEZERO_NETWORK__PORT=8888);
shorthands SCHEDULEZERO_API_TOKEN, SCHEDULEZERO_DATABASE_URL, SCHEDULEZERO_HTTP_PORT.`;

export type CliCommand =
  | { kind: 'run'; config: string | undefined }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliCommand {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { kind: 'help' };
    if (values.version) return { kind: 'version' };
    const config = values.config ?? (env.SCHEDULEZERO_CONFIG || undefined);
    if (config === '') return { kind: 'error', message: '--config needs a file path' };
    return { kind: 'run', config };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
