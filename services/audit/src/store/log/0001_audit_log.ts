import { type Kysely, sql } from 'kysely';

/**
 * The audit log: append-only records in one hash chain, the chain head (locked by each append so the
 * chain stays linear under concurrent consumers), and the per-user data keys (wrapped).
 *
 * Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE on records, even for the table owner; no
 * session setting lifts it (the retention job, when it comes, will need the owner to disable the trigger
 * explicitly, which verification then reports as a break unless a signed checkpoint anchors the rest).
 * The chain head may only move forward by exactly one record, to that record's hash, so a head cannot
 * be wound back over records deleted behind the trigger's back. Production additionally runs the service
 * with a role granted only INSERT and SELECT on the table (docs/audit.md).
 *
 * `data` is the event data as RFC 8785 canonical JSON text (what the hash covers), not jsonb: jsonb
 * refuses `\u0000` and lone surrogates, which would keep such an event out of the log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_records')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('id', 'uuid', (c) => c.notNull().unique())
    .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('subject', 'text')
    .addColumn('user_id', 'uuid')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('sealed', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_records_occurred')
    .on('audit_records')
    .columns(['occurred_at', 'seq'])
    .execute();
  await db.schema.createIndex('audit_records_user').on('audit_records').columns(['user_id', 'seq']).execute();
  await db.schema
    .createIndex('audit_records_actor')
    .on('audit_records')
    .columns(['actor_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_records_type').on('audit_records').columns(['type', 'seq']).execute();

  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_chain_head (id, seq, hash) values (true, 0, ${'0'.repeat(64)})`.execute(db);

  await db.schema
    .createTable('audit_data_keys')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey())
    .addColumn('wrapped_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('shredded_at', 'timestamptz')
    .execute();

  await sql`
    create function audit_records_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit records are append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`
    create trigger audit_records_append_only before update or delete on audit_records
    for each row execute function audit_records_append_only()`.execute(db);
  await sql`
    create trigger audit_records_no_truncate before truncate on audit_records
    for each statement execute function audit_records_append_only()`.execute(db);

  await sql`
    create function audit_chain_head_forward() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' then
        raise exception 'the audit chain head is only ever updated (% refused)', tg_op using errcode = 'insufficient_privilege';
      end if;
      if new.seq <> old.seq + 1 or not exists (
        select 1 from audit_records r where r.seq = new.seq and r.hash = new.hash and r.prev_hash = old.hash
      ) then
        raise exception 'the audit chain head only moves forward to the next record' using errcode = 'insufficient_privilege';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger audit_chain_head_forward before insert or update or delete on audit_chain_head
    for each row execute function audit_chain_head_forward()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_data_keys').execute();
  await db.schema.dropTable('audit_chain_head').execute();
  await db.schema.dropTable('audit_records').execute();
  await sql`drop function if exists audit_records_append_only()`.execute(db);
  await sql`drop function if exists audit_chain_head_forward()`.execute(db);
}
