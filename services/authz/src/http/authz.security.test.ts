/**
 * Authorization of every endpoint from token claims: no token or an invalid one → 401, a token without
 * the endpoint's permission → 403, and nothing changes; the right permission (or a wildcard) passes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz();
  await h.call('post', '/v1/roles', { name: 'viewer', permissions: ['documents:read'] });
  await h.call('post', '/v1/groups', { id: 'team', name: 'Team' });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const GRANT_ID = '0193a5e2-7c1f-7b3e-9d4a-2f6c8e1b0a55';
const check = { subject: 'user:u1', permission: 'documents:read', resource: 'document:1' };

/** [method, path, body, required permission] for every endpoint of the API. */
const ENDPOINTS: Array<[string, string, unknown, string]> = [
  ['post', '/v1/roles', { name: 'intruder', permissions: ['*'] }, 'roles:write'],
  ['get', '/v1/roles', undefined, 'roles:read'],
  ['get', '/v1/roles/viewer', undefined, 'roles:read'],
  ['patch', '/v1/roles/viewer', { permissions: ['*'] }, 'roles:write'],
  ['delete', '/v1/roles/viewer', undefined, 'roles:write'],
  ['put', '/v1/subjects/user:u1/roles/platform-admin', undefined, 'roles:write'],
  ['delete', '/v1/subjects/user:u1/roles/viewer', undefined, 'roles:write'],
  ['get', '/v1/subjects/user:u1/roles', undefined, 'roles:read'],
  ['post', '/v1/groups', { id: 'intruders', name: 'Intruders' }, 'roles:write'],
  ['get', '/v1/groups', undefined, 'roles:read'],
  ['get', '/v1/groups/team', undefined, 'roles:read'],
  ['delete', '/v1/groups/team', undefined, 'roles:write'],
  ['get', '/v1/groups/team/members', undefined, 'roles:read'],
  ['put', '/v1/groups/team/members/user:u1', undefined, 'roles:write'],
  ['delete', '/v1/groups/team/members/user:u1', undefined, 'roles:write'],
  ['post', '/v1/grants', { subject: 'user:u1', permission: '*', resource: 'project:1' }, 'grants:write'],
  ['get', '/v1/grants', undefined, 'roles:read'],
  ['get', `/v1/grants/${GRANT_ID}`, undefined, 'roles:read'],
  ['delete', `/v1/grants/${GRANT_ID}`, undefined, 'grants:write'],
  ['put', '/v1/resources/document:1/parent', { parent: 'project:1' }, 'grants:write'],
  ['get', '/v1/resources/document:1/parent', undefined, 'roles:read'],
  ['post', '/v1/check', check, 'authz:check'],
  ['post', '/v1/check/batch', { checks: [check] }, 'authz:check'],
  [
    'post',
    '/v1/lookup/resources',
    { subject: 'user:u1', permission: 'documents:read', resource_type: 'document' },
    'authz:check',
  ],
  // These two reveal the access model (who holds what, roles, conditions, groups): roles:read.
  ['post', '/v1/lookup/subjects', { permission: 'documents:read', resource: 'document:1' }, 'roles:read'],
  ['post', '/v1/explain', check, 'roles:read'],
];

describe('authorization of the authz API', () => {
  it('answers 401 without a token, with a malformed one, an expired one and a foreign one, and changes nothing', async () => {
    const before = await h.counts();
    const expired = h.issuer.sign({ permissions: ['*'] }, { expiresInSec: -60 });
    const foreign = h.issuer.sign({ permissions: ['*'], aud: 'someone-else' });
    for (const [method, path, body] of ENDPOINTS) {
      for (const token of [null, 'not-a-jwt', expired, foreign]) {
        const res = await h.call(method, path, body, { token });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect(await h.counts()).toEqual(before);
  });

  it('answers 403 to a token without the permission (even with every other one), and changes nothing', async () => {
    const before = await h.counts();
    const all = ['roles:read', 'roles:write', 'grants:write', 'authz:check', 'users:write'];
    for (const [method, path, body, permission] of ENDPOINTS) {
      const res = await h.call(method, path, body, { permissions: all.filter((p) => p !== permission) });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(res.body).toMatchObject({ code: 'forbidden', required_permission: permission });
    }
    expect(await h.counts()).toEqual(before);
    expect((await h.call('get', '/v1/roles/viewer')).body.permissions).toEqual(['documents:read']);
  });

  it('lets the exact permission, its type wildcard and `*` through', async () => {
    for (const permissions of [['authz:check'], ['authz:*'], ['*']]) {
      expect((await h.call('post', '/v1/check', check, { permissions })).status).toBe(200);
    }
    expect((await h.call('get', '/v1/roles', undefined, { permissions: ['roles:read'] })).status).toBe(200);
    // roles:read does not allow writing.
    expect(
      (await h.call('post', '/v1/roles', { name: 'r', permissions: [] }, { permissions: ['roles:read'] }))
        .status,
    ).toBe(403);
  });

  it('refuses to confer a platform permission the caller does not hold (no escalation), and changes nothing', async () => {
    const limited = ['roles:read', 'roles:write', 'grants:write', 'authz:check'];
    await h.call(
      'post',
      '/v1/roles',
      { name: 'user-admin', permissions: ['users:write'] },
      { permissions: ['*'] },
    );
    await h.call('post', '/v1/groups', { id: 'admins', name: 'Admins' }, { permissions: ['*'] });
    await h.call('put', '/v1/subjects/group:admins/roles/platform-admin', undefined, { permissions: ['*'] });
    const before = await h.counts();
    const attempts: Array<[string, string, unknown, string[]]> = [
      ['post', '/v1/roles', { name: 'sneaky', permissions: ['users:write'] }, ['users:write']],
      ['post', '/v1/roles', { name: 'sneaky', permissions: ['*'] }, ['*']],
      ['post', '/v1/roles', { name: 'sneaky', permissions: [], includes: ['platform-admin'] }, ['*']],
      ['patch', '/v1/roles/viewer', { permissions: ['documents:read', 'audit:read'] }, ['audit:read']],
      ['patch', '/v1/roles/viewer', { includes: ['user-admin'] }, ['users:write']],
      ['put', '/v1/subjects/user:mallory/roles/platform-admin', undefined, ['*']],
      ['put', '/v1/subjects/user:mallory/roles/user-admin', undefined, ['users:write']],
      ['put', '/v1/groups/admins/members/user:mallory', undefined, ['*']],
      [
        'post',
        '/v1/grants',
        { subject: 'user:mallory', permission: 'users:*', resource: 'tenant:1' },
        ['users:*'],
      ],
    ];
    for (const [method, path, body, missing] of attempts) {
      const res = await h.call(method, path, body, { permissions: limited });
      expect([method, path, res.status, res.body?.code]).toEqual([method, path, 403, 'privilege_escalation']);
      expect(res.body.missing_permissions).toEqual(missing);
    }
    expect(await h.counts()).toEqual(before);
    const decision = await h.call('post', '/v1/check', {
      subject: 'user:mallory',
      permission: 'users:write',
    });
    expect(decision.body.allowed).toBe(false);

    // What the caller holds it may give; application permissions are not limited.
    const own = await h.call(
      'post',
      '/v1/roles',
      { name: 'helper', permissions: ['roles:read', 'documents:*'] },
      {
        permissions: limited,
      },
    );
    expect(own.status).toBe(201);
    const granted = await h.call(
      'post',
      '/v1/grants',
      { subject: 'user:mallory', permission: 'documents:write', resource: 'document:1' },
      { permissions: ['grants:write'] },
    );
    expect(granted.status).toBe(201);
    // A `users:*` holder may give users:write.
    const scoped = await h.call('put', '/v1/subjects/user:helper/roles/user-admin', undefined, {
      permissions: ['roles:write', 'users:*'],
    });
    expect(scoped.status).toBe(201);
  });
});
