import type { Workload } from '../lib/types.ts';
import { throughput } from './throughput.ts';

export const workloads: Workload[] = [throughput];
