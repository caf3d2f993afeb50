import { cpus, totalmem } from 'node:os';

/** The machine a run came from, for the report header. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${cpus().length} × ${cpu.trim()}, ${gib} GiB RAM, ${process.platform} ${process.arch}, Node ${process.version}`;
}
