/** Stable machine codes of database setup failures. */
export type DatabaseErrorCode = 'invalid_schema_name' | 'invalid_service_name' | 'database_unavailable';

/** Creating or opening a service database failed. */
export class DatabaseSetupError extends Error {
  readonly code: DatabaseErrorCode;

  constructor(code: DatabaseErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DatabaseSetupError';
    this.code = code;
  }
}

/** A migration could not be loaded or applied; `migration` names the failing one when known. */
export class MigrationError extends Error {
  readonly code = 'migration_failed';
  readonly migration: string | undefined;

  constructor(message: string, options: { cause?: unknown; migration?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MigrationError';
    this.migration = options.migration;
  }
}
