import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/master/circuit-breaker.ts';

describe('circuit breaker', () => {
  const options = { window: 4, minSamples: 3, failureRate: 0.5, cooldownMs: 1000 };

  it('stays closed until enough samples cross the failure rate', () => {
    const breaker = createCircuitBreaker(options);
    breaker.record(false, false, 0);
    breaker.record(false, false, 0);
    expect(breaker.state(0)).toBe('closed');
    breaker.record(true, false, 0);
    // 2 failures of 3 samples >= 50%
    expect(breaker.state(0)).toBe('open');
    expect(breaker.allows(999)).toBe(false);
  });

  it('forgets results older than the window', () => {
    const breaker = createCircuitBreaker(options);
    breaker.record(false, false, 0);
    for (let i = 0; i < 4; i += 1) breaker.record(true, false, 0);
    breaker.record(false, false, 0);
    expect(breaker.state(0)).toBe('closed');
  });

  it('allows one trial after the cooldown; success closes, failure reopens', () => {
    const breaker = createCircuitBreaker(options);
    for (let i = 0; i < 3; i += 1) breaker.record(false, false, 0);
    expect(breaker.state(1000)).toBe('half_open');
    expect(breaker.allows(1000)).toBe(true);
    expect(breaker.onDispatch(1000)).toBe(true);
    expect(breaker.allows(1000)).toBe(false);
    breaker.record(false, true, 1500);
    expect(breaker.state(2000)).toBe('open');
    expect(breaker.state(2500)).toBe('half_open');
    expect(breaker.onDispatch(2500)).toBe(true);
    breaker.record(true, true, 2600);
    expect(breaker.state(2600)).toBe('closed');
    // A clean slate: one new failure does not reopen it.
    breaker.record(false, false, 2700);
    expect(breaker.state(2700)).toBe('closed');
  });

  it('ignores late results of jobs sent before it opened, and frees a trial without a verdict', () => {
    const breaker = createCircuitBreaker(options);
    for (let i = 0; i < 3; i += 1) breaker.record(false, false, 0);
    breaker.record(true, false, 10);
    expect(breaker.state(10)).toBe('open');
    expect(breaker.onDispatch(1000)).toBe(true);
    breaker.releaseTrial();
    expect(breaker.allows(1000)).toBe(true);
  });
});
