import type { Logger } from '@schedulezero/node-runtime';
import type { ClusterEvent } from '@schedulezero/scheduler-core';
import { createDailyFile } from './daily-file.ts';

/**
 * `logging.eventLog`: one JSON line per cluster event (docs/ha.md), with the time and this
 * master's name. A line that cannot be written is a warning: the cluster goes on without it.
 */
export function clusterEventLog(
  path: string,
  node: string,
  logger: Logger,
  now: () => Date = () => new Date(),
): (event: ClusterEvent) => void {
  const file = createDailyFile(path, now);
  return (event) => {
    try {
      file.appendLine(JSON.stringify({ at: now().toISOString(), node, ...event }));
    } catch (error) {
      logger.warn({ err: error, path }, 'could not write the cluster event log');
    }
  };
}
