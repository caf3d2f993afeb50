import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FullTopology, startFullTopology } from '../src/full-topology.ts';

/**
 * Prometheus' own linter on what a real master and a real replica expose at /metrics, with
 * schedules, jobs, a local and a remote handler and a replication stream, so every family shows.
 */

const PROMTOOL = 'promtool';
const found = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });
const hasPromtool = found.status === 0;

if (!hasPromtool) {
  const message = `${PROMTOOL} is missing: install it with apt-get install -y prometheus (the metrics lint needs it)`;
  if (process.env.CI === 'true') {
    describe('promtool check metrics', () => {
      it('needs promtool', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`WARNING: skipping the metrics lint: ${message}`);
  }
}

/** promtool's verdict on an exposition: its exit code and whatever it printed (lint problems). */
function checkMetrics(text: string): { code: number | null; problems: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, problems: `${run.stdout}${run.stderr}`.trim() };
}

describe.runIf(hasPromtool)('promtool check metrics', () => {
  let topology: FullTopology;

  beforeAll(async () => {
    topology = await startFullTopology();
  }, 120_000);

  afterAll(async () => {
    const stopped = await topology?.stop();
    expect(stopped?.codes.every((code) => code === 0)).toBe(true);
    expect(stopped?.leaked).toBe(0);
  }, 60_000);

  it('sees a problem when there is one (the check can fail)', () => {
    const verdict = checkMetrics('# TYPE requests counter\nrequests 1\n');
    expect(verdict.code).not.toBe(0);
    expect(verdict.problems).toMatch(/requests/);
  });

  it('finds no problem in the master’s /metrics', async () => {
    const text = await topology.master.api.text('/metrics');
    // Every component's families are there: scheduler, handler link, ZeroMQ, replication.
    for (const family of [
      'schedulezero_jobs',
      'schedulezero_handlers',
      'schedulezero_fire_lateness_seconds',
      'schedulezero_link_jobs_total',
      'schedulezero_zeromq_connections_refused_total',
      'schedulezero_replication_published_total',
    ])
      expect(text).toContain(`# TYPE ${family} `);
    expect(text).toMatch(/^schedulezero_jobs\{status="failed"\} [1-9]/m);
    expect(checkMetrics(text)).toEqual({ code: 0, problems: '' });
  });

  it('finds no problem in the replica’s /metrics', async () => {
    const text = await topology.replica.api.text('/metrics');
    for (const family of [
      'schedulezero_jobs',
      'schedulezero_replica_applied_seq',
      'schedulezero_replica_state',
    ])
      expect(text).toContain(`# TYPE ${family} `);
    expect(text).toMatch(/^schedulezero_replica_connected\{zone="admin"\} 1$/m);
    expect(checkMetrics(text)).toEqual({ code: 0, problems: '' });
  });
});
