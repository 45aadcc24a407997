import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('the service', () => {
  it('documents every endpoint in its OpenAPI document and counts decisions in its metrics', async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/roles',
        '/v1/roles/{name}',
        '/v1/subjects/{subject}/roles/{role}',
        '/v1/subjects/{subject}/roles',
        '/v1/groups',
        '/v1/groups/{id}/members/{subject}',
        '/v1/grants',
        '/v1/grants/{id}',
        '/v1/resources/{resource}/parent',
        '/v1/check',
        '/v1/check/batch',
        '/v1/lookup/resources',
        '/v1/lookup/subjects',
        '/v1/explain',
      ]),
    );
    await h.call('post', '/v1/check', {
      subject: 'user:m',
      permission: 'documents:read',
      resource: 'document:1',
    });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/authz_decisions_total\{[^}]*result="denied"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/authz_index_revision\{[^}]*\} \d+/);
  });
});

describe('roles', () => {
  it('creates, reads, lists, changes and deletes a role, publishing an event per change', async () => {
    const created = await h.call('post', '/v1/roles', {
      name: 'viewer',
      permissions: ['documents:read'],
      description: 'Reads documents',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'viewer',
      permissions: ['documents:read'],
      includes: [],
      description: 'Reads documents',
      built_in: false,
    });
    expect(created.body.revision).toMatch(/^[0-9]+$/);

    const editor = await h.call('post', '/v1/roles', {
      name: 'editor',
      permissions: ['documents:write'],
      includes: ['viewer'],
    });
    expect(editor.status).toBe(201);
    expect(Number(editor.body.revision)).toBeGreaterThan(Number(created.body.revision));

    expect((await h.call('get', '/v1/roles/editor')).body).toMatchObject({ includes: ['viewer'] });

    const patched = await h.call('patch', '/v1/roles/editor', { permissions: ['documents:*'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'editor',
      permissions: ['documents:*'],
      includes: ['viewer'],
    });

    const page1 = await h.call('get', '/v1/roles?limit=2');
    expect(page1.body.items.map((r: { name: string }) => r.name)).toEqual(['editor', 'platform-admin']);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await h.call('get', `/v1/roles?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ name: 'viewer' })], next_cursor: null });

    // Included by editor: refused.
    const inUse = await h.call('delete', '/v1/roles/viewer');
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('role_in_use');

    const deleted = await h.call('delete', '/v1/roles/editor');
    expect(deleted.status).toBe(200);
    expect(deleted.body.revision).toMatch(/^[0-9]+$/);
    expect((await h.call('get', '/v1/roles/editor')).status).toBe(404);

    const events = (await h.outbox()).filter((e) => e.type.startsWith('authz.role.'));
    expect(events.map((e) => [e.type, e.payload.data.name])).toEqual([
      ['authz.role.created', 'viewer'],
      ['authz.role.created', 'editor'],
      ['authz.role.updated', 'editor'],
      ['authz.role.deleted', 'editor'],
    ]);
    expect(events[2]?.payload.data).toMatchObject({
      permissions: ['documents:*'],
      actor: { type: 'admin', id: 'user-1' },
    });
    // The event sequence is the change-log revision.
    expect(events[1]?.payload.sequence).toBe(editor.body.revision);
  });

  it('refuses to change or delete the built-in platform-admin role, and changes nothing', async () => {
    const before = await h.counts();
    const patch = await h.call('patch', '/v1/roles/platform-admin', { permissions: ['documents:read'] });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('built_in_role');
    const del = await h.call('delete', '/v1/roles/platform-admin');
    expect(del.status).toBe(409);
    const dup = await h.call('post', '/v1/roles', { name: 'platform-admin', permissions: [] });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('role_exists');
    expect(await h.counts()).toEqual(before);
    expect((await h.call('get', '/v1/roles/platform-admin')).body).toMatchObject({
      permissions: ['*'],
      built_in: true,
    });
  });

  it('refuses an include cycle through the API and changes nothing', async () => {
    await h.call('post', '/v1/roles', { name: 'a', permissions: ['x:read'] });
    await h.call('post', '/v1/roles', { name: 'b', permissions: ['y:read'], includes: ['a'] });
    await h.call('post', '/v1/roles', { name: 'c', permissions: [], includes: ['b'] });
    const before = await h.counts();
    const cyc = await h.call('patch', '/v1/roles/a', { includes: ['c'] });
    expect(cyc.status).toBe(409);
    expect(cyc.body.code).toBe('role_cycle');
    const self = await h.call('patch', '/v1/roles/a', { includes: ['a'] });
    expect(self.status).toBe(409);
    expect(await h.counts()).toEqual(before);
    expect((await h.call('get', '/v1/roles/a')).body.includes).toEqual([]);
  });

  it('refuses invalid input with field errors and changes nothing', async () => {
    const before = await h.counts();
    const cases: Array<[string, string, unknown]> = [
      ['post', '/v1/roles', { name: 'Bad Name', permissions: [] }],
      ['post', '/v1/roles', { name: 'ok', permissions: ['not a permission'] }],
      ['post', '/v1/roles', { name: 'ok', permissions: [], extra: true }],
      ['post', '/v1/roles', { name: 'ok', permissions: [], includes: ['missing'] }],
      ['patch', '/v1/roles/a', {}],
      ['get', '/v1/roles?limit=201', undefined],
      ['get', '/v1/roles?cursor=%%%', undefined],
      ['get', '/v1/roles?cursor=AAAA', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await h.call(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 400]);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect(
      await h.call('post', '/v1/roles', { name: 'ok', permissions: [], includes: ['missing'] }),
    ).toMatchObject({
      body: { errors: [expect.objectContaining({ pointer: '/body/includes/0', code: 'unknown_role' })] },
    });
    expect(await h.counts()).toEqual(before);
  });
});
