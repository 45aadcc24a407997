/**
 * Latency and throughput of the consumer (inbox transaction + handler + delete).
 * Run: node --conditions=development src/consumer/consumer.bench.ts [rate=200] [seconds=10] [drain=5000] [concurrency=10]
 *
 * 1. Latency: sends `rate` events/s for `seconds` straight to the queue (SendMessage, as SNS raw
 *    delivery would put them there) and measures, for each, SendMessage start → the handler's
 *    transaction committed (its `afterCommit`). The handler inserts one row. This is the consumer's
 *    leg of quality.md's "commit → consumer effect" (p50 ≤ 50 ms, p99 ≤ 250 ms at 200 events/s);
 *    the relay's leg is measured by the outbox bench.
 * 2. Throughput: preloads `drain` events, starts the consumer and times the drain. As references
 *    measured in the same run (shared, noisy machines): a bare loop with the same number of receives
 *    in flight receives and deletes the same number of messages, no database (the broker's
 *    ceiling); and the same transactions run straight on the database, same concurrency, no broker
 *    (the database's ceiling for this handler).
 *
 * Database: DATABASE_URL (a fresh schema, dropped afterwards) or embedded PGlite in a temp folder.
 * Broker: AWS_ENDPOINT_URL, or fauxqs on a loopback port in a worker thread. Stops by itself;
 * fails after 180 s.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, migrateToLatest } from '@authplatform/service-kit';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Generated, sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { startBenchBroker } from '../bench/broker.ts';
import { type InboxDatabase, inboxMigrations } from '../inbox/schema.ts';
import { createConsumer } from './consumer.ts';
import type { ParseResult } from './contracts.ts';

const TIMEOUT_MS = 180_000;
const BAR = { p50: 50, p99: 250 };

interface Tables extends InboxDatabase {
  effects: { id: Generated<string>; event_id: string };
}

interface BenchEvent {
  id: string;
  type: 'identity.user.updated';
  subject: string;
  data: { user_id: string; name: string };
}

function benchEvent(n: number): BenchEvent {
  return {
    id: uuidv7(),
    type: 'identity.user.updated',
    subject: `user/${n}`,
    data: { user_id: `0193a5e2-6b00-7000-8000-${String(n).padStart(12, '0')}`, name: `User ${n}` },
  };
}

function parse(body: string): ParseResult<BenchEvent> {
  try {
    return { ok: true, value: JSON.parse(body) as BenchEvent };
  } catch (err) {
    return { ok: false, reason: String(err) };
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 200);
  const seconds = Number(process.argv[3] ?? 10);
  const drainTotal = Number(process.argv[4] ?? 5000);
  const concurrency = Number(process.argv[5] ?? 10);
  const tag = randomUUID().slice(0, 8);
  const schema = `bench_${tag}`;
  const broker = await startBenchBroker();
  const sqs = new SQSClient({
    endpoint: broker.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const dataDir = process.env.DATABASE_URL
    ? undefined
    : await mkdtemp(path.join(os.tmpdir(), 'consumer-bench-'));
  const database = await createDatabase<Tables>({
    service: 'bench',
    databaseUrl: process.env.DATABASE_URL,
    ...(dataDir ? { dataDir } : {}),
    schema,
    poolSize: concurrency + 2,
  });
  const queues: string[] = [];
  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: `bench${tag}-${name}` }))).QueueUrl;
    if (url === undefined) throw new Error('broker returned no queue URL');
    queues.push(url);
    return url;
  };
  try {
    await migrateToLatest(database, {
      migrations: {
        ...inboxMigrations,
        '0002_bench_effects': {
          up: (db) =>
            db.schema
              .createTable('effects')
              .addColumn('id', 'bigserial', (c) => c.primaryKey())
              .addColumn('event_id', 'text', (c) => c.notNull())
              .execute(),
        },
      },
    });
    const dlqUrl = await queue('dlq');
    const latencyUrl = await queue('latency');
    const drainUrl = await queue('drain');
    const referenceUrl = await queue('reference');

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    /** SendMessage start → handler start, and handler start → commit. */
    const toHandler: number[] = [];
    const inHandler: number[] = [];
    let handled = 0;
    let wake: (() => void) | undefined;
    const consumerFor = (queueUrl: string) =>
      createConsumer<BenchEvent, Tables>({
        db: database.db,
        sqs,
        queueUrl,
        dlqUrl,
        parse,
        concurrency,
        waitTimeSeconds: 20,
        logger: { info: () => undefined, warn: console.warn, error: console.error },
        handlers: {
          'identity.user.updated': async (event, { trx, afterCommit }) => {
            const entered = performance.now();
            await trx.insertInto('effects').values({ event_id: event.id }).execute();
            afterCommit(() => {
              const start = sentAt.get(event.id);
              const now = performance.now();
              if (start !== undefined) {
                latencies.push(now - start);
                toHandler.push(entered - start);
                inHandler.push(now - entered);
              }
              handled++;
              wake?.();
            });
          },
        },
      });
    const waitHandled = async (n: number) => {
      while (handled < n) await new Promise<void>((resolve) => (wake = resolve));
    };

    // 1. Latency at a steady rate.
    const latencyConsumer = consumerFor(latencyUrl);
    latencyConsumer.start();
    const count = Math.round(rate * seconds);
    const started = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let n = 0; n < count; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const event = benchEvent(n);
      sentAt.set(event.id, performance.now());
      sends.push(
        sqs.send(
          new SendMessageCommand({
            QueueUrl: latencyUrl,
            MessageBody: JSON.stringify(event),
            MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
          }),
        ),
      );
    }
    await Promise.all(sends);
    await waitHandled(count);
    await latencyConsumer.stop();
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const p99Of = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        99,
      ).toFixed(1);

    // 2. Drain throughput, and the broker's own ceiling as the reference.
    const preload = async (queueUrl: string) => {
      const events = Array.from({ length: drainTotal }, (_, n) => benchEvent(n));
      for (let i = 0; i < events.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: events.slice(i, i + 10).map((event, j) => ({
              Id: String(j),
              MessageBody: JSON.stringify(event),
              MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
            })),
          }),
        );
      }
    };
    await preload(referenceUrl);
    const receivers = Math.ceil(concurrency / 10);
    let drained = 0;
    const referenceStarted = performance.now();
    await Promise.all(
      Array.from({ length: receivers }, async () => {
        while (drained < drainTotal) {
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: referenceUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          );
          const messages = out.Messages ?? [];
          if (messages.length === 0) continue;
          drained += messages.length;
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: referenceUrl,
              Entries: messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
      }),
    );
    const referenceRate = drainTotal / ((performance.now() - referenceStarted) / 1000);

    // Reference 2: the same transactions (inbox row + effect row) straight on the database, same
    // concurrency, no broker: the database's ceiling for this handler.
    let done = 0;
    const dbStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < drainTotal) {
          done++;
          const id = `db-${uuidv7()}`;
          await database.db.transaction().execute(async (trx) => {
            await sql`insert into inbox (message_id, type, received_at) values (${id}, 'bench', now())
              on conflict (message_id) do nothing returning message_id`.execute(trx);
            await trx.insertInto('effects').values({ event_id: id }).execute();
          });
        }
      }),
    );
    const dbRate = drainTotal / ((performance.now() - dbStarted) / 1000);
    await sql`delete from effects where event_id like 'db-%'`.execute(database.db);

    await preload(drainUrl);
    handled = 0;
    sentAt.clear();
    const drainConsumer = consumerFor(drainUrl);
    const drainStarted = performance.now();
    drainConsumer.start();
    await waitHandled(drainTotal);
    const drainRate = drainTotal / ((performance.now() - drainStarted) / 1000);
    await drainConsumer.stop();

    const rows = await database.db
      .selectFrom('effects')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .execute();
    const effects = Number(rows[0]?.n ?? 0);
    console.log(
      `consumer (${database.kind}, ${process.env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : 'fauxqs worker'}, concurrency ${concurrency}):\n` +
        `  latency at ${rate}/s for ${seconds} s (${count} events), SendMessage → handler committed: ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms ` +
        `(bar for the whole commit → effect path: p50 ≤ ${BAR.p50}, p99 ≤ ${BAR.p99}: ` +
        `${p50 <= BAR.p50 && p99 <= BAR.p99 ? 'within' : 'OVER'}); p99 of the parts: send → handler start ` +
        `${p99Of(toHandler)} ms, handler start → commit ${p99Of(inHandler)} ms\n` +
        `  drain of ${drainTotal}: ${Math.round(drainRate)} events/s; reference, bare receive + delete ` +
        `(${receivers} receive(s) in flight, no database): ${Math.round(referenceRate)} messages/s; ` +
        `consumer / reference = ${(drainRate / referenceRate).toFixed(2)}; the same transactions straight on ` +
        `the database (${concurrency} at a time, no broker): ${Math.round(dbRate)}/s; consumer / database = ` +
        `${(drainRate / dbRate).toFixed(2)}`,
    );
    if (effects !== count + drainTotal)
      throw new Error(`expected ${count + drainTotal} effects, found ${effects}`);
  } finally {
    for (const QueueUrl of queues)
      await sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
    if (database.kind === 'postgres') {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db).catch(() => undefined);
    }
    await database.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    sqs.destroy();
    await broker.stop();
  }
}

const timer = setTimeout(() => {
  console.error(`consumer bench: no result after ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS);
timer.unref();
await main();
