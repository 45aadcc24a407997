import { physicalName } from '@authplatform/contracts';
import { createDatabase, type Database, migrateToLatest } from '@authplatform/service-kit';
import {
  type AwsClients,
  createAwsClients,
  type TestBroker,
  type TestDatabase,
  testBroker,
  testDatabase,
  testResources,
} from '@authplatform/test-kit';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  COMMANDS_QUEUE,
  enqueueCommands,
  enqueueEvent,
  enqueueEvents,
  MAX_MESSAGE_BYTES,
} from './enqueue.ts';
import { OutboxError } from './errors.ts';
import type { OutboxLogger } from './logger.ts';
import {
  countPendingOutbox,
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  pruneOutbox,
} from './relay.ts';
import { type OutboxDatabase, outboxChannel, outboxMigrations } from './schema.ts';
import {
  createQueue,
  flakyEndpoint,
  receiveAvailable,
  receiveUntil,
  testCommand,
  testEvent,
  waitFor,
  wireTopic,
} from './test-support.ts';

interface Tables extends OutboxDatabase {
  accounts: { id: string; email: string };
}

const accountsMigration: Record<string, Migration> = {
  '0001_accounts': {
    up: (db) =>
      db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .execute(),
  },
};

interface LogLine {
  level: string;
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recorder(): OutboxLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, meta });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const ids = (messages: Array<{ Body?: string | undefined }>) =>
  messages.map((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id);

let suite: TestDatabase;
let database: Database<Tables>;
let db: Kysely<Tables>;
let url: string;
let broker: TestBroker;
let clients: AwsClients;
const relays: OutboxRelay[] = [];
let caseNo = 0;
let migrated: { applied: string[] };

/** A name prefix of its own for each test: its topics and queues never see another test's messages. */
const casePrefix = () => `${broker.prefix}c${++caseNo}`;

function relay(options: Partial<OutboxRelayOptions> & { prefix: string }): OutboxRelay {
  const r = createOutboxRelay({
    db,
    sns: clients.sns,
    sqs: clients.sqs,
    schema: suite.schema,
    listen: { connectionString: url },
    ...options,
  });
  relays.push(r);
  return r;
}

const outboxRows = () =>
  db
    .selectFrom('outbox')
    .select(['id', 'attempts', 'last_error', 'sent_at', 'available_at', 'kind', 'destination'])
    .orderBy('seq')
    .execute();

// LISTEN/NOTIFY, concurrent relays and the pg pool need a Postgres server (DATABASE_URL or a test
// container); without one, relay.pglite.test.ts still covers the outbox on PGlite.
const describePostgres = testResources().database.kind === 'postgres' ? describe : describe.skip;

describePostgres('transactional outbox on Postgres', () => {
  beforeAll(async () => {
    suite = await testDatabase();
    if (!suite.url) throw new Error('testDatabase() on Postgres gave no URL');
    url = suite.url;
    database = await createDatabase<Tables>({ service: 'outbox', databaseUrl: url, schema: suite.schema });
    db = database.db;
    broker = testBroker();
    clients = createAwsClients(broker);
    migrated = await migrateToLatest(database, { migrations: { ...accountsMigration, ...outboxMigrations } });
  });

  beforeEach(async () => {
    await db.deleteFrom('outbox').execute();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await database?.close();
    await broker?.cleanup();
    clients?.destroy();
    await suite?.drop();
  });

  it('migrates before the service: table, pending index, NOTIFY trigger in the service schema', async () => {
    expect(migrated.applied).toEqual(['0000_messaging_outbox', '0001_accounts']);
    const indexes = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef
      from pg_indexes where schemaname = ${suite.schema} and tablename = 'outbox' order by indexname`.execute(
      db,
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      'outbox_pending_idx',
      'outbox_pkey',
      'outbox_sent_idx',
    ]);
    expect(indexes.rows[0]?.indexdef).toMatch(/\(available_at, seq\) WHERE \(sent_at IS NULL\)/);

    // The trigger notifies `outbox_<schema>` at commit, and not at all on rollback.
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.channel));
      await listener.query(`LISTEN "${outboxChannel(suite.schema)}"`);
      await db.transaction().execute((trx) => enqueueEvent(trx, testEvent('identity.user.registered')));
      await expect(
        db.transaction().execute(async (trx) => {
          await enqueueEvent(trx, testEvent('identity.user.registered'));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await waitFor(() => heard.length >= 1);
      // A round trip on the listening connection delivers anything still in flight.
      await listener.query('select 1');
      expect(heard).toEqual([`outbox_${suite.schema}`]);
    } finally {
      await listener.end();
    }
  });

  it('publishes a committed event exactly once with its attributes; a rolled-back one never', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const committed = testEvent(
      'identity.user.registered',
      { user_id: 'u1', email: 'ada@example.com' },
      traceparent,
    );
    const rolledBack = testEvent('identity.user.registered', { user_id: 'u2', email: 'bob@example.com' });

    await db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values({ id: 'u1', email: 'ada@example.com' }).execute();
      await enqueueEvent(trx, committed);
    });
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values({ id: 'u2', email: 'bob@example.com' }).execute();
        await enqueueEvent(trx, rolledBack);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    const r = relay({ prefix });
    await r.start();
    await r.drain(10_000);
    const received = await receiveUntil(clients, queueUrl, (m) => m.length >= 1);

    expect(ids(received)).toEqual([committed.id]);
    const message = received[0];
    expect(JSON.parse(message?.Body ?? '')).toEqual(committed);
    expect(message?.MessageAttributes?.type?.StringValue).toBe('identity.user.registered');
    expect(message?.MessageAttributes?.traceparent?.StringValue).toBe(traceparent);

    const rows = await outboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: committed.id,
      attempts: 1,
      last_error: null,
      destination: 'identity-events',
    });
    expect(rows[0]?.sent_at).toBeInstanceOf(Date);
    expect(await db.selectFrom('accounts').select('id').execute()).toEqual([{ id: 'u1' }]);
  });

  it('sends commands to the notifications-commands queue and events to their topic from one claim', async () => {
    const prefix = casePrefix();
    const queueUrl = await createQueue(clients, physicalName(prefix, COMMANDS_QUEUE));
    const commands = Array.from({ length: 25 }, (_, i) =>
      testCommand('send_email_verification', { to: `user${i}@example.com`, link: `https://x/verify/${i}` }),
    );
    const event = testEvent('identity.password.reset_requested');
    const topic = await wireTopic(clients, prefix, 'identity-events');
    await db.transaction().execute(async (trx) => {
      await enqueueEvent(trx, event);
      await enqueueCommands(trx, commands);
    });

    // One claim holds the event and the 25 commands: grouped by destination, sent in calls of ≤ 10.
    const r = relay({ prefix, batchSize: 26 });
    await r.start();
    await r.drain(10_000);
    const received = await receiveUntil(clients, queueUrl, (m) => m.length >= 25);
    expect(ids(received).sort()).toEqual(commands.map((c) => c.id).sort());
    const first = received.find((m) => ids([m])[0] === commands[0]?.id);
    expect(JSON.parse(first?.Body ?? '')).toEqual(commands[0]);
    expect(first?.MessageAttributes?.type?.StringValue).toBe('send_email_verification');
    expect(ids(await receiveUntil(clients, topic.queueUrl, (m) => m.length >= 1))).toEqual([event.id]);
    const rows = await outboxRows();
    expect(rows.filter((row) => row.kind === 'command')).toHaveLength(25);
    expect(rows.every((row) => row.sent_at !== null && row.attempts === 1)).toBe(true);
  });

  it('is woken by LISTEN/NOTIFY within milliseconds, far below the poll interval, also after a reconnect', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'authz-events');
    const logger = recorder();
    const pollIntervalMs = 60_000;
    const r = relay({ prefix, pollIntervalMs, logger });
    await r.start();
    // Let the start-up claim finish, so only a notification can wake the relay from here on.
    await r.drain(5_000);

    const publishDelays = async (count: number) => {
      const lags: number[] = [];
      for (let i = 0; i < count; i++) {
        const event = testEvent('authz.role.assigned', { subject: `user/${i}` });
        await db.transaction().execute((trx) => enqueueEvent(trx, event));
        const committedAt = performance.now();
        await receiveUntil(clients, queueUrl, (m) => ids(m).includes(event.id), 5_000);
        lags.push(performance.now() - committedAt);
      }
      return lags.sort((a, b) => a - b);
    };

    const lags = await publishDelays(5);
    const median = lags[2] ?? Number.POSITIVE_INFINITY;
    // Commit → received from the subscribed queue, through the relay and the broker.
    expect(median).toBeLessThan(250);
    expect(lags[4]).toBeLessThan(pollIntervalMs / 20);
    // Database clock: insert → published.
    const dbLag = await sql<{ median: number; max: number }>`select
        percentile_cont(0.5) within group (order by extract(epoch from sent_at - created_at) * 1000) as median,
        max(extract(epoch from sent_at - created_at) * 1000)::float8 as max
      from ${sql.id(suite.schema, 'outbox')}`.execute(db);
    expect(dbLag.rows[0]?.median).toBeLessThan(250);
    console.info(
      `outbox wake-up: commit → received median ${median.toFixed(1)} ms, max ${lags[4]?.toFixed(1)} ms; ` +
        `insert → published (db clock) median ${dbLag.rows[0]?.median?.toFixed(1)} ms, ` +
        `max ${dbLag.rows[0]?.max?.toFixed(1)} ms`,
    );

    // Kill the listening connection: the relay reconnects and is woken again.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'outbox-relay' and query = $1`,
        [`LISTEN "${outboxChannel(suite.schema)}"`],
      );
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    await waitFor(() => logger.lines.filter((l) => l.message === 'outbox listener connected').length === 2);
    expect(logger.lines.some((l) => l.message === 'outbox listener disconnected; reconnecting')).toBe(true);
    const after = await publishDelays(3);
    expect(after[1]).toBeLessThan(250);
  });

  it('keeps rows while the broker is unreachable, backs off, then publishes every one once', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    const flaky = await flakyEndpoint(broker.endpoint);
    const config = {
      endpoint: flaky.endpoint,
      region: broker.region,
      credentials: broker.credentials,
      maxAttempts: 1,
    };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const logger = recorder();
    const metrics = new Registry();
    try {
      const events = Array.from({ length: 30 }, (_, i) => testEvent('identity.user.updated', { n: i }));
      await db.transaction().execute((trx) => enqueueEvents(trx, events));

      const maxBackoffMs = 400;
      const r = relay({
        prefix,
        sns,
        sqs,
        logger,
        metrics,
        minBackoffMs: 20,
        maxBackoffMs,
        pollIntervalMs: 60_000,
      });
      const startedAt = performance.now();
      await r.start();

      const backoffs = () =>
        logger.lines
          .filter((l) => l.message === 'outbox: broker unreachable; backing off')
          .map((l) => Number(l.meta?.delay_ms));
      // Wait until the backoff has grown to the ceiling's range.
      await waitFor(() => backoffs().some((d) => d >= maxBackoffMs / 2), 15_000);
      const elapsed = performance.now() - startedAt;
      const rows = await outboxRows();
      expect(rows).toHaveLength(30);
      expect(rows.every((row) => row.sent_at === null && row.attempts >= 1)).toBe(true);
      expect(rows.some((row) => row.attempts >= 2)).toBe(true);
      expect(rows.find((row) => row.last_error !== null)?.last_error).toMatch(/ECONNREFUSED/);
      const delays = backoffs();
      // The first failure retries quickly; the delays stay under the ceiling; the relay does not
      // hammer the broker (without backoff it would have tried every few milliseconds).
      expect(delays[0]).toBeLessThan(40);
      expect(Math.max(...delays)).toBeLessThanOrEqual(maxBackoffMs);
      expect(delays.length).toBeLessThan(elapsed / 10);
      expect(await receiveAvailable(clients, queueUrl)).toEqual([]);

      await flaky.up();
      await r.drain(15_000);
      const received = await receiveUntil(clients, queueUrl, (m) => m.length >= 30);
      expect(received).toHaveLength(30);
      expect(ids(received).sort()).toEqual(events.map((e) => e.id).sort());
      expect(flaky.connections).toBeGreaterThan(0);

      const text = await metrics.metrics();
      expect(text).toMatch(/outbox_published_total\{kind="event",destination="identity-events"\} 30/);
      expect(text).toMatch(
        /outbox_publish_errors_total\{kind="event",destination="identity-events",reason="unreachable"\} \d+/,
      );
      expect(text).toMatch(/outbox_pending 0/);
      expect(text).toMatch(/outbox_lag_seconds_count 30/);
    } finally {
      await Promise.all(relays.splice(0).map((x) => x.stop()));
      sns.destroy();
      sqs.destroy();
      await flaky.down();
    }
  });

  it('aborts a broker call that hangs after publishTimeoutMs, backs off, and stops promptly', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    const flaky = await flakyEndpoint(broker.endpoint);
    await flaky.hang();
    const config = {
      endpoint: flaky.endpoint,
      region: broker.region,
      credentials: broker.credentials,
      maxAttempts: 1,
    };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    try {
      const events = Array.from({ length: 5 }, (_, i) => testEvent('identity.user.enabled', { n: i }));
      await db.transaction().execute((trx) => enqueueEvents(trx, events));
      const options = { prefix, sns, sqs, publishTimeoutMs: 200, minBackoffMs: 50, maxBackoffMs: 200 };
      const hung = relay(options);
      await hung.start();
      await waitFor(async () => (await outboxRows()).every((row) => row.last_error !== null));
      const rows = await outboxRows();
      expect(rows.every((row) => row.sent_at === null)).toBe(true);
      expect(rows[0]?.last_error).toMatch(/abort|timeout/i);
      const stopping = performance.now();
      await hung.stop();
      expect(performance.now() - stopping).toBeLessThan(2_000);

      await flaky.down();
      await flaky.up();
      const next = relay(options);
      await next.start();
      await next.drain(10_000);
      const received = await receiveUntil(clients, queueUrl, (m) => m.length >= events.length);
      expect(ids(received).sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      await Promise.all(relays.splice(0).map((x) => x.stop()));
      sns.destroy();
      sqs.destroy();
      await flaky.down();
    }
  });

  it('survives its database connections being killed mid-relay: every row published, none lost', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    // The relay gets a pool of its own (its own application_name) so only its connections are killed.
    // pg emits 'error' on a checked-out client whose connection dies, and pg-pool listens only on
    // idle ones: without a listener of its own the process would crash on the first kill.
    const service = `kill-${suite.schema.replaceAll('_', '-')}`;
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      application_name: service,
      options: `-c search_path=${suite.schema}`,
    });
    pool.on('connect', (client) => client.on('error', () => undefined));
    pool.on('error', () => undefined);
    const relayDb = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    const logger = recorder();
    try {
      const events = Array.from({ length: 1_500 }, (_, i) => testEvent('identity.user.updated', { n: i }));
      await db.transaction().execute((trx) => enqueueEvents(trx, events));
      const r = relay({
        prefix,
        db: relayDb,
        logger,
        batchSize: 10,
        minBackoffMs: 20,
        maxBackoffMs: 200,
        leaseMs: 2_000,
        publishTimeoutMs: 1_000,
      });
      await r.start();
      await waitFor(async () => (await countPendingOutbox(db, suite.schema)) < events.length - 100);

      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const killed = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = $1 or (application_name = 'outbox-relay' and query = $2)`,
          [service, `LISTEN "${outboxChannel(suite.schema)}"`],
        );
        expect(killed.rowCount).toBeGreaterThan(1);
      } finally {
        await admin.end();
      }

      await r.drain(30_000);
      const received = await receiveUntil(
        clients,
        queueUrl,
        (m) => new Set(ids(m)).size >= events.length,
        30_000,
      );
      expect(new Set(ids(received))).toEqual(new Set(events.map((e) => e.id)));
      // A batch whose claim or completion was cut off is published again after its lease:
      // at-least-once, which the consumers' inbox turns into exactly-once effects.
      expect(received.length - events.length).toBeLessThanOrEqual(4 * 10);
      expect(logger.lines.some((l) => l.message === 'outbox listener disconnected; reconnecting')).toBe(true);
    } finally {
      await Promise.all(relays.splice(0).map((x) => x.stop()));
      await relayDb.destroy();
    }
  });

  it('retries rows whose topic does not exist yet without holding up the others', async () => {
    const prefix = casePrefix();
    const identity = await wireTopic(clients, prefix, 'identity-events');
    const logger = recorder();
    const good = testEvent('identity.user.deleted', { actor: 'admin' });
    const orphan = testEvent('webhooks.endpoint.created', { host: 'example.com' });
    await db.transaction().execute((trx) => enqueueEvents(trx, [orphan, good]));

    const r = relay({ prefix, logger, minBackoffMs: 50, maxBackoffMs: 200 });
    await r.start();
    expect(ids(await receiveUntil(clients, identity.queueUrl, (m) => m.length >= 1))).toEqual([good.id]);
    await waitFor(async () => {
      const row = (await outboxRows()).find((x) => x.id === orphan.id);
      return (row?.attempts ?? 0) >= 2;
    });
    const waiting = (await outboxRows()).find((x) => x.id === orphan.id);
    expect(waiting?.sent_at).toBeNull();
    expect(waiting?.last_error).toMatch(/destination_not_found|does not exist/);
    expect(
      logger.lines.some((l) => l.message === 'outbox: broker refused rows; retrying them with backoff'),
    ).toBe(true);

    const webhooks = await wireTopic(clients, prefix, 'webhooks-events');
    await r.drain(10_000);
    expect(ids(await receiveUntil(clients, webhooks.queueUrl, (m) => m.length >= 1))).toEqual([orphan.id]);
  });

  it('two relays on one outbox publish every row exactly once between them', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'audit-events');
    const registries = [new Registry(), new Registry()];
    const [a, b] = registries.map((metrics) => relay({ prefix, metrics, concurrency: 4 }));
    if (!a || !b) throw new Error('relays missing');
    await Promise.all([a.start(), b.start()]);

    const events = Array.from({ length: 600 }, (_, i) => testEvent('audit.security.detected', { n: i }));
    // Many small transactions, as a busy service commits them, each waking both relays.
    for (let i = 0; i < events.length; i += 20) {
      await db.transaction().execute((trx) => enqueueEvents(trx, events.slice(i, i + 20)));
    }
    await Promise.all([a.drain(20_000), b.drain(20_000)]);
    const received = await receiveUntil(clients, queueUrl, (m) => m.length >= events.length, 20_000);
    expect(received).toHaveLength(events.length);
    expect(new Set(ids(received)).size).toBe(events.length);

    const publishedBy = await Promise.all(
      registries.map(async (registry) => {
        const metric = await registry.getSingleMetric('outbox_published_total')?.get();
        return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
      }),
    );
    expect((publishedBy[0] ?? 0) + (publishedBy[1] ?? 0)).toBe(events.length);
    expect(publishedBy[0]).toBeGreaterThan(0);
    expect(publishedBy[1]).toBeGreaterThan(0);
    expect((await outboxRows()).every((row) => row.attempts === 1)).toBe(true);
  });

  it('stop() finishes the batches in flight: every row is either published and marked, or untouched', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'notifications-events');
    const events = Array.from({ length: 400 }, (_, i) => testEvent('notifications.message.sent', { n: i }));
    await db.transaction().execute((trx) => enqueueEvents(trx, events));
    const r = relay({ prefix, concurrency: 2 });
    await r.start();
    await waitFor(async () => (await countPendingOutbox(db, suite.schema)) < events.length);
    await r.stop();

    const rows = await outboxRows();
    const sent = rows.filter((row) => row.sent_at !== null);
    const untouched = rows.filter((row) => row.sent_at === null && row.attempts === 0);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length + untouched.length).toBe(events.length);
    const received = await receiveUntil(clients, queueUrl, (m) => m.length >= sent.length);
    expect(ids(received).sort()).toEqual(sent.map((row) => row.id).sort());
    await expect(r.drain(100)).rejects.toMatchObject({ code: 'relay_not_running' });
    await expect(r.start()).rejects.toMatchObject({ code: 'relay_stopped' });

    // A new relay publishes the rest.
    const next = relay({ prefix });
    await next.start();
    await next.drain(10_000);
    const rest = await receiveUntil(clients, queueUrl, (m) => m.length >= untouched.length);
    expect(ids(rest).sort()).toEqual(untouched.map((row) => row.id).sort());
  });

  it('deletes published rows at once with retentionMs 0, and after the retention window otherwise', async () => {
    const prefix = casePrefix();
    const { queueUrl } = await wireTopic(clients, prefix, 'identity-events');
    const now = testEvent('identity.login.succeeded', { session_id: 's1' });
    await db.transaction().execute((trx) => enqueueEvent(trx, now));
    const r = relay({ prefix, retentionMs: 0 });
    await r.start();
    await r.drain(10_000);
    expect(ids(await receiveUntil(clients, queueUrl, (m) => m.length >= 1))).toEqual([now.id]);
    expect(await outboxRows()).toEqual([]);
    await r.stop();

    const kept = [testEvent('identity.login.succeeded'), testEvent('identity.login.succeeded')];
    await db.transaction().execute((trx) => enqueueEvents(trx, kept));
    const keeper = relay({ prefix, retentionMs: 3_600_000 });
    await keeper.start();
    await keeper.drain(10_000);
    await sql`update ${sql.id(suite.schema, 'outbox')} set sent_at = now() - interval '2 hours'
      where id = ${kept[0]?.id}`.execute(db);
    expect(await pruneOutbox(db, { schema: suite.schema, olderThanMs: 3_600_000, batch: 1 })).toBe(1);
    expect((await outboxRows()).map((row) => row.id)).toEqual([kept[1]?.id]);
  });

  it('refuses invalid and oversized messages before writing, and a second enqueue of one id', async () => {
    const big = testEvent('identity.user.updated', { blob: 'x'.repeat(MAX_MESSAGE_BYTES) });
    const error = await enqueueEvent(db, big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxError);
    expect(error).toMatchObject({ code: 'message_too_large' });
    await expect(enqueueEvent(db, { ...testEvent('identity.user.updated'), id: '' })).rejects.toMatchObject({
      code: 'invalid_message',
    });
    const once = testEvent('identity.user.updated');
    await enqueueEvent(db, once);
    await expect(enqueueEvent(db, once)).rejects.toThrow(/duplicate key|outbox_pkey/);
    expect((await outboxRows()).map((row) => row.id)).toEqual([once.id]);
  });

  it('drain() gives up with drain_timeout while rows cannot be published', async () => {
    const prefix = casePrefix(); // no topic at all
    await enqueueEvent(db, testEvent('identity.user.locked'));
    const r = relay({ prefix, minBackoffMs: 1_000, maxBackoffMs: 1_000 });
    await r.start();
    const error = await r.drain(300).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'drain_timeout', name: 'OutboxError' });
    expect(String((error as Error).message)).toMatch(/1 outbox rows still pending/);
  });
});
