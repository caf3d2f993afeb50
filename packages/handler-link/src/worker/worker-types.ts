import type { Logger, RemoteHandlerFunction } from '@schedulezero/scheduler-core';
import type { Dealer } from 'zeromq';
import type { SlotPool } from './slot-pool.ts';

export interface LinkWorkerOptions {
  /** The master's ROUTER, e.g. `tcp://10.88.88.1:5555`. */
  endpoint: string;
  /** Also the ZeroMQ routing id: unique among the master's handlers. */
  handlerId: string;
  functions: Readonly<Record<string, RemoteHandlerFunction>>;
  /** Jobs run at once; with shared `slots`, what the master is told until `advertise` says otherwise. */
  capacity: number;
  zone: string;
  tags?: readonly string[];
  logger?: Logger;
  /** Applied to the DEALER before it connects: CURVE client keys. */
  configureSocket?: (socket: Dealer) => void | Promise<void>;
  /** This worker's CURVE public key: named in the log when the master refuses it. */
  publicKey?: string;
  /** After the master refused this worker's key, connect again this often (default 5 s). */
  handshakeRetryMs?: number;
  /** Registration is retried with exponential backoff (with jitter) between these bounds. */
  registerBackoff?: { initialMs?: number; maxMs?: number };
  /** A function that ignores its AbortSignal is waited for this long before its slot is freed. */
  abortGraceMs?: number;
  /** How long `drain()` keeps trying to deliver the last results when the master is away. */
  drainFlushTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Called when the master asks this worker to drain; without it the worker drains itself. */
  onDrainRequested?: (reason: string) => void;
  host?: string;
  pid?: number;
  /** Slots shared with the worker's other links (several masters); default: its own, of `capacity`. */
  slots?: SlotPool;
  /** Told each change of `stats().state`. */
  onStateChange?: (state: LinkWorkerStats['state']) => void;
}

export interface LinkWorkerStats {
  state: 'new' | 'registering' | 'registered' | 'closed';
  draining: boolean;
  masterId: string | null;
  registrations: number;
  running: number;
  completed: number;
  rejected: number;
  pendingResults: number;
  framesDropped: Record<string, number>;
}

export interface LinkWorker {
  /** Connects and starts registering; registration goes on in the background. */
  start(): Promise<void>;
  /** Resolves once registered (now, or at the next registration). */
  registered(): Promise<void>;
  /** Takes no new jobs, lets the running ones finish, delivers their results, leaves. */
  drain(): Promise<void>;
  /** Stops at once: running jobs are aborted. Idempotent. */
  close(): Promise<void>;
  /** Tells the master a new capacity (at once when registered, else with the next registration). */
  advertise(capacity: number): void;
  stats(): LinkWorkerStats;
}
