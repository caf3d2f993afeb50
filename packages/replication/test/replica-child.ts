/**
 * A replica in its own process, for the crash test: follows a zone into a SQLite file and prints
 * `applied <seq>` after every committed batch, until it is killed.
 * Usage: node --import tsx test/replica-child.ts <db file> <publish> <sync> <page size>
 */
import { openReplicaStore, silentLogger } from '@schedulezero/scheduler-core';
import { createSubscriber } from '../src/replica/subscriber.ts';

const [file, publish, sync, pageSize] = process.argv.slice(2);
if (file === undefined || publish === undefined || sync === undefined)
  throw new Error('usage: <file> <publish> <sync> [page size]');
const store = await openReplicaStore(`sqlite:${file}`);
const subscriber = createSubscriber({
  store,
  zone: 'admin',
  publish,
  sync,
  pageSize: Number(pageSize ?? 50),
  logger: silentLogger,
});
subscriber.on('applied', (event) => process.stdout.write(`applied ${event.toSeq}\n`));
await subscriber.start();
process.stdout.write('started\n');
