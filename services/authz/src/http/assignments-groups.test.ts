import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz();
  await h.call('post', '/v1/roles', { name: 'viewer', permissions: ['documents:read'] });
  await h.call('post', '/v1/roles', {
    name: 'editor',
    permissions: ['documents:write'],
    includes: ['viewer'],
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const check = (subject: string, permission: string, resource?: string, revision?: string) =>
  h.call('post', '/v1/check', {
    subject,
    permission,
    ...(resource === undefined ? {} : { resource }),
    ...(revision === undefined ? {} : { consistency: { at_least_as_fresh: revision } }),
  });

describe('role assignments', () => {
  it('assigns globally and on a scope, idempotently, lists them, and unassigns', async () => {
    const global = await h.call('put', '/v1/subjects/user:ada/roles/viewer');
    expect(global.status).toBe(201);
    expect(global.body).toMatchObject({ subject: 'user:ada', role: 'viewer', scope: null, condition: null });
    const again = await h.call('put', '/v1/subjects/user:ada/roles/viewer');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(global.body.id);
    expect(again.body.revision).toBe(global.body.revision);

    const scoped = await h.call('put', '/v1/subjects/user:ada/roles/editor?scope=project:42');
    expect(scoped.status).toBe(201);
    expect(scoped.body.scope).toBe('project:42');

    const list = await h.call('get', '/v1/subjects/user:ada/roles?limit=1');
    expect(list.body.items).toHaveLength(1);
    const rest = await h.call('get', `/v1/subjects/user:ada/roles?cursor=${list.body.next_cursor}`);
    expect([...list.body.items, ...rest.body.items].map((a: { role: string }) => a.role).sort()).toEqual([
      'editor',
      'viewer',
    ]);

    expect((await check('user:ada', 'documents:write', 'project:42')).body.allowed).toBe(true);
    expect((await check('user:ada', 'documents:write', 'project:43')).body.allowed).toBe(false);

    const gone = await h.call('delete', '/v1/subjects/user:ada/roles/editor?scope=project:42');
    expect(gone.status).toBe(200);
    expect((await check('user:ada', 'documents:write', 'project:42')).body.allowed).toBe(false);
    expect((await h.call('delete', '/v1/subjects/user:ada/roles/editor?scope=project:42')).status).toBe(404);

    const events = (await h.outbox()).filter(
      (e) => e.type.startsWith('authz.role.') && e.payload.data.subject === 'user:ada',
    );
    expect(events.map((e) => [e.type, e.payload.data.role, e.payload.data.scope])).toEqual([
      ['authz.role.assigned', 'viewer', undefined],
      ['authz.role.assigned', 'editor', 'project:42'],
      ['authz.role.unassigned', 'editor', 'project:42'],
    ]);
  });

  it('refuses an unknown role, an unknown group, a bad condition, and changes nothing', async () => {
    const before = await h.counts();
    expect((await h.call('put', '/v1/subjects/user:ada/roles/nope')).status).toBe(404);
    const group = await h.call('put', '/v1/subjects/group:ghosts/roles/viewer');
    expect(group.status).toBe(400);
    expect(group.body.errors[0]).toMatchObject({ code: 'unknown_group' });
    const cond = await h.call(
      'put',
      `/v1/subjects/user:ada/roles/viewer?condition=${encodeURIComponent('context.ip ==')}`,
    );
    expect(cond.status).toBe(400);
    expect(cond.body.errors[0]).toMatchObject({ pointer: '/query/condition', code: 'invalid_condition' });
    expect((await h.call('put', '/v1/subjects/robot:1/roles/viewer')).status).toBe(400);
    expect(await h.counts()).toEqual(before);
  });

  it('evaluates a conditional assignment against the request context and does not announce it to token holders', async () => {
    const condition = 'has(context.mfa) && context.mfa == true';
    const res = await h.call(
      'put',
      `/v1/subjects/user:cond/roles/viewer?condition=${encodeURIComponent(condition)}`,
    );
    expect(res.status).toBe(201);
    expect(res.body.condition).toBe(condition);
    const withMfa = await h.call('post', '/v1/check', {
      subject: 'user:cond',
      permission: 'documents:read',
      resource: 'document:1',
      context: { mfa: true },
    });
    expect(withMfa.body.allowed).toBe(true);
    const without = await h.call('post', '/v1/check', {
      subject: 'user:cond',
      permission: 'documents:read',
      resource: 'document:1',
    });
    expect(without.body.allowed).toBe(false);
    const announced = (await h.outbox()).filter((e) => e.payload.data.subject === 'user:cond');
    expect(announced).toEqual([]);
  });
});

describe('groups', () => {
  it('creates groups, adds members (nested), grants through membership, and refuses a cycle', async () => {
    const eng = await h.call('post', '/v1/groups', { id: 'eng', name: 'Engineering' });
    expect(eng.status).toBe(201);
    expect(eng.body).toMatchObject({
      id: 'eng',
      subject: 'group:eng',
      name: 'Engineering',
      description: null,
    });
    const generated = await h.call('post', '/v1/groups', { name: 'Generated' });
    expect(generated.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await h.call('post', '/v1/groups', { id: 'eng', name: 'Again' })).status).toBe(409);
    expect((await h.call('post', '/v1/groups', { id: 'backend', name: 'Backend' })).status).toBe(201);

    expect((await h.call('put', '/v1/groups/backend/members/user:bob')).status).toBe(201);
    expect((await h.call('put', '/v1/groups/backend/members/user:bob')).status).toBe(200);
    const nested = await h.call('put', '/v1/groups/eng/members/group:backend');
    expect(nested.status).toBe(201);
    const assigned = await h.call('put', '/v1/subjects/group:eng/roles/editor?scope=project:7');
    expect(assigned.status).toBe(201);

    const decision = await check('user:bob', 'documents:read', 'project:7', assigned.body.revision);
    expect(decision.body).toMatchObject({ allowed: true });
    expect(decision.body.reason).toEqual(expect.stringContaining('group:eng'));

    const before = await h.counts();
    const cyc = await h.call('put', '/v1/groups/backend/members/group:eng');
    expect(cyc.status).toBe(409);
    expect(cyc.body.code).toBe('membership_cycle');
    expect((await h.call('put', '/v1/groups/eng/members/group:eng')).status).toBe(409);
    expect((await h.call('put', '/v1/groups/nope/members/user:bob')).status).toBe(404);
    expect((await h.call('put', '/v1/groups/eng/members/group:nope')).status).toBe(400);
    expect(await h.counts()).toEqual(before);

    const members = await h.call('get', '/v1/groups/backend/members');
    expect(members.body.items).toEqual([{ subject: 'user:bob', added_at: expect.any(String) }]);
    const groups = await h.call('get', '/v1/groups?limit=200');
    expect(groups.body.items.map((g: { id: string }) => g.id)).toEqual(
      expect.arrayContaining(['eng', 'backend']),
    );

    const events = (await h.outbox()).filter((e) => e.type.startsWith('authz.group.'));
    expect(events.map((e) => [e.type, e.payload.data.group_id, e.payload.data.subject])).toEqual([
      ['authz.group.member_added', 'backend', 'user:bob'],
      ['authz.group.member_added', 'eng', 'group:backend'],
    ]);
  });

  it('removes a member, and deleting a group removes its memberships and assignments with their events', async () => {
    await h.call('post', '/v1/groups', { id: 'ops', name: 'Ops' });
    await h.call('put', '/v1/groups/ops/members/user:carol');
    await h.call('put', '/v1/groups/ops/members/user:dan');
    await h.call('put', '/v1/subjects/group:ops/roles/viewer');
    const removed = await h.call('delete', '/v1/groups/ops/members/user:dan');
    expect(removed.status).toBe(200);
    expect((await h.call('delete', '/v1/groups/ops/members/user:dan')).status).toBe(404);
    expect((await check('user:carol', 'documents:read', 'document:1')).body.allowed).toBe(true);
    expect((await check('user:dan', 'documents:read', 'document:1')).body.allowed).toBe(false);

    const outboxBefore = (await h.outbox()).length;
    const deleted = await h.call('delete', '/v1/groups/ops');
    expect(deleted.status).toBe(200);
    expect((await h.call('get', '/v1/groups/ops')).status).toBe(404);
    expect((await check('user:carol', 'documents:read', 'document:1')).body.allowed).toBe(false);
    const events = (await h.outbox()).slice(outboxBefore);
    expect(events.map((e) => e.type).sort()).toEqual(['authz.group.member_removed', 'authz.role.unassigned']);
    const rows = await h.db.selectFrom('memberships').selectAll().where('group_id', '=', 'ops').execute();
    expect(rows).toEqual([]);
  });
});
