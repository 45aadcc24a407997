/**
 * The client cache of client authentication (client-cache.ts): what it serves, for how long, and
 * that a rotated-out or deleted secret stops working at once on the instance that changed it and
 * within the TTL on any other.
 */
import { createDatabase, type Database, migrateToLatest } from '@authplatform/service-kit';
import { type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { developmentPepper } from '../../domain/clients/client-secret.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';
import { migrations } from '../../store/migrations/index.ts';
import { createClientAuthenticator } from './authenticate-client.ts';
import { createClientCache } from './client-cache.ts';
import { createClientManager } from './manage-clients.ts';

const pepper = developmentPepper();
let testDb: TestDatabase;
let database: Database<unknown>;
let db: Kysely<ClientsDatabase>;

beforeAll(async () => {
  testDb = await testDatabase();
  database = await createDatabase<unknown>({
    service: 'identity',
    databaseUrl: testDb.url,
    schema: testDb.schema,
    ...(testDb.dataDir === undefined ? {} : { dataDir: testDb.dataDir }),
  });
  await migrateToLatest(database, { migrations });
  db = database.db.withTables<ClientsDatabase>();
}, 60_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

/** One service instance: its own cache, authenticator and client manager, on the shared database. */
function instance(ttlMs: number, clock: { ms: number }) {
  const cache = createClientCache({ db, ttlMs, now: () => clock.ms });
  const authenticate = createClientAuthenticator({ clients: cache, pepper });
  const clients = createClientManager({
    db,
    pepper,
    rotationGraceSec: 0,
    onChanged: (id) => cache.forget(id),
  });
  const works = async (clientId: string, clientSecret: string) =>
    (await authenticate({ method: 'client_secret_basic', clientId, clientSecret })) !== undefined;
  return { cache, clients, works };
}

const admin = { type: 'admin' as const, id: 'admin-1' };
const newClient = { name: 'svc', grantTypes: ['client_credentials' as const], scopes: [], permissions: [] };

describe('client cache', () => {
  it('the instance that rotates a secret (no grace) or deletes a client refuses the old secret at once', async () => {
    const clock = { ms: 0 };
    const a = instance(60_000, clock);
    const { client, secret } = await a.clients.create(newClient, admin);
    expect(await a.works(client.id, secret)).toBe(true); // now cached
    const rotated = await a.clients.rotateSecret(client.id, { graceSec: 0 });
    expect(await a.works(client.id, secret)).toBe(false);
    expect(await a.works(client.id, rotated?.secret ?? '')).toBe(true);
    expect(await a.clients.delete(client.id, admin)).toBe(true);
    expect(await a.works(client.id, rotated?.secret ?? '')).toBe(false);
  });

  it('another instance refuses it once its TTL has passed, and never accepts a wrong secret meanwhile', async () => {
    const clock = { ms: 0 };
    const a = instance(2_000, clock);
    const b = instance(2_000, clock);
    const { client, secret } = await a.clients.create(newClient, admin);
    expect(await b.works(client.id, secret)).toBe(true); // b has it cached
    const rotated = await a.clients.rotateSecret(client.id, { graceSec: 0 });
    expect(await b.works(client.id, 'x'.repeat(43))).toBe(false);
    expect(await b.works(client.id, secret)).toBe(true); // within the documented bound
    clock.ms += 2_000;
    expect(await b.works(client.id, secret)).toBe(false);
    expect(await b.works(client.id, rotated?.secret ?? '')).toBe(true);
  });

  it('does not cache unknown clients: a client created elsewhere works at once', async () => {
    const clock = { ms: 0 };
    const a = instance(60_000, clock);
    const b = instance(60_000, clock);
    const id = `cl_${'0'.repeat(32)}`;
    expect(await b.cache.find(id)).toBeUndefined();
    const { client, secret } = await a.clients.create(newClient, admin);
    expect(await b.works(client.id, secret)).toBe(true);
  });

  it('with TTL 0 reads every time', async () => {
    const clock = { ms: 0 };
    const a = instance(60_000, clock);
    const b = instance(0, clock);
    const { client, secret } = await a.clients.create(newClient, admin);
    expect(await b.works(client.id, secret)).toBe(true);
    await a.clients.delete(client.id, admin);
    expect(await b.works(client.id, secret)).toBe(false);
  });
});
