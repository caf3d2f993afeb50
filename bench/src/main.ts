import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine.ts';
import { reportWorkload } from './lib/report.ts';
import type { RunResult, Workload } from './lib/types.ts';
import { workloads } from './workloads/index.ts';

/**
 * `pnpm bench [name...] [--smoke] [--runs N]`: runs the workloads (all by default), each 3 times
 * or its own `runs` (once with --smoke, at a tiny size; a workload with `inSmoke: false` only when
 * named), and writes results/latest.md (or smoke.md) and one SVG chart
 * per workload. Every run has a time limit; child processes are killed on exit.
 */
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const runsFlag = args.indexOf('--runs');
const runsOf = (workload: Workload) =>
  runsFlag >= 0 ? Number(args[runsFlag + 1]) : smoke ? 1 : (workload.runs ?? 3);
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
const unknown = names.filter((n) => !workloads.some((w) => w.name === n));
if (unknown.length > 0) {
  console.error(
    `unknown workload(s): ${unknown.join(', ')}; known: ${workloads.map((w) => w.name).join(', ')}`,
  );
  process.exit(2);
}
const selected =
  names.length > 0
    ? workloads.filter((w) => names.includes(w.name))
    : workloads.filter((w) => !smoke || w.inSmoke !== false);
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const log = (message: string) => console.log(message);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded its ${ms} ms limit`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runWorkload(workload: Workload): Promise<string> {
  const runs = runsOf(workload);
  const results: RunResult[] = [];
  const failures: string[] = [];
  for (let run = 1; run <= runs; run++) {
    log(`${workload.name}: run ${run}/${runs}`);
    const started = Date.now();
    try {
      results.push(
        await withTimeout(
          workload.run({ smoke, run, log }),
          workload.timeoutMs(smoke),
          `${workload.name} run ${run}`,
        ),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message.split('\n')[0] ?? message);
      console.error(`${workload.name} run ${run} failed: ${message}`);
    }
    log(`${workload.name}: run ${run} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await workload.cleanup?.().catch(() => {});
  const report = reportWorkload(workload, results, smoke, failures);
  const prefix = smoke ? 'smoke-' : '';
  if (report.svg) writeFileSync(`${resultsDir}${prefix}${workload.name}.svg`, report.svg);
  return smoke
    ? report.markdown.replace(`(${workload.name}.svg)`, `(smoke-${workload.name}.svg)`)
    : report.markdown;
}

const started = Date.now();
const sections: string[] = [];
let failed = false;
for (const workload of selected) {
  const section = await runWorkload(workload);
  if (section.includes('- failed run:')) failed = true;
  sections.push(section);
  console.log(`\n${section}\n`);
}
const header = [
  `# ScheduleZero benchmarks${smoke ? ' (smoke: tiny sizes, one run — not results)' : ''}`,
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${describeMachine()}`,
  `- command: pnpm bench ${args.join(' ')}`.trimEnd(),
  `- duration: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  '',
].join('\n');
const file = `${resultsDir}${smoke ? 'smoke.md' : names.length > 0 ? `${names.join('-')}.md` : 'latest.md'}`;
writeFileSync(file, `${header}\n${sections.join('\n')}`);
log(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
