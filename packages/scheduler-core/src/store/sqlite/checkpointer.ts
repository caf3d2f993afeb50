import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a WAL database from a worker thread with a connection of its own.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, on the thread
 * that commits — the node's event loop — and with `synchronous = NORMAL` a checkpoint is where
 * the fsyncs happen: every thousand pages written, one commit took milliseconds longer, which
 * showed as the tail of the scheduler's dispatch lateness. A PASSIVE checkpoint from another
 * connection copies the frames no reader needs without blocking the writer; the store keeps a
 * high automatic threshold only as a bound for when this thread falls behind.
 */

/** How often the worker checkpoints. */
const INTERVAL_MS = 100;

/** The main connection checkpoints itself only past this many WAL pages (the default is 1,000). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

// CommonJS: the worker is evaluated from this text, so it needs no loader for TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
`;

export interface Checkpointer {
  /**
   * Stops the worker. Terminating it waits for a checkpoint in progress (native code runs to its
   * end) and closes its connection; the store's own close checkpoints what is left.
   */
  close(): Promise<void>;
}

/**
 * Starts the worker; a checkpoint that fails is reported as a process warning (the fallback
 * threshold still bounds the WAL).
 */
export function startCheckpointer(filename: string): Checkpointer {
  const onError = (message: string) => process.emitWarning(message, 'SqliteCheckpointWarning');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { filename, driver, intervalMs: INTERVAL_MS },
  });
  // A background chore: it never keeps the process alive.
  worker.unref();
  worker.on('message', onError);
  worker.on('error', (error) => onError(error.message));
  return {
    async close() {
      await worker.terminate();
    },
  };
}
