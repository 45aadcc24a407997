/**
 * A service built with service-kit and the messaging plugin, end to end on real Postgres (or PGlite)
 * and the broker: state change + event committed together → relay → SNS → filtered SQS inbox →
 * consumer → handler effect in the consumer's database, once.
 */
import { createEvent, type EventData, exampleEvents } from '@authplatform/contracts';
import { defineService, type RunningService } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import {
  createAwsClients,
  type TestBroker,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TProperties, Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { messagingMigrations } from '../index.ts';
import { enqueueEvent } from '../outbox/enqueue.ts';
import { bootstrapTopology } from '../topology/bootstrap.ts';
import { messagingPlugin } from './messaging-plugin.ts';

interface Tables {
  seen: { event_id: string; user_id: string };
}

const registered = exampleEvents('identity.user.registered')[0];
if (registered === undefined) throw new Error('the catalogue has no example of identity.user.registered');
const registeredData = registered.data as EventData<'identity.user.registered'>;

describe('messaging plugin in a service', () => {
  let database: TestDatabase;
  let broker: TestBroker;
  let service: RunningService<TProperties>;
  const handled: string[] = [];
  const waiters = new Map<string, () => void>();
  const handledOnce = (id: string) =>
    new Promise<void>((resolve) => {
      if (handled.includes(id)) resolve();
      else waiters.set(id, resolve);
    });

  beforeAll(async () => {
    database = await testDatabase();
    broker = testBroker();
    const prefix = broker.prefix.replace(/-+$/, '');
    const { sns, sqs } = createAwsClients(broker);
    await bootstrapTopology({ sns, sqs, prefix });

    const definition = defineService({
      name: 'audit',
      version: '0.0.0',
      description: 'audit with one handler, for this test',
      defaultPort: 0,
      config: Type.Object({}),
      migrations: {
        ...messagingMigrations,
        '0001_seen': {
          up: async (db: Kysely<unknown>) => {
            await db.schema
              .createTable('seen')
              .addColumn('event_id', 'text', (c) => c.primaryKey())
              .addColumn('user_id', 'text', (c) => c.notNull())
              .execute();
          },
        },
      },
      routes: () => [],
      plugins: [
        messagingPlugin<Tables>('audit', {
          events: {
            'identity.user.registered': async (event, { trx, afterCommit }) => {
              const data = event.data as { user_id: string };
              await trx.insertInto('seen').values({ event_id: event.id, user_id: data.user_id }).execute();
              afterCommit(() => {
                handled.push(event.id);
                waiters.get(event.id)?.();
              });
            },
          },
        }),
      ],
    });
    service = await startServiceForTest(definition, { database, broker });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await broker?.cleanup();
    await database?.drop();
  });

  it('reports the relay and consumer in /readyz', async () => {
    const res = await fetch(`${service.url}/readyz`);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(res.status).toBe(200);
    expect(body.checks.messaging).toEqual({ ok: true, detail: 'relay running, 1 consumer(s) running' });
  });

  it('delivers a committed event to the handler once, and never one whose transaction rolled back', async () => {
    const db = service.database.db as Kysely<Tables>;
    const rolledBack = createEvent('identity.user.registered', registeredData, {
      subject: registered.subject,
    });
    await db
      .transaction()
      .execute(async (trx) => {
        await enqueueEvent(trx, rolledBack);
        throw new Error('the state change failed');
      })
      .catch(() => undefined);

    const committed = createEvent('identity.user.registered', registeredData, {
      subject: registered.subject,
    });
    await db.transaction().execute((trx) => enqueueEvent(trx, committed));

    await handledOnce(committed.id);
    const rows = await db.selectFrom('seen').selectAll().execute();
    expect(rows).toEqual([{ event_id: committed.id, user_id: registeredData.user_id }]);
    expect(handled).toEqual([committed.id]);
    const pending = await sql<{
      n: number;
    }>`select count(*)::int as n from outbox where sent_at is null`.execute(db);
    expect(pending.rows[0]?.n).toBe(0);
  }, 60_000);
});
