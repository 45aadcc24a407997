import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Generated, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { InboxDatabase } from '../inbox/schema.ts';
import {
  createConsumerSpy,
  createQueueWithDlq,
  queueDepth,
  sendMessage,
  sendMessages,
  waitUntil,
} from '../testing/index.ts';
import {
  gate,
  openAllGates,
  openSuite,
  type Suite,
  startTestConsumer,
  type TestEvent,
  testEvent,
} from './test-support.ts';
import type { Consumer, ConsumerOptions } from './types.ts';

interface Tables extends InboxDatabase {
  effects: { id: Generated<string>; event_id: string; note: string };
}

const tables: Record<string, Migration> = {
  '0002_effects': {
    up: (db) =>
      db.schema
        .createTable('effects')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .execute(),
  },
};

/** The pg `application_name` of this suite's connections, to find them in `pg_stat_activity`. */
const SERVICE = 'consumer-shutdown-test';
let suite: Suite<Tables>;
const running: Consumer[] = [];

beforeAll(async () => {
  suite = await openSuite<Tables>(tables, SERVICE);
});

afterAll(async () => {
  // A failed test may have left a handler waiting: let it go, or closing the pool waits forever.
  openAllGates();
  await Promise.all(running.map((c) => c.stop({ timeoutMs: 0 })));
  await suite.close();
});

function consumer(
  options: Partial<ConsumerOptions<TestEvent, Tables>> &
    Pick<ConsumerOptions<TestEvent, Tables>, 'queueUrl' | 'dlqUrl' | 'handlers'>,
) {
  return startTestConsumer(suite, running, options);
}

async function effects(eventId: string): Promise<string[]> {
  const rows = await suite.service.db
    .selectFrom('effects')
    .select('note')
    .where('event_id', '=', eventId)
    .execute();
  return rows.map((r) => r.note);
}

describe('consumer shutdown and long handlers', () => {
  it('handles a message exactly once when the consumer is stopped mid-handler and another takes over', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('kill'),
    });
    const event = testEvent('identity.user.deleted', { actor: 'admin' });
    const held = gate();
    const entered = gate();
    let signalOfA: AbortSignal | undefined;
    const spyA = createConsumerSpy();
    // One slot and no prefetch: with the slot busy, A has no long poll open that could catch the released message.
    const a = consumer({
      queueUrl,
      dlqUrl,
      concurrency: 1,
      prefetch: 0,
      onEvent: spyA.onEvent,
      handlers: {
        'identity.user.deleted': async (e, { trx, signal }) => {
          signalOfA = signal;
          // The effect is written, then the handler hangs before its transaction can commit.
          await trx.insertInto('effects').values({ event_id: e.id, note: 'erased by A' }).execute();
          entered.open();
          await held.promise;
        },
      },
    });
    a.start();
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);
    await entered.promise;

    await a.stop({ timeoutMs: 100 });
    expect(spyA.matching({ kind: 'released' })).toEqual([
      expect.objectContaining({ id: event.id, type: event.type }),
    ]);
    expect(signalOfA?.aborted).toBe(true);

    const spyB = createConsumerSpy();
    let callsB = 0;
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spyB.onEvent,
      handlers: {
        'identity.user.deleted': async (e, { trx, receiveCount }) => {
          callsB++;
          await trx
            .insertInto('effects')
            .values({ event_id: e.id, note: `erased by B (delivery ${receiveCount})` })
            .execute();
        },
      },
    }).start();
    // B got the message and waits on A's still-open inbox row; A's handler now returns: A rolls back.
    await waitUntil(async () => (await queueDepth(suite.clients.sqs, queueUrl)).inFlight === 1, {
      what: 'B receiving the released message',
    });
    if (suite.database.kind === 'postgres') {
      // B's inbox insert is blocked on the row A inserted and has not committed.
      await waitUntil(
        async () => {
          const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from pg_stat_activity
            where application_name = ${SERVICE} and wait_event_type = 'Lock'
              and query like '%insert into inbox%'`.execute(suite.service.db);
          return rows[0]?.n === 1;
        },
        { what: "B waiting on A's inbox row" },
      );
    }
    held.open();

    const [handled] = await spyB.waitFor({ id: event.id });
    expect(handled).toMatchObject({ receiveCount: 2, deleted: true });
    expect(await effects(event.id)).toEqual(['erased by B (delivery 2)']);
    expect(callsB).toBe(1);
    expect(spyA.count({ kind: 'handled' })).toBe(0);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('releases prefetched messages at once on stop, and they are handled once by the next consumer', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('prefetch'),
    });
    const events = Array.from({ length: 5 }, (_, n) => testEvent('identity.user.updated', { n }));
    const held = gate();
    const entered = gate();
    const spyA = createConsumerSpy();
    const a = consumer({
      queueUrl,
      dlqUrl,
      concurrency: 1,
      prefetch: 10,
      onEvent: spyA.onEvent,
      handlers: {
        'identity.user.updated': async () => {
          entered.open();
          await held.promise;
        },
      },
    });
    await sendMessages({ sqs: suite.clients.sqs, queueUrl }, events);
    a.start();
    await entered.promise;
    await waitUntil(() => a.inFlight === 5, { what: 'A holding all five (one running, four prefetched)' });

    await a.stop({ timeoutMs: 50 });
    const released = spyA.matching({ kind: 'released' }).map((e) => (e.kind === 'released' ? e.id : 'other'));
    // The four that never started went back first; the running one at the timeout. The poll still
    // open while stopping may receive some of them again: it hands those back untouched (no id).
    expect(released.length).toBeGreaterThanOrEqual(5);
    expect(released.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    const runningOne = released.filter((id) => id !== undefined);
    expect(runningOne).toHaveLength(1);
    expect(events.map((e) => e.id)).toContain(runningOne[0]);
    held.open();

    const spyB = createConsumerSpy();
    let calls = 0;
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spyB.onEvent,
      handlers: {
        'identity.user.updated': async (e, { trx }) => {
          calls++;
          await trx.insertInto('effects').values({ event_id: e.id, note: 'updated' }).execute();
        },
      },
    }).start();
    await spyB.waitFor({ type: 'identity.user.updated' }, { count: 5 });
    expect(calls).toBe(5);
    for (const event of events) expect(await effects(event.id)).toEqual(['updated']);
    expect(spyA.count({ kind: 'handled' })).toBe(0);
  });

  it('lets an in-flight handler finish when it ends within the stop timeout', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('drain'),
    });
    const event = testEvent('identity.user.registered', { email: 'ada@example.com' });
    const held = gate();
    const entered = gate();
    const spy = createConsumerSpy();
    const c = consumer({
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      stopTimeoutMs: 5000,
      handlers: {
        'identity.user.registered': async (e, { trx }) => {
          entered.open();
          await held.promise;
          await trx.insertInto('effects').values({ event_id: e.id, note: 'welcome' }).execute();
        },
      },
    });
    c.start();
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);
    await entered.promise;

    let stopped = false;
    const stopping = c.stop().then(() => {
      stopped = true;
    });
    expect(c.running).toBe(false);
    expect(c.inFlight).toBe(1);
    held.open();
    await stopping;
    expect(stopped).toBe(true);
    expect(spy.matching({ id: event.id })).toEqual([expect.objectContaining({ deleted: true })]);
    expect(spy.count({ kind: 'released' })).toBe(0);
    expect(await effects(event.id)).toEqual(['welcome']);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('keeps a slow handler’s message invisible past the visibility timeout with heartbeats', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('heartbeat'),
      visibilityTimeoutSec: 1,
    });
    const event = testEvent('webhooks.delivery.exhausted', { attempts: 12 });
    const held = gate();
    const entered = gate();
    const spy = createConsumerSpy();
    let calls = 0;
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      // One slot, no prefetch: no long poll of its own is open while the handler runs, only the test's receive competes.
      concurrency: 1,
      prefetch: 0,
      visibilityTimeoutSec: 1,
      heartbeatIntervalMs: 250,
      handlers: {
        'webhooks.delivery.exhausted': async (e, { trx }) => {
          calls++;
          entered.open();
          await held.promise;
          await trx.insertInto('effects').values({ event_id: e.id, note: 'owner alerted' }).execute();
        },
      },
    }).start();
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);
    await entered.promise;
    const started = performance.now();

    // Eight heartbeats 250 ms apart: two seconds, twice the visibility timeout.
    await spy.waitFor({ kind: 'heartbeat', id: event.id }, { count: 8 });
    expect(performance.now() - started).toBeGreaterThan(1500);
    const stolen = await suite.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }),
    );
    expect(stolen.Messages ?? []).toEqual([]);

    held.open();
    await spy.waitFor({ id: event.id });
    expect(calls).toBe(1);
    expect(spy.count({ kind: 'duplicate' })).toBe(0);
    expect(await effects(event.id)).toEqual(['owner alerted']);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('(control) without heartbeats the same slow handler loses its message after the visibility timeout', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('no-heartbeat'),
      visibilityTimeoutSec: 1,
    });
    const event = testEvent('webhooks.delivery.exhausted', { attempts: 12 });
    const held = gate();
    const entered = gate();
    const c = consumer({
      queueUrl,
      dlqUrl,
      concurrency: 1,
      prefetch: 0,
      visibilityTimeoutSec: 1,
      heartbeatIntervalMs: false,
      handlers: {
        'webhooks.delivery.exhausted': async () => {
          entered.open();
          await held.promise;
        },
      },
    });
    c.start();
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);
    await entered.promise;
    let stolenBody: string | undefined;
    await waitUntil(
      async () => {
        const out = await suite.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 30 }),
        );
        stolenBody = out.Messages?.[0]?.Body;
        return stolenBody !== undefined;
      },
      { timeoutMs: 5000, what: 'the message becoming visible again' },
    );
    expect(JSON.parse(stolenBody ?? '{}')).toMatchObject({ id: event.id });
    held.open();
    await c.stop();
  });
});
