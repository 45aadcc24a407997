/**
 * `IdempotencyStore` on the service's database (Postgres or PGlite): an entry is claimed by an
 * insert that only one concurrent request wins (primary key), so exactly one runs the handler and
 * the others see it in progress (409) until its response is stored.
 */
import { type Kysely, sql } from 'kysely';
import type { BeginOutcome, IdempotencyStore } from '../http/idempotency.ts';
import type { LoggerLike } from '../lifecycle/logger.ts';
import { IDEMPOTENCY_TABLE, type IdempotencyDatabase } from './schema.ts';

export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_PROCESSING_TIMEOUT_SECONDS = 60;

export interface IdempotencyStoreOptions {
  /** How long a stored response is replayed. Default 24 h. */
  ttlSeconds?: number;
  /**
   * How long an entry whose request never finished (crashed process) blocks its key. Default 60 s;
   * after it a retry runs the handler again.
   */
  processingTimeoutSeconds?: number;
  /** Expired entries are deleted (in batches of 500) at most this often. Default 60 s. */
  sweepIntervalMs?: number;
  logger?: LoggerLike | undefined;
}

export interface DatabaseIdempotencyStore extends IdempotencyStore {
  /** Deletes up to 500 expired entries; resolves to how many. */
  sweep(): Promise<number>;
}

function seconds(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

export function createIdempotencyStore(
  // Typed loosely: the service's database type does not know the kit's table.
  database: { db: Kysely<unknown> },
  options: IdempotencyStoreOptions = {},
): DatabaseIdempotencyStore {
  const db = database.db as unknown as Kysely<IdempotencyDatabase>;
  const ttl = seconds(options.ttlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS, 'ttlSeconds');
  const processing = seconds(
    options.processingTimeoutSeconds ?? DEFAULT_PROCESSING_TIMEOUT_SECONDS,
    'processingTimeoutSeconds',
  );
  const sweepInterval = options.sweepIntervalMs ?? 60_000;
  let lastSweep = Date.now();
  const after = (secs: number) => sql<Date>`now() + make_interval(secs => ${secs})`;

  const sweep = async (): Promise<number> => {
    const result = await sql`
      DELETE FROM ${sql.table(IDEMPOTENCY_TABLE)} WHERE id IN (
        SELECT id FROM ${sql.table(IDEMPOTENCY_TABLE)} WHERE expires_at < now() LIMIT 500
      )`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  };

  const maybeSweep = () => {
    if (Date.now() - lastSweep < sweepInterval) return;
    lastSweep = Date.now();
    sweep().catch((error: unknown) =>
      options.logger?.warn('idempotency sweep failed', {
        err: error instanceof Error ? error.message : error,
      }),
    );
  };

  const claim = async (id: string, fingerprint: string): Promise<boolean> => {
    // Wins a new key, or an expired entry (a stale response or an abandoned request).
    const claimed = await db
      .insertInto(IDEMPOTENCY_TABLE)
      .values({ id, fingerprint, status: null, response: null, expires_at: after(processing) })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ fingerprint, status: null, response: null, expires_at: after(processing) })
          .where(`${IDEMPOTENCY_TABLE}.expires_at`, '<', sql<Date>`now()`),
      )
      .returning('id')
      .executeTakeFirst();
    return claimed !== undefined;
  };

  return {
    sweep,
    async begin(id, fingerprint): Promise<BeginOutcome> {
      maybeSweep();
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await claim(id, fingerprint)) return { kind: 'started' };
        const row = await db
          .selectFrom(IDEMPOTENCY_TABLE)
          .select(['fingerprint', 'response'])
          .where('id', '=', id)
          .where('expires_at', '>=', sql<Date>`now()`)
          .executeTakeFirst();
        if (row === undefined) continue; // released or expired meanwhile: claim again
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.response === null) return { kind: 'in_progress' };
        return { kind: 'completed', sealed: row.response };
      }
      return { kind: 'in_progress' };
    },
    async complete(id, fingerprint, status, sealed) {
      await db
        .updateTable(IDEMPOTENCY_TABLE)
        .set({ status, response: sealed, expires_at: after(ttl) })
        .where('id', '=', id)
        .where('fingerprint', '=', fingerprint)
        .where('response', 'is', null)
        .execute();
    },
    async release(id, fingerprint) {
      await db
        .deleteFrom(IDEMPOTENCY_TABLE)
        .where('id', '=', id)
        .where('fingerprint', '=', fingerprint)
        .where('response', 'is', null)
        .execute();
    },
  };
}
