import { type ClusterJson, clusterJsonSchema } from '@schedulezero/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, createReplicaApp, type MasterStack } from './support/stack.ts';

// The Cluster page of a master: who is alive, who leads in which term, the newest elections.

const NOW = Date.now();
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const addresses = { http: 'http://127.0.0.1:8888', handlerLink: null, zones: {} };
const instance = (id: string, name: string, extra: Partial<ClusterJson['instances'][number]>) => ({
  id,
  name,
  incarnation: 1,
  pid: 4242,
  host: 'host-a',
  version: '0.1.0',
  addresses,
  status: 'active' as const,
  startedAt: ago(600_000),
  lastSeenAt: ago(1_000),
  endedAt: null,
  endedBy: null,
  ...extra,
});

const CLUSTER: ClusterJson = clusterJsonSchema.parse({
  mode: 'cluster',
  self: 'id-b2',
  instances: [
    instance('id-b2', 'master-b', { incarnation: 2, host: 'host-b' }),
    instance('id-c1', 'master-c', { host: 'host-c', lastSeenAt: ago(2_000) }),
    instance('id-a1', 'master-a', {
      status: 'dead',
      lastSeenAt: ago(300_000),
      endedAt: ago(290_000),
      endedBy: 'id-c1',
    }),
  ],
  leader: { instanceId: 'id-c1', term: 7, expiresAt: new Date(NOW + 4_000).toISOString() },
  leadershipLog: [
    { id: 12, term: 7, instanceId: 'id-c1', event: 'elected', at: ago(295_000), detail: '' },
    { id: 11, term: 6, instanceId: 'id-a1', event: 'expired', at: ago(295_001), detail: 'lease ran out' },
  ],
});

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function get(path: string, current: MasterStack) {
  return current.app.request(path, { headers: { cookie: current.cookie } });
}

/** The cells of each `<tbody>` row of the table captioned `caption`, tags stripped. */
function rows(html: string, caption: string): string[][] {
  const table = new RegExp(`<caption[^>]*>${caption}</caption>([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) =>
      (cell[1] ?? '')
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );
}

describe('the Cluster page', () => {
  it('shows every instance with its status, last heartbeat and incarnation, the leader and its term, and the log', async () => {
    stack = await createMasterStack(undefined, undefined, undefined, async () => CLUSTER);
    const response = await get('/ui/cluster', stack);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<a href="/ui/cluster" aria-current="page">Cluster</a>');
    expect(html).toMatch(/<dt>Leader<\/dt><dd>master-c <span class="muted">id-c1<\/span><\/dd>/);
    expect(html).toContain('<dt>Term</dt><dd>7</dd>');

    const instances = rows(html, 'Instances, newest start first');
    // Last seen: relative to the page's clock (a second or two later than NOW), then the instant.
    const seen = (ms: number) => expect.stringMatching(new RegExp(`^\\d+ (s|min) ago ${stamp(ago(ms))}$`));
    expect(instances.map((cells) => cells.slice(0, 4))).toEqual([
      ['master-b (this master)', 'active', seen(1_000), '2'],
      ['master-c leader', 'active', seen(2_000), '1'],
      ['master-a', 'dead', seen(300_000), '1'],
    ]);
    expect(instances[2]?.[7]).toBe('master-c id-c1');

    const log = rows(html, 'Leadership log, newest first');
    expect(log.map((cells) => cells.slice(1))).toEqual([
      ['7', 'elected', 'master-c id-c1', '—'],
      ['6', 'expired', 'master-a id-a1', 'lease ran out'],
    ]);
    // The live region reloads the same body.
    const partial = await (await get('/ui/partials/cluster', stack)).text();
    expect(rows(partial, 'Instances, newest start first')).toHaveLength(3);
  });

  it('a master on SQLite says it runs alone', async () => {
    const single = clusterJsonSchema.parse({
      mode: 'single',
      self: 'dash-master',
      instances: [instance('dash-master', 'dash-master', {})],
      leader: null,
      leadershipLog: [],
    });
    stack = await createMasterStack(undefined, undefined, undefined, async () => single);
    const html = await (await get('/ui/cluster', stack)).text();
    expect(html).toContain('This master runs alone');
    expect(rows(html, 'Instances, newest start first')).toHaveLength(1);
    expect(html).toContain('No election yet.');
  });

  it('is linked from the nav of a master only', async () => {
    stack = await createMasterStack();
    // Without a cluster view (a bare dashboard) there is no page and no link to it.
    expect(await (await get('/ui/schedules', stack)).text()).not.toContain('/ui/cluster');
    expect((await get('/ui/cluster', stack)).status).toBe(404);

    const replica = createReplicaApp(stack.store);
    const html = await (await replica.request('/ui/schedules')).text();
    expect(html).toContain('Schedules');
    expect(html).not.toContain('/ui/cluster');
    expect((await replica.request('/ui/cluster')).status).toBe(404);
  });
});

/** How the page writes an instant (`absoluteTime`), to the second. */
function stamp(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')}Z`;
}
