import { type RawBuilder, sql } from 'kysely';

/**
 * Anything raw SQL runs on: a `Kysely<DB>` or a `Transaction<DB>` of any `DB` (the inbox queries
 * are untyped SQL, so they do not constrain the caller's table types).
 */
export type SqlExecutor = Parameters<RawBuilder<unknown>['execute']>[0];

export interface InboxEntry {
  /** Event or command id. */
  id: string;
  type: string;
  /** When the delivery being handled was received. */
  receivedAt: Date;
}

/**
 * Records `entry` in the inbox inside the caller's transaction (`INSERT … ON CONFLICT DO NOTHING`).
 * Returns true when the row is new, so the caller applies the message's effects in the same
 * transaction; false when the id was already handled (a redelivery), so it must apply nothing.
 *
 * A concurrent transaction inserting the same id waits on the primary key until this one ends: if
 * this one commits, the other gets false; if it rolls back, the other gets true. Either way the
 * effects happen once.
 */
export async function recordInInbox(trx: SqlExecutor, entry: InboxEntry): Promise<boolean> {
  const result = await sql<{ message_id: string }>`
    insert into inbox (message_id, type, received_at)
    values (${entry.id}, ${entry.type}, ${entry.receivedAt})
    on conflict (message_id) do nothing
    returning message_id`.execute(trx);
  return result.rows.length === 1;
}

/** True when `id` has been handled (its row committed). */
export async function isInInbox(db: SqlExecutor, id: string): Promise<boolean> {
  const result = await sql<{ found: number }>`select 1 as found from inbox where message_id = ${id}`.execute(
    db,
  );
  return result.rows.length === 1;
}

export interface PruneInboxOptions {
  /**
   * Rows handled longer ago than this are deleted. Keep it above the longest time a copy of a message
   * can still arrive: the queue's and the DLQ's retention (at most 14 days on SQS) plus the time
   * before a redrive. Default 30 days.
   */
  olderThanMs?: number;
  /** Rows deleted per statement, so a large backlog never holds long locks. Default 5,000. */
  batchSize?: number;
}

/** Deletes old inbox rows; returns how many. Run it from a periodic job. */
export async function pruneInbox(db: SqlExecutor, options: PruneInboxOptions = {}): Promise<number> {
  const olderThanMs = options.olderThanMs ?? 30 * 24 * 3600 * 1000;
  const batchSize = options.batchSize ?? 5000;
  const cutoff = new Date(Date.now() - olderThanMs);
  let total = 0;
  for (;;) {
    const result = await sql`
      delete from inbox where message_id in (
        select message_id from inbox where handled_at < ${cutoff} limit ${batchSize}
      )`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
