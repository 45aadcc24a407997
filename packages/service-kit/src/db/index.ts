export type { Database, DatabaseKind, DatabaseOptions } from './create-database.ts';
export { createDatabase } from './create-database.ts';
export type { DatabaseErrorCode } from './errors.ts';
export { DatabaseSetupError, MigrationError } from './errors.ts';
export type { MigrationOutcome, MigrationSource } from './migrate.ts';
export { migrateToLatest } from './migrate.ts';
export { FolderMigrationProvider } from './migration-folder.ts';
export { assertSchemaName, SCHEMA_NAME_PATTERN } from './names.ts';
export { parseInt8, parseInt8Array } from './type-parsers.ts';
