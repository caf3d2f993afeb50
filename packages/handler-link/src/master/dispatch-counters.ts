import type { LimitKind } from '@schedulezero/scheduler-core';

/** What became of the attempts the dispatcher was given; it alone counts them. */
export interface DispatcherCounters {
  dispatched: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  rejected: number;
  staleResults: number;
  handlerLost: number;
  noHandler: number;
  cancelsSent: number;
}

/** How often a handler's own limit held back work it had the capacity for. */
export interface HandlerThrottled {
  handlerId: string;
  limit: LimitKind;
  count: number;
}

export function zeroCounters(): DispatcherCounters {
  return {
    dispatched: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    cancelled: 0,
    rejected: 0,
    staleResults: 0,
    handlerLost: 0,
    noHandler: 0,
    cancelsSent: 0,
  };
}
