import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Structured JSON logs (pino), written synchronously: the last lines before an exit (drained,
 * stopped) must not sit in a buffer that dies with the process.
 */
export function createLogger(options: {
  level: string;
  pretty: boolean;
  base?: Record<string, unknown>;
  destination?: DestinationStream;
}): Logger {
  const destination =
    options.destination ??
    (options.pretty
      ? PinoPretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:standard' })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    { level: options.level, base: options.base ?? {}, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}
