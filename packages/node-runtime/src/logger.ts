import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (development); JSON lines otherwise. */
  pretty: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logs (pino). Both modes write synchronously, in this thread: no worker transport
 * whose buffer could be lost when the process exits right after a shutdown line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination =
    options.destination ??
    (options.pretty
      ? PinoPretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:standard' })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level,
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      // Never log a bearer token, even when a request's headers end up in a log line.
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.tokens'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
