import {
  type DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Generated, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { Registry } from 'prom-client';
import { listDeadLetters } from '../dlq/dlq.ts';
import type { InboxDatabase } from '../inbox/schema.ts';
import {
  createConsumerSpy,
  createQueueWithDlq,
  publishDuplicate,
  publishInvalid,
  queueDepth,
  sendMessage,
  sendMessages,
  waitUntil,
} from '../testing/index.ts';
import { createConsumer } from './consumer.ts';
import { ConsumerError } from './errors.ts';
import {
  openSuite,
  parseTestEvent,
  recordingLogger,
  type Suite,
  shuffled,
  startTestConsumer,
  type TestEvent,
  testEvent,
} from './test-support.ts';
import type { Consumer, ConsumerOptions, HandlerMap } from './types.ts';

interface Tables extends InboxDatabase {
  effects: { id: Generated<string>; event_id: string; note: string };
  user_projection: { subject: string; name: string; seq: number };
}

const tables: Record<string, Migration> = {
  '0002_test_tables': {
    async up(db) {
      // No unique constraint on event_id: a doubled effect must be countable.
      await db.schema
        .createTable('effects')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('user_projection')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

let suite: Suite<Tables>;
const running: Consumer[] = [];

beforeAll(async () => {
  suite = await openSuite<Tables>(tables);
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop({ timeoutMs: 0 })));
  await suite?.close();
});

function consumer(
  options: Partial<ConsumerOptions<TestEvent, Tables>> &
    Pick<ConsumerOptions<TestEvent, Tables>, 'queueUrl' | 'dlqUrl' | 'handlers'>,
) {
  return startTestConsumer(suite, running, options);
}

async function effectsOf(eventId: string): Promise<string[]> {
  const rows = await suite.service.db
    .selectFrom('effects')
    .select('note')
    .where('event_id', '=', eventId)
    .execute();
  return rows.map((r) => r.note);
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
  );
  return found?.value ?? 0;
}

describe('createConsumer', () => {
  it('refuses options it cannot honour', () => {
    const base = {
      db: suite.service.db,
      sqs: suite.clients.sqs,
      queueUrl: 'http://q',
      dlqUrl: 'http://dlq',
      parse: parseTestEvent,
      handlers: {},
    };
    expect(() => createConsumer({ ...base, waitTimeSeconds: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => createConsumer({ ...base, visibilityTimeoutSec: 3, heartbeatIntervalMs: 3000 })).toThrow(
      ConsumerError,
    );
    expect(() => createConsumer({ ...base, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createConsumer({ ...base, dlqUrl: '' })).toThrow(/dlqUrl/);
  });

  it('gives a message delivered three times one effect, and counts the duplicates', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('dup'),
    });
    const spy = createConsumerSpy();
    const registry = new Registry();
    let calls = 0;
    const handlers: HandlerMap<TestEvent, Tables> = {
      'identity.user.registered': async (event, { trx }) => {
        calls++;
        await trx.insertInto('effects').values({ event_id: event.id, note: 'welcome email' }).execute();
      },
    };
    const c = consumer({ queueUrl, dlqUrl, handlers, onEvent: spy.onEvent, metrics: registry });
    c.start();
    expect(c.running).toBe(true);

    const event = testEvent('identity.user.registered', { user_id: 'u1', email: 'ada@example.com' });
    await publishDuplicate({ sqs: suite.clients.sqs, queueUrl }, event, 3);

    await spy.waitFor({ type: event.type, id: event.id });
    await spy.waitFor({ kind: 'duplicate', id: event.id }, { count: 2 });
    expect(await effectsOf(event.id)).toEqual(['welcome email']);
    expect(calls).toBe(1);
    expect(spy.count({ id: event.id })).toBe(1);
    const inbox = await suite.service.db
      .selectFrom('inbox')
      .selectAll()
      .where('message_id', '=', event.id)
      .execute();
    expect(inbox).toEqual([
      expect.objectContaining({ message_id: event.id, type: event.type, handled_at: expect.any(Date) }),
    ]);
    // Every copy was deleted, the handled one and the two skipped ones.
    expect(spy.matching({ kind: 'duplicate' }).every((e) => e.kind === 'duplicate' && e.deleted)).toBe(true);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const labels = { queue: suite.broker.name('dup'), type: event.type };
    expect(await metricValue(registry, 'messaging_consumed_total', { ...labels, result: 'handled' })).toBe(1);
    expect(await metricValue(registry, 'messaging_consumed_total', { ...labels, result: 'duplicate' })).toBe(
      2,
    );
    const text = await registry.metrics();
    expect(text).toContain('messaging_handler_duration_seconds_count');
    await c.stop();
    expect(c.running).toBe(false);
  });

  it('converges a projection whatever the order and however often each event arrives', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('proj'),
    });
    const spy = createConsumerSpy();
    let staleSkipped = 0;
    // Two competing consumers on one queue, so deliveries really interleave.
    const handlers: HandlerMap<TestEvent, Tables> = {
      'identity.user.updated': async (event, { trx }) => {
        const seq = Number(event.sequence);
        const result = await trx
          .insertInto('user_projection')
          .values({ subject: event.subject ?? '', name: String(event.data.name), seq })
          .onConflict((oc) =>
            oc
              .column('subject')
              .doUpdateSet({ name: sql`excluded.name`, seq: sql`excluded.seq` })
              .where('user_projection.seq', '<', sql<number>`excluded.seq`),
          )
          .executeTakeFirst();
        if (result.numInsertedOrUpdatedRows === 0n) staleSkipped++;
        await trx
          .insertInto('effects')
          .values({ event_id: event.id, note: `seq ${seq}` })
          .execute();
      },
    };
    consumer({ queueUrl, dlqUrl, handlers, onEvent: spy.onEvent, concurrency: 5 }).start();
    consumer({ queueUrl, dlqUrl, handlers, onEvent: spy.onEvent, concurrency: 5 }).start();

    const subjects = ['user/a', 'user/b', 'user/c'];
    const events = subjects.flatMap((subject) =>
      Array.from({ length: 20 }, (_, i) =>
        testEvent('identity.user.updated', { name: `${subject} v${i + 1}` }, { subject, sequence: i + 1 }),
      ),
    );
    // Every third event twice, every fifth three times; then shuffled.
    const copies = events.flatMap((e, i) =>
      Array.from({ length: 1 + (i % 3 === 0 ? 1 : 0) + (i % 5 === 0 ? 1 : 0) }, () => e),
    );
    const seed = 20261128;
    const stream = shuffled(copies, seed);
    expect(stream.map((e) => e.id)).not.toEqual(copies.map((e) => e.id));
    await sendMessages({ sqs: suite.clients.sqs, queueUrl }, stream);

    await spy.waitFor({ type: 'identity.user.updated' }, { count: events.length, timeoutMs: 20_000 });
    await waitUntil(async () => spy.count({ kind: 'duplicate' }) === copies.length - events.length, {
      what: 'every duplicate skipped',
    });

    const projection = await suite.service.db
      .selectFrom('user_projection')
      .selectAll()
      .orderBy('subject')
      .execute();
    expect(projection).toEqual(subjects.map((subject) => ({ subject, name: `${subject} v20`, seq: 20 })));
    // Older sequences did arrive after newer ones (and were ignored): the order really was mixed.
    expect(staleSkipped).toBeGreaterThan(0);
    // Each event had exactly one effect, duplicates none.
    const counts = await suite.service.db
      .selectFrom('effects')
      .select(['event_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where(
        'event_id',
        'in',
        events.map((e) => e.id),
      )
      .groupBy('event_id')
      .execute();
    expect(counts).toHaveLength(events.length);
    expect(counts.every((row) => Number(row.n) === 1)).toBe(true);
    expect(spy.count({ kind: 'failed' })).toBe(0);
  });

  it('sends invalid messages and unknown types to the DLQ at once, with the reason, and logs it', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('invalid'),
      maxReceiveCount: 5,
    });
    const spy = createConsumerSpy();
    const logger = recordingLogger();
    let calls = 0;
    consumer({
      queueUrl,
      dlqUrl,
      logger,
      onEvent: spy.onEvent,
      handlers: {
        'identity.user.registered': async () => {
          calls++;
        },
      },
    }).start();

    const target = { sqs: suite.clients.sqs, queueUrl };
    const notJson = await publishInvalid(target, 'not_json');
    const noEnvelope = await publishInvalid(target, {
      body: '{"id":"x","type":"identity.user.registered"}',
      type: 'identity.user.registered',
    });
    const unknown = testEvent('identity.user.teleported', { user_id: 'u1' });
    await sendMessage(target, unknown);
    const good = testEvent('identity.user.registered', { user_id: 'u2' });
    await sendMessage(target, good);

    await spy.waitFor({ kind: 'dead_lettered' }, { count: 3 });
    await spy.waitFor({ id: good.id });
    expect(calls).toBe(1);
    const byMessage = new Map(
      spy
        .matching({ kind: 'dead_lettered' })
        .map((e) => [e.kind === 'dead_lettered' ? e.sqsMessageId : '', e]),
    );
    expect(byMessage.get(notJson)).toMatchObject({
      reason: 'invalid_message',
      receiveCount: 1,
      id: undefined,
    });
    expect(byMessage.get(noEnvelope)).toMatchObject({
      reason: 'invalid_message',
      detail: 'specversion must be "1.0"',
      receiveCount: 1,
    });
    expect(spy.matching({ kind: 'dead_lettered', id: unknown.id })).toEqual([
      expect.objectContaining({ reason: 'unknown_type', type: 'identity.user.teleported', receiveCount: 1 }),
    ]);

    const letters = await listDeadLetters({ sqs: suite.clients.sqs, dlqUrl });
    expect(letters.map((l) => l.reason).sort()).toEqual([
      'invalid_message',
      'invalid_message',
      'unknown_type',
    ]);
    const unknownLetter = letters.find((l) => l.id === unknown.id);
    expect(unknownLetter).toMatchObject({
      type: 'identity.user.teleported',
      sourceQueueUrl: queueUrl,
      receiveCount: 1,
      detail: expect.stringContaining('no handler for type identity.user.teleported'),
      attributes: expect.objectContaining({ type: 'identity.user.teleported' }),
    });
    expect(JSON.parse(unknownLetter?.body ?? '{}')).toEqual(unknown);
    const notJsonLetter = letters.find((l) => l.detail?.startsWith('body is not JSON'));
    expect(notJsonLetter?.body).toBe('{"specversion":"1.0","id":"0193a5e2-7c1f-7b3e-9d4a');

    const logged = logger.lines.filter((l) => l.message === 'message dead-lettered');
    expect(logged).toHaveLength(3);
    expect(logged.map((l) => l.meta.reason).sort()).toEqual([
      'invalid_message',
      'invalid_message',
      'unknown_type',
    ]);
    expect(logged.every((l) => l.level === 'warn' && typeof l.meta.detail === 'string')).toBe(true);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('dead-letters a poison message after maxReceiveCount while the others keep draining', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('poison'),
      maxReceiveCount: 2,
    });
    const spy = createConsumerSpy();
    const registry = new Registry();
    const attempts = new Map<string, number>();
    const poison = testEvent('audit.security.detected', { rule: 'poison' });
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      metrics: registry,
      concurrency: 4,
      // The poison's retry comes 1 s later; the others are all handled meanwhile.
      backoff: { baseSec: 1, jitter: false },
      handlers: {
        'audit.security.detected': async (event, { trx, receiveCount }) => {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          await trx
            .insertInto('effects')
            .values({ event_id: event.id, note: `attempt ${receiveCount}` })
            .execute();
          if (event.data.rule === 'poison') throw new Error('cannot handle this one');
        },
      },
    }).start();

    const others = Array.from({ length: 20 }, (_, i) =>
      testEvent('audit.security.detected', { rule: `r${i}` }),
    );
    await sendMessages({ sqs: suite.clients.sqs, queueUrl }, [poison, ...others]);

    const [dead] = await spy.waitFor({ kind: 'dead_lettered', id: poison.id });
    expect(dead).toMatchObject({
      reason: 'retries_exhausted',
      receiveCount: 2,
      detail: 'after 2 deliveries: Error: cannot handle this one',
    });
    expect(attempts.get(poison.id)).toBe(2);
    expect(spy.matching({ kind: 'failed', id: poison.id })).toEqual([
      expect.objectContaining({ receiveCount: 1, retryInSec: 1 }),
    ]);
    // All the others were handled before the poison's last attempt.
    const deadAt = spy.events.indexOf(dead as (typeof spy.events)[number]);
    const handled = spy.matching({ kind: 'handled' });
    expect(handled).toHaveLength(20);
    expect(handled.every((e) => spy.events.indexOf(e) < deadAt)).toBe(true);
    // The poison's effects were rolled back each time.
    expect(await effectsOf(poison.id)).toEqual([]);

    const letters = await listDeadLetters({ sqs: suite.clients.sqs, dlqUrl });
    expect(letters).toEqual([
      expect.objectContaining({ id: poison.id, reason: 'retries_exhausted', receiveCount: 2 }),
    ]);
    const labels = { queue: suite.broker.name('poison'), type: 'audit.security.detected' };
    expect(await metricValue(registry, 'messaging_retried_total', labels)).toBe(1);
    expect(
      await metricValue(registry, 'messaging_dead_lettered_total', {
        ...labels,
        reason: 'retries_exhausted',
      }),
    ).toBe(1);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("leaves the move to SQS's redrive when the queue allows fewer deliveries than the consumer was told", async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('native'),
      maxReceiveCount: 2,
    });
    const spy = createConsumerSpy();
    let attempts = 0;
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      maxReceiveCount: 100,
      backoff: { baseSec: 0 },
      handlers: {
        'identity.user.locked': async () => {
          attempts++;
          throw new Error('still broken');
        },
      },
    }).start();
    const event = testEvent('identity.user.locked', { reason: 'test' });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);

    await waitUntil(async () => (await queueDepth(suite.clients.sqs, dlqUrl)).visible === 1, {
      what: 'SQS moving the message to the DLQ',
    });
    expect(attempts).toBe(2);
    expect(spy.count({ kind: 'failed', id: event.id })).toBe(2);
    expect(spy.count({ kind: 'dead_lettered' })).toBe(0);
    const [letter] = await listDeadLetters({ sqs: suite.clients.sqs, dlqUrl });
    expect(letter).toMatchObject({ id: event.id, reason: 'max_receive_count', detail: undefined });
  });

  it('deletes the successes of a batch with DeleteMessageBatch and never redelivers them when one fails', async () => {
    const name = suite.broker.name('partial');
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, { name, maxReceiveCount: 5 });
    // The consumer's own client, with a middleware that watches (never alters) the SQS calls.
    const sqs = new SQSClient({
      endpoint: suite.broker.endpoint,
      region: suite.broker.region,
      credentials: suite.broker.credentials,
    });
    const receivedBy = new Map<string, string>(); // receipt handle -> event id
    const deleted: string[][] = [];
    let singleDeletes = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'ReceiveMessageCommand') {
          for (const m of ((result.output as { Messages?: Message[] }).Messages ?? []) as Message[]) {
            receivedBy.set(m.ReceiptHandle ?? '', (JSON.parse(m.Body ?? '{}') as { id: string }).id);
          }
        }
        if (context.commandName === 'DeleteMessageBatchCommand') {
          const input = args.input as DeleteMessageBatchCommand['input'];
          deleted.push((input.Entries ?? []).map((e) => receivedBy.get(e.ReceiptHandle ?? '') ?? '?'));
        }
        if (context.commandName === 'DeleteMessageCommand') singleDeletes++;
        return result;
      },
      { step: 'initialize', name: 'watchCalls' },
    );

    const events = Array.from({ length: 10 }, (_, i) => testEvent('authz.role.assigned', { n: i }));
    const flaky = events[3] as TestEvent;
    await sendMessages({ sqs: suite.clients.sqs, queueUrl }, events);
    const spy = createConsumerSpy();
    const calls = new Map<string, number>();
    const c = consumer({
      sqs,
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      concurrency: 10,
      // A success that was not deleted would be visible again after 1 s, before the flaky retry at 2 s.
      visibilityTimeoutSec: 1,
      heartbeatIntervalMs: 300,
      backoff: { baseSec: 2, jitter: false },
      handlers: {
        'authz.role.assigned': async (event, { trx }) => {
          calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
          await trx.insertInto('effects').values({ event_id: event.id, note: 'assigned' }).execute();
          if (event.id === flaky.id && calls.get(event.id) === 1) throw new Error('transient');
        },
      },
    });
    c.start();

    await spy.waitFor({ id: flaky.id });
    expect(spy.matching({ kind: 'failed' })).toEqual([
      expect.objectContaining({ id: flaky.id, receiveCount: 1 }),
    ]);
    expect(spy.matching({ id: flaky.id })).toEqual([expect.objectContaining({ receiveCount: 2 })]);
    expect(spy.count({ kind: 'handled' })).toBe(10);
    expect(spy.count({ kind: 'duplicate' })).toBe(0);
    for (const event of events) {
      expect(calls.get(event.id)).toBe(event.id === flaky.id ? 2 : 1);
      expect(await effectsOf(event.id)).toEqual(['assigned']);
    }
    await c.stop();
    // The first receive's nine successes went out in DeleteMessageBatch calls, the flaky one was not among them.
    const deletedIds = deleted.flat();
    expect(deletedIds.filter((id) => id === flaky.id)).toHaveLength(1);
    expect(new Set(deletedIds)).toEqual(new Set(events.map((e) => e.id)));
    expect(deletedIds).toHaveLength(10);
    expect(deleted.length).toBeLessThan(10);
    expect(singleDeletes).toBe(0);
    expect(await queueDepth(suite.clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    sqs.destroy();
  });

  it('runs afterCommit callbacks once the effects are visible to others, and not for a rollback', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('after'),
    });
    const spy = createConsumerSpy();
    const seenAfterCommit: string[][] = [];
    let fail = true;
    consumer({
      queueUrl,
      dlqUrl,
      onEvent: spy.onEvent,
      backoff: { baseSec: 0 },
      handlers: {
        'identity.user.email_verified': async (event, { trx, afterCommit }) => {
          await trx.insertInto('effects').values({ event_id: event.id, note: 'verified' }).execute();
          afterCommit(async () => {
            // Read through the pool, outside the handler's transaction.
            seenAfterCommit.push(await effectsOf(event.id));
          });
          if (fail) {
            fail = false;
            throw new Error('first attempt fails');
          }
        },
      },
    }).start();
    const event = testEvent('identity.user.email_verified', { email: 'ada@example.com' });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, event);
    await spy.waitFor({ id: event.id });
    expect(spy.count({ kind: 'failed' })).toBe(1);
    expect(seenAfterCommit).toEqual([['verified']]);
  });

  it('stops within its timeout while long-polling, and releases what the last poll brings at once', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('idle'),
    });
    const sqs = new SQSClient({
      endpoint: suite.broker.endpoint,
      region: suite.broker.region,
      credentials: suite.broker.credentials,
    });
    let receives = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand') receives++;
        return next(args);
      },
      { step: 'initialize', name: 'countReceives' },
    );
    const spy = createConsumerSpy();
    let calls = 0;
    const handlers: HandlerMap<TestEvent, Tables> = {
      'identity.user.registered': async () => {
        calls++;
      },
    };
    const c = consumer({ sqs, queueUrl, dlqUrl, waitTimeSeconds: 20, handlers, onEvent: spy.onEvent });

    // Idle: the 20 s poll is aborted at the stop timeout.
    c.start();
    await waitUntil(() => receives === 1, { what: 'the first long poll' });
    let started = performance.now();
    await c.stop({ timeoutMs: 300 });
    const idleMs = performance.now() - started;
    expect(idleMs).toBeGreaterThanOrEqual(290);
    expect(idleMs).toBeLessThan(1500);
    expect(c.running).toBe(false);

    // A message that arrives while stopping is received by the poll under way and handed back. (A
    // fresh queue: the aborted poll above may still be waiting on the broker for the old one, and
    // would swallow a message sent there; that is why stop() no longer aborts polls early.)
    const fresh = await createQueueWithDlq(suite.clients.sqs, { name: suite.broker.name('idle-2') });
    const d = consumer({
      sqs,
      queueUrl: fresh.queueUrl,
      dlqUrl: fresh.dlqUrl,
      waitTimeSeconds: 20,
      handlers,
      onEvent: spy.onEvent,
    });
    d.start();
    await waitUntil(() => receives === 2, { what: 'the second long poll' });
    started = performance.now();
    const stopping = d.stop({ timeoutMs: 5000 });
    const event = testEvent('identity.user.registered', { user_id: 'late' });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl: fresh.queueUrl }, event);
    await stopping;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(spy.matching({ kind: 'released' })).toEqual([expect.objectContaining({ receiveCount: 1 })]);
    expect(calls).toBe(0);
    // Visible again at once, not after a visibility timeout.
    const next = await suite.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fresh.queueUrl, WaitTimeSeconds: 0 }),
    );
    expect(JSON.parse(next.Messages?.[0]?.Body ?? '{}')).toMatchObject({ id: event.id });
    sqs.destroy();
  });
});
