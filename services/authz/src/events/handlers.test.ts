/**
 * The events authz consumes, end to end: events sent to the authz inbox on the test broker (fauxqs),
 * consumed by the running service, with their effects read back through the API, the tables, the
 * outbox and the export bucket.
 */
import { createHash } from 'node:crypto';
import { type CloudEvent, createEvent, uuidv7 } from '@authplatform/contracts';
import { handlerCoverage } from '@authplatform/messaging';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, type OutboxRow, startAuthz } from '../http/authz.test-support.ts';
import { type BrokerClients, brokerClients } from './broker.test-support.ts';
import { createHandlers } from './handlers.ts';

let h: AuthzHarness;
let broker: BrokerClients;

beforeAll(async () => {
  h = await startAuthz({ AUTHZ_DEFAULT_ROLE: 'member' });
  broker = brokerClients(h.broker);
  await until(async () => (await fetch(`${h.url}/readyz`)).status === 200, 30_000);
}, 120_000);

afterAll(async () => {
  broker?.destroy();
  await h?.close();
});

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rolesOf = async (userId: string) =>
  (await h.call('get', `/v1/subjects/user:${userId}/roles`)).body.items
    .map((a: { role: string }) => a.role)
    .sort();

const inboxCount = async (id: string) =>
  Number(
    (
      (await h.db
        .selectFrom('inbox' as never)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('message_id' as never, '=', id as never)
        .executeTakeFirst()) as { n: number } | undefined
    )?.n ?? 0,
  );

const outboxOf = async (type: string): Promise<OutboxRow[]> =>
  (await h.outbox()).filter((e) => e.type === type);

function registered(
  userId: string,
  signupMethod: 'self_service' | 'bootstrap_admin' = 'self_service',
): CloudEvent {
  return createEvent('identity.user.registered', {
    user_id: userId,
    email: `${userId.slice(-6)}@example.com`,
    locale: 'en',
    timezone: 'UTC',
    signup_method: signupMethod,
  });
}

describe('authz event handlers', () => {
  it('handle exactly the types the topology delivers to authz', () => {
    const handlers = createHandlers({
      complianceExports: { bucket: 'unused', put: () => Promise.reject(new Error('not in this test')) },
      authz: {
        subjects: {
          onRegistered: () => Promise.reject(new Error('no')),
          erase: () => Promise.reject(new Error('no')),
        },
      },
    });
    expect(handlerCoverage('authz', Object.keys(handlers))).toEqual({ missing: [], unexpected: [] });
  });

  it('gives a registered user the default role (created on first use), once, whatever the redeliveries', async () => {
    const userId = uuidv7();
    const event = registered(userId);
    await broker.deliver(event);
    await broker.deliver(event); // a duplicate (same id): the inbox drops it
    expect(
      await until(async () => ((await rolesOf(userId)).length > 0 ? rolesOf(userId) : undefined)),
    ).toEqual(['member']);
    expect((await h.call('get', '/v1/roles/member')).body).toMatchObject({
      permissions: [],
      built_in: false,
    });
    // Another registration event for the same user (another id): idempotent.
    const again = registered(userId);
    await broker.deliver(again);
    await until(async () => (await inboxCount(again.id)) === 1);
    expect(await rolesOf(userId)).toEqual(['member']);
    const assigned = (await outboxOf('authz.role.assigned')).filter(
      (e) => e.payload.data.subject === `user:${userId}`,
    );
    expect(assigned).toHaveLength(1);
    expect(assigned[0]?.payload.data).toEqual({
      subject: `user:${userId}`,
      role: 'member',
      actor: { type: 'system' },
    });
    expect((await outboxOf('authz.role.created')).map((e) => e.payload.data.name)).toEqual(['member']);
  });

  it('gives the bootstrap admin the built-in platform-admin role', async () => {
    const userId = uuidv7();
    await broker.deliver(registered(userId, 'bootstrap_admin'));
    expect(
      await until(async () => ((await rolesOf(userId)).length === 2 ? rolesOf(userId) : undefined)),
    ).toEqual(['member', 'platform-admin']);
    const decision = await h.call('post', '/v1/check', {
      subject: `user:${userId}`,
      permission: 'users:write',
    });
    expect(decision.body).toMatchObject({ allowed: true, reason: expect.stringContaining('platform-admin') });
  });

  it('erases a user on audit.compliance.erasure_requested and reports the counts', async () => {
    const userId = uuidv7();
    const subject = `user:${userId}`;
    await h.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
    await h.call('put', `/v1/subjects/${subject}/roles/reader?scope=project:1`);
    await h.call('post', '/v1/grants', { subject, permission: 'documents:write', resource: 'document:1' });
    await h.call('post', '/v1/groups', { id: 'erasure-team', name: 'Team' });
    await h.call('put', `/v1/groups/erasure-team/members/${subject}`);
    await h.call('put', `/v1/subjects/user:${uuidv7()}/roles/reader?scope=project:1`); // someone else: kept

    const requestId = uuidv7();
    await broker.deliver(
      createEvent('audit.compliance.erasure_requested', {
        request_id: requestId,
        user_id: userId,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    const completed = await until(async () =>
      (await outboxOf('authz.compliance.erasure_completed')).find(
        (e) => e.payload.data.request_id === requestId,
      ),
    );
    expect(completed.payload.data).toEqual({
      request_id: requestId,
      user_id: userId,
      counts: { role_assignments: 1, grants: 1, group_memberships: 1 },
    });
    expect(await rolesOf(userId)).toEqual([]);
    expect((await h.call('get', `/v1/grants?subject=${subject}`)).body.items).toEqual([]);
    expect((await h.call('get', '/v1/groups/erasure-team/members')).body.items).toEqual([]);
    expect(
      (await h.db.selectFrom('assignments').selectAll().where('role', '=', 'reader').execute()).length,
    ).toBe(1);
    const decision = await h.call('post', '/v1/check', {
      subject,
      permission: 'documents:write',
      resource: 'document:1',
    });
    expect(decision.body.allowed).toBe(false);
    // The removals reached the consumers' projections as events too.
    const removed = (await h.outbox()).filter((e) => e.payload.data.subject === subject).map((e) => e.type);
    expect(removed).toEqual(
      expect.arrayContaining(['authz.role.unassigned', 'authz.grant.deleted', 'authz.group.member_removed']),
    );
  });

  it('erases what was written under the user id in upper case too (subjects are stored canonical)', async () => {
    const userId = uuidv7();
    const shouted = userId.toUpperCase();
    await h.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
    expect((await h.call('put', `/v1/subjects/user:${shouted}/roles/reader?scope=project:1`)).status).toBe(
      201,
    );
    expect(
      (
        await h.call('post', '/v1/grants', {
          subject: `user:${shouted}`,
          permission: 'documents:write',
          resource: 'document:1',
        })
      ).status,
    ).toBe(201);
    await h.call('post', '/v1/groups', { id: 'case-erasure', name: 'Team' });
    expect((await h.call('put', `/v1/groups/case-erasure/members/user:${shouted}`)).status).toBe(201);
    const allowedBefore = await h.call('post', '/v1/check', {
      subject: `user:${userId}`,
      permission: 'documents:write',
      resource: 'document:1',
    });
    expect(allowedBefore.body.allowed).toBe(true);

    const requestId = uuidv7();
    await broker.deliver(
      createEvent('audit.compliance.erasure_requested', {
        request_id: requestId,
        user_id: userId,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    const completed = await until(async () =>
      (await outboxOf('authz.compliance.erasure_completed')).find(
        (e) => e.payload.data.request_id === requestId,
      ),
    );
    expect(completed.payload.data.counts).toEqual({ role_assignments: 1, grants: 1, group_memberships: 1 });
    for (const table of ['assignments', 'grants'] as const) {
      const rows = await h.db.selectFrom(table).select('subject').execute();
      expect(rows.map((r) => r.subject.toLowerCase())).not.toContain(`user:${userId}`);
    }
    expect((await h.call('get', '/v1/groups/case-erasure/members')).body.items).toEqual([]);
    for (const subject of [`user:${userId}`, `user:${shouted}`]) {
      const decision = await h.call('post', '/v1/check', {
        subject,
        permission: 'documents:write',
        resource: 'document:1',
      });
      expect([subject, decision.body.allowed]).toEqual([subject, false]);
    }
  });

  it('removes a deleted user (identity.user.deleted) without reporting an erasure of its own', async () => {
    const userId = uuidv7();
    await h.call('put', `/v1/subjects/user:${userId}/roles/reader`);
    const event = createEvent('identity.user.deleted', {
      user_id: userId,
      actor: { type: 'user', id: userId },
      erasure_request_id: uuidv7(),
    });
    await broker.deliver(event);
    await until(async () => (await inboxCount(event.id)) === 1);
    expect(await rolesOf(userId)).toEqual([]);
    const reports = (await outboxOf('authz.compliance.erasure_completed')).filter(
      (e) => e.payload.data.user_id === userId,
    );
    expect(reports).toEqual([]);
  });

  it("stores the user's part of a data export and reports where it is", async () => {
    const userId = uuidv7();
    const subject = `user:${userId}`;
    await h.call('put', `/v1/subjects/${subject}/roles/reader?scope=project:9`);
    await h.call('post', '/v1/grants', { subject, permission: 'documents:read', resource: 'document:9' });
    const requestId = uuidv7();
    await broker.deliver(
      createEvent('audit.compliance.export_requested', {
        request_id: requestId,
        user_id: userId,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    const ready = await until(async () =>
      (await outboxOf('authz.compliance.export_ready')).find((e) => e.payload.data.request_id === requestId),
    );
    const data = ready.payload.data as { location: string; records: number; bytes: number; sha256: string };
    expect(data).toMatchObject({ request_id: requestId, user_id: userId, records: 2 });
    const text = await broker.readObject(data.location);
    expect(createHash('sha256').update(text).digest('hex')).toBe(data.sha256);
    expect(Buffer.byteLength(text)).toBe(data.bytes);
    const archive = JSON.parse(text) as { service: string; part: Record<string, unknown> };
    expect(archive.service).toBe('authz');
    expect(archive.part).toMatchObject({
      subject,
      role_assignments: [expect.objectContaining({ role: 'reader', scope: 'project:9' })],
      grants: [expect.objectContaining({ permission: 'documents:read', resource: 'document:9' })],
      group_memberships: [],
    });
  });
});
