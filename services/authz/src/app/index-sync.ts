/**
 * Keeps this instance's in-memory decision index equal to Postgres (spec authz.md, "Decisions at
 * speed"): at start a snapshot of the tables and the change-log revision it reflects; then every
 * change after that revision, in revision order, from
 * - this instance's own commits (`applyCommitted`, before the write's response is sent),
 * - `LISTEN/NOTIFY` wake-ups (other instances; Postgres only),
 * - a slow poll (safety net, and the only cross-process path on PGlite, which has no LISTEN from
 *   other processes),
 * - a read that asks for a revision this instance has not applied yet (`waitFor`).
 * All application of changes is serialized here, so the index only ever moves forward in order.
 */
import type { AuthzChange, AuthzSnapshot } from '../domain/model.ts';
import type { AuthzDb } from '../store/model/authz-store.ts';
import { loadSnapshot, readSnapshot } from '../store/model/authz-store.ts';
import { type ChangeListener, createChangeListener } from '../store/model/change-listener.ts';
import { type LoggedChange, prunedThrough, readChanges } from '../store/model/changes.ts';

/** What the sync needs of the decision index. */
export interface ApplyTarget {
  apply(change: AuthzChange): void;
}

export interface SyncLogger {
  debug(msg: string, meta?: object): void;
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

export interface IndexSyncOptions<I extends ApplyTarget> {
  db: AuthzDb;
  createIndex: (snapshot: AuthzSnapshot) => I;
  logger: SyncLogger;
  /** LISTEN on this channel with a dedicated connection (Postgres); absent: poll only. */
  listen?: { connectionString: string; channel: string } | undefined;
  pollIntervalMs: number;
  /** Changes read per query while catching up. */
  batchSize?: number;
}

export interface IndexSync<I extends ApplyTarget> {
  /** The index as of `revision`; replaced as a whole only by a reload. */
  readonly index: I;
  /** The newest change-log revision applied to `index`. */
  readonly revision: number;
  /** Whether the LISTEN connection is up (always false without `listen`). */
  readonly listening: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies every committed change after `revision`, reading through `db` (default: the pool). */
  catchUp(db?: AuthzDb): Promise<void>;
  /**
   * After a commit made by this instance: `base` is the revision the index had when the writer's
   * lock was taken (nothing else can commit in between), `logged` the changes it committed.
   */
  applyCommitted(base: number, logged: LoggedChange[]): Promise<void>;
  /** Resolves true once `revision` is applied, false after `timeoutMs`; asks for a catch-up meanwhile. */
  waitFor(revision: number, timeoutMs: number): Promise<boolean>;
}

export function createIndexSync<I extends ApplyTarget>(options: IndexSyncOptions<I>): IndexSync<I> {
  const { db, logger } = options;
  const batchSize = options.batchSize ?? 1_000;
  let index: I | undefined;
  let revision = 0;
  let listener: ChangeListener | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const waiters = new Set<{ revision: number; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();

  // Serializes every mutation of (index, revision).
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  }

  function settleWaiters(): void {
    for (const waiter of waiters) {
      if (waiter.revision <= revision) {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  /** Set when a change could not be applied: the index diverged and is rebuilt from the tables. */
  let broken = false;

  /**
   * Rebuilds the index from the tables. `from` is the pool (a snapshot transaction of its own) or a
   * writer's transaction holding the writers' lock (stable already; on PGlite the only session).
   * The read happens outside the mutex, the swap inside.
   */
  async function reload(from: AuthzDb = db): Promise<void> {
    const loaded = from === db ? await loadSnapshot(db) : await readSnapshot(from);
    await exclusive(async () => {
      if (loaded.revision < revision && !broken) return; // something newer got in meanwhile
      index = options.createIndex(loaded.snapshot);
      revision = loaded.revision;
      broken = false;
      logger.info('authz index loaded', { revision });
      settleWaiters();
    });
  }

  /** Applies one change (inside the mutex); a change the index cannot apply marks it for a reload. */
  function applyOne(entry: LoggedChange): void {
    if (index === undefined) throw new Error('authz index not started');
    if (broken || entry.revision <= revision) return; // already in the index (e.g. after a reload)
    try {
      index.apply(entry.change);
      revision = entry.revision;
    } catch (error) {
      broken = true;
      logger.error('authz index could not apply a change; reloading it from the tables', {
        revision: entry.revision,
        kind: entry.change.kind,
        err: error,
      });
    }
  }

  /**
   * Reads the changes after the current revision and applies them. The read happens outside the
   * mutex: a writer holding the writers' lock catches up through its own transaction and must never
   * wait behind a reader that waits for a pool connection (which that writer's peers may all hold).
   */
  async function pull(from: AuthzDb): Promise<void> {
    for (;;) {
      const after = revision;
      const changes = await readChanges(from, after, batchSize);
      // Read after the changes: retention deletes changes and moves the mark in one transaction, so
      // a mark beyond `after` means the read may have missed changes (fell behind past retention).
      if ((await prunedThrough(from)) > after) {
        logger.warn('authz index fell behind the change log retention; reloading it from the tables', {
          revision: after,
        });
        await reload(from);
        continue;
      }
      await exclusive(async () => {
        for (const entry of changes) applyOne(entry);
        settleWaiters();
      });
      if (broken) {
        await reload(from);
        continue;
      }
      if (changes.length < batchSize) return;
    }
  }

  // Coalesces catch-up requests: at most one running and one queued behind it.
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  function requestCatchUp(): Promise<void> {
    if (running === undefined) {
      running = pull(db).finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return requestCatchUp();
      });
    return queued;
  }
  const catchUpInBackground = () => {
    if (stopped || index === undefined) return;
    requestCatchUp().catch((error: unknown) => {
      logger.warn('authz index catch-up failed; the next wake-up or poll retries', { err: error });
    });
  };

  function schedulePoll(): void {
    if (stopped) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      if (stopped) return;
      requestCatchUp()
        .catch((error: unknown) => logger.warn('authz index poll failed', { err: error }))
        .finally(schedulePoll);
    }, options.pollIntervalMs);
    pollTimer.unref();
  }

  return {
    get index() {
      if (index === undefined) throw new Error('authz index not started');
      return index;
    },
    get revision() {
      return revision;
    },
    get listening() {
      return listener?.connected ?? false;
    },
    async start() {
      await reload();
      if (options.listen !== undefined) {
        listener = createChangeListener({
          connectionString: options.listen.connectionString,
          channel: options.listen.channel,
          logger,
          onNotify: (notified) => {
            if (notified !== undefined && notified <= revision) return;
            catchUpInBackground();
          },
          // Notifications sent while disconnected are lost: catch up from the log.
          onConnect: catchUpInBackground,
        });
        await listener.start();
      }
      schedulePoll();
    },
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      await listener?.stop();
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(false);
      }
      waiters.clear();
      await tail;
    },
    catchUp(from?: AuthzDb) {
      return from === undefined ? requestCatchUp() : pull(from);
    },
    async applyCommitted(base, logged) {
      const done = await exclusive(async () => {
        const last = logged.at(-1)?.revision;
        if (last === undefined || revision >= last) return true;
        if (revision !== base) return false;
        for (const entry of logged) applyOne(entry);
        settleWaiters();
        return !broken;
      });
      if (!done) await pull(db);
    },
    waitFor(wanted, timeoutMs) {
      if (wanted <= revision) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const waiter = {
          revision: wanted,
          resolve,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            resolve(wanted <= revision);
          }, timeoutMs),
        };
        waiters.add(waiter);
        catchUpInBackground();
      });
    },
  };
}
