import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, type Database, migrateToLatest } from '@authplatform/service-kit';
import { type AwsClients, createAwsClients, type TestBroker, testBroker } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { enqueueEvent, enqueueEvents } from './enqueue.ts';
import { createOutboxRelay } from './relay.ts';
import { type OutboxDatabase, outboxMigrations } from './schema.ts';
import { receiveUntil, testEvent, wireTopic } from './test-support.ts';

const ids = (messages: Array<{ Body?: string | undefined }>) =>
  messages.map((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id);

// Embedded mode (the dev runtime): PGlite has no LISTEN client here, so the relay runs on its
// fallback poll and on wake() after a commit. Always PGlite, whatever DATABASE_URL says.
describe('transactional outbox on embedded PGlite', () => {
  let dataDir: string;
  let database: Database<OutboxDatabase>;
  let broker: TestBroker;
  let clients: AwsClients;
  let prefix: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'outbox-pglite-'));
    // The longest schema name Postgres allows: the NOTIFY channel is cut to 63 bytes.
    database = await createDatabase<OutboxDatabase>({
      service: 'identity',
      dataDir,
      schema: `identity_${'x'.repeat(54)}`,
    });
    await migrateToLatest(database, { migrations: outboxMigrations });
    broker = testBroker();
    clients = createAwsClients(broker);
    prefix = broker.prefix.slice(0, -1);
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await broker?.cleanup();
    clients?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes a committed event on wake() within milliseconds, never a rolled-back one, each once', async () => {
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    const metrics = new Registry();
    const relay = createOutboxRelay({
      db: database.db,
      sns: clients.sns,
      sqs: clients.sqs,
      prefix,
      schema: database.schema,
      metrics,
      pollIntervalMs: 60_000,
    });
    await relay.start();
    try {
      await relay.drain(5_000); // the start-up claim is done: from here only wake() can start a batch
      const committed = testEvent('identity.user.registered', { email: 'ada@example.com' });
      const rolledBack = testEvent('identity.user.registered', { email: 'bob@example.com' });
      await expect(
        database.db.transaction().execute(async (trx) => {
          await enqueueEvent(trx, rolledBack);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await database.db.transaction().execute((trx) => enqueueEvent(trx, committed));
      const committedAt = performance.now();
      relay.wake();
      const received = await receiveUntil(clients, queueUrl, (m) => m.length >= 1, 5_000);
      const delay = performance.now() - committedAt;
      expect(ids(received)).toEqual([committed.id]);
      expect(delay).toBeLessThan(1_000);

      // Several workers on the single PGlite session: every row once.
      const events = Array.from({ length: 300 }, (_, i) => testEvent('identity.user.updated', { n: i }));
      await database.db.transaction().execute((trx) => enqueueEvents(trx, events));
      relay.wake();
      await relay.drain(20_000);
      const all = await receiveUntil(clients, queueUrl, (m) => m.length >= events.length, 20_000);
      expect(all).toHaveLength(events.length);
      expect(new Set(ids(all))).toEqual(new Set(events.map((e) => e.id)));
      expect(await metrics.metrics()).toMatch(
        /outbox_published_total\{kind="event",destination="identity-events"\} 301/,
      );
      const pending = await database.db
        .selectFrom('outbox')
        .where('sent_at', 'is', null)
        .select('id')
        .execute();
      expect(pending).toEqual([]);
    } finally {
      await relay.stop();
    }
  });
});
