import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { testResources } from '../env/resources.ts';
import { type TestDatabase, testDatabase } from './test-database.ts';

interface Widgets {
  widgets: { id: number; name: string };
}

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query('select 1 from information_schema.schemata where schema_name = $1', [
      schema,
    ]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}

// On PGlite each connect() starts a WASM Postgres (a few seconds).
const SLOW = 90_000;

describe('testDatabase', () => {
  let a: TestDatabase;
  let b: TestDatabase;

  beforeAll(async () => {
    a = await testDatabase();
    b = await testDatabase();
  });

  afterAll(async () => {
    await a?.drop();
    await b?.drop();
  });

  it('gives every call its own schema on the backend chosen for the run', () => {
    expect(a.schema).toMatch(/^t_[0-9a-f]{12}$/);
    expect(b.schema).toMatch(/^t_[0-9a-f]{12}$/);
    expect(a.schema).not.toBe(b.schema);
    expect(a.kind).toBe(testResources().database.kind);
    if (a.kind === 'postgres') {
      expect(a.url).toBe(b.url);
      expect(a.dataDir).toBeUndefined();
    } else {
      expect(a.url).toBeUndefined();
      expect(a.dataDir).not.toBe(b.dataDir);
    }
  });

  it(
    'keeps the suites apart: a table of one schema is invisible from the other',
    async () => {
      const ca = await a.connect<Widgets>();
      const cb = await b.connect<Widgets>();
      try {
        await ca.db.schema
          .createTable('widgets')
          .addColumn('id', 'integer')
          .addColumn('name', 'text')
          .execute();
        await ca.db.insertInto('widgets').values({ id: 1, name: 'ours' }).execute();
        const where = await sql<{ s: string }>`select table_schema as s from information_schema.tables
        where table_name = 'widgets' and table_schema = ${a.schema}`.execute(ca.db);
        expect(where.rows).toEqual([{ s: a.schema }]);
        await expect(cb.db.selectFrom('widgets').selectAll().execute()).rejects.toThrow(/widgets/);
        expect(await ca.db.selectFrom('widgets').select('name').execute()).toEqual([{ name: 'ours' }]);
      } finally {
        await ca.close();
        await cb.close();
      }
    },
    SLOW,
  );

  it(
    'drop() removes the schema (Postgres) or the folder (PGlite), and may be called twice',
    async () => {
      const c = await testDatabase();
      const conn = await c.connect<Widgets>();
      await conn.db.schema.createTable('widgets').addColumn('id', 'integer').execute();
      // drop() closes the connection left open above before dropping.
      if (c.kind === 'postgres') {
        const url = c.url ?? '';
        expect(await schemaExists(url, c.schema)).toBe(true);
        await c.drop();
        expect(await schemaExists(url, c.schema)).toBe(false);
      } else {
        const dir = c.dataDir ?? '';
        expect(existsSync(dir)).toBe(true);
        await c.drop();
        expect(existsSync(dir)).toBe(false);
      }
      await expect(c.drop()).resolves.toBeUndefined();
    },
    SLOW,
  );
});
