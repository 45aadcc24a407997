/**
 * The log's store on real Postgres: concurrent appends stay one linear chain, the chain head is the
 * last record, crypto-shredding makes a user's data unreadable while the chain still verifies, and the
 * retention job is the only way to delete.
 */
import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { verifyLog } from '../../app/log/verify-log.ts';
import { auditFactsOf } from '../../domain/log/record.ts';
import { newDataKey } from '../../domain/log/sealing.ts';
import * as migration from './0001_audit_log.ts';
import { auditLogReader, auditLogWriter } from './audit-log-store.ts';
import type { AuditDatabase } from './schema.ts';

let database: TestDatabase;
let connection: TestConnection<AuditDatabase>;
const kek = newDataKey();
const writer = auditLogWriter(kek);
let reader: ReturnType<typeof auditLogReader>;

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<AuditDatabase>();
  await migration.up(connection.db as never);
  reader = auditLogReader(connection.db, kek);
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

const login = (userId: string, ip: string) =>
  createEvent('identity.login.succeeded', {
    user_id: userId,
    session_id: uuidv7(),
    amr: ['pwd'],
    ip,
    user_agent: 'Mozilla/5.0',
    new_device: false,
  }) as CloudEvent;

describe('audit log store', () => {
  it('20 concurrent appends make one linear chain that verifies', async () => {
    const users = Array.from({ length: 5 }, () => uuidv7());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        connection.db
          .transaction()
          .execute((trx) => writer.append(trx, auditFactsOf(login(users[i % 5] ?? '', `198.51.100.${i}`)))),
      ),
    );
    const rows = await reader.storedRange('0', undefined, 100);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(await verifyLog(reader, {})).toMatchObject({ ok: true, checked: 20 });
    const head = await reader.head();
    expect(head).toEqual({ seq: '20', hash: rows.at(-1)?.hash });
  });

  it("after crypto-shredding, the user's records read as erased and the chain still verifies", async () => {
    const user = uuidv7();
    const event = login(user, '192.0.2.44');
    await connection.db.transaction().execute((trx) => writer.append(trx, auditFactsOf(event)));
    const [before] = await reader.list({ user, limit: 5 });
    expect(before).toMatchObject({ ip: '192.0.2.44', erased: false });

    await connection.db.transaction().execute((trx) => writer.shredDataKey(trx, user));
    const [after] = await reader.list({ user, limit: 5 });
    expect(after).toMatchObject({ ip: null, user_agent: null, data: null, erased: true });
    expect(await verifyLog(reader, {})).toMatchObject({ ok: true });

    // Later events about an erased user keep no personal data at all.
    const later = login(user, '192.0.2.45');
    await connection.db.transaction().execute((trx) => writer.append(trx, auditFactsOf(later)));
    const stored = await sql<{ sealed: string | null; data: unknown }>`
      select sealed, data from audit_records where event_id = ${later.id}`.execute(connection.db);
    expect(stored.rows).toEqual([{ sealed: null, data: null }]);
    expect(await verifyLog(reader, {})).toMatchObject({ ok: true });
  });

  it('a deleted tail is a break (the head no longer matches the last record)', async () => {
    await connection.db.transaction().execute(async (trx) => {
      await sql`set local audit.retention_job = 'on'`.execute(trx);
      await sql`delete from audit_records where seq = (select max(seq) from audit_records)`.execute(trx);
    });
    expect(await verifyLog(reader, {})).toMatchObject({
      ok: false,
      first_break: { reason: 'head_mismatch' },
    });
  });

  it('outside the retention job, deletes are refused', async () => {
    await expect(
      sql`delete from audit_records where seq = (select min(seq) from audit_records)`.execute(connection.db),
    ).rejects.toThrow(/append-only/);
  });
});
