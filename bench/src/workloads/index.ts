import type { Workload } from '../lib/types.ts';
import { cronPrecision } from './cron-precision.ts';
import { dispatchLatency } from './dispatch-latency.ts';
import { throughput } from './throughput.ts';

export const workloads: Workload[] = [throughput, dispatchLatency, cronPrecision];
