import { parseArgs } from 'node:util';

/**
 * The command line every node binary shares: `--config FILE` to run, `keygen` to print a new CURVE
 * key pair, `--help`, `--version`.
 */

export type CliCommand =
  | { kind: 'run'; config: string | undefined }
  /** `forConfig`: write every pair that config names (into `out` when given) instead of printing one. */
  | { kind: 'keygen'; forConfig?: string; out?: string }
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
       ${bin} keygen [--for CONFIG [--out DIR]]

${summary}

Commands:
  keygen              Print a new CURVE key pair as JSON {"publicKey","secretKey"} (Z85) and exit.
  keygen --for CONFIG Write a pair for every secretKeyFile CONFIG names (mode 0400) and its public
                      key (publicKeyFile, else NAME.pub; 0444); existing files are never
                      overwritten. Prints each file written, with the public key.
    --out DIR         Write them into DIR (file names from CONFIG) instead of CONFIG's paths.

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
        for: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { kind: 'help' };
    if (values.version) return { kind: 'version' };
    const keygen = positionals.length === 1 && positionals[0] === 'keygen';
    if (positionals.length > 0 && !keygen)
      return { kind: 'error', message: `unknown command: ${positionals.join(' ')}` };
    if ((values.for !== undefined || values.out !== undefined) && !keygen)
      return { kind: 'error', message: '--for and --out belong to keygen' };
    if (keygen) {
      if (values.config !== undefined)
        return { kind: 'error', message: 'keygen takes --for CONFIG, not --config' };
      if (values.out !== undefined && values.for === undefined)
        return {
          kind: 'error',
          message: 'keygen --out DIR needs --for CONFIG: the config names the key files',
        };
      if (values.for === '' || values.out === '')
        return { kind: 'error', message: 'keygen --for and --out need a path' };
      return {
        kind: 'keygen',
        ...(values.for !== undefined ? { forConfig: values.for } : {}),
        ...(values.out !== undefined ? { out: values.out } : {}),
      };
    }
    const config = values.config ?? (env.SCHEDULEZERO_CONFIG || undefined);
    if (config === '') return { kind: 'error', message: '--config needs a file path' };
    return { kind: 'run', config };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
