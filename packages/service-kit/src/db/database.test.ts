import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type TestDatabase, testDatabase, testResources } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Generated, type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import pg from 'pg';
import type { LoggerLike } from '../lifecycle/logger.ts';
import { createDatabase, type Database } from './create-database.ts';
import { MigrationError } from './errors.ts';
import { migrateToLatest } from './migrate.ts';

interface Tables {
  accounts: { id: Generated<number>; email: string; balance: string | null; visits: number | bigint };
  sessions: { id: string; account_id: number };
}

interface LogLine {
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recorder(): LoggerLike & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (message: string, meta?: Record<string, unknown>) => {
    lines.push({ message, meta });
  };
  return { lines, info: at, warn: at, error: at };
}

/**
 * A migrations folder as a service has it: `.ts` sources (tests, type stripping) next to `.js`
 * (built), plus declaration and map files that must be skipped. Migrations import nothing at runtime.
 */
async function writeMigrationsFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    path.join(dir, '0001_accounts.ts'),
    `import type { Kysely } from 'kysely';
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('balance', 'numeric')
    .addColumn('visits', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('accounts').execute();
}
`,
  );
  await writeFile(
    path.join(dir, '0002_sessions.js'),
    `export default {
  async up(db) {
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .execute();
  },
};
`,
  );
  await writeFile(path.join(dir, '0002_sessions.d.ts'), 'export {};\n');
  await writeFile(path.join(dir, '0002_sessions.js.map'), '{}\n');
  await writeFile(path.join(dir, 'README.md'), 'Not a migration.\n');
  return dir;
}

async function tableSchemas(database: Database<unknown>, table: string): Promise<string[]> {
  const r = await sql<{ table_schema: string }>`select table_schema from information_schema.tables
    where table_name = ${table} order by table_schema`.execute(database.db);
  return r.rows.map((row) => row.table_schema);
}

const resources = testResources().database;
const postgresUrl = resources.kind === 'postgres' ? resources.url : undefined;
// Postgres comes from DATABASE_URL or a Docker test container; with neither, only PGlite can run.
const describePostgres = postgresUrl ? describe : describe.skip;

describePostgres('createDatabase + migrateToLatest on Postgres', () => {
  let suite: TestDatabase;
  let folder: string;
  const extraSchemas: string[] = [];
  const open: Array<Database<unknown>> = [];
  const url = postgresUrl ?? '';

  /** A schema name of this suite that createDatabase has to create. */
  const freshSchema = (tag: string) => {
    const name = `${suite.schema}_${tag}`;
    extraSchemas.push(name);
    return name;
  };
  const openDb = async <DB = Tables>(schema: string, logger?: LoggerLike) => {
    const database = await createDatabase<DB>({
      service: 'identity',
      databaseUrl: url,
      schema,
      logger,
      poolSize: 3,
    });
    open.push(database as Database<unknown>);
    return database;
  };

  beforeAll(async () => {
    suite = await testDatabase();
    folder = await writeMigrationsFolder();
  });

  afterAll(async () => {
    await Promise.all(open.map((d) => d.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const s of extraSchemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await client.end();
    await suite?.drop();
    await rm(folder, { recursive: true, force: true });
  });

  it('creates the schema, sets it as search_path, and keeps the migration tables in it', async () => {
    const schema = freshSchema('identity');
    const logger = recorder();
    const database = await openDb(schema, logger);
    expect(database.kind).toBe('postgres');
    expect(database.schema).toBe(schema);
    await expect(database.ping()).resolves.toBeUndefined();

    const path = await sql<{ search_path: string }>`show search_path`.execute(database.db);
    expect(path.rows[0]?.search_path).toBe(schema);

    const outcome = await migrateToLatest(database, { migrationsFolder: folder });
    expect(outcome.applied).toEqual(['0001_accounts', '0002_sessions']);
    expect(logger.lines.filter((l) => l.message === 'migration applied').map((l) => l.meta)).toEqual([
      { schema, migration: '0001_accounts' },
      { schema, migration: '0002_sessions' },
    ]);
    expect(await tableSchemas(database as Database<unknown>, 'kysely_migration')).toContain(schema);
    expect(await tableSchemas(database as Database<unknown>, 'kysely_migration_lock')).toContain(schema);
    expect(await tableSchemas(database as Database<unknown>, 'accounts')).toEqual([schema]);
    const recorded = await sql<{ name: string }>`select name from ${sql.id(schema, 'kysely_migration')}
      order by name`.execute(database.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_accounts', '0002_sessions']);

    // A second start is a no-op; the folder may also be given as a file URL.
    const again = await migrateToLatest(database, { migrationsFolder: new URL(`file://${folder}/`) });
    expect(again.applied).toEqual([]);
  });

  it('parses bigint as number (or bigint beyond 2^53) and numeric as string', async () => {
    const database = await openDb(freshSchema('parse'));
    await migrateToLatest(database, { migrationsFolder: folder });
    await database.db
      .insertInto('accounts')
      .values([
        { email: 'ada@example.com', balance: '12.50', visits: 7 },
        { email: 'big@example.com', balance: null, visits: 2n ** 60n },
      ])
      .execute();
    const rows = await database.db
      .selectFrom('accounts')
      .select(['email', 'balance', 'visits'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { email: 'ada@example.com', balance: '12.50', visits: 7 },
      { email: 'big@example.com', balance: null, visits: 2n ** 60n },
    ]);
    const count = await database.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(count?.n).toBe(2);
    const arr = await sql<{ a: unknown }>`select '{1,9007199254740993}'::int8[] as a`.execute(database.db);
    expect(arr.rows[0]?.a).toEqual([1, 9007199254740993n]);
  });

  it("isolates services: each sees its own tables through search_path, never the other's", async () => {
    const identity = await openDb<{ accounts: { email: string }; only_identity: { x: number } }>(
      freshSchema('iso_identity'),
    );
    const authz = await openDb<{ accounts: { email: string } }>(freshSchema('iso_authz'));
    for (const [db, email] of [
      [identity.db, 'identity@example.com'],
      [authz.db, 'authz@example.com'],
    ] as const) {
      await db.schema.createTable('accounts').addColumn('email', 'text').execute();
      await (db as Kysely<{ accounts: { email: string } }>)
        .insertInto('accounts')
        .values({ email })
        .execute();
    }
    await identity.db.schema.createTable('only_identity').addColumn('x', 'integer').execute();

    expect(await identity.db.selectFrom('accounts').select('email').execute()).toEqual([
      { email: 'identity@example.com' },
    ]);
    expect(await authz.db.selectFrom('accounts').select('email').execute()).toEqual([
      { email: 'authz@example.com' },
    ]);
    await expect(sql`select * from only_identity`.execute(authz.db)).rejects.toThrow(/only_identity/);
  });

  it('two instances starting at once create the schema and apply each migration exactly once', async () => {
    const schema = freshSchema('race');
    const calls: string[] = [];
    const migrations: Record<string, Migration> = {
      '0001_slow': {
        async up(db) {
          calls.push('0001_slow');
          await db.schema.createTable('first').addColumn('id', 'integer').execute();
          await sql`select pg_sleep(0.3)`.execute(db);
        },
      },
      '0002_next': {
        async up(db) {
          calls.push('0002_next');
          await db.schema.createTable('second').addColumn('id', 'integer').execute();
        },
      },
    };
    const [a, b] = await Promise.all([openDb(schema), openDb(schema)]);
    const outcomes = await Promise.all([
      migrateToLatest(a, { migrations }),
      migrateToLatest(b, { migrations }),
    ]);
    const applied = outcomes.map((o) => o.applied).sort((x, y) => y.length - x.length);
    expect(applied).toEqual([['0001_slow', '0002_next'], []]);
    expect(calls).toEqual(['0001_slow', '0002_next']);
    expect(await tableSchemas(a as Database<unknown>, 'second')).toEqual([schema]);
  });

  it('fails with migration_failed, names the migration, keeps the cause, and rolls everything back', async () => {
    const database = await openDb(freshSchema('broken'));
    const error = await migrateToLatest(database, {
      migrations: {
        '0001_ok': { up: (db) => db.schema.createTable('fine').addColumn('id', 'integer').execute() },
        '0002_bad': { up: async (db) => void (await sql`select * from no_such_table`.execute(db)) },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'migration_failed', migration: '0002_bad' });
    expect(String((error as MigrationError).cause)).toMatch(/no_such_table/);
    expect(await tableSchemas(database as Database<unknown>, 'fine')).toEqual([]);
  });

  it('reports a migration file that cannot be loaded', async () => {
    const broken = await mkdtemp(path.join(os.tmpdir(), 'migrations-bad-'));
    try {
      await writeFile(path.join(broken, 'package.json'), '{ "type": "module" }\n');
      await writeFile(path.join(broken, '0001_nothing.js'), 'export const notUp = 1;\n');
      const database = await openDb(freshSchema('load'));
      await expect(migrateToLatest(database, { migrationsFolder: broken })).rejects.toMatchObject({
        code: 'migration_failed',
        migration: '0001_nothing',
      });
      await expect(
        migrateToLatest(database, { migrationsFolder: path.join(broken, 'missing') }),
      ).rejects.toMatchObject({ code: 'migration_failed' });
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('keeps connection options given in the URL next to the search_path', async () => {
    const withOptions = new URL(url);
    withOptions.searchParams.set('options', '-c statement_timeout=4321');
    const database = await createDatabase({
      service: 'identity',
      databaseUrl: withOptions.toString(),
      schema: freshSchema('options'),
    });
    open.push(database);
    const timeout = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(database.db);
    expect(timeout.rows[0]?.statement_timeout).toBe('4321ms');
    const searchPath = await sql<{ search_path: string }>`show search_path`.execute(database.db);
    expect(searchPath.rows[0]?.search_path).toBe(database.schema);
  });

  it('survives the server killing a connection in use: the query fails, the service keeps running', async () => {
    const warnings: string[] = [];
    const logger: LoggerLike = {
      info: () => {},
      warn: (message: string) => {
        warnings.push(message);
      },
      error: () => {},
    };
    const database = await openDb(freshSchema('killed'), logger);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Hold a connection busy, then terminate its backend from outside, as a restart or a DBA would.
      const busy = await database.db.connection().execute(async (conn) => {
        const { rows: own } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        const pid = own[0]?.pid;
        const sleeping = sql`select pg_sleep(5)`.execute(conn);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        return sleeping.then(
          () => 'finished',
          () => 'failed',
        );
      });
      expect(busy).toBe('failed');
      expect(rows[0]?.pid).toEqual(expect.any(Number));
      // The pool discards the dead client: a query may still meet it once (its end can arrive after
      // its release), and then the pool connects afresh.
      const attempts: string[] = [];
      for (let i = 0; i < 3 && attempts.at(-1) !== 'ok'; i++) {
        attempts.push(
          await database.ping().then(
            () => 'ok',
            () => 'failed',
          ),
        );
      }
      expect(attempts.at(-1)).toBe('ok');
      expect(attempts.length).toBeLessThanOrEqual(2);
      expect(warnings).toContain('database connection failed');
    } finally {
      await admin.end();
    }
  });

  it('close() is idempotent and the pool is gone afterwards', async () => {
    const database = await openDb(freshSchema('close'));
    await database.close();
    await expect(database.close()).resolves.toBeUndefined();
    await expect(database.ping()).rejects.toThrow();
  });
});

describe('createDatabase + migrateToLatest on embedded PGlite', () => {
  let dataDir: string;
  let folder: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pglite-'));
    folder = await writeMigrationsFolder();
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(folder, { recursive: true, force: true });
  });

  it('stores files under <dataDir>/<service>, migrates into the service schema, and persists across restarts', async () => {
    const logger = recorder();
    const first = await createDatabase<Tables>({ service: 'identity', dataDir, logger });
    try {
      expect(first.kind).toBe('pglite');
      expect(first.schema).toBe('identity');
      expect(existsSync(path.join(dataDir, 'identity'))).toBe(true);
      const searchPath = await sql<{ search_path: string }>`show search_path`.execute(first.db);
      expect(searchPath.rows[0]?.search_path).toBe('identity');

      const outcome = await migrateToLatest(first, { migrationsFolder: folder });
      expect(outcome.applied).toEqual(['0001_accounts', '0002_sessions']);
      expect(logger.lines.filter((l) => l.message === 'migration applied')).toHaveLength(2);
      expect(await tableSchemas(first as Database<unknown>, 'kysely_migration')).toEqual(['identity']);
      expect(await tableSchemas(first as Database<unknown>, 'accounts')).toEqual(['identity']);

      await first.db
        .insertInto('accounts')
        .values([
          { email: 'ada@example.com', balance: '12.50', visits: 7 },
          { email: 'big@example.com', balance: null, visits: 2n ** 60n },
        ])
        .execute();
      // Same value parsing as on Postgres.
      const rows = await first.db
        .selectFrom('accounts')
        .select(['balance', 'visits'])
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { balance: '12.50', visits: 7 },
        { balance: null, visits: 2n ** 60n },
      ]);
    } finally {
      await first.close();
    }

    const second = await createDatabase<Tables>({ service: 'identity', dataDir });
    try {
      expect((await migrateToLatest(second, { migrationsFolder: folder })).applied).toEqual([]);
      expect(await second.db.selectFrom('accounts').select('email').orderBy('id').execute()).toEqual([
        { email: 'ada@example.com' },
        { email: 'big@example.com' },
      ]);
      await expect(second.ping()).resolves.toBeUndefined();
    } finally {
      await second.close();
      await expect(second.close()).resolves.toBeUndefined();
    }
    // Two PGlite starts (a few seconds each, more on a loaded machine).
  }, 90_000);
});

describe('createDatabase errors', () => {
  it('reports an unreachable Postgres as database_unavailable with the cause', async () => {
    const error = await createDatabase({
      service: 'identity',
      databaseUrl: 'postgres://postgres@127.0.0.1:9/postgres',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'database_unavailable', name: 'DatabaseSetupError' });
    expect(String((error as Error).cause)).toMatch(/ECONNREFUSED/);
  });
});
