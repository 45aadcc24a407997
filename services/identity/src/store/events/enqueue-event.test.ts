import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { messagingMigrations } from '@authplatform/messaging';
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import * as migration from './0011_event_sequences.ts';
import { enqueueEvent } from './enqueue-event.ts';

let database: TestDatabase;
let connection: TestConnection<unknown>;

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<unknown>();
  for (const m of Object.values(messagingMigrations)) await m.up(connection.db as never);
  await migration.up(connection.db as never);
}, 60_000);
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

const updated = (userId: string, name: string) =>
  createEvent('identity.user.updated', { user_id: userId, changed: ['name'], name }) as CloudEvent;

async function sequencesOf(userId: string): Promise<string[]> {
  const rows = await sql<{ sequence: string | null }>`
    select payload->>'sequence' as sequence from outbox
    where payload->>'subject' = ${`user/${userId}`} order by (payload->>'sequence')::bigint`.execute(
    connection.db,
  );
  return rows.rows.map((r) => r.sequence ?? 'none');
}

describe('sequence of the events about a user', () => {
  it('counts per user, from 1, in the same transaction as the event', async () => {
    const a = uuidv7();
    const b = uuidv7();
    await connection.db.transaction().execute(async (trx) => {
      await enqueueEvent(trx, updated(a, 'one'));
      await enqueueEvent(trx, updated(b, 'one'));
      await enqueueEvent(trx, updated(a, 'two'));
    });
    await enqueueEvent(connection.db, updated(a, 'three'));
    expect(await sequencesOf(a)).toEqual(['1', '2', '3']);
    expect(await sequencesOf(b)).toEqual(['1']);
  });

  it('a rolled-back transaction takes no number (no gaps from failures)', async () => {
    const a = uuidv7();
    await enqueueEvent(connection.db, updated(a, 'one'));
    await expect(
      connection.db.transaction().execute(async (trx) => {
        await enqueueEvent(trx, updated(a, 'lost'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await enqueueEvent(connection.db, updated(a, 'two'));
    expect(await sequencesOf(a)).toEqual(['1', '2']);
  });

  it('concurrent writers for one user get distinct, consecutive numbers', async () => {
    const a = uuidv7();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        connection.db.transaction().execute((trx) => enqueueEvent(trx, updated(a, `n${i}`))),
      ),
    );
    expect(await sequencesOf(a)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
  });

  it('leaves events about other subjects (keys, clients) without a sequence', async () => {
    const event = createEvent('identity.signing_key.rotated', {
      kid: `k-${uuidv7()}`,
      alg: 'ES256',
    }) as CloudEvent;
    await enqueueEvent(connection.db, event);
    const row = await sql<{ sequence: string | null }>`
      select payload->>'sequence' as sequence from outbox where payload->>'id' = ${event.id}`.execute(
      connection.db,
    );
    expect(row.rows).toEqual([{ sequence: null }]);
  });
});
