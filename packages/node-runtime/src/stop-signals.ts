/**
 * The stop signals of a node process: the first asks it to stop cleanly, a later one to exit at
 * once (for the operator who does not want to wait).
 *
 * A repeat within `sameRequestMs` of the first is the same request, not a second one: `pnpm start`
 * and friends run their node as pnpm's direct child (`exec node …`, so that no shell between them
 * turns a clean exit into "killed by SIGINT"), and pnpm forwards the Ctrl-C it got from the
 * terminal to that child, which the terminal signalled too. One key press arrives twice within
 * milliseconds, and it must not cut the clean stop short. Nor may it find the process on its
 * way out, its listeners gone, where the signal's default action would end it "killed by SIGINT"
 * after all: a node stopped by a signal waits for `settled()` (the end of that window) before it
 * exits.
 */

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The exit code of a process ended by a signal, as a shell reports it. */
export const EXIT_CODE_BY_SIGNAL: Readonly<Record<string, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};
/** How long after the first signal a repeat of it is still the same request. */
export const SAME_REQUEST_MS = 1000;

export interface StopSignalHandlers {
  /** The first signal: stop cleanly. */
  stop: (signal: NodeJS.Signals) => void;
  /** A signal after the first (and after the same-request window): exit now. */
  exitNow: (signal: NodeJS.Signals) => void;
}

export interface StopSignalOptions {
  signals?: readonly NodeJS.Signals[];
  sameRequestMs?: number;
  now?: () => number;
}

export interface StopSignals {
  /**
   * Resolves when no repeat of the first signal can still be on its way (at once when no signal
   * came). Holds the process open until then, so exiting after it is safe.
   */
  settled(): Promise<void>;
  /** Removes the listeners. */
  remove(): void;
}

export function onStopSignals(handlers: StopSignalHandlers, options: StopSignalOptions = {}): StopSignals {
  const sameRequestMs = options.sameRequestMs ?? SAME_REQUEST_MS;
  const now = options.now ?? Date.now;
  let firstAt: number | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = now();
      handlers.stop(signal);
      return;
    }
    if (now() - firstAt < sameRequestMs) return;
    handlers.exitNow(signal);
  };
  const signals = options.signals ?? STOP_SIGNALS;
  for (const signal of signals) process.on(signal, listener);
  return {
    settled: () => {
      const remaining = firstAt === undefined ? 0 : firstAt + sameRequestMs - now();
      // A referenced timer: it is what keeps a process that ends by running out of work alive.
      return remaining > 0 ? new Promise((resolve) => setTimeout(resolve, remaining)) : Promise.resolve();
    },
    remove: () => {
      for (const signal of signals) process.off(signal, listener);
    },
  };
}
