import { randomUUID } from 'node:crypto';
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { migrateToLatest } from '../db/migrate.ts';
import type { ProblemBody } from '../errors/problem.ts';
import { problems } from '../errors/problem.ts';
import { defineRoute } from '../http/route.ts';
import type { TestApp } from '../http/test-support.ts';
import { sendJson, startTestApp } from '../http/test-support.ts';
import { IDEMPOTENCY_TABLE, serviceKitMigrations } from './schema.ts';
import { createIdempotencyStore, type DatabaseIdempotencyStore } from './store.ts';

let suite: TestDatabase;
let conn: TestConnection<unknown>;
let store: DatabaseIdempotencyStore;
let api: TestApp;

const calls = { create: 0, slow: 0, failing: 0, optOut: 0, anonymous: 0 };
let releaseSlow: () => void = () => {};

const Created = Type.Object({
  id: Type.String(),
  name: Type.String(),
  secret: Type.String(),
  by: Type.String(),
});

const routes = [
  defineRoute({
    method: 'post',
    path: '/v1/things',
    operationId: 'createThing',
    summary: 'Creates a thing and shows its secret once',
    auth: 'bearer',
    request: { body: Type.Object({ name: Type.String(), size: Type.Optional(Type.Integer()) }) },
    responses: { 201: { description: 'Created', schema: Created } },
    handler: async ({ body, claims, reply }) => {
      calls.create++;
      const id = randomUUID();
      return reply(
        201,
        { id, name: body.name, secret: `sk_${randomUUID()}`, by: claims.sub },
        { Location: `/v1/things/${id}` },
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/slow',
    operationId: 'slowThing',
    summary: 'Waits until the test lets it finish',
    auth: 'bearer',
    responses: { 204: { description: 'Done' } },
    handler: async () => {
      calls.slow++;
      await new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      return { status: 204 as const };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/failing',
    operationId: 'failingThing',
    summary: 'Fails the first time',
    auth: 'bearer',
    responses: { 204: { description: 'Done' }, 409: { description: 'Busy' } },
    handler: async () => {
      calls.failing++;
      if (calls.failing === 1) throw problems.conflict('busy', 'Try again.');
      return { status: 204 as const };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/opt-out',
    operationId: 'optOut',
    summary: 'Not idempotent-key aware',
    auth: 'bearer',
    idempotency: false,
    responses: { 200: { description: 'Count', schema: Type.Object({ n: Type.Integer() }) } },
    handler: async ({ reply }) => reply(200, { n: ++calls.optOut }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/public',
    operationId: 'publicThing',
    summary: 'No token needed',
    request: { body: Type.Object({ email: Type.String() }) },
    responses: { 202: { description: 'Accepted', schema: Type.Object({ n: Type.Integer() }) } },
    handler: async ({ reply }) => reply(202, { n: ++calls.anonymous }),
  }),
];

beforeAll(async () => {
  suite = await testDatabase();
  conn = await suite.connect();
  await migrateToLatest(
    { db: conn.db, schema: suite.schema, logger: undefined },
    { migrations: serviceKitMigrations },
  );
  store = createIdempotencyStore(conn, { ttlSeconds: 3600 });
  api = await startTestApp({ extraRoutes: routes, idempotency: store });
});
afterAll(async () => {
  await api?.close();
  await suite?.drop();
});
beforeEach(() => {
  for (const key of Object.keys(calls) as Array<keyof typeof calls>) calls[key] = 0;
});

const db = () => conn.db as Kysely<Record<string, Record<string, unknown>>>;
const rows = () => db().selectFrom(IDEMPOTENCY_TABLE).selectAll().execute();
const key = () => randomUUID();
const as = (token: string, idempotencyKey?: string) => ({
  authorization: `Bearer ${token}`,
  ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
});
const create = (body: unknown, headers: Record<string, string>) =>
  sendJson(`${api.url}/v1/things`, 'POST', body, headers);

async function problemOf(res: Response): Promise<ProblemBody> {
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await res.json()) as ProblemBody;
}

describe('Idempotency-Key', () => {
  it('answers a repeat with the first response, running the handler once', async () => {
    const k = key();
    const first = await create({ name: 'a' }, as('admin-token', k));
    const firstBody = await first.json();
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await create({ name: 'a' }, as('admin-token', k));
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await again.json()).toEqual(firstBody);
    expect(calls.create).toBe(1);
  });

  it('treats the same JSON with keys in another order as the same request', async () => {
    const k = key();
    await create({ name: 'a', size: 1 }, as('admin-token', k));
    const again = await sendJson(
      `${api.url}/v1/things`,
      'POST',
      { size: 1, name: 'a' },
      as('admin-token', k),
    );
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(calls.create).toBe(1);
  });

  it('refuses the same key with another body (422), running nothing and keeping the first response', async () => {
    const k = key();
    const first = await (await create({ name: 'a' }, as('admin-token', k))).json();
    const other = await create({ name: 'b' }, as('admin-token', k));
    expect(other.status).toBe(422);
    expect((await problemOf(other)).code).toBe('idempotency_key_reused');
    expect(calls.create).toBe(1);
    expect(await (await create({ name: 'a' }, as('admin-token', k))).json()).toEqual(first);
  });

  it('never shows one caller the response stored for another caller’s key', async () => {
    const k = key();
    const admin = (await (await create({ name: 'a' }, as('admin-token', k))).json()) as {
      secret: string;
      by: string;
    };
    const before = (await rows()).length;
    // Another user replays the admin's key and body: a fresh request of their own, never the admin's answer.
    const other = await create({ name: 'a' }, as('reader-token', k));
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    const otherBody = (await other.json()) as { secret: string; by: string };
    expect(otherBody.by).toBe('reader');
    expect(otherBody.secret).not.toBe(admin.secret);
    expect(calls.create).toBe(2);
    expect((await rows()).length).toBe(before + 1);
    // ...and a different body under the same key is not a 422 for them (no hint the key exists elsewhere).
    expect((await create({ name: 'z' }, as('nobody-token', k))).status).toBe(201);
  });

  it('answers a concurrent repeat with 409 while the first runs, and the first response after', async () => {
    const k = key();
    const first = fetch(`${api.url}/v1/slow`, { method: 'POST', headers: as('admin-token', k) });
    while (calls.slow === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const concurrent = await fetch(`${api.url}/v1/slow`, { method: 'POST', headers: as('admin-token', k) });
    expect(concurrent.status).toBe(409);
    expect(concurrent.headers.get('retry-after')).toBe('1');
    expect((await problemOf(concurrent)).code).toBe('idempotency_request_in_progress');
    releaseSlow();
    expect((await first).status).toBe(204);
    const after = await fetch(`${api.url}/v1/slow`, { method: 'POST', headers: as('admin-token', k) });
    expect(after.status).toBe(204);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(calls.slow).toBe(1);
  });

  it('stores nothing readable: no key, no body, no secret, no plaintext', async () => {
    const k = key();
    const created = (await (await create({ name: 'plain-name' }, as('admin-token', k))).json()) as {
      secret: string;
    };
    const all = JSON.stringify(await rows());
    for (const leak of [k, created.secret, 'plain-name', 'sk_', 'admin']) expect(all).not.toContain(leak);
  });

  it('releases the key when the handler fails, so a retry runs', async () => {
    const k = key();
    const failed = await fetch(`${api.url}/v1/failing`, { method: 'DELETE', headers: as('admin-token', k) });
    expect(failed.status).toBe(409);
    expect((await problemOf(failed)).code).toBe('busy');
    const retry = await fetch(`${api.url}/v1/failing`, { method: 'DELETE', headers: as('admin-token', k) });
    expect(retry.status).toBe(204);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(calls.failing).toBe(2);
  });

  it('ignores the header on routes that opt out and on GET', async () => {
    const k = key();
    const before = (await rows()).length;
    for (const n of [1, 2]) {
      const res = await fetch(`${api.url}/v1/opt-out`, { method: 'PUT', headers: as('admin-token', k) });
      expect(await res.json()).toEqual({ n });
    }
    const get = await fetch(`${api.url}/v1/users/me`, { headers: as('reader-token', k) });
    expect(get.status).toBe(200);
    expect((await rows()).length).toBe(before);
  });

  it('refuses a malformed key (400) before running anything', async () => {
    for (const bad of [
      'short',
      'x'.repeat(256),
      'has space in the key!!',
      'caf\u00e9-caf\u00e9-caf\u00e9-caf\u00e9',
    ]) {
      const res = await create({ name: 'a' }, as('admin-token', bad));
      expect(res.status).toBe(400);
      expect((await problemOf(res)).code).toBe('invalid_idempotency_key');
    }
    expect(calls.create).toBe(0);
  });

  it('runs again once the stored response expired, and sweeps expired entries', async () => {
    const k = key();
    await create({ name: 'a' }, as('admin-token', k));
    await sql`UPDATE ${sql.table(IDEMPOTENCY_TABLE)} SET expires_at = now() - interval '1 second'`.execute(
      conn.db,
    );
    const again = await create({ name: 'a' }, as('admin-token', k));
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(calls.create).toBe(2);
    await sql`UPDATE ${sql.table(IDEMPOTENCY_TABLE)} SET expires_at = now() - interval '1 second'`.execute(
      conn.db,
    );
    expect(await store.sweep()).toBeGreaterThan(0);
    expect(await rows()).toEqual([]);
  });

  it('scopes anonymous callers by their Authorization header and else by key and body', async () => {
    const k = key();
    const post = (headers: Record<string, string>, email = 'a@example.com') =>
      sendJson(`${api.url}/v1/public`, 'POST', { email }, { 'Idempotency-Key': k, ...headers });
    expect(await (await post({})).json()).toEqual({ n: 1 });
    expect(await (await post({})).json()).toEqual({ n: 1 });
    expect(await (await post({ authorization: 'Basic Y2xpZW50OnNlY3JldA==' })).json()).toEqual({ n: 2 });
    expect((await post({}, 'b@example.com')).status).toBe(422);
    expect(calls.anonymous).toBe(2);
  });

  it('does not take part without a key', async () => {
    const before = (await rows()).length;
    await create({ name: 'a' }, as('admin-token'));
    await create({ name: 'a' }, as('admin-token'));
    expect(calls.create).toBe(2);
    expect((await rows()).length).toBe(before);
  });

  it('documents the header and its problems on mutating routes only', () => {
    const post = api.openapi.paths['/v1/things']?.post as {
      parameters: Array<{ name: string; in: string }>;
      responses: Record<string, unknown>;
    };
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['409', '422']));
    const optOut = api.openapi.paths['/v1/opt-out']?.put as { parameters?: unknown[]; responses: object };
    expect(optOut.parameters).toBeUndefined();
    expect(Object.keys(optOut.responses)).not.toContain('422');
    const get = api.openapi.paths['/v1/users/me']?.get as { parameters?: unknown[] };
    expect(get.parameters).toBeUndefined();
  });
});
