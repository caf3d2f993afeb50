import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only text file rotated daily: PATH holds today's lines (UTC days), and the first
 * line of a new day first moves the previous day's file to PATH.YYYY-MM-DD. Lines are appended
 * synchronously, one write each: they are rare (cluster events), and a line written just before a
 * crash must be in the file.
 */
export interface DailyFile {
  appendLine(line: string): void;
}

export function createDailyFile(path: string, now: () => Date = () => new Date()): DailyFile {
  /** The UTC day of the lines in PATH; read from its modification time on first use. */
  let day: string | undefined;
  return {
    appendLine(line) {
      const today = utcDay(now());
      if (day === undefined) {
        mkdirSync(dirname(path), { recursive: true });
        day = existsSync(path) ? utcDay(statSync(path).mtime) : today;
      }
      if (day !== today) {
        if (existsSync(path)) renameSync(path, `${path}.${day}`);
        day = today;
      }
      appendFileSync(path, `${line}\n`);
    },
  };
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
