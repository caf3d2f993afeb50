import {
  commandLineConfig,
  createLogger,
  exitOnFatalErrors,
  exitWithProblems,
} from '@schedulezero/node-runtime';
import { loadMasterConfig } from './config.ts';
import { startMaster } from './master.ts';
import { installShutdown } from './shutdown.ts';
import { VERSION } from './version.ts';

/** CLI entry: arguments and config, then the node; exit codes 0 (stopped), 1 (failed), 2 (bad usage or config). */

const { config, file } = commandLineConfig({
  usage: {
    bin: 'schedulezero-master',
    summary:
      'Runs the ScheduleZero master: the HTTP API, the scheduler loop, local handlers and the handler link.',
    environment:
      'Shorthands: SCHEDULEZERO_API_TOKEN, SCHEDULEZERO_DATABASE_URL, SCHEDULEZERO_HTTP_PORT (e.g. SCHEDULEZERO_NETWORK__PORT=8888).',
  },
  version: VERSION,
  load: (configFile) => loadMasterConfig({ file: configFile, env: process.env, cwd: process.cwd() }),
});
const logger = createLogger({
  level: config.logging.level,
  pretty: config.logging.pretty,
  base: { node: config.node.name },
});
exitOnFatalErrors(logger);

const starting = startMaster({ config, logger, version: VERSION });
// Signals are handled from the start: the master logs `listening` before `startMaster` returns,
// and a SIGTERM right after it must stop the node gracefully, not kill it.
installShutdown({
  logger,
  stop: async () => {
    const started = await starting;
    if (started.ok) await started.master.stop();
  },
  // The grace for running jobs, plus time to close the server and the database.
  deadlineMs: config.node.shutdownGraceSeconds * 1000 + 15_000,
  exit: (code) => process.exit(code),
});
const started = await starting.catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
if (!started.ok) {
  logger.error({ problems: started.problems }, 'invalid configuration');
  exitWithProblems(started.problems, file);
}
logger.info({ configFile: file ?? null }, 'master ready');
