import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { randomTag } from '../env/random.ts';
import { testResources } from '../env/resources.ts';

export interface TestConnection<DB> {
  /** Unqualified names resolve in the suite's schema. */
  db: Kysely<DB>;
  close(): Promise<void>;
}

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  /** Postgres connection URL, or undefined for PGlite. */
  url: string | undefined;
  /** A schema of this suite only (`t_<random>`); created up front on Postgres. */
  schema: string;
  /** PGlite only: a temporary folder of this suite, usable as a service's `dataDir`. */
  dataDir: string | undefined;
  /**
   * A kysely connection whose `search_path` is the suite schema (created if missing). On PGlite it
   * opens `<dataDir>/<name>`, the folder a service named `name` uses: close it before the code
   * under test opens the same one.
   */
  connect<DB>(name?: string): Promise<TestConnection<DB>>;
  /** Closes the connections from `connect` and drops the schema (CASCADE) or the folder. Idempotent. */
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Isolated database room for one suite: call it in `beforeAll`, `drop()` in `afterAll`.
 * Postgres (from DATABASE_URL or the shared test container) gets a fresh schema; without Postgres
 * the suite gets a temporary PGlite folder (and still a schema name to use inside it).
 */
export async function testDatabase(): Promise<TestDatabase> {
  const resource = testResources().database;
  const schema = `t_${randomTag(12)}`;
  const open = new Set<TestConnection<unknown>>();
  const track = <DB>(conn: TestConnection<DB>): TestConnection<DB> => {
    let closed: Promise<void> | undefined;
    const tracked: TestConnection<DB> = {
      db: conn.db,
      close: () => {
        open.delete(tracked as TestConnection<unknown>);
        closed ??= conn.close();
        return closed;
      },
    };
    open.add(tracked as TestConnection<unknown>);
    return tracked;
  };
  const closeAll = () => Promise.all([...open].map((c) => c.close()));
  let dropped: Promise<void> | undefined;

  if (resource.kind === 'postgres') {
    const { url } = resource;
    await withClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
    return {
      kind: 'postgres',
      url,
      schema,
      dataDir: undefined,
      async connect<DB>() {
        const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
        pool.on('error', () => undefined);
        await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
        // kysely's destroy() skips a driver it never used: end the pool ourselves then.
        return track({ db, close: () => db.destroy().finally(() => (pool.ended ? undefined : pool.end())) });
      },
      drop() {
        dropped ??= closeAll().then(() =>
          withClient(url, async (c) => {
            await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          }),
        );
        return dropped;
      },
    };
  }

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'testkit-pglite-'));
  return {
    kind: 'pglite',
    url: undefined,
    schema,
    dataDir,
    async connect<DB>(name = 'test') {
      const dir = path.join(dataDir, name);
      await mkdir(dir, { recursive: true });
      const pglite = await PGlite.create(dir);
      await pglite.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}";`);
      const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
      return track({
        db,
        close: () => db.destroy().finally(() => (pglite.closed ? undefined : pglite.close())),
      });
    },
    drop() {
      dropped ??= closeAll().then(() => rm(dataDir, { recursive: true, force: true }));
      return dropped;
    },
  };
}
