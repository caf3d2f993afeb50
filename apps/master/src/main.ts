import { parseCliArgs, USAGE } from './cli-args.ts';
import { loadMasterConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startMaster } from './master.ts';
import { installShutdown } from './shutdown.ts';
import { VERSION } from './version.ts';

/** CLI entry: arguments and config, then the node; exit codes 0 (stopped), 1 (failed), 2 (bad usage or config). */

const command = parseCliArgs(process.argv.slice(2), process.env);
if (command.kind === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (command.kind === 'version') {
  console.log(VERSION);
  process.exit(0);
}
if (command.kind === 'error') {
  console.error(`${command.message}\n\n${USAGE}`);
  process.exit(2);
}

const loaded = loadMasterConfig({ file: command.config, env: process.env, cwd: process.cwd() });
if (!loaded.ok) {
  const where = loaded.file ? ` (${loaded.file})` : '';
  console.error(
    `Invalid configuration${where}:\n${loaded.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
  process.exit(2);
}
const config = loaded.config;
const logger = createLogger({
  level: config.logging.level,
  pretty: config.logging.pretty,
  base: { node: config.node.name },
});

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  logger.fatal({ err: error }, 'unhandled rejection');
  process.exit(1);
});

const started = await startMaster({ config, logger, version: VERSION }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
if (!started.ok) {
  logger.error({ problems: started.problems }, 'invalid handler modules');
  console.error(`Invalid configuration:\n${started.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(2);
}
const master = started.master;

installShutdown({
  logger,
  stop: () => master.stop(),
  // The grace for running jobs, plus time to close the server and the database.
  deadlineMs: config.node.shutdownGraceSeconds * 1000 + 15_000,
  exit: (code) => process.exit(code),
});
logger.info({ configFile: loaded.file ?? null }, 'master ready');
