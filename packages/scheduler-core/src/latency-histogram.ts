/** Upper bounds (ms) of the lateness buckets; Prometheus-style cumulative counts. */
export const LATENESS_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 60_000,
] as const;

export interface LatencySnapshot {
  count: number;
  sumMs: number;
  buckets: Array<{ leMs: number; count: number }>;
}

export function createLatencyHistogram(bounds: readonly number[] = LATENESS_BUCKETS_MS) {
  const counts = bounds.map(() => 0);
  let count = 0;
  let sumMs = 0;
  return {
    observe(valueMs: number): void {
      const value = Math.max(0, valueMs);
      count += 1;
      sumMs += value;
      bounds.forEach((bound, index) => {
        if (value <= bound) counts[index] = (counts[index] ?? 0) + 1;
      });
    },
    snapshot(): LatencySnapshot {
      return { count, sumMs, buckets: bounds.map((leMs, index) => ({ leMs, count: counts[index] ?? 0 })) };
    },
  };
}
