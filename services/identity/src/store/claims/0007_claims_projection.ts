import { type Kysely, sql } from 'kysely';

/**
 * The claims projection (roles and permissions that go into access tokens) kept from authz events,
 * and account locks from security detections.
 *
 * Every projection row remembers the order key `(seq, event_id)` of the event that last set it and
 * is only overwritten by an event with a greater key (see `domain/claims/ordering.ts`); removals are
 * tombstones (`active = false`), so a late "added" cannot resurrect what a newer "removed" took away.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('claims_roles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('permissions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('includes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('seq', 'numeric', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('claims_assignments')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('seq', 'numeric', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('claims_assignments_pk', ['subject', 'role', 'scope'])
    .execute();
  await db.schema.createIndex('claims_assignments_role').on('claims_assignments').column('role').execute();

  await db.schema
    .createTable('claims_memberships')
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('member', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('seq', 'numeric', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('claims_memberships_pk', ['group_id', 'member'])
    .execute();
  await db.schema
    .createIndex('claims_memberships_member')
    .on('claims_memberships')
    .column('member')
    .execute();

  await db.schema
    .createTable('user_locks')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('detection_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_locks').execute();
  await db.schema.dropTable('claims_memberships').execute();
  await db.schema.dropTable('claims_assignments').execute();
  await db.schema.dropTable('claims_roles').execute();
}
