import {
  commandLineConfig,
  createLogger,
  EXIT_CODE_BY_SIGNAL,
  exitOnFatalErrors,
  exitWithProblems,
  onStopSignals,
} from '@schedulezero/node-runtime';
import { loadReplicaConfig } from './config.ts';
import { startReplica } from './replica.ts';
import { VERSION } from './version.ts';

/** CLI entry: arguments and config, then the node; exit codes 0 (stopped), 1 (failed), 2 (bad usage or config). */

const { config, file } = commandLineConfig({
  usage: {
    bin: 'schedulezero-replica',
    summary: `Runs a ScheduleZero replica: takes its zone's replication stream from the master
(replication.master, or one of a cluster's replication.masters) into its own database and serves the read-only HTTP API over it. Every
POST/PUT/PATCH/DELETE under /api/ gets 403; it never executes jobs.`,
    environment:
      'Shorthands: SCHEDULEZERO_API_TOKEN, SCHEDULEZERO_DATABASE_URL, SCHEDULEZERO_HTTP_PORT (e.g. SCHEDULEZERO_REPLICATION__MASTER__PUBLISH=tcp://10.0.0.1:5562).',
  },
  version: VERSION,
  load: (configFile) => loadReplicaConfig({ file: configFile, env: process.env, cwd: process.cwd() }),
});
const logger = createLogger({
  level: config.logging.level,
  pretty: config.logging.pretty,
  base: { node: config.node.name },
});
exitOnFatalErrors(logger);

const started = await startReplica({ config, logger, version: VERSION }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
if (!started.ok) {
  logger.error({ problems: started.problems }, 'invalid configuration');
  exitWithProblems(started.problems, file);
}
const { replica } = started;

const signals = onStopSignals({
  exitNow: (signal) => {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
  },
  stop: (signal) => {
    logger.info({ reason: signal }, 'shutting down');
    const deadline = setTimeout(
      () => {
        logger.error({}, 'shutdown overran its deadline; exiting');
        process.exit(1);
      },
      config.node.shutdownGraceSeconds * 1000 + 5_000,
    );
    deadline.unref();
    replica.stop().then(
      () => {
        logger.info({}, 'stopped');
        void signals.settled().then(() => process.exit(0));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  },
});
logger.info({ configFile: file ?? null }, 'replica ready');
