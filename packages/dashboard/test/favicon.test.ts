import type { ReplicaStore } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, createReplicaApp, type MasterStack } from './support/stack.ts';

// Every page names an icon the node serves without a login, so no browser logs a 404 for it.

let stack: MasterStack | undefined;
let replicaStore: ReplicaStore | undefined;
afterEach(async () => {
  await replicaStore?.close();
  await stack?.close();
  replicaStore = undefined;
  stack = undefined;
});

function iconOf(html: string): string | undefined {
  return /<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/.exec(html)?.[1];
}

describe('the favicon', () => {
  it('is linked by the login page, the admin pages and the replica pages, and served to anyone', async () => {
    stack = await createMasterStack();
    const replica = createReplicaApp(stack.store);
    const pages = [
      await (await stack.app.request('/ui/login')).text(),
      await (await stack.app.request('/ui/schedules', { headers: { cookie: stack.cookie } })).text(),
      await (await replica.request('/ui/schedules')).text(),
    ];
    for (const html of pages) {
      const href = iconOf(html);
      expect(href).toBe('/ui/assets/favicon.svg');
      for (const app of [stack.app, replica]) {
        const response = await app.request(href ?? '');
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/svg+xml');
        expect(await response.text()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      }
    }
  });
});
