/// <reference lib="dom" />
// The audit runs in the page (page.evaluate), so this file is typed against the DOM.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core, injected into a page as a browser extension would, and its verdict in plain values. */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Violations that fail the audit: every serious or critical one, and these at any impact. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);
// A page without a main landmark is only "moderate" to axe, and issue 18 counts it as a defect.
const ALWAYS_FAILING = new Set(['landmark-one-main']);

export interface AxeProblem {
  rule: string;
  impact: string;
  /** The CSS selector of each offending element. */
  targets: string[];
  help: string;
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Runs axe-core on the page as it is now and returns the violations that fail the audit. */
export async function axeProblems(page: Page): Promise<AxeProblem[]> {
  // Evaluated through the DevTools protocol, which the pages' Content-Security-Policy (no inline
  // script) does not govern: the audit sees the pages exactly as they are served.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as { violations: unknown };
    return result.violations as AxeViolation[];
  });
  return violations
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? '') || ALWAYS_FAILING.has(v.id))
    .map((v) => ({
      rule: v.id,
      impact: v.impact ?? 'unknown',
      targets: v.nodes.map((node) => node.target.map(String).join(' ')),
      help: v.help,
    }));
}

/** One line per problem: where, which rule, which elements. */
export function describeProblems(where: string, problems: AxeProblem[]): string[] {
  return problems.map(
    (problem) =>
      `${where}: ${problem.rule} (${problem.impact}) on ${problem.targets.join(', ')} — ${problem.help}`,
  );
}
