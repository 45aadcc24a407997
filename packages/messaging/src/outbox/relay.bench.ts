/**
 * Sustained publish throughput of the outbox relay.
 * Run: node --conditions=development src/outbox/relay.bench.ts [events=20000] [batchSize] [concurrency]
 *
 * Inserts N events into a fresh outbox (not timed), starts the relay with its defaults, and times
 * how long it takes to publish every row to an SNS topic with one raw-delivery SQS subscription,
 * then checks the subscribed queue holds exactly N messages. As a reference measured in the same run
 * (the machines are shared and noisy), it also publishes N messages of the same size straight to a
 * second topic with a subscribed queue, PublishBatch of 10 with as many calls in flight as the relay
 * makes at most (batchSize / 10 × concurrency), no database: the broker's ceiling on this machine. Database: DATABASE_URL (a fresh schema,
 * dropped afterwards) or embedded PGlite in a temp folder. Broker: AWS_ENDPOINT_URL, or fauxqs on a
 * loopback port in a worker thread (so the emulator does not share the relay's event loop, as a
 * real broker would not). Bounded: stops by itself, fails after 120 s.
 * Bar (quality.md): ≥ 2,000 events/s sustained.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type CloudEvent, physicalName, uuidv7 } from '@authplatform/contracts';
import { createDatabase, migrateToLatest } from '@authplatform/service-kit';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishBatchCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sql } from 'kysely';
import { startBenchBroker } from '../bench/broker.ts';
import { enqueueEvents } from './enqueue.ts';
import { createOutboxRelay, RELAY_DEFAULTS } from './relay.ts';
import { type OutboxDatabase, outboxMigrations } from './schema.ts';

const BAR = 2_000;
const TIMEOUT_MS = 120_000;

function event(n: number): CloudEvent {
  return {
    specversion: '1.0',
    id: uuidv7(),
    source: '/services/identity',
    type: 'identity.user.updated',
    subject: `user/${n}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.authplatform.dev/identity.user.updated/1.json',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data: {
      user_id: `0193a5e2-6b00-7000-8000-${String(n).padStart(12, '0')}`,
      name: `User ${n}`,
      locale: 'en',
    },
  };
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 20_000);
  // Optional overrides of the relay's defaults, to compare settings.
  const batchSize = process.argv[3] ? Number(process.argv[3]) : undefined;
  const concurrency = process.argv[4] ? Number(process.argv[4]) : undefined;
  const tag = randomUUID().slice(0, 8);
  const prefix = `bench${tag}`;
  const schema = `bench_${tag}`;
  const broker = await startBenchBroker();
  const config = {
    endpoint: broker.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const dataDir = process.env.DATABASE_URL
    ? undefined
    : await mkdtemp(path.join(os.tmpdir(), 'outbox-bench-'));
  const database = await createDatabase<OutboxDatabase>({
    service: 'bench',
    databaseUrl: process.env.DATABASE_URL,
    ...(dataDir ? { dataDir } : {}),
    schema,
  });
  const created: { topics: string[]; queues: string[] } = { topics: [], queues: [] };
  /** A topic with one raw-delivery subscribed queue; returns the topic ARN and the queue URL. */
  const wire = async (topicId: string) => {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: physicalName(prefix, topicId) })))
      .TopicArn;
    const queueUrl = (
      await sqs.send(new CreateQueueCommand({ QueueName: physicalName(prefix, `${topicId}-tap`) }))
    ).QueueUrl;
    if (!topicArn || !queueUrl) throw new Error('broker returned no topic ARN or queue URL');
    created.topics.push(topicArn);
    created.queues.push(queueUrl);
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    return { topicArn, queueUrl };
  };
  const queued = async (queueUrl: string) =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );
  try {
    const target = await wire('identity-events');
    const reference = await wire('reference-events');

    // Reference: the broker alone, same messages, same number of calls in flight.
    const bodies = Array.from({ length: total }, (_, n) => JSON.stringify(event(n)));
    const inFlight =
      Math.ceil((batchSize ?? RELAY_DEFAULTS.batchSize) / 10) * (concurrency ?? RELAY_DEFAULTS.concurrency);
    let next = 0;
    const referenceStarted = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < total) {
          const from = next;
          next = Math.min(total, next + 10);
          await sns.send(
            new PublishBatchCommand({
              TopicArn: reference.topicArn,
              PublishBatchRequestEntries: bodies.slice(from, next).map((Message, i) => ({
                Id: String(i),
                Message,
                MessageAttributes: { type: { DataType: 'String', StringValue: 'identity.user.updated' } },
              })),
            }),
          );
        }
      }),
    );
    const referenceRate = total / ((performance.now() - referenceStarted) / 1000);

    await migrateToLatest(database, { migrations: outboxMigrations });
    for (let i = 0; i < total; i += 1_000) {
      const events = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => event(i + j));
      await database.db.transaction().execute((trx) => enqueueEvents(trx, events));
    }

    const relay = createOutboxRelay({
      db: database.db,
      sns,
      sqs,
      prefix,
      schema,
      ...(batchSize ? { batchSize } : {}),
      ...(concurrency ? { concurrency } : {}),
    });
    const started = performance.now();
    await relay.start();
    await relay.drain(TIMEOUT_MS);
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();

    const delivered = await queued(target.queueUrl);
    const referenceDelivered = await queued(reference.queueUrl);
    const rate = total / seconds;
    console.log(
      `outbox relay (${database.kind}, ${process.env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : 'fauxqs worker'}): ` +
        `batchSize ${batchSize ?? 'default'}, concurrency ${concurrency ?? 'default'}: ` +
        `${total} events in ${seconds.toFixed(2)} s = ${Math.round(rate)} events/s ` +
        `(bar ≥ ${BAR}: ${rate >= BAR ? 'pass' : 'FAIL'}); subscribed queue received ${delivered}\n` +
        `  reference, PublishBatch straight to the broker (${inFlight} calls in flight, no database): ` +
        `${Math.round(referenceRate)} events/s; relay / reference = ${(rate / referenceRate).toFixed(2)}`,
    );
    if (referenceDelivered !== total) {
      throw new Error(`expected ${total} messages on the reference queue, found ${referenceDelivered}`);
    }
    if (delivered !== total) throw new Error(`expected ${total} messages on the queue, found ${delivered}`);
  } finally {
    for (const QueueUrl of created.queues)
      await sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
    for (const TopicArn of created.topics)
      await sns.send(new DeleteTopicCommand({ TopicArn })).catch(() => undefined);
    if (database.kind === 'postgres') {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db).catch(() => undefined);
    }
    await database.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    sns.destroy();
    sqs.destroy();
    await broker.stop();
  }
}

const timer = setTimeout(() => {
  console.error(`outbox relay bench: no result after ${TIMEOUT_MS / 1000 + 30} s`);
  process.exit(1);
}, TIMEOUT_MS + 30_000);
timer.unref();
await main();
