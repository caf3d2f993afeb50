import { afterEach, describe, expect, it } from 'vitest';
import { onStopSignals, type StopSignals } from '../src/stop-signals.ts';

// A signal nobody else listens to in the test process, emitted (with its name, as Node delivers it)
// rather than sent.
const SIGNAL = 'SIGUSR2';
let installed: StopSignals | undefined;
afterEach(() => installed?.remove());

describe('onStopSignals', () => {
  it('takes a repeat within the window as the same request and a later one as "exit now"', () => {
    let clock = 0;
    const calls: string[] = [];
    installed = onStopSignals(
      { stop: (signal) => calls.push(`stop ${signal}`), exitNow: (signal) => calls.push(`exit ${signal}`) },
      { signals: [SIGNAL], sameRequestMs: 1000, now: () => clock },
    );
    process.emit(SIGNAL, SIGNAL);
    clock = 999;
    process.emit(SIGNAL, SIGNAL);
    expect(calls).toEqual([`stop ${SIGNAL}`]);
    clock = 1000;
    process.emit(SIGNAL, SIGNAL);
    expect(calls).toEqual([`stop ${SIGNAL}`, `exit ${SIGNAL}`]);
  });

  it('settles at once without a signal, and at the end of the window after one', async () => {
    let clock = 0;
    installed = onStopSignals(
      { stop: () => {}, exitNow: () => {} },
      { signals: [SIGNAL], sameRequestMs: 50, now: () => clock },
    );
    await installed.settled();
    process.emit(SIGNAL, SIGNAL);
    let settled = false;
    const waiting = installed.settled().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    clock = 50;
    await waiting;
    expect(settled).toBe(true);
  });
});
