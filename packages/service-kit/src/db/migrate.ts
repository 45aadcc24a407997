import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Database } from './create-database.ts';
import { MigrationError } from './errors.ts';
import { FolderMigrationProvider } from './migration-folder.ts';

export type MigrationSource = { migrationsFolder: string | URL } | { migrations: Record<string, Migration> };

export interface MigrationOutcome {
  /** Names of the migrations this call applied, in order (empty when already up to date). */
  applied: string[];
}

function providerFor(source: MigrationSource): MigrationProvider {
  if ('migrationsFolder' in source) return new FolderMigrationProvider(source.migrationsFolder);
  const { migrations } = source;
  return { getMigrations: async () => migrations };
}

/**
 * Applies every pending migration (in name order; a pending one that sorts before an applied one
 * runs too, see `allowUnorderedMigrations` below). The `kysely_migration` and `kysely_migration_lock` tables live
 * in the service schema, and kysely holds a Postgres advisory lock (in one transaction) while it
 * migrates, so several instances starting at once apply each migration exactly once.
 * Throws `MigrationError` (`migration_failed`) with the underlying error as `cause`.
 */
export async function migrateToLatest<DB>(
  database: Pick<Database<DB>, 'db' | 'schema' | 'logger'>,
  source: MigrationSource,
): Promise<MigrationOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(database, source);
    } catch (error) {
      if (attempt >= 5 || !isOtherSchemaDropped(error, database.schema)) throw error;
      database.logger?.warn('another schema was dropped during catalog introspection; migrating again', {
        schema: database.schema,
        attempt,
      });
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * kysely's Migrator finds its tables through catalog introspection over every schema of the
 * database, which calls `pg_get_serial_sequence` by name: a schema dropped meanwhile by someone else
 * (another service's test suite, a tenant removal) fails that query with 3F000 naming that schema.
 * Nothing of ours ran then (it precedes the migration transaction), so trying again is safe.
 */
export function isOtherSchemaDropped(error: unknown, schema: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '3F000') return !e.message.includes(`"${schema}"`);
  }
  return false;
}

async function migrateOnce<DB>(
  database: Pick<Database<DB>, 'db' | 'schema' | 'logger'>,
  source: MigrationSource,
): Promise<MigrationOutcome> {
  const { db, schema, logger } = database;
  const migrator = new Migrator({
    db,
    provider: providerFor(source),
    migrationTableSchema: schema,
    // Migrations come from several owners (the kit, messaging, the service), each adding its own
    // independent tables: one added later may sort before one already applied, and still runs.
    allowUnorderedMigrations: true,
  });
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (err) {
    // kysely reports failures in `outcome.error`; this only guards against it throwing anyway.
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(`Migrating schema ${schema} failed.`, { cause: err });
  }
  const results = outcome.results ?? [];
  if (outcome.error !== undefined) {
    // Everything ran in one transaction, so the migrations reported before the failure were rolled back.
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const cause = outcome.error;
    logger?.error('migration failed', { schema, migration: failed, err: cause });
    // Loading a migration file failed (see FolderMigrationProvider): that error already says which.
    if (cause instanceof MigrationError) throw cause;
    throw new MigrationError(
      failed ? `Migration ${failed} failed in schema ${schema}.` : `Migrating schema ${schema} failed.`,
      failed === undefined ? { cause } : { cause, migration: failed },
    );
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const migration of applied) logger?.info('migration applied', { schema, migration });
  return { applied };
}
