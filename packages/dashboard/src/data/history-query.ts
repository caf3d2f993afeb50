import { JOB_STATUSES, type Job, type JobStatus } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';

export const HISTORY_PAGE = 50;
/** A task or handler filter reads at most this many store pages of HISTORY_PAGE jobs per page shown. */
const MAX_SCAN_PAGES = 20;

export interface HistoryFilter {
  scheduleId: string;
  status: string;
  task: string;
  handlerId: string;
  cursor: string;
}

/** The history filter of a query string; an unknown status is no filter. */
export function historyFilterOf(query: (name: string) => string | undefined): HistoryFilter {
  const status = query('status') ?? '';
  return {
    scheduleId: (query('scheduleId') ?? '').trim(),
    status: (JOB_STATUSES as readonly string[]).includes(status) ? status : '',
    task: (query('task') ?? '').trim(),
    handlerId: (query('handlerId') ?? '').trim(),
    cursor: query('cursor') ?? '',
  };
}

/** The filter as a query string, without the cursor (the live fragment's and the pager's base). */
export function historyQuery(filter: HistoryFilter, cursor?: string | null): string {
  const { scheduleId, status, task, handlerId } = filter;
  // Schedule and status always (the form's two original fields); task and handler when set.
  const entries: Array<[string, string]> = [
    ['scheduleId', scheduleId],
    ['status', status],
    ...Object.entries({ task, handlerId }).filter(([, value]) => value !== ''),
  ];
  if (cursor) entries.push(['cursor', cursor]);
  return new URLSearchParams(entries).toString();
}

export interface HistoryPage {
  jobs: Job[];
  nextCursor: string | null;
  /** How many jobs a task or handler filter read to find these (0 without such a filter). */
  scanned: number;
}

/**
 * One page of the history. Schedule and status are filtered by the store; task and handler (exact
 * names) by reading the store's pages in order until a page's worth matched or MAX_SCAN_PAGES were
 * read, so such a page may hold fewer or somewhat more than HISTORY_PAGE jobs, and Older goes on
 * from where the reading stopped.
 */
export async function loadHistory(reads: ReadScheduler, filter: HistoryFilter): Promise<HistoryPage> {
  const query = {
    limit: HISTORY_PAGE,
    scheduleId: filter.scheduleId || undefined,
    status: (filter.status || undefined) as JobStatus | undefined,
  };
  if (filter.task === '' && filter.handlerId === '') {
    const page = await reads.listJobs({ ...query, cursor: filter.cursor || undefined });
    return { jobs: page.items, nextCursor: page.nextCursor, scanned: 0 };
  }
  const matches = (job: Job) =>
    (filter.task === '' || job.task === filter.task) &&
    (filter.handlerId === '' || job.handlerId === filter.handlerId);
  const jobs: Job[] = [];
  let cursor: string | null = filter.cursor || null;
  let scanned = 0;
  for (let pages = 0; pages < MAX_SCAN_PAGES && jobs.length < HISTORY_PAGE; pages += 1) {
    const page = await reads.listJobs({ ...query, cursor: cursor ?? undefined });
    scanned += page.items.length;
    jobs.push(...page.items.filter(matches));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return { jobs, nextCursor: cursor, scanned };
}
