import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (development); JSON lines otherwise. */
  pretty: boolean;
  /** Where lines go (JSON or pretty); stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logs (pino). Both modes write synchronously, in this thread: no worker transport
 * whose buffer could be lost when the process exits right after a shutdown line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.pretty
    ? PinoPretty({
        sync: true,
        colorize: options.destination === undefined && process.stdout.isTTY,
        translateTime: 'SYS:standard',
        destination: options.destination ?? 1,
      })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level,
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      // Never log a bearer token or a secret key, even when a request's headers or a config section
      // end up in a log line.
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'token',
          'tokens',
          '*.token',
          '*.tokens',
          'secretKey',
          '*.secretKey',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
