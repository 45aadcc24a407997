import { type Kysely, sql } from 'kysely';

/**
 * Template overrides saved by an admin through `PUT /v1/templates/{key}/{locale}`: they replace the
 * shipped template of that key and locale at send time (validated by a test render before saving).
 * `content` holds the parts as the renderer takes them (subject, MJML or HTML, text, SMS text).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('template_overrides')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('template_overrides_pk', ['key', 'locale'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('template_overrides').execute();
}
