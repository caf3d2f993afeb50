import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { Store } from '@schedulezero/scheduler-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmzProjector, loadDmzReplica } from './support/dmz-replica.ts';
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

  it('logs in, creates a schedule, sees it run live, pauses it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${master.url}/ui/schedules`);
    await expect.poll(() => page.url()).toContain('/ui/login');
    await shot(page, 'login');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${master.url}/ui/schedules`);

    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByLabel('ID (optional)').fill('heartbeat');
    await page.getByLabel('Task (handler method)').fill('echo');
    await page.getByLabel('Cron expression (5 fields, or 6 with seconds first)').fill('*/3 * * * * *');
    await page.getByLabel('Arguments (JSON object or array)').fill(`{"apiKey":"${CANARY}","to":"ops"}`);
    await expect.poll(() => page.locator('#preview').textContent()).toContain('every 3 seconds');
    await shot(page, 'create-form');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(`${master.url}/ui/schedules/heartbeat`);
    await expect.poll(() => page.locator('ol li').count()).toBe(10);

    await page.goto(`${master.url}/ui/schedules`);
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'heartbeat', exact: true }) });
    // The next run of a 3-second cron: "now" or "in N s", then its absolute time.
    const nextRun = row.locator('td').nth(3);
    await expect
      .poll(() => nextRun.textContent())
      .toMatch(/^(now|in [1-3] s)\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    // No reload: the table's live fragment brings the first succeeded job.
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('succeeded');
    await shot(page, 'schedules');

    await row.getByRole('button', { name: 'Pause heartbeat' }).click();
    await expect.poll(() => row.textContent()).toContain('paused');
    expect((await stack.scheduler.getSchedule('heartbeat')).paused).toBe(true);

    for (const name of ['handlers', 'history', 'charts', 'replication']) {
      await page.goto(`${master.url}/ui/${name}`);
      await shot(page, name);
    }
    await page.goto(`${master.url}/ui/schedules/heartbeat`);
    await shot(page, 'schedule-detail');
    await page.locator('#schedule-jobs a[href^="/ui/jobs/"]').first().click();
    expect(await page.content()).toContain(CANARY); // the admin sees args
    await shot(page, 'job-detail');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await phone.addCookies([{ name: 'sz_session', value: TOKEN, url: `${master.url}/ui` }]);
    const small = await phone.newPage();
    await small.goto(`${master.url}/ui/schedules`);
    const overflow = await small.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(small, 'schedules-phone');
    await phone.close();
    await context.close();
  });

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
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const pages = ['schedules', 'schedules/heartbeat', 'handlers', 'history', 'charts', 'replication'];
    for (const path of pages) {
      const response = await page.goto(`${replica.url}/ui/${path}`);
      expect(response?.status(), path).toBe(200);
      const html = await page.content();
      expect(html, path).not.toContain(CANARY);
      expect(await page.locator('form[method="post"]').count(), path).toBe(0);
      await shot(page, `replica-${path.replace('/', '-')}`);
    }
    await page.goto(`${replica.url}/ui/history`);
    await page.locator('a[href^="/ui/jobs/"]').first().click();
    const job = await page.content();
    expect(job).toContain('succeeded');
    expect(job).not.toContain(CANARY);
    expect(job).not.toContain('Arguments');
    await shot(page, 'replica-job-detail');
    const post = await fetch(`${replica.url}/ui/schedules/heartbeat/pause`, { method: 'POST' });
    expect(post.status).toBe(403);
    await context.close();
  });
});
