import type { AppLogger } from '@schedulezero/http-api';
import { EXIT_CODE_BY_SIGNAL, onStopSignals, type StopSignals } from '@schedulezero/node-runtime';

export interface ShutdownOptions {
  logger: AppLogger;
  /** Stops the node in order; resolves when everything is closed. */
  stop: () => Promise<void>;
  /** After this long the process exits with 1 even if `stop` has not finished. */
  deadlineMs: number;
  exit: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * First SIGTERM/SIGINT: stop gracefully and exit 0 (1 when stopping failed or overran the
 * deadline). A second signal exits at once, for the operator who does not want to wait (one that
 * repeats the first within a moment is the same request: see onStopSignals).
 */
export function installShutdown(options: ShutdownOptions): { trigger: (reason: string) => void } {
  const { logger } = options;
  let stopping = false;
  // Assigned below, before any signal can call `trigger` through it.
  let signals: StopSignals | undefined;
  const exit = (code: number) => {
    void (signals?.settled() ?? Promise.resolve()).then(() => options.exit(code));
  };

  const trigger = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, deadlineMs: options.deadlineMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: options.deadlineMs }, 'shutdown overran its deadline; exiting');
      options.exit(1);
    }, options.deadlineMs);
    deadline.unref();
    options.stop().then(
      () => {
        clearTimeout(deadline);
        logger.info({}, 'stopped');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };

  signals = onStopSignals(
    {
      stop: trigger,
      exitNow: (signal) => {
        logger.warn({ signal }, 'second signal: exiting now');
        options.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
      },
    },
    options.signals ? { signals: options.signals } : {},
  );
  return { trigger };
}
