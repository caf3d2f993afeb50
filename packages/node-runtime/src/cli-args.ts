import { parseArgs } from 'node:util';

/**
 * The command line every node binary shares: `--config FILE` to run, `keygen` to print a new CURVE
 * key pair, `--help`, `--version`.
 */

export type CliCommand =
  | { kind: 'run'; config: string | undefined }
  | { kind: 'keygen' }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export interface UsageText {
  /** The binary, e.g. `schedulezero-master`. */
  bin: string;
  /** What running it does, a paragraph. */
  summary: string;
  /** Environment examples specific to the node. */
  environment: string;
}

export function usage({ bin, summary, environment }: UsageText): string {
  return `Usage: ${bin} [--config FILE]
       ${bin} keygen

${summary}

Commands:
  keygen              Print a new CURVE key pair as JSON {"publicKey","secretKey"} (Z85) and exit.

Options:
  -c, --config FILE   YAML config file (relative paths inside it are relative to its directory).
                      Default: $SCHEDULEZERO_CONFIG, else built-in defaults plus the environment.
  -h, --help          Show this help.
  -v, --version       Print the version.

Environment: SCHEDULEZERO_<SECTION>__<KEY>=value overrides any setting (levels joined by "__").
${environment}`;
}

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliCommand {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { kind: 'help' };
    if (values.version) return { kind: 'version' };
    if (positionals.length > 0) {
      if (positionals.length === 1 && positionals[0] === 'keygen') return { kind: 'keygen' };
      return { kind: 'error', message: `unknown command: ${positionals.join(' ')}` };
    }
    const config = values.config ?? (env.SCHEDULEZERO_CONFIG || undefined);
    if (config === '') return { kind: 'error', message: '--config needs a file path' };
    return { kind: 'run', config };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
