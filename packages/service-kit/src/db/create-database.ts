import type { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { LoggerLike } from '../lifecycle/logger.ts';
import { DatabaseSetupError } from './errors.ts';
import { assertSchemaName, assertServiceName, quoteIdent } from './names.ts';
import { openPglite, pgliteDialect } from './pglite.ts';
import { createPostgresPool, postgresDialect } from './postgres.ts';

export interface DatabaseOptions {
  /** Service name: the default schema, the pg `application_name`, the PGlite folder name. */
  service: string;
  /** Postgres connection URL; without it an embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Parent folder of the embedded database (`<dataDir>/<service>`). Default `.data`. */
  dataDir?: string;
  /** Postgres schema owning every table of the service. Default: the service name. */
  schema?: string;
  logger?: LoggerLike | undefined;
  /** Maximum pg pool connections. Default 10. Ignored by PGlite (one session). */
  poolSize?: number;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database<DB> {
  /** Unqualified table names resolve in `schema` (it is the session's `search_path`). */
  readonly db: Kysely<DB>;
  readonly schema: string;
  readonly kind: DatabaseKind;
  readonly service: string;
  readonly logger: LoggerLike | undefined;
  /** Resolves when the database answers a trivial query (readiness probes). */
  ping(): Promise<void>;
  /** Closes the pool or the embedded database; safe to call twice. */
  close(): Promise<void>;
}

/** Postgres error codes meaning "someone else created it first". */
const ALREADY_EXISTS = new Set(['42P06', '23505']);

async function ensureSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    // Two instances starting together can race on IF NOT EXISTS; the loser sees a unique violation.
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !ALREADY_EXISTS.has(code)) throw err;
  }
}

/**
 * Opens the service's database: a pg pool when `databaseUrl` is given, otherwise embedded PGlite.
 * The service schema is created when missing and is the `search_path` of every connection.
 * Throws `DatabaseSetupError` (`invalid_schema_name`, `invalid_service_name`, `database_unavailable`).
 */
export async function createDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  const service = assertServiceName(options.service);
  const schema = assertSchemaName(options.schema ?? service);
  const { logger } = options;

  let db: Kysely<DB>;
  let kind: DatabaseKind;
  // kysely's destroy() does nothing for a driver it never used, so the pool or PGlite is closed here too.
  let release: () => Promise<void>;
  if (options.databaseUrl) {
    kind = 'postgres';
    const pool = createPostgresPool({
      databaseUrl: options.databaseUrl,
      schema,
      service,
      poolSize: options.poolSize ?? 10,
      logger,
    });
    try {
      await ensureSchema(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new DatabaseSetupError(
        'database_unavailable',
        `Cannot prepare schema ${schema} on Postgres.`,
        err,
      );
    }
    db = new Kysely<DB>({ dialect: postgresDialect(pool) });
    release = async () => {
      if (!pool.ended) await pool.end();
    };
  } else {
    kind = 'pglite';
    let pglite: PGlite;
    const dataDir = options.dataDir ?? '.data';
    try {
      pglite = await openPglite(dataDir, service, schema);
    } catch (err) {
      throw new DatabaseSetupError(
        'database_unavailable',
        `Cannot open embedded database in ${dataDir}.`,
        err,
      );
    }
    db = new Kysely<DB>({ dialect: pgliteDialect(pglite) });
    release = async () => {
      if (!pglite.closed) await pglite.close();
    };
  }
  logger?.info('database ready', { service, schema, kind });

  let closing: Promise<void> | undefined;
  return {
    db,
    schema,
    kind,
    service,
    logger,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      closing ??= db.destroy().finally(release);
      return closing;
    },
  };
}
