import { randomBytes } from 'node:crypto';
import { messagingMigrations } from '@authplatform/messaging';
import { createDatabase, type Database, migrateToLatest } from '@authplatform/service-kit';
import { type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { parseKek, SigningKeyError } from '../../domain/keys/key-material.ts';
import * as signingKeysMigration from '../../store/keys/0001_signing_keys.ts';
import type { KeysDatabase } from '../../store/keys/schema.ts';
import { RotationTooSoonError } from './rotate-signing-key.ts';
import { createSigningKeys, type SigningKeysOptions } from './signing-keys.ts';

let testDb: TestDatabase;
let databases: Database<unknown>[] = [];

async function open(): Promise<Database<unknown>> {
  const database = await createDatabase<unknown>({
    service: 'identity',
    databaseUrl: testDb.url,
    schema: testDb.schema,
    ...(testDb.dataDir === undefined ? {} : { dataDir: testDb.dataDir }),
  });
  databases.push(database);
  return database;
}

/** A fresh table per test: the keys are a singleton per schema. */
async function reset(db: Database<unknown>): Promise<void> {
  await sql`delete from signing_keys`.execute(db.db);
  await sql`delete from outbox`.execute(db.db);
}

const kek = parseKek(randomBytes(32).toString('base64'));

function ring(database: Database<unknown>, options: Partial<SigningKeysOptions> = {}) {
  return createSigningKeys({
    db: database.db.withTables<KeysDatabase>(),
    kek,
    accessTokenTtlSec: 900,
    ...options,
  });
}

async function statuses(database: Database<unknown>): Promise<Record<string, number>> {
  const rows = await database.db
    .withTables<KeysDatabase>()
    .selectFrom('signing_keys')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

let main: Database<unknown>;

beforeAll(async () => {
  testDb = await testDatabase();
  main = await open();
  await migrateToLatest(main, {
    migrations: { ...messagingMigrations, '0001_signing_keys': signingKeysMigration },
  });
});

afterAll(async () => {
  for (const database of databases) await database.close();
  databases = [];
  await testDb.drop();
});

describe('start-up', () => {
  it('creates an active and a next key once, also when several instances start at once', async () => {
    await reset(main);
    const others = await Promise.all([open(), open(), open()]);
    const results = await Promise.all([main, ...others].map((db) => ring(db).ensureKeys()));
    expect(await statuses(main)).toEqual({ active: 1, next: 1 });
    const created = results.flatMap((r) => r.created);
    expect(created).toHaveLength(2);
    expect(new Set(results.map((r) => r.active)).size).toBe(1);
    expect(new Set(results.map((r) => r.next)).size).toBe(1);
  });

  it('adds a missing next key without touching the active one', async () => {
    await reset(main);
    const keys = ring(main);
    const first = await keys.ensureKeys();
    await sql`delete from signing_keys where status = 'next'`.execute(main.db);
    const second = await keys.ensureKeys();
    expect(second.active).toBe(first.active);
    expect(second.created).toEqual([second.next]);
  });
});

describe('encryption at rest', () => {
  it('stores neither the PEM, the DER nor `d` of the private key', async () => {
    await reset(main);
    const keys = ring(main);
    const { active } = await keys.ensureKeys();
    const { privateKey } = await keys.activeKey();
    const d = privateKey.export({ format: 'jwk' }).d;
    expect(typeof d).toBe('string');
    const dBytes = Buffer.from(d as string, 'base64url');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const rows = await sql<{
      kid: string;
      private_key_ciphertext: Buffer;
      public_jwk: unknown;
      whole: string;
    }>`select kid, private_key_ciphertext, public_jwk, row_to_json(signing_keys)::text as whole
       from signing_keys where kid = ${active}`.execute(main.db);
    const row = rows.rows[0];
    expect(row).toBeDefined();
    if (row === undefined) return;
    expect(row.private_key_ciphertext.includes(dBytes)).toBe(false);
    expect(row.private_key_ciphertext.includes(der)).toBe(false);
    expect(row.private_key_ciphertext.toString('latin1')).not.toContain('PRIVATE KEY');
    expect(row.whole).not.toContain(d as string);
    expect(row.whole).not.toContain('PRIVATE KEY');
    expect(Object.keys(row.public_jwk as object)).not.toContain('d');
  });

  it('a wrong key-encryption key fails with signing_key_decrypt_failed', async () => {
    await reset(main);
    await ring(main).ensureKeys();
    const wrong = ring(main, { kek: parseKek(randomBytes(32).toString('base64')) });
    const error = await wrong.activeKey().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as SigningKeyError).code).toBe('signing_key_decrypt_failed');
  });
});

describe('rotation', () => {
  it('refuses to promote a next key published for less than the JWKS cache lifetime', async () => {
    await reset(main);
    let now = new Date('2030-01-01T00:00:00Z');
    const keys = ring(main, { now: () => now });
    await keys.ensureKeys();
    now = new Date(now.getTime() + 60_000);
    const error = await keys.rotate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RotationTooSoonError);
    expect((error as RotationTooSoonError).retryAfterSec).toBe(270);
    expect(await statuses(main)).toEqual({ active: 1, next: 1 });
    now = new Date(now.getTime() + 270_000);
    await expect(keys.rotate()).resolves.toMatchObject({ pruned: [] });
  });

  it('moves next → active → retired, keeps retired keys until their tokens expired, then drops them', async () => {
    await reset(main);
    let now = new Date('2030-01-01T00:00:00Z');
    const keys = ring(main, { now: () => now, minNextKeyAgeSec: 0 });
    const start = await keys.ensureKeys();
    const rotated = await keys.rotate();
    expect(rotated.kid).toBe(start.next);
    expect(rotated.previous_kid).toBe(start.active);
    expect((await keys.activeKey()).kid).toBe(start.next);
    const jwksKids = (await keys.jwks()).keys.map((k) => k.kid);
    expect(jwksKids).toEqual([rotated.kid, rotated.next_kid, start.active]);
    // A token signed by the retired key just before the rotation is valid for 900 s; the key stays.
    now = new Date(now.getTime() + 900_000);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toContain(start.active);
    now = new Date(now.getTime() + 65_000);
    expect((await keys.jwks()).keys.map((k) => k.kid)).not.toContain(start.active);
    expect(await keys.pruneExpired()).toEqual([start.active]);
    expect(await statuses(main)).toEqual({ active: 1, next: 1 });
  });

  it('concurrent rotations from several instances leave exactly one active and one next key', async () => {
    await reset(main);
    const instances = [main, ...(await Promise.all([open(), open(), open()]))];
    await ring(main).ensureKeys();
    const results = await Promise.all(
      instances.flatMap((db) => [1, 2].map(() => ring(db, { minNextKeyAgeSec: 0 }).rotate())),
    );
    expect(await statuses(main)).toEqual({ active: 1, next: 1, retired: 8 });
    // Serialised: each rotation promoted the next key the previous one created.
    const promoted = new Set(results.map((r) => r.kid));
    expect(promoted.size).toBe(8);
    const events = await sql<{ type: string; n: number }>`
      select type, count(*)::int as n from outbox group by type`.execute(main.db);
    expect(events.rows).toEqual([{ type: 'identity.signing_key.rotated', n: 8 }]);
  });

  it('writes identity.signing_key.rotated to the outbox in the rotation transaction', async () => {
    await reset(main);
    const keys = ring(main, { minNextKeyAgeSec: 0 });
    await keys.ensureKeys();
    const rotated = await keys.rotate();
    const rows = await sql<{ payload: { type: string; subject: string; data: unknown } }>`
      select payload from outbox where type = 'identity.signing_key.rotated'`.execute(main.db);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]?.payload).toMatchObject({
      type: 'identity.signing_key.rotated',
      subject: `signing_key/${rotated.kid}`,
      data: { kid: rotated.kid, previous_kid: rotated.previous_kid, alg: 'ES256' },
    });
  });

  it('a refused rotation writes no event and changes no key', async () => {
    await reset(main);
    const keys = ring(main);
    const before = await keys.ensureKeys();
    await expect(keys.rotate()).rejects.toBeInstanceOf(RotationTooSoonError);
    const rows = await sql`select 1 from outbox`.execute(main.db);
    expect(rows.rows).toHaveLength(0);
    expect((await keys.activeKey()).kid).toBe(before.active);
  });
});

describe('cached active key', () => {
  it('another instance picks up a rotation within its refresh interval', async () => {
    await reset(main);
    const a = ring(main, { minNextKeyAgeSec: 0 });
    const other = await open();
    const b = ring(other, { refreshIntervalMs: 200 });
    const start = await a.ensureKeys();
    expect((await b.activeKey()).kid).toBe(start.active);
    const rotated = await a.rotate();
    expect((await a.activeKey()).kid).toBe(rotated.kid); // the rotating instance at once
    expect((await b.activeKey()).kid).toBe(start.active); // the other one within the interval
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await b.activeKey()).kid).toBe(rotated.kid);
  });

  it('past half its interval, serves the cached key at once and re-reads it in the background', async () => {
    await reset(main);
    const a = ring(main, { minNextKeyAgeSec: 0 });
    const other = await open();
    const b = ring(other, { refreshIntervalMs: 3_000 });
    const start = await a.ensureKeys();
    expect((await b.activeKey()).kid).toBe(start.active);
    const rotated = await a.rotate();
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    // Served from the cache without waiting (the re-read has only started) …
    expect((await b.activeKey()).kid).toBe(start.active);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // … and the background re-read has picked up the rotation before the interval ran out.
    expect((await b.activeKey()).kid).toBe(rotated.kid);
  });

  it('loads the key once for concurrent callers', async () => {
    await reset(main);
    const keys = ring(main);
    await keys.ensureKeys();
    const loaded = await Promise.all([keys.activeKey(), keys.activeKey(), keys.activeKey()]);
    expect(loaded[0]?.privateKey).toBe(loaded[1]?.privateKey);
    expect(loaded[1]?.privateKey).toBe(loaded[2]?.privateKey);
  });
});
