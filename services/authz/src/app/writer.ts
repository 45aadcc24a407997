/**
 * How every change to the model is written (HTTP use cases and event handlers alike), in one
 * transaction:
 *   1. take the writers' lock and bring the index up to the newest committed revision, so the
 *      validation below (cycle guards, existence) sees exactly what is committed;
 *   2. the use case validates and writes its rows, and says which `AuthzChange`s it made and which
 *      events each publishes;
 *   3. the changes are appended to the change log, the events enqueued in the outbox (sequence =
 *      revision), and the other instances notified (delivered at commit);
 * then, after the commit, the changes are applied to this instance's index before the caller answers,
 * so a read on this instance sees its own write even with `minimize_latency`.
 */
import { enqueueEvents } from '@authplatform/messaging';
import type { Kysely } from 'kysely';
import type { AuthzChange } from '../domain/model.ts';
import { type AuthzDb, type AuthzStore, authzStore } from '../store/model/authz-store.ts';
import { appendChanges, type LoggedChange, lockWrites, notifyChanges } from '../store/model/changes.ts';
import type { AuthzDatabase } from '../store/model/schema.ts';
import type { ApplyTarget, IndexSync } from './index-sync.ts';
import type { EventBuilder } from './published-events.ts';

export interface PlannedChange {
  change: AuthzChange;
  events: EventBuilder[];
}

export interface WriteContext<I> {
  db: AuthzDb;
  store: AuthzStore;
  /** The index, up to date with every committed change (the writers' lock is held). */
  index: I;
  /** The revision the index is at (what a write that changes nothing answers). */
  revision: number;
}

export interface Written<T> {
  result: T;
  /** Change-log revision that includes this write (as a token: `String(revision)`). */
  revision: number;
}

export type WriteWork<I, T> = (ctx: WriteContext<I>) => Promise<{ changes: PlannedChange[]; result: T }>;

export interface Writer<I> {
  /** Runs `work` in its own transaction; resolves after the commit and the local index update. */
  write<T>(work: WriteWork<I, T>): Promise<Written<T>>;
  /**
   * Runs `work` inside a caller's transaction (event handlers); `afterCommit` must run the returned
   * `applyLocally` once the transaction committed.
   */
  writeIn<T>(
    trx: AuthzDb,
    work: WriteWork<I, T>,
  ): Promise<Written<T> & { applyLocally: () => Promise<void> }>;
}

export function createWriter<I extends ApplyTarget>(deps: {
  db: Kysely<AuthzDatabase>;
  sync: IndexSync<I>;
  channel: string;
  logger: { warn(msg: string, meta?: object): unknown };
}): Writer<I> {
  const { sync, channel } = deps;

  async function run<T>(
    trx: AuthzDb,
    work: WriteWork<I, T>,
  ): Promise<{ result: T; revision: number; base: number; logged: LoggedChange[] }> {
    await lockWrites(trx);
    await sync.catchUp(trx);
    const base = sync.revision;
    const { changes, result } = await work({
      db: trx,
      store: authzStore(trx),
      index: sync.index,
      revision: base,
    });
    if (changes.length === 0) return { result, revision: base, base, logged: [] };
    const logged = await appendChanges(
      trx,
      changes.map((c) => c.change),
    );
    const events = changes.flatMap((planned, i) => {
      const revision = logged[i]?.revision ?? base;
      return planned.events.map((build) => build(revision));
    });
    if (events.length > 0) await enqueueEvents(trx, events);
    const revision = logged.at(-1)?.revision ?? base;
    await notifyChanges(trx, channel, revision);
    return { result, revision, base, logged };
  }

  return {
    async write(work) {
      const out = await deps.db.transaction().execute((trx) => run(trx, work));
      // Committed: the answer stands even if this instance cannot catch up right now (the next
      // wake-up, poll or `at_least_as_fresh` read retries).
      await sync.applyCommitted(out.base, out.logged).catch((error: unknown) => {
        deps.logger.warn('authz index could not apply a committed write yet', {
          revision: out.revision,
          err: error,
        });
      });
      return { result: out.result, revision: out.revision };
    },
    async writeIn(trx, work) {
      const out = await run(trx, work);
      return {
        result: out.result,
        revision: out.revision,
        applyLocally: () => sync.applyCommitted(out.base, out.logged),
      };
    },
  };
}
