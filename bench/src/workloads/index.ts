import type { Workload } from '../lib/types.ts';
import { api } from './api.ts';
import { cronPrecision } from './cron-precision.ts';
import { dispatchLatency } from './dispatch-latency.ts';
import { failover } from './failover.ts';
import { replication } from './replication.ts';
import { scale } from './scale.ts';
import { throughput } from './throughput.ts';

export const workloads: Workload[] = [
  throughput,
  dispatchLatency,
  cronPrecision,
  scale,
  api,
  replication,
  failover,
];
