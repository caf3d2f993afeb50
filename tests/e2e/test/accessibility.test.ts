import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, describeProblems } from '../src/axe-audit.ts';
import { type FullTopology, startFullTopology } from '../src/full-topology.ts';
import { TOKEN } from '../src/replica-topology.ts';

/**
 * axe-core in Chromium on every page a real master and a real replica serve to people — the
 * dashboard under /ui (the overview, a schedule, a succeeded and a failed job, the create form with
 * its validation errors shown), the public status page and /docs — at desktop and at phone width. A serious or critical
 * violation, a page without a main landmark, or anything a page loads answering 404 fails with
 * its rule and the elements.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  const message = `${CHROMIUM} is missing: install it with apt-get install -y chromium (the accessibility audit needs it)`;
  if (process.env.CI === 'true') {
    describe('accessibility audit', () => {
      it('needs Chromium', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`WARNING: skipping the accessibility audit: ${message}`);
  }
}

/** A full-page screenshot of every audited page at every width (test artifacts). */
const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts/pages');

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** A page to audit: where it is, and what to do there first (fill a form, open an operation). */
interface Audited {
  path: string;
  label: string;
  prepare?: (page: Page) => Promise<void>;
}

/** The create form submitted with several fields wrong at once: every error is shown. */
async function submitInvalidForm(page: Page): Promise<void> {
  await page.getByLabel('Task (handler method)').fill(' ');
  await page.getByLabel('Cron expression (5 fields, or 6 with seconds first)').fill('61 * * * *');
  await page.getByLabel('Time zone (IANA)').fill('Mars/Olympus');
  await page.getByLabel('Arguments (JSON object or array)').fill('{not json');
  await page.getByRole('button', { name: 'Create schedule' }).click();
  await page.waitForURL(/\/ui\/schedules$/);
  await page.getByRole('alert').waitFor();
  expect(await page.locator('[aria-invalid="true"]').count()).toBe(4);
}

/** /docs builds its operations from /openapi.json; one is opened and sent, so its response box shows. */
async function sendOneOperation(page: Page): Promise<void> {
  await page.waitForSelector('#ops details');
  await page.getByLabel('Bearer token').fill(TOKEN);
  const operation = page.locator('details', { has: page.locator('code', { hasText: /^\/api\/schedules$/ }) });
  await operation.first().locator('summary').click();
  await operation.first().getByRole('button', { name: 'Send' }).click();
  await operation.first().locator('pre:not([hidden])').waitFor();
}

/** The edit form submitted after the schedule changed elsewhere: the version-conflict notice shows. */
function submitStaleEdit(base: string, scheduleId: string) {
  return async (page: Page): Promise<void> => {
    const changed = await fetch(`${base}/api/schedules/${scheduleId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { editedElsewhere: true } }),
    });
    expect(changed.status).toBe(200);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('was changed by someone else');
  };
}

/** A schedule ticked on the list and "Delete selected…" pressed: the confirmation page shows. */
function askBulkDelete(scheduleId: string) {
  return async (page: Page): Promise<void> => {
    await page.getByLabel(`Select ${scheduleId}`, { exact: true }).check();
    await page.getByRole('button', { name: 'Delete selected…' }).click();
    await page.getByRole('heading', { name: 'Delete 1 schedule?' }).waitFor();
  };
}

function pagesOf(topology: FullTopology, role: 'master' | 'replica'): Audited[] {
  const { scheduleId, succeededJobId, failedJobId } = topology;
  return [
    { path: '/ui/overview', label: 'overview' },
    { path: '/ui/schedules', label: 'schedules' },
    ...(role === 'master'
      ? [
          { path: '/ui/schedules/new', label: 'create form' },
          { path: '/ui/schedules/new', label: 'create form with errors', prepare: submitInvalidForm },
          { path: `/ui/schedules/${scheduleId}/edit`, label: 'edit form' },
          {
            path: `/ui/schedules/${scheduleId}/edit`,
            label: 'edit form with a version conflict',
            prepare: submitStaleEdit(topology.master.url, scheduleId),
          },
          { path: `/ui/schedules/${scheduleId}/clone`, label: 'clone form' },
          { path: `/ui/schedules/${scheduleId}/delete`, label: 'delete confirmation' },
          { path: '/ui/schedules', label: 'bulk delete confirmation', prepare: askBulkDelete(scheduleId) },
          // The master runs alone here (SQLite): its page shows its one instance.
          { path: '/ui/cluster', label: 'cluster' },
        ]
      : []),
    { path: `/ui/schedules/${scheduleId}`, label: 'schedule detail' },
    { path: '/ui/handlers', label: 'handlers' },
    { path: '/ui/history', label: 'history' },
    { path: `/ui/jobs/${succeededJobId}`, label: 'succeeded job' },
    { path: `/ui/jobs/${failedJobId}`, label: 'failed job' },
    { path: '/ui/charts', label: 'charts' },
    { path: '/ui/replication', label: 'replication' },
    { path: '/docs', label: 'API docs', prepare: sendOneOperation },
    ...(role === 'replica' ? [{ path: '/status', label: 'public status page' }] : []),
  ];
}

describe.runIf(hasChromium)('accessibility audit (axe-core)', () => {
  let topology: FullTopology;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    topology = await startFullTopology();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    const stopped = await topology?.stop();
    expect(stopped?.codes.every((code) => code === 0)).toBe(true);
    expect(stopped?.leaked).toBe(0);
  }, 60_000);

  it('shows the skip link when the keyboard reaches it, and it leads to the main content', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${topology.replica.url}/ui/schedules`);
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: 'Skip to content' });
      await expect.poll(() => skip.evaluate((link) => link === document.activeElement)).toBe(true);
      const box = await skip.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(50);
      expect(box?.height ?? 0).toBeGreaterThan(10);
      await page.keyboard.press('Enter');
      expect(new URL(page.url()).hash).toBe('#main');
    } finally {
      await context.close();
    }
  });

  for (const role of ['master', 'replica'] as const) {
    for (const viewport of VIEWPORTS) {
      it(`has no serious or critical violation on any ${role} page at ${viewport.width} px`, async () => {
        const base = topology[role].url;
        const context = await browser.newContext({
          viewport: { width: viewport.width, height: viewport.height },
        });
        try {
          const page = await context.newPage();
          const audited: string[] = [];
          const problems: string[] = [];
          // Nothing a page loads is missing (its favicon included): no 404 in the console.
          page.on('response', (response) => {
            if (response.status() === 404) problems.push(`${response.url()}: 404 (loaded by ${page.url()})`);
          });
          if (role === 'master') {
            // The login page is a page too, and the way in.
            await page.goto(`${base}/ui/login`);
            problems.push(...describeProblems('/ui/login', await axeProblems(page)));
            audited.push('/ui/login (login)');
            await page.getByLabel('API token').fill(TOKEN);
            await page.getByRole('button', { name: 'Log in' }).click();
            await page.waitForURL(`${base}/ui/schedules`);
          }
          for (const { path, label, prepare } of pagesOf(topology, role)) {
            const response = await page.goto(`${base}${path}`);
            expect(response?.status(), `${role} ${path}`).toBe(200);
            await prepare?.(page);
            problems.push(...describeProblems(`${path} (${label})`, await axeProblems(page)));
            audited.push(`${path} (${label})`);
            await page.screenshot({
              path: join(ARTIFACTS, `${role}-${viewport.width}-${label.replaceAll(' ', '-')}.png`),
              fullPage: true,
            });
            // No dashboard page scrolls sideways, at phone width included.
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
            );
            if ((path.startsWith('/ui/') || path === '/status') && overflow > 0)
              problems.push(
                `${path} (${label}): ${overflow} px wider than the ${viewport.width} px viewport`,
              );
          }
          console.log(`axe audited on the ${role} at ${viewport.width} px:\n  ${audited.join('\n  ')}`);
          expect(problems, `${role} at ${viewport.width} px`).toEqual([]);
        } finally {
          await context.close();
        }
      }, 90_000);
    }
  }
});
