import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Generated } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createConsumer } from '../consumer/consumer.ts';
import {
  openSuite,
  parseTestEvent,
  recordingLogger,
  type Suite,
  type TestEvent,
  testEvent,
} from '../consumer/test-support.ts';
import type { Consumer } from '../consumer/types.ts';
import type { InboxDatabase } from '../inbox/schema.ts';
import {
  type ConsumerSpy,
  createConsumerSpy,
  createQueueWithDlq,
  publishInvalid,
  type QueueWithDlq,
  queueDepth,
  sendMessage,
} from '../testing/index.ts';
import { runDlqCli } from './cli.ts';
import { listDeadLetters, redrive, showDeadLetter } from './dlq.ts';

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

let suite: Suite<Tables>;
let queues: QueueWithDlq;
let consumer: Consumer;
let spy: ConsumerSpy;
/** The handler fails while this is true: a bug that a deploy later fixes. */
let broken = true;

beforeAll(async () => {
  suite = await openSuite<Tables>(tables, 'dlq-test');
  queues = await createQueueWithDlq(suite.clients.sqs, {
    name: suite.broker.name('inbox'),
    maxReceiveCount: 2,
  });
  spy = createConsumerSpy();
  consumer = createConsumer<TestEvent, Tables>({
    db: suite.service.db,
    sqs: suite.clients.sqs,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl,
    parse: parseTestEvent,
    waitTimeSeconds: 1,
    backoff: { baseSec: 0 },
    logger: recordingLogger(),
    onEvent: spy.onEvent,
    handlers: {
      'identity.user.deleted': async (event, { trx }) => {
        if (broken) throw new Error('erasure job not deployed yet');
        await trx.insertInto('effects').values({ event_id: event.id, note: 'erased' }).execute();
      },
    },
  });
  consumer.start();
});

afterAll(async () => {
  await consumer.stop();
  await suite.close();
});

async function effects(eventId: string): Promise<number> {
  const rows = await suite.service.db
    .selectFrom('effects')
    .select('id')
    .where('event_id', '=', eventId)
    .execute();
  return rows.length;
}

const dlq = () => ({ sqs: suite.clients.sqs, dlqUrl: queues.dlqUrl, queueUrl: queues.queueUrl });

describe('dead-letter tools', () => {
  const erasure = testEvent('identity.user.deleted', { actor: 'admin', erasure_request_id: 'er-1' });

  it('lists and shows dead letters without taking them off the DLQ', async () => {
    await sendMessage({ sqs: suite.clients.sqs, queueUrl: queues.queueUrl }, erasure);
    await publishInvalid({ sqs: suite.clients.sqs, queueUrl: queues.queueUrl }, 'not_an_envelope');
    await spy.waitFor({ kind: 'dead_lettered' }, { count: 2 });

    const first = await listDeadLetters(dlq());
    const again = await listDeadLetters(dlq());
    expect(again.map((l) => l.sqsMessageId).sort()).toEqual(first.map((l) => l.sqsMessageId).sort());
    expect(first).toHaveLength(2);
    expect(await queueDepth(suite.clients.sqs, queues.dlqUrl)).toMatchObject({ visible: 2, inFlight: 0 });

    const byEventId = await showDeadLetter(dlq(), erasure.id);
    expect(byEventId).toMatchObject({
      id: erasure.id,
      type: 'identity.user.deleted',
      reason: 'retries_exhausted',
      detail: 'after 2 deliveries: Error: erasure job not deployed yet',
      receiveCount: 2,
      sourceQueueUrl: queues.queueUrl,
    });
    expect(JSON.parse(byEventId?.body ?? '')).toEqual(erasure);
    const bySqsId = await showDeadLetter(dlq(), byEventId?.sqsMessageId ?? '');
    expect(bySqsId?.id).toBe(erasure.id);
    expect(await showDeadLetter(dlq(), 'no-such-id')).toBeUndefined();
    const invalid = first.find((l) => l.reason === 'invalid_message');
    expect(invalid).toMatchObject({
      id: undefined,
      body: '{"hello":"world"}',
      detail: 'specversion must be "1.0"',
    });
  });

  it('redrives a message by id once the bug is fixed, and a second redrive is a no-op', async () => {
    broken = false;
    const outcome = await redrive(dlq(), { ids: [erasure.id] });
    expect(outcome.redriven.map((l) => l.id)).toEqual([erasure.id]);
    expect(outcome.missing).toEqual([]);
    expect(outcome.failed).toEqual([]);
    const [handled] = await spy.waitFor({ id: erasure.id });
    expect(handled).toMatchObject({ receiveCount: 1 });
    expect(await effects(erasure.id)).toBe(1);

    const second = await redrive(dlq(), { ids: [erasure.id] });
    expect(second).toEqual({ redriven: [], missing: [erasure.id], failed: [] });
    const left = await listDeadLetters(dlq());
    expect(left.map((l) => l.reason)).toEqual(['invalid_message']);
  });

  it('absorbs a redriven copy of a message that was already handled', async () => {
    // A copy of the handled event lands in the DLQ (say a redrive crashed between send and delete).
    await sendMessage({ sqs: suite.clients.sqs, queueUrl: queues.dlqUrl }, erasure);
    const outcome = await redrive(dlq(), { all: true });
    expect(outcome.redriven.map((l) => l.reason).sort()).toEqual(['invalid_message', 'max_receive_count']);
    await spy.waitFor({ kind: 'duplicate', id: erasure.id });
    // The invalid body is dead-lettered again, with its reason.
    await spy.waitFor({ kind: 'dead_lettered' }, { count: 3 });
    expect(await effects(erasure.id)).toBe(1);
    expect(spy.count({ id: erasure.id })).toBe(1);
    const left = await listDeadLetters(dlq());
    expect(left.map((l) => l.reason)).toEqual(['invalid_message']);
  });

  it('runs as a CLI: list, show, redrive, and usage errors', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      sqs: suite.clients.sqs,
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
    };
    const base = ['--queue', queues.queueUrl, '--dlq', queues.dlqUrl];

    expect(await runDlqCli([...base, '--json', 'list'], io)).toBe(0);
    const listed = JSON.parse(out.pop() ?? '[]') as Array<{ sqsMessageId: string; reason: string }>;
    expect(listed.map((l) => l.reason)).toEqual(['invalid_message']);
    const sqsId = listed[0]?.sqsMessageId ?? '';

    expect(await runDlqCli([...base, 'show', sqsId], io)).toBe(0);
    expect(out.pop()).toContain('reason:           invalid_message');
    expect(await runDlqCli([...base, 'show', 'nope'], io)).toBe(1);
    expect(err.pop()).toContain('No message nope');

    expect(await runDlqCli([...base, 'redrive'], io)).toBe(2);
    expect(err.pop()).toContain('either --all or one or more ids');
    expect(await runDlqCli(['list'], io)).toBe(2);
    expect(await runDlqCli([...base, 'frobnicate'], io)).toBe(2);

    expect(await runDlqCli([...base, 'redrive', sqsId, 'not-there'], io)).toBe(1);
    expect(out.join('\n')).toContain(`redriven\t${sqsId}`);
    expect(out.join('\n')).toContain('missing\tnot-there');
    await spy.waitFor({ kind: 'dead_lettered' }, { count: 4 });
  });

  it('runs as a script with node (type stripping), configured from flags and the environment', async () => {
    const cli = path.join(import.meta.dirname, 'cli.ts');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=development', cli, '--queue', queues.queueUrl, '--dlq', queues.dlqUrl, '--json', 'list'],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL: suite.broker.endpoint,
          AWS_REGION: suite.broker.region,
          AWS_ACCESS_KEY_ID: suite.broker.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: suite.broker.credentials.secretAccessKey,
        },
        timeout: 20_000,
      },
    );
    const listed = JSON.parse(stdout) as Array<{ reason: string; body: string }>;
    expect(listed).toEqual([
      expect.objectContaining({ reason: 'invalid_message', body: '{"hello":"world"}' }),
    ]);
  });
});
