import { hostname } from 'node:os';
import { createMultiLinkWorker, type RemoteHandlerFunction } from '@schedulezero/handler-link';
import {
  clientSecurity,
  commandLineConfig,
  createLogger,
  EXIT_CODE_BY_SIGNAL,
  exitOnFatalErrors,
  exitWithProblems,
  loadFunctions,
  onStopSignals,
} from '@schedulezero/node-runtime';
import { loadHandlerConfig, workerIdentity, workerMasters } from './config.ts';
import { VERSION } from './version.ts';

/**
 * CLI entry of the handler worker. Exit codes: 0 drained and stopped, 1 failed (or jobs had to be
 * aborted at the end of the shutdown grace), 2 bad usage or config.
 */

/** After a clean stop nothing should keep the process alive; if something does, say so and exit. */
const EXIT_WATCHDOG_MS = 5_000;

const { config, file } = commandLineConfig({
  usage: {
    bin: 'schedulezero-handler',
    summary: `Runs a ScheduleZero handler worker: loads the functions of worker.modules, registers them with the
master (worker.master, a ZeroMQ endpoint; or every master of a cluster, worker.masters) and runs the
jobs it is sent, up to worker.capacity at once.
SIGTERM or SIGINT drains: running jobs finish, no new ones are taken, then the process exits 0.`,
    environment: 'e.g. SCHEDULEZERO_WORKER__CAPACITY=20, SCHEDULEZERO_WORKER__MASTER=tcp://10.0.0.1:5555',
  },
  version: VERSION,
  load: (configFile) => loadHandlerConfig({ file: configFile, env: process.env, cwd: process.cwd() }),
});
const { id, zone } = workerIdentity(config);
const logger = createLogger({
  level: config.logging.level,
  pretty: config.logging.pretty,
  base: { node: config.node.name, handlerId: id },
});
exitOnFatalErrors(logger);

const { functions, sources, problems } = await loadFunctions<RemoteHandlerFunction>(
  config.worker.modules,
  'worker.modules',
);
if (problems.length > 0) exitWithProblems(problems, file);
const { security } = config;
const secured = await clientSecurity(
  {
    setting: 'worker',
    serverKey: { inline: config.worker.serverKey, file: config.worker.serverKeyFile },
    secretKey: { inline: security.secretKey, file: security.secretKeyFile },
    publicKey: { inline: security.publicKey, file: security.publicKeyFile },
  },
  security.allowPlaintext,
);
if (!secured.ok) exitWithProblems(secured.problems, file);
for (const warning of secured.warnings) logger.warn({}, warning);

let stopping = false;
const masters = workerMasters(config);
// One link per master, sharing the capacity; with one master it is the single link it always was.
const worker = createMultiLinkWorker({
  endpoints: masters,
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
  ...(secured.value.configure ? { configureSocket: secured.value.configure } : {}),
  ...(secured.value.publicKey ? { publicKey: secured.value.publicKey } : {}),
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
      void signals.settled();
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

const exitNow = (signal: NodeJS.Signals) => {
  logger.warn({ signal }, 'second signal: exiting now');
  process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
};
const signals = onStopSignals({
  // A drain the master asked for is already under way: the operator's signal is then the second request.
  stop: (signal) => (stopping ? exitNow(signal) : shutdown(signal)),
  exitNow,
});

await worker.start();
logger.info(
  {
    ...(masters.length === 1 ? { master: masters[0] } : { masters }),
    zone,
    tags: config.worker.tags,
    capacity: config.worker.capacity,
    methods: Object.keys(functions),
    sources,
  },
  'handler started; registering with the master',
);
