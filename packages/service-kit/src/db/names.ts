import { DatabaseSetupError } from './errors.ts';

/** A Postgres schema name we accept: lowercase, unquoted-safe, at most 63 bytes. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** A service name: it becomes a directory under `dataDir` for the embedded database. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Returns the schema name when it is safe to splice into SQL (it is never taken from a request,
 * but it does come from configuration), or throws `invalid_schema_name`.
 */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME_PATTERN.test(schema) || schema.startsWith('pg_')) {
    throw new DatabaseSetupError(
      'invalid_schema_name',
      `Schema name ${JSON.stringify(schema)} is not valid: use 1-63 characters of a-z, 0-9 and _, ` +
        'starting with a letter or _, not starting with pg_.',
    );
  }
  return schema;
}

export function assertServiceName(service: string): string {
  if (!SERVICE_NAME_PATTERN.test(service)) {
    throw new DatabaseSetupError(
      'invalid_service_name',
      `Service name ${JSON.stringify(service)} is not valid: use 1-63 characters of a-z, 0-9, _ and -.`,
    );
  }
  return service;
}

/** Double-quotes an identifier that already passed `assertSchemaName`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
