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

  it('records event data Postgres json types refuse (NUL, lone surrogates), and the chain verifies', async () => {
    const event = createEvent('authz.role.created', {
      name: 'odd-role',
      permissions: ['a:b'],
      includes: [],
    }) as CloudEvent;
    const odd = {
      ...event,
      data: { ...(event.data as object), note: 'nul\u0000 and \ud800 lone' },
    } as CloudEvent;
    await connection.db.transaction().execute((trx) => writer.append(trx, auditFactsOf(odd)));
    const [record] = await reader.list({ type: 'authz.role.created', limit: 1 });
    expect(record?.data).toMatchObject({ note: 'nul\u0000 and \ufffd lone' });
    expect(await verifyLog(reader, {})).toMatchObject({ ok: true });
  });

  it('lists records whose sealed data cannot be opened (wrong key) as unreadable, not an error', async () => {
    const stranger = auditLogReader(connection.db, newDataKey());
    const page = await stranger.list({ limit: 50 });
    expect(page.length).toBeGreaterThan(0);
    const sealed = page.filter((r) => r.user_id !== null && !r.erased);
    expect(sealed.length).toBeGreaterThan(0);
    expect(sealed.every((r) => r.unreadable && r.data === null && r.ip === null)).toBe(true);
  });

  it('no session setting lifts the append-only rule', async () => {
    await expect(
      connection.db.transaction().execute(async (trx) => {
        await sql`set local audit.retention_job = 'on'`.execute(trx);
        await sql`delete from audit_records where seq = (select max(seq) from audit_records)`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('the chain head cannot be wound back, skip ahead, or point at another hash', async () => {
    const head = await reader.head();
    const previous = await reader.storedBefore(head.seq);
    await expect(
      sql`update audit_chain_head set seq = ${previous?.seq}, hash = ${previous?.hash}`.execute(
        connection.db,
      ),
    ).rejects.toThrow(/only moves forward/);
    await expect(
      sql`update audit_chain_head set seq = seq + 1, hash = ${'f'.repeat(64)}`.execute(connection.db),
    ).rejects.toThrow(/only moves forward/);
    await expect(sql`delete from audit_chain_head`.execute(connection.db)).rejects.toThrow(
      /only ever updated/,
    );
    expect(await reader.head()).toEqual(head);
  });

  it("a tail deleted behind the trigger's back is a break (the head no longer matches)", async () => {
    await connection.db.transaction().execute(async (trx) => {
      await sql`alter table audit_records disable trigger audit_records_append_only`.execute(trx);
      await sql`delete from audit_records where seq = (select max(seq) from audit_records)`.execute(trx);
      await sql`alter table audit_records enable trigger audit_records_append_only`.execute(trx);
    });
    expect(await verifyLog(reader, {})).toMatchObject({
      ok: false,
      first_break: { reason: 'head_mismatch' },
    });
  });

  it('deletes are refused', async () => {
    await expect(
      sql`delete from audit_records where seq = (select min(seq) from audit_records)`.execute(connection.db),
    ).rejects.toThrow(/append-only/);
  });
});
