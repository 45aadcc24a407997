/**
 * Commit → consumer effect, the whole path (quality.md: p50 ≤ 50 ms, p99 ≤ 250 ms at 200 events/s
 * on the embedded broker): a transaction commits an event to the outbox; the relay (woken by
 * LISTEN/NOTIFY) publishes it to the producer's topic; SNS delivers it by filter policy to the
 * consumer's inbox queue; the consumer handles it in its inbox transaction. Latency = the producer's
 * commit returning → the consumer's transaction committed.
 *
 * Run: node --conditions=development src/bench/end-to-end.bench.ts [rate=200] [seconds=10] [runs=3]
 * Database: DATABASE_URL (a fresh schema, dropped afterwards) or PGlite in a temp folder.
 * Broker: AWS_ENDPOINT_URL, or fauxqs in a worker thread. Loopback only; stops by itself (≤ 5 min).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, type EventData, exampleEvents } from '@authplatform/contracts';
import { createDatabase, createLogger, defineService, startService } from '@authplatform/service-kit';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { messagingMigrations } from '../index.ts';
import { enqueueEvent } from '../outbox/enqueue.ts';
import { messagingPlugin } from '../service/messaging-plugin.ts';
import { bootstrapTopology } from '../topology/bootstrap.ts';
import { startBenchBroker } from './broker.ts';

const rate = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 3);
const deadline = setTimeout(() => {
  process.stderr.write('end-to-end bench: gave up after 5 minutes\n');
  process.exit(1);
}, 300_000);
deadline.unref();

const example = exampleEvents('identity.user.registered')[0];
if (example === undefined) throw new Error('no example of identity.user.registered');
const data = example.data as EventData<'identity.user.registered'>;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function oneRun(endpoint: string, run: number) {
  const tag = randomBytes(4).toString('hex');
  const prefix = `bench${tag}`;
  const schema = `bench_${tag}`;
  const aws = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sns = new SNSClient(aws);
  const sqs = new SQSClient(aws);
  await bootstrapTopology({ sns, sqs, prefix });
  const dataDir = process.env.DATABASE_URL ? undefined : await mkdtemp(path.join(os.tmpdir(), 'e2e-bench-'));

  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let done: () => void = () => {};
  const allHandled = new Promise<void>((resolve) => {
    done = resolve;
  });
  const total = rate * seconds;
  let failures = 0;
  // The producer's commit and the consumer's can be seen in either order; whichever comes second
  // records the latency (a handler that wins the race counts as 0 ms, never negative).
  const handledAt = new Map<string, number>();
  const record = (id: string, commit: number | undefined, handled: number | undefined) => {
    const start = commit ?? committedAt.get(id);
    const end = handled ?? handledAt.get(id);
    if (commit !== undefined) committedAt.set(id, commit);
    if (handled !== undefined) handledAt.set(id, handled);
    if (start === undefined || end === undefined) return;
    latencies.push(Math.max(0, end - start));
    if (latencies.length >= total) done();
  };

  const definition = defineService({
    name: 'audit',
    version: '0.0.0',
    description: 'end-to-end bench',
    defaultPort: 0,
    config: Type.Object({}),
    migrations: messagingMigrations,
    routes: () => [],
    plugins: [
      messagingPlugin('audit', {
        events: {
          'identity.user.registered': async (event, { afterCommit }) => {
            afterCommit(() => record(event.id, undefined, performance.now()));
          },
        },
      }),
    ],
  });
  const service = await startService(definition, {
    env: {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'error',
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: dataDir ?? '.data',
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ENV_PREFIX: prefix,
    },
    envFile: false,
    schema,
    exit: () => {},
    logger: createLogger({ service: 'bench', level: 'error' }),
  });
  const db = service.database.db as Kysely<unknown>;

  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const event = createEvent('identity.user.registered', data, { subject: example?.subject });
    void db
      .transaction()
      .execute((trx) => enqueueEvent(trx, event))
      .then(() => record(event.id, performance.now(), undefined))
      .catch((error: unknown) => {
        failures += 1;
        process.stderr.write(`commit failed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
  }
  await Promise.race([allHandled, sleep(60_000)]);
  await service.stop();
  sns.destroy();
  sqs.destroy();
  if (process.env.DATABASE_URL) {
    const cleanup = await createDatabase({ service: 'audit', databaseUrl: process.env.DATABASE_URL, schema });
    await sql.raw(`drop schema "${schema}" cascade`).execute(cleanup.db);
    await cleanup.close();
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });

  const sorted = latencies.sort((a, b) => a - b);
  const result = {
    run,
    handled: sorted.length,
    of: total,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failures,
  };
  process.stdout.write(
    `run ${run}: ${result.handled}/${total} handled, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms\n`,
  );
  return result;
}

const broker = await startBenchBroker();
try {
  process.stdout.write(
    `commit → consumer effect at ${rate} events/s for ${seconds} s, ${runs} runs ` +
      `(${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}, broker ${broker.endpoint})\n`,
  );
  const results = [];
  for (let run = 1; run <= runs; run++) results.push(await oneRun(broker.endpoint, run));
  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const p50 = median(results.map((r) => r.p50));
  const p99 = median(results.map((r) => r.p99));
  process.stdout.write(
    `median of ${runs}: p50 ${p50.toFixed(1)} ms (bar ≤ 50), p99 ${p99.toFixed(1)} ms (bar ≤ 250); ` +
      `all handled: ${results.every((r) => r.handled === r.of)}\n`,
  );
  if (results.some((r) => r.handled < r.of || r.failures > 0)) process.exitCode = 1;
} finally {
  await broker.stop();
}
