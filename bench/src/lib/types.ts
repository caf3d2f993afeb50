/** What a workload measures and how the report shows it. */

export interface Metric {
  key: string;
  label: string;
  unit: string;
  /** Which direction is better: drives the ratio column and the chart's caption. */
  better: 'higher' | 'lower';
}

/** One run's numbers: system → metric key → value. */
export type RunResult = Record<string, Record<string, number>>;

export interface Target {
  label: string;
  /** Whether the medians meet it, and the measured value in words. */
  check(medians: RunResult): { met: boolean; measured: string };
}

export interface RunContext {
  smoke: boolean;
  run: number;
  log(message: string): void;
}

export interface Workload {
  name: string;
  title: string;
  /** What the rows mean: sizes, settings, what is timed. */
  describe(smoke: boolean): string;
  metrics: Metric[];
  /** The metric the chart shows. */
  chartMetric: string;
  targets: Target[];
  /** Runs when `--runs` is not given (3 when unset); a workload that takes minutes per run may ask for fewer. */
  runs?: number;
  /** false: left out of `pnpm bench --smoke` (it still runs when named). */
  inSmoke?: boolean;
  /** Markdown printed under the table: figures that are not measured here, with their source. */
  appendix?(): string;
  /** Upper bound of one run, after which it fails. */
  timeoutMs(smoke: boolean): number;
  run(context: RunContext): Promise<RunResult>;
  /** Removes what the runs shared (filled databases). */
  cleanup?(): Promise<void>;
}
