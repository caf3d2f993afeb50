import { isWritableInstant, LAST_INSTANT } from '@schedulezero/protocol';
import { SchedulerError } from '@schedulezero/scheduler-core';
import { type ErrorDetail, summarize } from './errors.ts';

/**
 * The `{fireTimes}` answer of /next and /preview. A fire time after year 9999 has no RFC 3339 form
 * (`toISOString` writes `+010000-…`), so rather than answer a malformed date the request is refused
 * with 400 naming what to change: `count` when some times fit, else `from` (or the trigger).
 */
export function fireTimesBody(
  times: readonly Date[],
  request: { part: 'body' | 'query'; from: string | undefined },
): { fireTimes: string[] } {
  const fitting = times.findIndex((time) => !isWritableInstant(time.getTime()));
  if (fitting === -1) return { fireTimes: times.map((time) => time.toISOString()) };
  const detail: ErrorDetail =
    fitting > 0
      ? {
          path: 'count',
          message: `only ${fitting} fire times fall before ${LAST_INSTANT}, the last instant RFC 3339 can write: ask for at most ${fitting}`,
        }
      : {
          path: request.from === undefined ? 'trigger' : 'from',
          message: `the next fire time falls after ${LAST_INSTANT}, the last instant RFC 3339 can write`,
        };
  throw new SchedulerError('validation', summarize(request.part, [detail]), { details: [detail] });
}
