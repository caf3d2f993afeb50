import type { RoleProcess } from './child.ts';

/** [key, due ms, lateness ms] as the worker roles record them. */
export type Sample = [string, number, number];

/** Drains a role's samples every 250 ms until `count` arrived or `deadline` (epoch ms) passed. */
export async function collectSamples(role: RoleProcess, count: number, deadline: number): Promise<Sample[]> {
  const all: Sample[] = [];
  for (;;) {
    all.push(...(await role.call<Sample[]>('samples')));
    if (all.length >= count || Date.now() > deadline) return all;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
