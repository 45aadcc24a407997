import { type Kysely, sql } from 'kysely';

/**
 * The authorization model (spec authz.md, "Model") and its change log.
 *
 * - `roles`: named permission sets with included roles; the built-in `platform-admin` (`*`) is
 *   seeded here and cannot be changed or deleted through the API (`built_in`).
 * - `assignments`: a role given to a subject globally (`scope` null) or on a resource, with an
 *   optional condition; one per (subject, role, scope).
 * - `grants`: one permission on one resource for a subject, optional condition; one per
 *   (subject, permission, resource).
 * - `groups`, `memberships` (members are any subject, nested groups too), `resource_parents`.
 * - `authz_changes`: every write appends the `AuthzChange`s it made, in commit order (writers take a
 *   transaction advisory lock before appending, see store/changes.ts); every instance replays them
 *   into its in-memory index. The revision is what clients get back as their consistency token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('permissions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('includes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('built_in', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into roles (name, description, permissions, includes, built_in)
    values ('platform-admin', 'Every permission of the platform (built in)', '["*"]'::jsonb, '[]'::jsonb, true)`.execute(
    db,
  );

  await db.schema
    .createTable('assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
    .addColumn('scope', 'text')
    .addColumn('condition', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index assignments_subject_role_scope on assignments (subject, role, coalesce(scope, ''))`.execute(
    db,
  );
  await db.schema.createIndex('assignments_role').on('assignments').column('role').execute();
  await db.schema.createIndex('assignments_scope').on('assignments').column('scope').execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('condition', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('grants_subject_permission_resource', ['subject', 'permission', 'resource'])
    .execute();
  await db.schema.createIndex('grants_resource').on('grants').columns(['resource', 'id']).execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('member', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'member'])
    .execute();
  await db.schema.createIndex('memberships_member').on('memberships').column('member').execute();

  await db.schema
    .createTable('resource_parents')
    .addColumn('resource', 'text', (c) => c.primaryKey())
    .addColumn('parent', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('resource_parents_parent').on('resource_parents').column('parent').execute();

  await db.schema
    .createTable('authz_changes')
    .addColumn('revision', 'bigserial', (c) => c.primaryKey())
    .addColumn('change', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'authz_changes',
    'resource_parents',
    'memberships',
    'groups',
    'grants',
    'assignments',
    'roles',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
