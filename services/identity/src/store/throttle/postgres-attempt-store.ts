import { type Kysely, sql } from 'kysely';
import type {
  AttemptCount,
  AttemptStore,
  GatedAttemptStore,
  GateResult,
} from '../../domain/throttle/attempt-store.ts';

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
  /** With `{ gate: true }` (needs migration 0010's `attempt_gate`): see `GatedAttemptStore`. */
  gate?: GatedAttemptStore['gate'];
}

export interface PostgresAttemptStoreOptions {
  /** Offer `gate` (one round trip to start a login) through the `attempt_gate` function (migration 0010). */
  gate?: boolean;
}

type GateCount = { count: number; ttl_ms: number };

const countOf = (row: GateCount): AttemptCount => ({
  count: Number(row.count),
  ttlMs: Math.max(1, Number(row.ttl_ms)),
});

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
  options: PostgresAttemptStoreOptions = {},
): PostgresAttemptStore {
  // The store only touches its own table; a narrowed view keeps the queries typed.
  const q = db as unknown as Kysely<AttemptCountersTables>;
  const gate: GatedAttemptStore['gate'] = async (input) => {
    const ms = windowMs(input.windowSec);
    const result = await sql<{
      gate: { blocks?: Record<string, GateCount>; count?: number; recheck?: GateCount | null };
    }>`select attempt_gate(${[...input.blockKeys]}::text[], ${input.hitKey}, ${ms}::bigint, ${input.recheckKey}) as gate`.execute(
      q,
    );
    const answer = result.rows[0]?.gate;
    if (answer === undefined) throw new Error('attempt_gate answered nothing');
    if (answer.count === undefined) {
      const blocks = new Map<string, AttemptCount>();
      for (const [key, row] of Object.entries(answer.blocks ?? {})) blocks.set(key, countOf(row));
      return { blocked: true, blocks } satisfies GateResult;
    }
    return {
      blocked: false,
      count: Number(answer.count),
      recheck: answer.recheck == null ? undefined : countOf(answer.recheck),
    };
  };
  return {
    ...(options.gate === true ? { gate } : {}),
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
