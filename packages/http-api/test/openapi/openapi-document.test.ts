import { createReadOnlyScheduler, openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { afterEach, expect, it } from 'vitest';
import { createNodeApp } from '../../src/node-app.ts';

let store: ReplicaStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

it('names api.publicUrl as the server of the OpenAPI document', async () => {
  store = await openReplicaStore('sqlite::memory:');
  const app = createNodeApp({
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    api: {
      requireAuth: false,
      tokens: [],
      allowedOrigins: [],
      maxBodyBytes: 1 << 20,
      docs: false,
      publicUrl: 'https://status.example.com/',
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const document = (await (await app.request('/openapi.json')).json()) as { servers: unknown };
  expect(document.servers).toEqual([
    { url: 'https://status.example.com', description: 'This node (api.publicUrl)' },
  ]);
});
