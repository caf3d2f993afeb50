import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { Store } from '@schedulezero/scheduler-core';
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
  let replicaStore: Store | undefined;
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
    const cell = (n: number) => row.locator('td').nth(n);
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
});
