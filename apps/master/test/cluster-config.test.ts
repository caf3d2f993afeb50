import { describe, expect, it } from 'vitest';
import { loadMasterConfig } from '../src/config.ts';

/** The `cluster` section: defaults, environment overrides and the heartbeat/dead-after rule. */

const env = { SCHEDULEZERO_API_TOKEN: 'a-token-of-twenty-chars' };
const load = (extra: Record<string, string>) => loadMasterConfig({ env: { ...env, ...extra }, cwd: '/' });

describe('cluster settings', () => {
  it('default to a heartbeat every second and death after five', () => {
    const result = load({});
    expect(result.ok && result.config.cluster).toEqual({ heartbeatMs: 1000, deadAfterMs: 5000 });
  });

  it('take environment overrides', () => {
    const result = load({
      SCHEDULEZERO_CLUSTER__HEARTBEATMS: '200',
      SCHEDULEZERO_CLUSTER__DEADAFTERMS: '1000',
    });
    expect(result.ok && result.config.cluster).toEqual({ heartbeatMs: 200, deadAfterMs: 1000 });
  });

  it('refuse a deadAfterMs that is not more than twice the heartbeat, naming the setting', () => {
    const result = load({
      SCHEDULEZERO_CLUSTER__HEARTBEATMS: '1000',
      SCHEDULEZERO_CLUSTER__DEADAFTERMS: '2000',
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/cluster\.deadAfterMs.*more than twice cluster\.heartbeatMs/),
    ]);
  });

  it('refuse an unknown key', () => {
    const result = load({ SCHEDULEZERO_CLUSTER__LEASEMS: '10' });
    expect(result.ok).toBe(false);
  });
});
