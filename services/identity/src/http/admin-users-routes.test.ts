import { uuidv7 } from '@authplatform/contracts';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TProperties } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { accountsFor } from '../app/accounts/accounts-module.ts';
import { adminUsersFor } from '../app/admin/admin-module.ts';
import { service } from '../service.ts';
import type { AdminDatabase } from '../store/admin/admin-users-store.ts';
import * as claimsProjection from '../store/claims/0007_claims_projection.ts';
import { adminUsersRoutes } from './admin-users-routes.ts';

/** The service as it is once routes.ts and migrations/index.ts list the admin users parts. */
const serviceWithAdmin = {
  ...service,
  migrations: { ...service.migrations, '0007_claims_projection': claimsProjection },
  routes: (context: Parameters<typeof service.routes>[0]) => {
    const base = service.routes(context);
    if (base.some((r) => r.operationId === 'listUsers')) return base;
    return [
      ...base,
      ...adminUsersRoutes({ users: adminUsersFor(context), admin: context.authenticator !== undefined }),
    ];
  },
} as unknown as ServiceDefinition<TProperties>;

let running: RunningService<TProperties>;
let database: TestDatabase;
let broker: TestBroker;
let issuer: TestIssuer;
let db: Kysely<AdminDatabase>;

beforeAll(async () => {
  database = await testDatabase();
  broker = testBroker();
  issuer = await startTestIssuer();
  running = (await startServiceForTest(
    serviceWithAdmin,
    { database, broker },
    { JWKS_URL: issuer.jwksUrl, TOKEN_ISSUER: issuer.issuer, TOKEN_AUDIENCE: issuer.audience },
  )) as unknown as RunningService<TProperties>;
  db = running.database.db.withTables<AdminDatabase>();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await issuer?.close();
  await broker?.cleanup();
  await database?.drop();
});

const token = (permissions: string[]) => `Bearer ${issuer.sign({ sub: 'admin-1', permissions })}`;

function call(method: string, path: string, permissions: string[] | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (permissions !== undefined) headers.authorization = token(permissions);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${running.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const tag = `t${Date.now().toString(36)}`;

async function insertUser(local: string, status: 'active' | 'disabled' = 'active'): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('users')
    .values({
      id,
      email: `${local}.${tag}@example.test`,
      password_hash: null,
      name: local,
      locale: 'en',
      timezone: 'UTC',
      email_verified_at: new Date(),
      status,
    })
    .execute();
  return id;
}

async function outboxOf(userId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const rows = await sql<{ type: string; payload: { data: Record<string, unknown> } }>`
    select type, payload from outbox where payload->'data'->>'user_id' = ${userId} order by seq`.execute(db);
  return rows.rows.map((r) => ({ type: r.type, data: r.payload.data }));
}

describe('admin users API: authentication', () => {
  it('answers 401 without a token and 403 without the permission', async () => {
    expect((await call('GET', '/v1/admin/users', undefined)).status).toBe(401);
    expect((await call('GET', '/v1/admin/users', ['clients:write'])).status).toBe(403);
    const id = await insertUser('authcheck');
    expect(
      (await call('PATCH', `/v1/admin/users/${id}`, ['users:read'], { status: 'disabled' })).status,
    ).toBe(403);
    expect((await call('POST', `/v1/admin/users/${id}/unlock`, ['users:read'])).status).toBe(403);
    expect((await call('DELETE', `/v1/admin/users/${id}/sessions`, ['users:read'])).status).toBe(403);
    expect((await call('GET', `/v1/admin/users/${id}`, ['users:read'])).status).toBe(200);
    expect((await call('GET', `/v1/admin/users/${id}`, ['*'])).status).toBe(200);
  });
});

describe('GET /v1/admin/users', () => {
  it('pages through an email prefix with a cursor, and filters by status', async () => {
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push(await insertUser(`page${i}`));
    const disabled = await insertUser('pagex', 'disabled');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(
        'GET',
        `/v1/admin/users?email=PAGE&limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        ['users:read'],
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { id: string; email: string }[]; next_cursor?: string };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((u) => u.id));
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toEqual([...ids, disabled].sort());
    expect(pages).toBe(3);

    const res = await call('GET', '/v1/admin/users?email=page&status=disabled', ['users:read']);
    const body = (await res.json()) as { items: { id: string; status: string }[]; next_cursor?: string };
    expect(body.items).toMatchObject([{ id: disabled, status: 'disabled' }]);
    expect(body.next_cursor).toBeUndefined();
    // LIKE wildcards in the prefix are literal.
    const wild = (await (await call('GET', '/v1/admin/users?email=%25', ['users:read'])).json()) as {
      items: unknown[];
    };
    expect(wild.items).toEqual([]);
  });

  it('reads one user, 404 for an unknown id', async () => {
    const id = await insertUser('reader');
    const res = await call('GET', `/v1/admin/users/${id}`, ['users:read']);
    expect(await res.json()).toMatchObject({
      id,
      name: 'reader',
      status: 'active',
      email_verified: true,
      locked: false,
    });
    expect((await call('GET', `/v1/admin/users/${uuidv7()}`, ['users:read'])).status).toBe(404);
  });
});

describe('changes', () => {
  it('disables (revoking sessions) and enables a user, renames it, with events', async () => {
    const id = await insertUser('changer');
    await db
      .insertInto('sessions')
      .values({
        id: uuidv7(),
        user_id: id,
        ip: '203.0.113.1',
        user_agent: 'x',
        revoked_at: null,
        reason: null,
      })
      .execute();
    const disable = await call('PATCH', `/v1/admin/users/${id}`, ['users:write'], {
      status: 'disabled',
      reason: 'Left',
    });
    expect(disable.status).toBe(200);
    expect(await disable.json()).toMatchObject({ status: 'disabled' });
    // Disabling twice changes nothing and emits nothing.
    await call('PATCH', `/v1/admin/users/${id}`, ['users:write'], { status: 'disabled' });
    const enable = await call('PATCH', `/v1/admin/users/${id}`, ['users:write'], {
      status: 'active',
      name: 'Ada',
    });
    expect(await enable.json()).toMatchObject({ status: 'active', name: 'Ada' });
    expect(await outboxOf(id)).toEqual([
      {
        type: 'identity.user.disabled',
        data: { user_id: id, reason: 'Left', actor: { type: 'admin', id: 'admin-1' } },
      },
      { type: 'identity.session.revoked', data: expect.objectContaining({ reason: 'user_disabled' }) },
      { type: 'identity.user.enabled', data: { user_id: id, actor: { type: 'admin', id: 'admin-1' } } },
      { type: 'identity.user.updated', data: { user_id: id, changed: ['name'], name: 'Ada' } },
    ]);
    expect((await call('PATCH', `/v1/admin/users/${uuidv7()}`, ['users:write'], { name: 'x' })).status).toBe(
      404,
    );
    expect((await call('PATCH', `/v1/admin/users/${id}`, ['users:write'], { status: 'gone' })).status).toBe(
      400,
    );
    // A name the profile rules refuse (control/format characters) refuses the whole change.
    const events = (await outboxOf(id)).length;
    const bad = await call('PATCH', `/v1/admin/users/${id}`, ['users:write'], {
      status: 'disabled',
      name: 'Ada\u202eKing',
    });
    expect(bad.status).toBe(400);
    expect(await (await call('GET', `/v1/admin/users/${id}`, ['users:read'])).json()).toMatchObject({
      status: 'active',
      name: 'Ada',
    });
    expect(await outboxOf(id)).toHaveLength(events);
  });

  it('unlocks a security lock and a failed-login lockout', async () => {
    const id = await insertUser('locked');
    await db
      .insertInto('user_locks')
      .values({ user_id: id, reason: 'security_detection', locked_until: null, detection_id: null })
      .execute();
    expect(await (await call('GET', `/v1/admin/users/${id}`, ['users:read'])).json()).toMatchObject({
      locked: true,
    });
    expect((await call('POST', `/v1/admin/users/${id}/unlock`, ['users:write'])).status).toBe(204);
    expect(await (await call('GET', `/v1/admin/users/${id}`, ['users:read'])).json()).toMatchObject({
      locked: false,
    });

    // The login throttle's lockout (10 failures by default).
    const { throttle } = accountsFor(running as never);
    const email = `locked.${tag}@example.test`;
    for (let i = 0; i < 12; i += 1) {
      const gate = await throttle.begin({ account: email, ip: `198.51.100.${i}` });
      if (gate.allowed) await throttle.recordFailure({ account: email, ip: `198.51.100.${i}` });
    }
    expect(await (await call('GET', `/v1/admin/users/${id}`, ['users:read'])).json()).toMatchObject({
      locked: true,
    });
    expect((await call('POST', `/v1/admin/users/${id}/unlock`, ['users:write'])).status).toBe(204);
    expect((await throttle.check({ account: email, ip: '198.51.100.99' })).locked).toBe(false);
    // Not locked any more: no third event.
    expect((await call('POST', `/v1/admin/users/${id}/unlock`, ['users:write'])).status).toBe(204);
    expect((await outboxOf(id)).map((e) => e.type)).toEqual([
      'identity.user.unlocked',
      'identity.user.unlocked',
    ]);
    expect((await call('POST', `/v1/admin/users/${uuidv7()}/unlock`, ['users:write'])).status).toBe(404);
  });

  it('revokes every live session of a user', async () => {
    const id = await insertUser('sessions');
    const live = [uuidv7(), uuidv7()];
    for (const sid of live)
      await db
        .insertInto('sessions')
        .values({ id: sid, user_id: id, ip: '203.0.113.1', user_agent: 'x', revoked_at: null, reason: null })
        .execute();
    expect((await call('DELETE', `/v1/admin/users/${id}/sessions`, ['users:write'])).status).toBe(204);
    const rows = await db
      .selectFrom('sessions')
      .select(['revoked_at', 'reason'])
      .where('user_id', '=', id)
      .execute();
    expect(rows.every((r) => r.revoked_at !== null && r.reason === 'admin')).toBe(true);
    const events = await outboxOf(id);
    expect(events.map((e) => e.data.session_id).sort()).toEqual([...live].sort());
    expect(events.every((e) => e.type === 'identity.session.revoked' && e.data.reason === 'admin')).toBe(
      true,
    );
    expect((await call('DELETE', `/v1/admin/users/${uuidv7()}/sessions`, ['users:write'])).status).toBe(404);
  });
});
