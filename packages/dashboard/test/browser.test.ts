import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { createScheduleBodySchema } from '@schedulezero/protocol';
import type { ReplicaStore } from '@schedulezero/scheduler-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmzProjector, loadDmzReplica } from './support/dmz-replica.ts';
import { auditPage, MIN_CONTRAST, recordForeignRequests } from './support/page-audit.ts';
import { createMasterStack, createReplicaApp, type MasterStack, TOKEN } from './support/stack.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts/dashboard');
const CANARY = 'CANARY-7f3a9c-do-not-leak';
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  const message = `${CHROMIUM} is missing: install it with apt-get install -y chromium (the dashboard browser tests need it)`;
  if (process.env.CI === 'true') {
    describe('dashboard in a browser', () => {
      it('needs Chromium', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`WARNING: skipping the dashboard browser tests: ${message}`);
  }
}

type Server = ReturnType<typeof serve>;

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<{ server: Server; url: string }> {
  return new Promise((done) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      done({ server, url: `http://127.0.0.1:${info.port}` }),
    );
  });
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((done) => (server ? server.close(() => done()) : done()));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every form control labelled, every visible text at a WCAG AA contrast (4.5:1) or better. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  const audit = await auditPage(page);
  expect(audit.unlabelled, name).toEqual([]);
  expect(audit.contrast.length, name).toBeGreaterThan(5);
  expect(
    audit.contrast.filter((sample) => sample.ratio < MIN_CONTRAST),
    name,
  ).toEqual([]);
}

/** At phone width the page scrolls vertically only (wide tables scroll inside their own box). */
async function expectFits(page: Page, name: string): Promise<void> {
  expect(
    (await auditPage(page)).overflowPx,
    `${name} at ${page.viewportSize()?.width} px`,
  ).toBeLessThanOrEqual(0);
}

describe.runIf(hasChromium)('dashboard in a browser', () => {
  let dir: string;
  let stack: MasterStack;
  let replicaStore: ReplicaStore | undefined;
  let master: { server: Server; url: string };
  let replica: { server: Server; url: string } | undefined;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'sz-dashboard-'));
    stack = await createMasterStack(`sqlite:${join(dir, 'master.db')}`, dmzProjector());
    master = await listen(stack.app.fetch);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await close(replica?.server);
    await close(master?.server);
    await replicaStore?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, creates a schedule, sees it run live without a reload, pauses it', async () => {
    // A handler record, so the handlers page has a card to lay out and check.
    await stack.store.upsertHandler(
      {
        id: 'mailer-eu-1',
        methods: ['send-mail'],
        zone: 'eu-west',
        tags: ['smtp'],
        capacity: 4,
        status: 'healthy',
        lastSeenAt: new Date(),
        activeJobs: 1,
        successCount: 41,
        failureCount: 2,
        avgDurationMs: 820,
        registeredAt: new Date(),
      },
      'registered',
    );
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const requests = recordForeignRequests(context, master.url);
    const page = await context.newPage();
    await page.goto(`${master.url}/ui/schedules`);
    await expect.poll(() => page.url()).toContain('/ui/login');
    await shot(page, 'login');
    await expectAccessible(page, 'login');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${master.url}/ui/schedules`);

    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByLabel('ID (optional)').fill('heartbeat');
    await page.getByLabel('Task (handler method)').fill('echo');
    await page.getByLabel('Cron expression (5 fields, or 6 with seconds first)').fill('*/3 * * * * *');
    await page.getByLabel('Arguments (JSON object or array)').fill(`{"apiKey":"${CANARY}","to":"ops"}`);
    // Created paused, so nothing can have run before the list below is loaded.
    await page.getByLabel('Create paused').check();
    await expect.poll(() => page.locator('#preview').textContent()).toContain('every 3 seconds');
    await shot(page, 'create-form');
    await expectAccessible(page, 'create-form');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/heartbeat`);
    await expect.poll(() => page.locator('ol li').count()).toBe(10);

    await page.goto(`${master.url}/ui/schedules`);
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'heartbeat', exact: true }) });
    // The first column is the bulk selection's checkbox.
    const cell = (n: number) => row.locator('td').nth(n + 1);
    expect(await cell(4).textContent()).toBe('never ran');
    expect(await cell(5).textContent()).toBe('paused');
    expect(await row.textContent()).not.toContain('succeeded');
    // Anything that reloads or navigates this page drops the marker and counts as a navigation.
    await page.evaluate(() => Object.assign(window, { liveMarker: 'same document' }));
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    // Another tab resumes it; this one only polls its live fragment.
    const other = await context.newPage();
    await other.goto(`${master.url}/ui/schedules/heartbeat`);
    await other.getByRole('button', { name: 'Resume heartbeat' }).click();
    await expect.poll(async () => (await stack.scheduler.getSchedule('heartbeat')).paused).toBe(false);
    await other.close();
    await page.bringToFront();

    // The next run of a 3-second cron: "now" or "in N s", then its absolute time.
    await expect
      .poll(() => cell(3).textContent(), { timeout: 10_000 })
      .toMatch(/^(now|in [1-3] s)\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    await expect.poll(() => cell(5).textContent(), { timeout: 10_000 }).toBe('no');
    await expect.poll(() => cell(4).textContent(), { timeout: 15_000 }).toBe('succeeded');
    expect(await page.evaluate(() => (window as { liveMarker?: string }).liveMarker)).toBe('same document');
    expect(navigations).toBe(0);
    expect(requests.paths).toContain('/ui/partials/schedules');
    await shot(page, 'schedules');
    await expectAccessible(page, 'schedules');

    await row.getByRole('button', { name: 'Pause heartbeat' }).click();
    await expect.poll(() => cell(5).textContent(), { timeout: 10_000 }).toBe('paused');
    expect((await stack.scheduler.getSchedule('heartbeat')).paused).toBe(true);

    const jobHref = await cell(4).locator('a').getAttribute('href');
    expect(jobHref).toMatch(/^\/ui\/jobs\/[\w-]+$/);
    const pages: Array<[path: string, screenshot: string]> = [
      ['handlers', 'handlers'],
      ['history', 'history'],
      ['charts', 'charts'],
      ['replication', 'replication'],
      ['schedules/heartbeat', 'schedule-detail'],
      [jobHref?.slice('/ui/'.length) ?? '', 'job-detail'],
    ];
    for (const [path, screenshot] of pages) {
      await page.goto(`${master.url}/ui/${path}`);
      await shot(page, screenshot);
      await expectAccessible(page, path);
    }
    expect(await page.content()).toContain(CANARY); // the admin sees args on the job page

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phoneRequests = recordForeignRequests(phone, master.url);
    const small = await phone.newPage();
    await small.goto(`${master.url}/ui/login`);
    await expectFits(small, 'login');
    await phone.addCookies(await context.cookies()); // the session of the login above
    for (const path of ['schedules', 'schedules/new', ...pages.map(([path]) => path)]) {
      await small.goto(`${master.url}/ui/${path}`);
      await expectFits(small, path);
    }
    await shot(small, 'schedules-phone');
    await phone.close();
    await context.close();

    // Stylesheet and script came from the node; nothing went anywhere else.
    expect(requests.paths).toContain('/ui/assets/app.css');
    expect(requests.paths).toContain('/ui/assets/live.js');
    expect([...requests.foreign, ...phoneRequests.foreign]).toEqual([]);
  }, 90_000);

  it('serves the same pages read-only from a DMZ replica, with no canary', async () => {
    await stack.scheduler.patchSchedule('heartbeat', { metadata: { owner: 'ops', secretToken: CANARY } });
    replicaStore = await loadDmzReplica(stack.store, `sqlite:${join(dir, 'replica.db')}`);
    replica = await listen(
      createReplicaApp(replicaStore, async () => ({
        role: 'replica',
        zone: 'dmz',
        appliedSeq: 3,
        lagMs: 0,
        connected: true,
      })).fetch,
    );
    const replicaUrl = replica.url;
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const requests = recordForeignRequests(context, replicaUrl);
    const page = await context.newPage();
    const pages = ['schedules', 'schedules/heartbeat', 'handlers', 'history', 'charts', 'replication'];
    for (const path of pages) {
      const response = await page.goto(`${replica.url}/ui/${path}`);
      expect(response?.status(), path).toBe(200);
      const html = await page.content();
      expect(html, path).not.toContain(CANARY);
      expect(await page.locator('form[method="post"]').count(), path).toBe(0);
      await shot(page, `replica-${path.replace('/', '-')}`);
      await expectAccessible(page, `replica ${path}`);
    }
    await page.goto(`${replica.url}/ui/history`);
    await page.locator('a[href^="/ui/jobs/"]').first().click();
    const job = await page.content();
    expect(job).toContain('succeeded');
    expect(job).not.toContain(CANARY);
    expect(job).not.toContain('Arguments');
    await shot(page, 'replica-job-detail');
    await expectAccessible(page, 'replica job');
    const jobPath = new URL(page.url()).pathname.slice(4);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phoneRequests = recordForeignRequests(phone, replicaUrl);
    const small = await phone.newPage();
    for (const path of [...pages, jobPath]) {
      await small.goto(`${replicaUrl}/ui/${path}`);
      await expectFits(small, `replica ${path}`);
    }
    await phone.close();
    expect(requests.paths).toContain('/ui/assets/app.css');
    expect([...requests.foreign, ...phoneRequests.foreign]).toEqual([]);
    const post = await fetch(`${replica.url}/ui/schedules/heartbeat/pause`, { method: 'POST' });
    expect(post.status).toBe(403);
    await context.close();
  });

  it('edits with a version conflict, clones, cancels, re-runs, deletes after confirming, pauses in bulk', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const requests = recordForeignRequests(context, master.url);
    const page = await context.newPage();
    await page.goto(`${master.url}/ui/login`);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${master.url}/ui/schedules`);
    for (const id of ['ops-a', 'ops-b', 'ops-c'])
      await stack.scheduler.createSchedule(
        createScheduleBodySchema.parse({
          id,
          task: id === 'ops-c' ? 'block' : 'echo',
          trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' },
        }),
      );
    const visited: string[] = [];
    const check = async (name: string) => {
      visited.push(new URL(page.url()).pathname);
      await shot(page, name);
      await expectAccessible(page, name);
    };

    // Edit, while someone else changes the schedule: refused with a way to reload, nothing lost.
    await page.goto(`${master.url}/ui/schedules/ops-a`);
    await page.getByRole('link', { name: 'Edit ops-a' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/ops-a/edit`);
    await check('edit-form');
    await stack.scheduler.patchSchedule('ops-a', { args: { by: 'someone else' } });
    await page.getByLabel('Cron expression (5 fields, or 6 with seconds first)').fill('15 8 * * *');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('was changed by someone else');
    await check('edit-conflict');
    expect((await stack.scheduler.getSchedule('ops-a')).trigger).toMatchObject({ expression: '0 9 * * *' });
    await page.getByRole('link', { name: 'Reload the current version' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/ops-a/edit`);
    expect(await page.getByLabel('Arguments (JSON object or array)').inputValue()).toContain('someone else');
    await page.getByLabel('Cron expression (5 fields, or 6 with seconds first)').fill('15 8 * * *');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/ops-a`);
    expect((await stack.scheduler.getSchedule('ops-a')).trigger).toMatchObject({ expression: '15 8 * * *' });

    // Clone: the form comes prefilled with a new id.
    await page.getByRole('link', { name: 'Clone ops-a' }).click();
    expect(await page.getByLabel('ID (optional)').inputValue()).toBe('ops-a-copy');
    expect(await page.getByLabel('Task (handler method)').inputValue()).toBe('echo');
    await check('clone-form');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/ops-a-copy`);
    expect((await stack.scheduler.getSchedule('ops-a-copy')).trigger).toMatchObject({
      expression: '15 8 * * *',
    });

    // Cancel a running job from its page, then re-run it.
    const running = await stack.scheduler.runNow('ops-c');
    await expect.poll(async () => (await stack.scheduler.getJob(running.id)).status).toBe('running');
    await page.goto(`${master.url}/ui/jobs/${running.id}`);
    await check('job-running');
    await page.getByRole('button', { name: `Cancel job ${running.id}` }).click();
    await expect.poll(async () => (await stack.scheduler.getJob(running.id)).status).toBe('cancelled');
    await page.goto(`${master.url}/ui/jobs/${running.id}`);
    await page.getByRole('button', { name: `Re-run job ${running.id}` }).click();
    await page.waitForURL(
      (url) => url.pathname.startsWith('/ui/jobs/') && !url.pathname.endsWith(running.id),
    );
    const rerunId = new URL(page.url()).pathname.slice('/ui/jobs/'.length);
    expect((await stack.scheduler.getJob(rerunId)).scheduleId).toBe('ops-c');
    // …and the re-run from a history row.
    await page.goto(`${master.url}/ui/history?scheduleId=ops-c`);
    await expect.poll(async () => (await stack.scheduler.getJob(rerunId)).status).toBe('running');
    await page.reload();
    await page.getByRole('button', { name: `Cancel job ${rerunId}` }).click();
    await expect.poll(async () => (await stack.scheduler.getJob(rerunId)).status).toBe('cancelled');

    // Delete asks first; only the confirmation deletes.
    await page.goto(`${master.url}/ui/schedules/ops-a-copy`);
    await page.getByRole('button', { name: 'Delete… ops-a-copy' }).click();
    await page.getByRole('heading', { name: 'Delete schedule ops-a-copy?' }).waitFor();
    expect((await stack.scheduler.getSchedule('ops-a-copy')).id).toBe('ops-a-copy');
    await check('confirm-delete');
    await page.getByRole('button', { name: 'Delete ops-a-copy' }).click();
    await page.waitForURL(`${master.url}/ui/schedules`);
    await expect(stack.scheduler.getSchedule('ops-a-copy')).rejects.toThrow('does not exist');

    // Bulk pause of a filtered selection: the ticks survive the live refresh.
    await page.goto(`${master.url}/ui/schedules?q=ops-`);
    await page.getByLabel('Select ops-a', { exact: true }).check();
    await page.getByLabel('Select ops-b', { exact: true }).check();
    // Marked, so that its replacement by the next refresh can be seen.
    await page.evaluate(() => document.querySelector('#schedules-table')?.setAttribute('data-seen', ''));
    await page.waitForFunction(() => document.querySelector('#schedules-table:not([data-seen])'));
    expect(await page.getByLabel('Select ops-b', { exact: true }).isChecked()).toBe(true);
    await check('schedules-selection');
    await page.getByRole('button', { name: 'Pause selected' }).click();
    await page.waitForURL(`${master.url}/ui/schedules?q=ops-`);
    const pausedOf = async (id: string) => (await stack.scheduler.getSchedule(id)).paused;
    expect([await pausedOf('ops-a'), await pausedOf('ops-b'), await pausedOf('ops-c')]).toEqual([
      true,
      true,
      false,
    ]);
    await page.getByLabel('Select ops-a', { exact: true }).check();
    await page.getByRole('button', { name: 'Delete selected…' }).click();
    await page.getByRole('heading', { name: 'Delete 1 schedule?' }).waitFor();
    await check('confirm-bulk-delete');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    for (const path of [
      '/ui/schedules/ops-b/edit',
      '/ui/schedules/ops-b/clone',
      '/ui/schedules/ops-b/delete',
      ...visited,
    ]) {
      await small.goto(`${master.url}${path}`);
      await expectFits(small, path);
    }
    await shot(small, 'edit-form-phone');
    // The history as cards: no column heads in view, and not even its own box scrolls sideways.
    for (const path of ['/ui/history', '/ui/schedules/ops-c']) {
      await small.goto(`${master.url}${path}`);
      expect((await small.locator('table.cards thead').boundingBox())?.height, path).toBeLessThanOrEqual(1);
      const wide = await small.$$eval('.table-wrap:has(table.cards)', (boxes) =>
        boxes.map((box) => box.scrollWidth - box.clientWidth),
      );
      expect(wide.length, path).toBeGreaterThan(0);
      expect(Math.max(...wide), path).toBeLessThanOrEqual(0);
      // Each cell is labelled with its column's name.
      const first = small.locator('table.cards tbody tr').first().locator('td').first();
      expect(await first.evaluate((td) => getComputedStyle(td, '::before').content), path).toBe('"Job"');
      expect(await first.textContent(), path).toMatch(/^\s*[\w-]{8}…\s*$/);
    }
    await shot(small, 'history-phone');
    await phone.close();
    await context.close();
    expect(requests.foreign).toEqual([]);
  }, 90_000);

  it('shows only the fields of the chosen trigger type with a script, all of them without one', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${master.url}/ui/login`);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${master.url}/ui/schedules`);
    await page.goto(`${master.url}/ui/schedules/new`);
    const cron = page.getByLabel('Cron expression (5 fields, or 6 with seconds first)');
    const seconds = page.getByLabel('Interval in seconds');
    const at = page.getByLabel('Date (ISO-8601 with offset)');
    await expect.poll(() => seconds.isVisible()).toBe(false);
    expect([await cron.isVisible(), await at.isVisible()]).toEqual([true, false]);
    expect(await page.locator('.error, .field-error, [role="alert"]').count()).toBe(0);
    await page.getByLabel('Trigger type').selectOption('interval');
    expect([await cron.isVisible(), await seconds.isVisible(), await at.isVisible()]).toEqual([
      false,
      true,
      false,
    ]);
    await seconds.fill('300');
    await expect.poll(() => page.locator('#preview').textContent()).toContain('every 5 minutes');
    await expectFits(page, 'create form, interval');
    await shot(page, 'create-form-interval-phone');

    const plain = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1100, height: 900 },
    });
    await plain.addCookies(await context.cookies());
    const noScript = await plain.newPage();
    await noScript.goto(`${master.url}/ui/schedules/new`);
    for (const label of [
      'Cron expression (5 fields, or 6 with seconds first)',
      'Interval in seconds',
      'Date (ISO-8601 with offset)',
    ])
      expect(await noScript.getByLabel(label).isVisible(), label).toBe(true);
    await plain.close();
    await context.close();
  });
});
