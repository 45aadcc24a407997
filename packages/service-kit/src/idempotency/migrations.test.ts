import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '../db/migrate.ts';
import { withKitMigrations } from '../service/start-service.ts';
import { IDEMPOTENCY_TABLE, serviceKitMigrations } from './schema.ts';

const table = (name: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await db.schema.createTable(name).addColumn('id', 'text').execute();
  },
});

let suite: TestDatabase;
let conn: TestConnection<unknown>;
beforeAll(async () => {
  suite = await testDatabase();
  conn = await suite.connect();
});
afterAll(() => suite?.drop());

const migrate = (migrations: Record<string, Migration>) =>
  migrateToLatest({ db: conn.db, schema: suite.schema, logger: undefined }, { migrations });

async function tables(): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${suite.schema}`.execute(conn.db);
  return result.rows.map((r) => r.table_name);
}

describe('the kit’s migrations beside a service’s', () => {
  it('are added to a database the service migrated before they existed, and later ones still run', async () => {
    const service = { '0000_messaging_outbox': table('outbox_like'), '0001_own': table('own') };
    expect((await migrate(service)).applied).toEqual(['0000_messaging_outbox', '0001_own']);
    // The kit's name sorts before 0001_own, which is applied already: it runs anyway.
    expect((await migrate(withKitMigrations(service))).applied).toEqual(['0000_service_kit_idempotency']);
    expect(await tables()).toContain(IDEMPOTENCY_TABLE);
    const later = withKitMigrations({ ...service, '0002_more': table('more') });
    expect((await migrate(later)).applied).toEqual(['0002_more']);
    expect((await migrate(later)).applied).toEqual([]);
  });

  it('refuses a service migration that takes the kit’s name', () => {
    const [name] = Object.keys(serviceKitMigrations);
    expect(() => withKitMigrations({ [name ?? '']: table('x') })).toThrow(/reserved by service-kit/);
  });
});
