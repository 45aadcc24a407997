import { physicalName } from '@authplatform/contracts';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { backoffDelay } from './backoff.ts';
import { OutboxError } from './errors.ts';
import { OutboxListener } from './listener.ts';
import type { OutboxLogger } from './logger.ts';
import { OutboxMetrics } from './metrics.ts';
import { type ClaimedRow, Publisher } from './publisher.ts';
import { outboxChannel } from './schema.ts';

export interface OutboxRelayOptions {
  /** The service database, a `Kysely` on a pool or PGlite; the relay only runs short statements on it. */
  db: QueryExecutorProvider;
  sns: SNSClient;
  sqs: SQSClient;
  /** Environment prefix of topic and queue names (`physicalName(prefix, 'identity-events')`). */
  prefix: string;
  /** Schema holding the `outbox` table; also names the NOTIFY channel (`outbox_<schema>`). */
  schema: string;
  logger?: OutboxLogger;
  /** Registers outbox_pending, outbox_published_total, outbox_publish_errors_total, outbox_lag_seconds. */
  metrics?: Registry;
  /** Postgres only: LISTEN on a dedicated connection so a commit wakes the relay within milliseconds. */
  listen?: { connectionString: string };
  /**
   * Rows claimed per batch; the relay splits them into broker calls of ≤ 10 entries (and ≤ 256 KiB)
   * sent concurrently. Default 50: claiming 10 per statement spends most of the time in database
   * round trips (see README, Outbox, figures).
   */
  batchSize?: number;
  /** Batches in flight at once (workers, each claiming its own rows). Default 4. */
  concurrency?: number;
  /** Fallback poll when no notification arrives (PGlite, lost notifications). Default 1000 ms. */
  pollIntervalMs?: number;
  /** First backoff after a failure. Default 100 ms. */
  minBackoffMs?: number;
  /** Backoff ceiling, for rows and for an unreachable broker. Default 30,000 ms. */
  maxBackoffMs?: number;
  /**
   * How long a claimed row stays invisible to other relays while it is published. A relay that
   * dies mid-batch leaves its rows to be published again once the lease ends. It must exceed the
   * longest broker call (SDK retries included). Default 30,000 ms.
   */
  leaseMs?: number;
  /**
   * Longest a broker call may take before it is aborted (and counted as broker unreachable); it
   * keeps stop() bounded when the broker hangs. Must be below `leaseMs`. Default 10,000 ms.
   */
  publishTimeoutMs?: number;
  /**
   * How long published rows are kept (for inspection) before the cleanup deletes them.
   * 0 deletes each row as soon as it is published. Default 3,600,000 ms (1 h).
   */
  retentionMs?: number;
  /** How often the cleanup of published rows runs. Default 60,000 ms. */
  cleanupIntervalMs?: number;
}

export interface OutboxRelay {
  /** Starts the workers, the fallback poll and the listener; resolves once the first LISTEN attempt is done. */
  start(): Promise<void>;
  /** Stops claiming, lets in-flight batches finish (published rows are marked), closes the listener. */
  stop(): Promise<void>;
  /** Tells the relay that rows may be waiting (call after a commit when there is no LISTEN). */
  wake(): void;
  /** Resolves when no row is pending; rejects with `drain_timeout` after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

interface ClaimRecord {
  id: string;
  kind: 'event' | 'command';
  destination: string;
  type: string;
  traceparent: string | null;
  body: string;
  attempts: number | string;
  seq: number | string | bigint;
}

interface Failure {
  row: ClaimedRow;
  error: string;
  delayMs: number;
}

/** Defaults of the relay's tuning options (see `OutboxRelayOptions`). */
export const RELAY_DEFAULTS = {
  batchSize: 50,
  concurrency: 4,
  pollIntervalMs: 1_000,
  minBackoffMs: 100,
  maxBackoffMs: 30_000,
  leaseMs: 30_000,
  retentionMs: 3_600_000,
  cleanupIntervalMs: 60_000,
} as const;

/** Rows the retention cleanup deletes per statement. */
const PRUNE_BATCH = 10_000;

const ms = (value: number) => sql`${value}::float8 * interval '1 millisecond'`;

/**
 * Deletes rows published more than `olderThanMs` ago, `batch` rows per statement, and returns how
 * many it deleted. The relay runs it every `cleanupIntervalMs`; a service may also run it as a job.
 */
export async function pruneOutbox(
  db: QueryExecutorProvider,
  options: { schema: string; olderThanMs: number; batch?: number },
): Promise<number> {
  const table = sql.id(options.schema, 'outbox');
  const batch = options.batch ?? PRUNE_BATCH;
  let total = 0;
  for (;;) {
    const result = await sql`delete from ${table} where id in (
        select id from ${table} where sent_at < now() - ${ms(options.olderThanMs)}
        limit ${batch} for update skip locked)`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0);
    total += deleted;
    if (deleted < batch) return total;
  }
}

/** Number of rows not yet published. */
export async function countPendingOutbox(db: QueryExecutorProvider, schema: string): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.id(schema, 'outbox')}
    where sent_at is null`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

const positive = (name: string, value: number, min = 1) => {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number ≥ ${min}.`);
  return value;
};

/**
 * The relay of the transactional outbox: publishes committed rows to SNS (events, PublishBatch)
 * and SQS (commands, SendMessageBatch), marks them sent, and retries failures with backoff.
 *
 * Claiming: one statement takes up to `batchSize` available rows with `FOR UPDATE SKIP LOCKED` and
 * pushes their `available_at` forward by `leaseMs`, so other workers and other relay instances skip
 * them; no transaction or connection is held while the broker is called. Under load, marking a
 * batch sent and claiming the next one is a single statement. Several relays may run on one outbox:
 * a row is published once unless a relay dies mid-batch (then again after the lease; consumers
 * deduplicate by event id).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, schema, logger } = options;
  const batchSize = positive('batchSize', options.batchSize ?? RELAY_DEFAULTS.batchSize);
  const concurrency = positive('concurrency', options.concurrency ?? RELAY_DEFAULTS.concurrency);
  const pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? RELAY_DEFAULTS.pollIntervalMs);
  const minBackoffMs = positive('minBackoffMs', options.minBackoffMs ?? RELAY_DEFAULTS.minBackoffMs);
  const maxBackoffMs = positive(
    'maxBackoffMs',
    options.maxBackoffMs ?? RELAY_DEFAULTS.maxBackoffMs,
    minBackoffMs,
  );
  const leaseMs = positive('leaseMs', options.leaseMs ?? RELAY_DEFAULTS.leaseMs);
  const publishTimeoutMs = positive(
    'publishTimeoutMs',
    options.publishTimeoutMs ?? Math.min(10_000, leaseMs / 2),
  );
  if (publishTimeoutMs >= leaseMs) throw new RangeError('publishTimeoutMs must be below leaseMs.');
  const retentionMs = positive('retentionMs', options.retentionMs ?? RELAY_DEFAULTS.retentionMs, 0);
  const cleanupIntervalMs = positive(
    'cleanupIntervalMs',
    options.cleanupIntervalMs ?? RELAY_DEFAULTS.cleanupIntervalMs,
  );
  const table = sql.id(schema, 'outbox');
  physicalName(options.prefix, 'outbox'); // throws ContractError invalid_prefix now rather than at publish
  const publisher = new Publisher(options.sns, options.sqs, options.prefix, publishTimeoutMs);
  const metrics = options.metrics
    ? new OutboxMetrics(options.metrics, () => countPendingOutbox(db, schema))
    : undefined;

  let state: 'new' | 'running' | 'stopped' = 'new';
  /** Rows may be available: set by wake(), taken by the worker that claims next. */
  let dirty = false;
  /** Resolvers of idle workers. */
  const idle: Array<() => void> = [];
  /** Interrupt sleeping workers at stop(). */
  const sleepers = new Set<() => void>();
  /** Resolvers of drain() waiting for the next batch that claimed rows. */
  const batchWaiters = new Set<() => void>();
  let workers: Promise<void>[] = [];
  let pollTimer: NodeJS.Timeout | undefined;
  let cleanupTimer: NodeJS.Timeout | undefined;
  let cleanupRun: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = Number.POSITIVE_INFINITY;
  let listener: OutboxListener | undefined;
  let stopped: Promise<void> | undefined;

  // Backoff of the relay as a whole (broker unreachable, database failing).
  let pausedUntil = 0;
  let pauseSetAt = 0;
  let brokerFailures = 0;
  let databaseFailures = 0;

  const wake = () => {
    if (state !== 'running') return;
    dirty = true;
    idle.shift()?.();
  };

  /** A wake-up at `delayMs` from now (the earliest one wins), for rows whose backoff ends then. */
  const wakeIn = (delayMs: number) => {
    if (state !== 'running') return;
    const at = Date.now() + delayMs;
    if (retryTimer !== undefined && retryAt <= at) return;
    clearTimeout(retryTimer);
    retryAt = at;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retryAt = Number.POSITIVE_INFINITY;
      wake();
    }, delayMs);
  };

  const sleep = (delayMs: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      sleepers.add(done);
    });

  const pause = (delayMs: number) => {
    const now = Date.now();
    pausedUntil = Math.max(pausedUntil, now + delayMs);
    pauseSetAt = now;
  };

  const idList = (rows: readonly ClaimedRow[]): RawBuilder<unknown> =>
    sql.join(rows.map((r) => sql`${r.id}`));

  /** The claim: lease up to `batchSize` available rows, skipping rows other claims hold (and `exclude`). */
  const claimStatement = (exclude: readonly ClaimedRow[]) => sql<ClaimRecord>`update ${table} as o
      set available_at = now() + ${ms(leaseMs)}, attempts = o.attempts + 1
      from (
        select id from ${table}
        where sent_at is null and available_at <= now()
          ${exclude.length > 0 ? sql`and id not in (${idList(exclude)})` : sql``}
        order by available_at, seq
        limit ${batchSize}
        for update skip locked
      ) as c
      where o.id = c.id
      returning o.id, o.kind, o.destination, o.type, o.traceparent, o.payload::text as body, o.attempts, o.seq`;

  const claimedRows = (records: ClaimRecord[]): ClaimedRow[] =>
    records
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        destination: r.destination,
        type: r.type,
        traceparent: r.traceparent,
        body: r.body,
        attempts: Number(r.attempts),
      }));

  async function claim(): Promise<ClaimedRow[]> {
    return claimedRows((await claimStatement([]).execute(db)).rows);
  }

  /** Marks rows published: `sent_at`, or deleted when nothing is retained; returns the lags (s). */
  const doneStatement = (sent: readonly ClaimedRow[]) =>
    retentionMs === 0
      ? sql<{ lag: number }>`delete from ${table} where id in (${idList(sent)})
          returning extract(epoch from clock_timestamp() - created_at)::float8 as lag`
      : sql<{ lag: number }>`update ${table} set sent_at = clock_timestamp(), last_error = null
          where id in (${idList(sent)}) and sent_at is null
          returning extract(epoch from sent_at - created_at)::float8 as lag`;

  const observeLags = (lags: Array<number | string | null>) => {
    if (metrics) for (const lag of lags) if (lag !== null) metrics.lag.observe(Number(lag));
  };

  async function complete(sent: ClaimedRow[], failures: Failure[]): Promise<void> {
    if (sent.length > 0) observeLags((await doneStatement(sent).execute(db)).rows.map((r) => r.lag));
    if (failures.length > 0) {
      const values = sql.join(
        failures.map((f) => sql`(${f.row.id}::text, ${f.error}::text, ${f.delayMs}::float8)`),
      );
      await sql`update ${table} as o
        set last_error = f.error, available_at = now() + f.delay_ms * interval '1 millisecond'
        from (values ${values}) as f(id, error, delay_ms)
        where o.id = f.id and o.sent_at is null`.execute(db);
    }
  }

  /**
   * Marks `sent` published and claims the next batch in the same statement: under load each batch
   * costs one round trip instead of two.
   */
  async function completeAndClaim(sent: ClaimedRow[]): Promise<ClaimedRow[]> {
    if (sent.length === 0) return claim();
    const result = await sql<ClaimRecord & { lag: number | null }>`with
        done as (${doneStatement(sent)}),
        claimed as (${claimStatement(sent)})
      select null::float8 as lag, id, kind, destination, type, traceparent, body, attempts, seq from claimed
      union all
      select lag, null, null, null, null, null, null, null, null from done`.execute(db);
    observeLags(result.rows.map((r) => r.lag));
    return claimedRows(result.rows.filter((r) => r.id !== null));
  }

  /**
   * Records the outcome, retrying while the database is unavailable (e.g. Postgres restarting) for
   * up to half the lease, so the rows are not published a second time after it.
   */
  async function completeWithRetry(sent: ClaimedRow[], failures: Failure[], claimedAt: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        await complete(sent, failures);
        return;
      } catch (err) {
        const delay = backoffDelay(attempt, minBackoffMs, maxBackoffMs);
        if (state !== 'running' || Date.now() + delay > claimedAt + leaseMs / 2) {
          logger?.error(
            'outbox: cannot record published rows; they will be published again after the lease',
            {
              sent: sent.length,
              failed: failures.length,
              err,
            },
          );
          return;
        }
        await sleep(delay);
      }
    }
  }

  /**
   * Publishes claimed rows and records the outcome. When more rows are likely waiting (the batch was
   * full, or a wake-up came meanwhile) and the broker is not backing off, the next batch is claimed
   * in the same statement and returned. Never throws.
   */
  async function runBatch(
    rows: ClaimedRow[],
    claimedAt: number,
  ): Promise<{ next: ClaimedRow[]; claimedAt: number }> {
    const none = { next: [], claimedAt };
    const outcome = await publisher.publish(rows);
    const failures: Failure[] = [];
    for (const { row, error } of outcome.rejected) {
      failures.push({ row, error, delayMs: backoffDelay(row.attempts, minBackoffMs, maxBackoffMs) });
      metrics?.countError(row.kind, row.destination, 'rejected');
    }
    if (outcome.unreachable.length > 0) {
      // Calls that started before the last pause do not escalate it again.
      if (claimedAt >= pauseSetAt) brokerFailures += 1;
      const delay = backoffDelay(brokerFailures, minBackoffMs, maxBackoffMs);
      pause(delay);
      logger?.warn('outbox: broker unreachable; backing off', {
        rows: outcome.unreachable.length,
        delay_ms: delay,
        err: outcome.brokerError,
      });
      for (const { row, error } of outcome.unreachable) {
        failures.push({ row, error, delayMs: delay });
        metrics?.countError(row.kind, row.destination, 'unreachable');
      }
    } else if (outcome.sent.length > 0) {
      brokerFailures = 0;
    }
    if (outcome.rejected.length > 0) {
      logger?.warn('outbox: broker refused rows; retrying them with backoff', {
        rows: outcome.rejected.map((f) => ({ id: f.row.id, destination: f.row.destination, error: f.error })),
      });
    }
    if (metrics) for (const row of outcome.sent) metrics.countPublished(row.kind, row.destination);

    if (failures.length > 0) {
      await completeWithRetry([], failures, claimedAt);
      wakeIn(Math.min(...failures.map((f) => f.delayMs)));
    }
    const more = rows.length >= batchSize || dirty;
    if (state !== 'running' || !more || pausedUntil > Date.now()) {
      await completeWithRetry(outcome.sent, [], claimedAt);
      return none;
    }
    dirty = false;
    const nextClaimedAt = Date.now();
    try {
      const next = await completeAndClaim(outcome.sent);
      databaseFailures = 0;
      return { next, claimedAt: nextClaimedAt };
    } catch (err) {
      logger?.warn('outbox: recording published rows failed; retrying', { err });
      await completeWithRetry(outcome.sent, [], claimedAt);
      dirty = true;
      return none;
    }
  }

  async function worker(): Promise<void> {
    while (state === 'running') {
      if (!dirty) {
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      const wait = pausedUntil - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      dirty = false;
      let claimedAt = Date.now();
      let rows: ClaimedRow[];
      try {
        rows = await claim();
        databaseFailures = 0;
      } catch (err) {
        // The claim failed (database unreachable or restarting): nothing was published.
        databaseFailures += 1;
        const delay = backoffDelay(databaseFailures, minBackoffMs, maxBackoffMs);
        logger?.error('outbox: claiming rows failed; backing off', { delay_ms: delay, err });
        pause(delay);
        dirty = true;
        continue;
      }
      while (rows.length > 0) {
        // A full batch: more rows are likely waiting; bring in an idle worker.
        if (rows.length >= batchSize) idle.shift()?.();
        ({ next: rows, claimedAt } = await runBatch(rows, claimedAt));
        for (const resolve of batchWaiters) resolve();
        batchWaiters.clear();
      }
    }
  }

  function runCleanup() {
    cleanupRun = cleanupRun.then(async () => {
      if (state !== 'running') return;
      try {
        const deleted = await pruneOutbox(db, { schema, olderThanMs: retentionMs });
        if (deleted > 0) logger?.info('outbox: deleted published rows past retention', { deleted });
      } catch (err) {
        logger?.warn('outbox: cleanup of published rows failed', { err });
      }
    });
  }

  return {
    async start() {
      if (state === 'running') return;
      if (state === 'stopped')
        throw new OutboxError('relay_stopped', 'A stopped outbox relay cannot start again.');
      state = 'running';
      dirty = true; // rows committed while no relay ran
      workers = Array.from({ length: concurrency }, () => worker());
      pollTimer = setInterval(wake, pollIntervalMs);
      if (retentionMs > 0) cleanupTimer = setInterval(runCleanup, cleanupIntervalMs);
      if (options.listen) {
        listener = new OutboxListener({
          connectionString: options.listen.connectionString,
          channel: outboxChannel(schema),
          onNotify: wake,
          onConnect: wake,
          logger,
          maxBackoffMs,
        });
        await listener.start();
      }
    },

    stop() {
      if (stopped) return stopped;
      const wasRunning = state === 'running';
      state = 'stopped';
      stopped = (async () => {
        if (!wasRunning) return;
        clearInterval(pollTimer);
        clearInterval(cleanupTimer);
        clearTimeout(retryTimer);
        for (const resolve of idle.splice(0)) resolve();
        for (const interrupt of [...sleepers]) interrupt();
        await Promise.all(workers);
        await cleanupRun;
        await listener?.stop();
        for (const resolve of batchWaiters) resolve();
        batchWaiters.clear();
      })();
      return stopped;
    },

    wake,

    async drain(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (state !== 'running') throw new OutboxError('relay_not_running', 'drain() needs a started relay.');
        const pending = await countPendingOutbox(db, schema);
        if (pending === 0) return;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new OutboxError(
            'drain_timeout',
            `${pending} outbox rows still pending after ${timeoutMs} ms.`,
          );
        }
        wake();
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            batchWaiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(left, pollIntervalMs));
          batchWaiters.add(done);
        });
      }
    },
  };
}
