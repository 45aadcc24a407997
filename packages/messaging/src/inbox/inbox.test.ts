import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { gate, openAllGates, openSuite, type Suite } from '../consumer/test-support.ts';
import { waitUntil } from '../testing/queues.ts';
import { isInInbox, pruneInbox, recordInInbox } from './inbox.ts';
import type { InboxDatabase } from './schema.ts';

const SERVICE = 'inbox-test';
let suite: Suite<InboxDatabase>;

beforeAll(async () => {
  suite = await openSuite<InboxDatabase>({}, SERVICE);
});

afterAll(async () => {
  openAllGates();
  await suite.close();
});

const receivedAt = new Date('2026-11-28T17:02:11.123Z');

describe('inbox', () => {
  it('is created by its migration in the service schema', async () => {
    const { rows } = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns
      where table_schema = ${suite.database.schema} and table_name = 'inbox' order by ordinal_position`.execute(
      suite.service.db,
    );
    expect(rows).toEqual([
      { column_name: 'message_id', data_type: 'text' },
      { column_name: 'type', data_type: 'text' },
      { column_name: 'received_at', data_type: 'timestamp with time zone' },
      { column_name: 'handled_at', data_type: 'timestamp with time zone' },
    ]);
  });

  it('records an id once: true the first time, false after', async () => {
    const db = suite.service.db;
    const entry = { id: 'evt-once', type: 'identity.user.registered', receivedAt };
    expect(await db.transaction().execute((trx) => recordInInbox(trx, entry))).toBe(true);
    expect(await db.transaction().execute((trx) => recordInInbox(trx, entry))).toBe(false);
    expect(await isInInbox(db, 'evt-once')).toBe(true);
    const row = await db
      .selectFrom('inbox')
      .selectAll()
      .where('message_id', '=', 'evt-once')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'identity.user.registered', received_at: receivedAt });
  });

  it('forgets an id whose transaction rolled back', async () => {
    const db = suite.service.db;
    const entry = { id: 'evt-rollback', type: 't', receivedAt };
    await expect(
      db.transaction().execute(async (trx) => {
        expect(await recordInInbox(trx, entry)).toBe(true);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await isInInbox(db, 'evt-rollback')).toBe(false);
  });

  it.each([
    { outcome: 'commits', commit: true, second: false },
    { outcome: 'rolls back', commit: false, second: true },
  ])(
    'makes a concurrent insert of the same id wait; when the first $outcome the second gets $second',
    async ({ commit, second }) => {
      const db = suite.service.db;
      const id = `evt-race-${String(commit)}`;
      const entry = { id, type: 't', receivedAt };
      const held = gate();
      const inserted = gate();
      const first = db.transaction().execute(async (trx) => {
        expect(await recordInInbox(trx, entry)).toBe(true);
        inserted.open();
        await held.promise;
        if (!commit) throw new Error('rolled back on purpose');
      });
      const firstSettled = first.catch(() => undefined);
      await inserted.promise;
      const other = db.transaction().execute((trx) => recordInInbox(trx, entry));
      if (suite.database.kind === 'postgres') {
        await waitUntil(
          async () => {
            const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from pg_stat_activity
            where application_name = ${SERVICE} and wait_event_type = 'Lock'`.execute(db);
            return rows[0]?.n === 1;
          },
          { what: 'the second insert waiting on the first' },
        );
      }
      held.open();
      await firstSettled;
      expect(await other).toBe(second);
      expect(await isInInbox(db, id)).toBe(true);
    },
  );

  it('prunes rows handled longer ago than the retention, in batches', async () => {
    const db = suite.service.db;
    for (const n of [1, 2, 3]) {
      await db
        .transaction()
        .execute((trx) => recordInInbox(trx, { id: `evt-old-${n}`, type: 't', receivedAt }));
    }
    await db.transaction().execute((trx) => recordInInbox(trx, { id: 'evt-new', type: 't', receivedAt }));
    await sql`update inbox set handled_at = now() - interval '40 days' where message_id like 'evt-old-%'`.execute(
      db,
    );
    expect(await pruneInbox(db, { batchSize: 2 })).toBe(3);
    expect(await isInInbox(db, 'evt-old-1')).toBe(false);
    expect(await isInInbox(db, 'evt-new')).toBe(true);
    expect(await pruneInbox(db, { olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
    expect(await isInInbox(db, 'evt-new')).toBe(false);
  });
});
