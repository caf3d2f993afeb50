import type { LoadConfigResult } from '@schedulezero/config';
import { generateKeyPair } from '@schedulezero/security-filter';
import type { Logger } from 'pino';
import { parseCliArgs, type UsageText, usage } from './cli-args.ts';
import { describeOutcome, type KeyFileOutcome, writeKeyFiles } from './keygen-for-config.ts';

/**
 * The start of every node binary: answers `--help`, `--version` and `keygen` and exits, or loads
 * the config and returns it. Exit codes: 0 for the answers, 2 for bad usage or config (every
 * problem listed).
 */
export function commandLineConfig<C>(options: {
  usage: UsageText;
  version: string;
  load: (file: string | undefined) => LoadConfigResult<C>;
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}): { config: C; file: string | undefined } {
  const command = parseCliArgs(options.argv ?? process.argv.slice(2), options.env ?? process.env);
  switch (command.kind) {
    case 'help':
      console.log(usage(options.usage));
      process.exit(0);
      break;
    case 'version':
      console.log(options.version);
      process.exit(0);
      break;
    case 'keygen': {
      if (command.forConfig !== undefined) process.exit(keygenForConfig(command.forConfig, command.out));
      const pair = generateKeyPair();
      console.log(JSON.stringify({ publicKey: pair.publicKey, secretKey: pair.secretKey.reveal() }));
      process.exit(0);
      break;
    }
    case 'error':
      console.error(`${command.message}\n\n${usage(options.usage)}`);
      process.exit(2);
      break;
    case 'run': {
      const loaded = options.load(command.config);
      if (!loaded.ok) exitWithProblems(loaded.problems, loaded.file);
      return { config: loaded.config, file: loaded.file };
    }
  }
  throw new Error('unreachable');
}

/** `keygen --for`: the exit code, 0 when every pair was written or kept. */
function keygenForConfig(configFile: string, out: string | undefined): number {
  let outcomes: KeyFileOutcome[];
  try {
    outcomes = writeKeyFiles(configFile, out);
  } catch (error) {
    console.error(`keygen --for ${configFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (outcomes.length === 0) {
    console.error(
      `keygen --for ${configFile}: the config names no secretKeyFile, so there is nothing to write`,
    );
    return 2;
  }
  for (const outcome of outcomes)
    (outcome.kind === 'problem' ? console.error : console.log)(describeOutcome(outcome));
  return outcomes.some((outcome) => outcome.kind === 'problem') ? 1 : 0;
}

/** Prints every configuration problem and exits 2. */
export function exitWithProblems(problems: readonly string[], file?: string): never {
  const where = file ? ` (${file})` : '';
  console.error(`Invalid configuration${where}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(2);
}

/** A crash is logged as fatal before the process exits 1, never a silent death. */
export function exitOnFatalErrors(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  });
}
