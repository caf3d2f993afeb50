import type { AppLogger } from '@schedulezero/http-api';

export interface ShutdownOptions {
  logger: AppLogger;
  /** Stops the node in order; resolves when everything is closed. */
  stop: () => Promise<void>;
  /** After this long the process exits with 1 even if `stop` has not finished. */
  deadlineMs: number;
  exit: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

const EXIT_CODE_BY_SIGNAL: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * First SIGTERM/SIGINT: stop gracefully and exit 0 (1 when stopping failed or overran the
 * deadline). A second signal exits at once, for the operator who does not want to wait.
 */
export function installShutdown(options: ShutdownOptions): { trigger: (reason: string) => void } {
  const { logger } = options;
  let stopping = false;

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
        options.exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'shutdown failed');
        options.exit(1);
      },
    );
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        options.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
        return;
      }
      trigger(signal);
    });
  }
  return { trigger };
}
