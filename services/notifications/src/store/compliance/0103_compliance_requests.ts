import { type Kysely, sql } from 'kysely';

/**
 * Compliance requests this service has answered (erasures, exports), so that the same request
 * arriving again — `identity.user.deleted` and `audit.compliance.erasure_requested` both name it —
 * reports its part once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('compliance_requests')
    .addColumn('request_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('counts', 'jsonb', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('compliance_requests_pk', ['request_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('compliance_requests').execute();
}
