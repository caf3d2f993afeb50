import { percentile } from './stats.ts';

/**
 * What one kill of the failover benchmark did to the fires around it, from two sources: the jobs
 * table (one row per fire time, holding only its latest attempt) and the workers' execution log
 * (every attempt that really ran, with its start and end).
 */

export interface Execution {
  jobId: string;
  scheduleId: string;
  dueMs: number;
  attempt: number;
  startMs: number;
  endMs?: number;
  outcome?: string;
}

export interface JobRow {
  scheduleId: string;
  dueMs: number;
  status: string;
}

/** Parses the `S …`/`E …` lines of the fixture's execution logs into one record per attempt run. */
export function parseExecutions(text: string): Execution[] {
  const byAttempt = new Map<string, Execution>();
  for (const line of text.split('\n')) {
    const [kind, jobId, scheduleId, due, attempt, at, outcome] = line.split(' ');
    if (!jobId || !scheduleId || (kind !== 'S' && kind !== 'E')) continue;
    const key = `${jobId}#${attempt}`;
    const run = byAttempt.get(key) ?? {
      jobId,
      scheduleId,
      dueMs: Number(due),
      attempt: Number(attempt),
      startMs: Number.NaN,
    };
    if (kind === 'S') run.startMs = Number(at);
    else Object.assign(run, { endMs: Number(at), outcome });
    byAttempt.set(key, run);
  }
  return [...byAttempt.values()];
}

export interface KillWindow {
  /** Due times in [fromMs, toMs) are judged; both whole seconds. */
  fromMs: number;
  toMs: number;
  killMs: number;
  /** When the killed master was started again (its start-up loads the machine too). */
  restartMs: number;
  scheduleIds: readonly string[];
  /** The attempts that were running on the killed master when it died. */
  orphaned: ReadonlyArray<{ jobId: string; attempt: number }>;
}

export interface KillFigures {
  /** Longest time between the first starts of two consecutive fire times of one schedule. */
  gapS: number;
  /** Fire times due after the kill: latest first start after its due time. */
  lateMaxS: number;
  lateP99S: number;
  /** When the latest fire of `lateMaxS` was due, after the kill. */
  lateAtS: number;
  /** Latest first start of the fire times due while the killed master was down (kill → restart). */
  downLateMaxS: number;
  /** Kill → the last orphaned attempt started again on a worker (NaN when there were none). */
  takeoverS: number;
  orphaned: number;
  /** Orphaned attempts never started again. */
  notRerun: number;
  /** Orphaned attempts whose first run had completed on the worker yet ran again (at-least-once). */
  ranTwice: number;
  duplicates: number;
  missed: number;
}

export function judgeKill(
  window: KillWindow,
  executions: readonly Execution[],
  jobs: readonly JobRow[],
): KillFigures {
  const inWindow = (due: number) => due >= window.fromMs && due < window.toMs;
  const firstStart = new Map<string, number>();
  for (const run of executions) {
    if (!inWindow(run.dueMs) || !Number.isFinite(run.startMs)) continue;
    const key = `${run.scheduleId}@${run.dueMs}`;
    firstStart.set(key, Math.min(firstStart.get(key) ?? Number.POSITIVE_INFINITY, run.startMs));
  }
  const startsBySchedule = new Map<string, number[]>();
  const lateness: number[] = [];
  let downLateMax = Number.NaN;
  let worst = { late: Number.NEGATIVE_INFINITY, due: Number.NaN };
  for (const [key, start] of firstStart) {
    const [scheduleId, due] = key.split('@') as [string, string];
    startsBySchedule.set(scheduleId, [...(startsBySchedule.get(scheduleId) ?? []), start]);
    if (Number(due) < window.killMs) continue;
    lateness.push(start - Number(due));
    if (start - Number(due) > worst.late) worst = { late: start - Number(due), due: Number(due) };
    if (Number(due) < window.restartMs) downLateMax = Math.max(start - Number(due), downLateMax || 0);
  }
  let gap = 0;
  for (const starts of startsBySchedule.values()) {
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) gap = Math.max(gap, (starts[i] ?? 0) - (starts[i - 1] ?? 0));
  }
  lateness.sort((a, b) => a - b);

  const reruns = window.orphaned.map((orphan) => {
    const runs = executions.filter((run) => run.jobId === orphan.jobId);
    const again = runs.filter((run) => run.attempt > orphan.attempt).map((run) => run.startMs);
    const firstDone = runs.some((run) => run.attempt === orphan.attempt && run.outcome === 'ok');
    return { at: again.length > 0 ? Math.min(...again) : Number.NaN, firstDone };
  });
  const rerunTimes = reruns.map((r) => r.at).filter(Number.isFinite);

  const rows = new Map<string, JobRow[]>();
  for (const job of jobs) {
    if (!inWindow(job.dueMs)) continue;
    const key = `${job.scheduleId}@${job.dueMs}`;
    rows.set(key, [...(rows.get(key) ?? []), job]);
  }
  let missed = 0;
  for (const scheduleId of window.scheduleIds) {
    for (let due = window.fromMs; due < window.toMs; due += 1000) {
      const found = rows.get(`${scheduleId}@${due}`) ?? [];
      if (!found.some((job) => job.status !== 'missed')) missed += 1;
    }
  }
  return {
    gapS: gap / 1000,
    lateMaxS: (lateness[lateness.length - 1] ?? Number.NaN) / 1000,
    lateP99S: percentile(lateness, 99) / 1000,
    lateAtS: (worst.due - window.killMs) / 1000,
    downLateMaxS: downLateMax / 1000,
    takeoverS: rerunTimes.length > 0 ? (Math.max(...rerunTimes) - window.killMs) / 1000 : Number.NaN,
    orphaned: window.orphaned.length,
    notRerun: reruns.filter((r) => !Number.isFinite(r.at)).length,
    ranTwice: reruns.filter((r) => r.firstDone && Number.isFinite(r.at)).length,
    duplicates: [...rows.values()].reduce((sum, found) => sum + Math.max(0, found.length - 1), 0),
    missed,
  };
}
