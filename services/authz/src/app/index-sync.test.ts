/**
 * The change-log sync on its own, against real Postgres: catching up in revision order, waiting for a
 * revision, and rebuilding the index from the tables when a change cannot be applied.
 */
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAuthzIndex } from '../domain/index.ts';
import type { AuthzChange } from '../domain/model.ts';
import { migrations } from '../store/migrations/index.ts';
import type { AuthzDb } from '../store/model/authz-store.ts';
import { appendChanges, lockWrites, pruneChangeLog } from '../store/model/changes.ts';
import type { AuthzDatabase } from '../store/model/schema.ts';
import type { DecisionIndex } from './decision-index.ts';
import { createIndexSync } from './index-sync.ts';

let database: TestDatabase;
let connection: TestConnection<AuthzDatabase>;
let db: AuthzDb;
const logged: Array<{ level: string; msg: string }> = [];
const logger = {
  debug: () => undefined,
  info: (msg: string) => void logged.push({ level: 'info', msg }),
  warn: (msg: string) => void logged.push({ level: 'warn', msg }),
  error: (msg: string) => void logged.push({ level: 'error', msg }),
};

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<AuthzDatabase>();
  db = connection.db as unknown as AuthzDb;
  for (const name of Object.keys(migrations).sort()) await migrations[name]?.up(db as never);
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

/** Writes a role row and its change as a writer does (lock, row, log), committed. */
async function writeRole(name: string, permissions: string[], extra: AuthzChange[] = []): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await lockWrites(trx);
    await trx
      .insertInto('roles')
      .values({ name, permissions: JSON.stringify(permissions), includes: '[]', description: null })
      .execute();
    const out = await appendChanges(trx, [
      ...extra,
      { kind: 'role.upserted', role: { name, permissions, includes: [] } },
    ]);
    return out.at(-1)?.revision ?? 0;
  });
}

describe('index sync', () => {
  it('loads a snapshot, catches up in order, and answers waitFor', async () => {
    const before = await writeRole('first', ['a:read']);
    const sync = createIndexSync<DecisionIndex>({
      db,
      createIndex: (s) => createAuthzIndex(s),
      logger,
      pollIntervalMs: 600_000,
    });
    await sync.start();
    try {
      expect(sync.revision).toBe(before);
      expect(sync.index.role('first')?.permissions).toEqual(['a:read']);
      const next = await writeRole('second', ['b:read']);
      expect(sync.index.role('second')).toBeUndefined();
      expect(await sync.waitFor(next, 2_000)).toBe(true);
      expect(sync.revision).toBe(next);
      expect(sync.index.role('second')?.permissions).toEqual(['b:read']);
      expect(await sync.waitFor(next + 1_000, 100)).toBe(false);
    } finally {
      await sync.stop();
    }
  });

  it('rebuilds the index from the tables when a change cannot be applied', async () => {
    const sync = createIndexSync<DecisionIndex>({
      db,
      createIndex: (s) => createAuthzIndex(s),
      logger,
      pollIntervalMs: 600_000,
    });
    await sync.start();
    try {
      // A change kind this version does not know (a newer writer during a rolling deploy), then a role.
      const unknown = { kind: 'future.kind' } as unknown as AuthzChange;
      const revision = await writeRole('third', ['c:read'], [unknown]);
      await sync.catchUp();
      expect(sync.revision).toBe(revision);
      expect(sync.index.role('third')?.permissions).toEqual(['c:read']);
      expect(logged).toContainEqual({
        level: 'error',
        msg: expect.stringContaining('could not apply a change'),
      });
    } finally {
      await sync.stop();
    }
  });

  it('reloads from the tables when it fell behind past the change-log retention', async () => {
    const sync = createIndexSync<DecisionIndex>({
      db,
      createIndex: (s) => createAuthzIndex(s),
      logger,
      pollIntervalMs: 600_000,
    });
    await sync.start();
    try {
      const behind = sync.revision;
      await writeRole('pruned-1', ['d:read']);
      await writeRole('pruned-2', ['e:read']);
      const newest = await writeRole('kept', ['f:read']);
      // Everything older than a second from now, i.e. all but the newest change.
      const pruned = await pruneChangeLog(db, { olderThanMs: -1_000 });
      expect(pruned.deleted).toBeGreaterThanOrEqual(2);
      expect(pruned.prunedThrough).toBeGreaterThan(behind);
      expect(pruned.prunedThrough).toBeLessThan(newest);
      const left = await db.selectFrom('authz_changes').select('revision').execute();
      expect(left.map((r) => Number(r.revision))).toEqual([newest]);

      await sync.catchUp();
      expect(sync.revision).toBe(newest);
      for (const name of ['pruned-1', 'pruned-2', 'kept']) expect(sync.index.role(name)).toBeDefined();
      expect(logged).toContainEqual({ level: 'warn', msg: expect.stringContaining('fell behind') });

      // A new instance starts at the newest revision too.
      const fresh = createIndexSync<DecisionIndex>({
        db,
        createIndex: (s) => createAuthzIndex(s),
        logger,
        pollIntervalMs: 600_000,
      });
      await fresh.start();
      expect(fresh.revision).toBe(newest);
      expect(fresh.index.role('pruned-1')?.permissions).toEqual(['d:read']);
      await fresh.stop();
    } finally {
      await sync.stop();
    }
  });
});
