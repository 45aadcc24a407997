import { type Kysely, sql } from 'kysely';
import type { AttemptCount, AttemptStore } from '../../domain/throttle/attempt-store.ts';

export interface AttemptCountersTable {
  key: string;
  count: number;
  expires_at: Date;
}

export interface AttemptCountersTables {
  attempt_counters: AttemptCountersTable;
}

export interface PostgresAttemptStore extends AttemptStore {
  /** Deletes counters whose window ended; returns how many. Call it now and then (e.g. hourly). */
  purgeExpired(): Promise<number>;
}

function windowMs(windowSec: number): number {
  if (!Number.isFinite(windowSec) || windowSec <= 0)
    throw new RangeError('windowSec must be a positive number.');
  return Math.max(1, Math.round(windowSec * 1000));
}

/**
 * Attempt counters in the `attempt_counters` table. `hit` is one statement (an upsert that
 * restarts an ended window), atomic under concurrency: `ON CONFLICT DO UPDATE` locks the row, so
 * no increment is lost. Times come from the database clock only.
 */
export function createPostgresAttemptStore<DB extends AttemptCountersTables>(
  db: Kysely<DB>,
): PostgresAttemptStore {
  // The store only touches its own table; a narrowed view keeps the queries typed.
  const q = db as unknown as Kysely<AttemptCountersTables>;
  return {
    async hit(key, windowSec) {
      const ms = windowMs(windowSec);
      const expiresAt = sql<Date>`now() + ${ms} * interval '1 millisecond'`;
      const row = await q
        .insertInto('attempt_counters')
        .values({ key, count: 1, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN attempt_counters.expires_at <= now() THEN 1 ELSE attempt_counters.count + 1 END`,
            expires_at: sql<Date>`CASE WHEN attempt_counters.expires_at <= now() THEN excluded.expires_at ELSE attempt_counters.expires_at END`,
          }),
        )
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async reset(key) {
      await q.deleteFrom('attempt_counters').where('key', '=', key).execute();
    },
    async get(key): Promise<AttemptCount | undefined> {
      const row = await q
        .selectFrom('attempt_counters')
        .select(['count', sql<string>`ceil(extract(epoch from expires_at - now()) * 1000)`.as('ttl_ms')])
        .where('key', '=', key)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return { count: Number(row.count), ttlMs: Math.max(1, Number(row.ttl_ms)) };
    },
    async purgeExpired() {
      const result = await q
        .deleteFrom('attempt_counters')
        .where('expires_at', '<=', sql<Date>`now()`)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
