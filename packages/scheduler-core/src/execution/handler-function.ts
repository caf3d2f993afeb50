/**
 * What a handler function is, for local handlers (run in the master) and remote ones (run by a
 * worker over the handler link) alike: one function shape, so a module can move between the two.
 * A remote handler is told more about its attempt (its deadline, idempotency key and handler).
 */

/** What a handler function receives besides its args. */
export interface HandlerContext {
  /** Aborted when the job times out, is cancelled, or the node shuts down. */
  signal: AbortSignal;
  jobId: string;
  scheduleId: string;
  attempt: number;
  scheduledAt: Date;
}

/** What a worker's handler function receives besides its args. */
export interface RemoteHandlerContext extends HandlerContext {
  /** When the job times out, on the worker's clock. */
  deadline: Date;
  /** Equal to the job id; the same on every attempt. Use it to make side effects happen once. */
  idempotencyKey: string;
  handlerId: string;
}

/** A plain function, sync or async; its return value (JSON) becomes the job's result. */
export type HandlerFunction<Context extends HandlerContext = HandlerContext> = (
  args: unknown,
  context: Context,
) => unknown;

/** A handler function run by a worker. */
export type RemoteHandlerFunction = HandlerFunction<RemoteHandlerContext>;
