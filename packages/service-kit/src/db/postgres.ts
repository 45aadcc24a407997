import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { LoggerLike } from '../lifecycle/logger.ts';
import { pgTypes } from './type-parsers.ts';

export interface PostgresPoolOptions {
  databaseUrl: string;
  schema: string;
  service: string;
  poolSize: number;
  logger: LoggerLike | undefined;
}

/**
 * A pg pool whose every connection has `search_path` set to the service schema by the server at
 * connection start (`options=-c search_path=…`), so no query can run before it applies. An
 * `options` parameter already present in the URL is kept and extended.
 */
export function createPostgresPool(opts: PostgresPoolOptions): pg.Pool {
  const url = new URL(opts.databaseUrl);
  const extraOptions = url.searchParams.get('options');
  url.searchParams.delete('options');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: opts.poolSize,
    application_name: opts.service,
    options: [extraOptions, `-c search_path=${opts.schema}`].filter(Boolean).join(' '),
    types: pgTypes,
    // A server that does not answer fails a query (and /readyz) in 5 s instead of queueing it forever.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection emits on the pool; without a listener Node would crash.
  pool.on('error', (err) => {
    opts.logger?.warn('idle database connection failed', { service: opts.service, err });
  });
  // A checked-out client losing its connection (server restart, terminated backend) emits on the
  // client itself: without a listener that is an uncaught 'error' and the process dies. The query in
  // flight still fails and the pool discards the client.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      opts.logger?.warn('database connection failed', { service: opts.service, err });
    });
  });
  return pool;
}

export function postgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
