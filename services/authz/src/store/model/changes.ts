/**
 * The change log (`authz_changes`): how every instance's in-memory index follows Postgres.
 *
 * Ordering decision: every transaction that appends changes first takes one transaction-level
 * advisory lock (`lockWrites`), so revisions are allocated *and committed* in the same order. A
 * reader that sees revision R therefore already sees every smaller revision that will ever exist
 * (a rolled-back writer leaves a gap, which is harmless), and "apply everything after my revision,
 * in order" never skips a change that commits late. Authorization models change at admin speed, so
 * serializing writers costs nothing that matters; decisions never take the lock.
 */
import { sql } from 'kysely';
import type { AuthzChange } from '../../domain/model.ts';
import type { AuthzDb } from './authz-store.ts';

export interface LoggedChange {
  revision: number;
  change: AuthzChange;
}

/** NOTIFY channel of a schema's change log (a channel name holds at most 63 bytes). */
export function changesChannel(schema: string): string {
  return `authz_changes_${schema}`.slice(0, 63);
}

/** Serializes writers of the model (released at commit or rollback). */
export async function lockWrites(trx: AuthzDb): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.authz_changes'))`.execute(trx);
}

/** Appends changes in order; returns them with their revisions. Call with the writers' lock held. */
export async function appendChanges(trx: AuthzDb, changes: AuthzChange[]): Promise<LoggedChange[]> {
  const logged: LoggedChange[] = [];
  // One statement per change keeps the revision order equal to the array order without relying on
  // the evaluation order of a multi-row VALUES list.
  for (const change of changes) {
    const row = await trx
      .insertInto('authz_changes')
      .values({ change: JSON.stringify(change) })
      .returning('revision')
      .executeTakeFirstOrThrow();
    logged.push({ revision: Number(row.revision), change });
  }
  return logged;
}

/** Wakes the other instances (delivered at commit, not at all on rollback). */
export async function notifyChanges(trx: AuthzDb, channel: string, revision: number): Promise<void> {
  await sql`select pg_notify(${channel}, ${String(revision)})`.execute(trx);
}

/** Changes after `revision`, oldest first. */
export async function readChanges(db: AuthzDb, after: number, limit: number): Promise<LoggedChange[]> {
  const rows = await db
    .selectFrom('authz_changes')
    .select(['revision', 'change'])
    .where('revision', '>', after)
    .orderBy('revision')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ revision: Number(r.revision), change: r.change as AuthzChange }));
}

/** The newest revision in the log (0 when empty). */
export async function latestRevision(db: AuthzDb): Promise<number> {
  const row = await db
    .selectFrom('authz_changes')
    .select((eb) => eb.fn.max('revision').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** The newest revision deleted from the log by retention (0: none). */
export async function prunedThrough(db: AuthzDb): Promise<number> {
  const row = await db.selectFrom('authz_change_log_state').select('pruned_through').executeTakeFirst();
  return Number(row?.pruned_through ?? 0);
}

/**
 * Deletes changes older than `olderThanMs`, always keeping the newest one (its revision is what a
 * snapshot reflects), and records the newest deleted revision, in one transaction. Safe to run from
 * several instances at once.
 */
export async function pruneChangeLog(
  db: AuthzDb,
  options: { olderThanMs: number },
): Promise<{ deleted: number; prunedThrough: number }> {
  return db.transaction().execute(async (trx) => {
    const cutoff = new Date(Date.now() - options.olderThanMs);
    const deleted = await trx
      .deleteFrom('authz_changes')
      .where('at', '<', cutoff)
      .where('revision', '<', (eb) =>
        eb.selectFrom('authz_changes').select((e) => e.fn.max('revision').as('m')),
      )
      .returning('revision')
      .execute();
    const newest = deleted.reduce((max, r) => Math.max(max, Number(r.revision)), 0);
    if (newest > 0) {
      await trx
        .updateTable('authz_change_log_state')
        .set({ pruned_through: sql<number>`greatest(pruned_through, ${newest})` })
        .execute();
    }
    return { deleted: deleted.length, prunedThrough: await prunedThrough(trx) };
  });
}
