import { type Kysely, sql } from 'kysely';

/**
 * Messages and their delivery: `messages` (one row per (source, channel, recipient), the status
 * machine, the provider's id; template data only while a send is pending, AES-256-GCM encrypted),
 * `message_attempts` (one row per call to a provider), `suppressions` (addresses never sent to
 * again: hard bounces, complaints, SMS opt-outs) and `dev_outbox` (SMS captured when DEV_OUTBOX is
 * on: the only table that holds a rendered secret).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('template_key', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'sent', 'delivered', 'bounced', 'failed')`),
    )
    .addColumn('failure_code', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('provider', 'text')
    .addColumn('provider_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Not-before time of the next send attempt; also the claim lease of a worker sending it.
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('data_ciphertext', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('bounced_at', 'timestamptz')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('erased_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('messages_source_channel_recipient')
    .on('messages')
    .columns(['source_id', 'channel', 'recipient'])
    .unique()
    .execute();
  // The workers' claim reads only pending rows.
  await db.schema
    .createIndex('messages_due')
    .on('messages')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  await db.schema
    .createIndex('messages_provider_id')
    .on('messages')
    .columns(['provider', 'provider_id'])
    .where(sql.ref('provider_id'), 'is not', null)
    .execute();
  // OTP limits (per recipient, per user, over the last hour) and the admin list filters.
  await db.schema
    .createIndex('messages_recipient_template')
    .on('messages')
    .columns(['recipient', 'template_key', 'created_at'])
    .execute();
  await db.schema
    .createIndex('messages_user_template')
    .on('messages')
    .columns(['user_id', 'template_key', 'created_at'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
  await db.schema.createIndex('messages_status_id').on('messages').columns(['status', 'id']).execute();

  await db.schema
    .createTable('message_attempts')
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('sent', 'transient_error', 'permanent_error')`),
    )
    .addColumn('provider_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('message_attempts_pk', ['message_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('reason', 'text', (c) =>
      c.notNull().check(sql`reason in ('hard_bounce', 'complaint', 'unsubscribed')`),
    )
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('message_id', 'uuid')
    .addColumn('detail', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('dev_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('message_id', 'uuid', (c) =>
      c.notNull().unique().references('messages.id').onDelete('cascade'),
    )
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('template_key', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dev_outbox').execute();
  await db.schema.dropTable('suppressions').execute();
  await db.schema.dropTable('message_attempts').execute();
  await db.schema.dropTable('messages').execute();
}
