import type { HandlerRecord } from '@schedulezero/protocol';
import type { HandlerFunction, HandlerStore } from '@schedulezero/scheduler-core';

/**
 * The master's own local handlers, shown in GET /api/handlers like a remote worker: registered at
 * start, counts kept in memory and written at most every `flushMs` when they changed, and marked
 * offline at shutdown.
 */
/** The tags of a master's local handlers: a target's tags must include only these to run there. */
export const LOCAL_HANDLER_TAGS: readonly string[] = ['local'];

export interface LocalHandlerRecord {
  /** The same functions, counting successes, failures and durations. */
  handlers: Record<string, HandlerFunction>;
  register(): Promise<void>;
  /** Writes the final counts with status `offline`. */
  close(): Promise<void>;
}

export interface LocalHandlerRecordOptions {
  store: Pick<HandlerStore, 'upsertHandler'>;
  id: string;
  zone: string;
  capacity: number;
  handlers: Readonly<Record<string, HandlerFunction>>;
  flushMs?: number;
  onError: (error: unknown) => void;
}

export function createLocalHandlerRecord(options: LocalHandlerRecordOptions): LocalHandlerRecord {
  const { store } = options;
  const now = new Date();
  const record: HandlerRecord = {
    id: options.id,
    methods: Object.keys(options.handlers).sort(),
    zone: options.zone,
    tags: [...LOCAL_HANDLER_TAGS],
    capacity: options.capacity,
    status: 'healthy',
    lastSeenAt: now,
    activeJobs: 0,
    successCount: 0,
    failureCount: 0,
    avgDurationMs: null,
    registeredAt: now,
  };
  let totalMs = 0;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<unknown> = Promise.resolve();

  const write = (op: 'registered' | 'updated' | 'offline') => {
    dirty = false;
    const snapshot = { ...record, lastSeenAt: new Date() };
    writing = writing.then(() => store.upsertHandler(snapshot, op)).catch(options.onError);
    return writing;
  };

  const wrap =
    (fn: HandlerFunction): HandlerFunction =>
    async (args, context) => {
      const started = performance.now();
      record.activeJobs += 1;
      dirty = true;
      try {
        const result = await fn(args, context);
        record.successCount += 1;
        return result;
      } catch (error) {
        record.failureCount += 1;
        throw error;
      } finally {
        record.activeJobs -= 1;
        totalMs += performance.now() - started;
        record.avgDurationMs = Math.round(totalMs / (record.successCount + record.failureCount));
      }
    };

  return {
    handlers: Object.fromEntries(Object.entries(options.handlers).map(([name, fn]) => [name, wrap(fn)])),
    async register() {
      await write('registered');
      timer = setInterval(() => {
        if (dirty) void write('updated');
      }, options.flushMs ?? 10_000);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      record.status = 'offline';
      await write('offline');
    },
  };
}
