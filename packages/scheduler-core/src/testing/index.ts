export { eventually } from './eventually.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
