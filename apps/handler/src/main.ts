import { hostname } from 'node:os';
import { createLinkWorker } from '@schedulezero/handler-link';
import { parseCliArgs, USAGE } from './cli-args.ts';
import { loadHandlerConfig, workerIdentity } from './config.ts';
import { loadFunctions } from './load-functions.ts';
import { createLogger } from './logger.ts';

/**
 * CLI entry of the handler worker. Exit codes: 0 drained and stopped, 1 failed (or jobs had to be
 * aborted at the end of the shutdown grace), 2 bad usage or config.
 */

const EXIT_CODE_BY_SIGNAL: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** After a clean stop nothing should keep the process alive; if something does, say so and exit. */
const EXIT_WATCHDOG_MS = 5_000;

const command = parseCliArgs(process.argv.slice(2), process.env);
if (command.kind === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (command.kind === 'error') {
  console.error(`${command.message}\n\n${USAGE}`);
  process.exit(2);
}

const loaded = loadHandlerConfig({ file: command.config, env: process.env, cwd: process.cwd() });
if (!loaded.ok) {
  const where = loaded.file ? ` (${loaded.file})` : '';
  console.error(`Invalid configuration${where}:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(2);
}
const config = loaded.config;
const { id, zone } = workerIdentity(config);
const logger = createLogger({
  level: config.logging.level,
  pretty: config.logging.pretty,
  base: { node: config.node.name, handlerId: id },
});

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  logger.fatal({ err: error }, 'unhandled rejection');
  process.exit(1);
});

const { functions, sources, problems } = await loadFunctions(config.worker.modules);
if (problems.length > 0) {
  console.error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(2);
}

let stopping = false;
const worker = createLinkWorker({
  endpoint: config.worker.master,
  handlerId: id,
  functions,
  capacity: config.worker.capacity,
  zone,
  tags: config.worker.tags,
  logger,
  abortGraceMs: config.worker.abortGraceSeconds * 1000,
  host: hostname(),
  pid: process.pid,
  onDrainRequested: (reason) => shutdown(`the master asked: ${reason}`),
});

function shutdown(reason: string): void {
  if (stopping) return;
  stopping = true;
  const graceMs = config.node.shutdownGraceSeconds * 1000;
  logger.info({ reason, running: worker.stats().running, graceMs }, 'draining');
  let aborted = false;
  const grace = setTimeout(() => {
    aborted = true;
    logger.warn({ running: worker.stats().running }, 'shutdown grace over: aborting running jobs');
    void worker.close();
  }, graceMs);
  grace.unref();
  worker.drain().then(
    () => {
      clearTimeout(grace);
      logger.info({ completed: worker.stats().completed }, 'drained; stopped');
      process.exitCode = aborted ? 1 : 0;
      setTimeout(() => {
        logger.error({ resources: process.getActiveResourcesInfo() }, 'still running after stop; exiting');
        process.exit(1);
      }, EXIT_WATCHDOG_MS).unref();
    },
    (error: unknown) => {
      logger.error({ err: error }, 'drain failed');
      process.exit(1);
    },
  );
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
    }
    shutdown(signal);
  });
}

await worker.start();
logger.info(
  {
    master: config.worker.master,
    zone,
    tags: config.worker.tags,
    capacity: config.worker.capacity,
    methods: Object.keys(functions),
    sources,
  },
  'handler started; registering with the master',
);
