/**
 * Attacks on the decision endpoints: contexts built to make conditions slow, conditions written to be
 * quadratic, subjects spelled in another case to dodge erasure, and `authz:check` callers reading the
 * access model through explain and lookup of subjects.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz();
  await h.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const check = (context: unknown, subject = 'user:ctx') => ({
  subject,
  permission: 'documents:read',
  resource: 'document:1',
  context,
});

describe('bounded check contexts', () => {
  const oversized: Array<[string, unknown]> = [
    ['an array of 101 items', { a: Array.from({ length: 101 }, (_, i) => i) }],
    ['a string of 1025 characters', { s: 'x'.repeat(1025) }],
    ['a nested string of 1025 characters', { o: { p: ['x'.repeat(1025)] } }],
    ['5 levels of nesting', { a: [[[{ b: 1 }]]] }],
    [
      '65 keys in a nested object',
      { o: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) },
    ],
    ['a nested key of 129 characters', { o: { ['k'.repeat(129)]: 1 } }],
    ['501 values in all', { a: Array.from({ length: 100 }, () => [1, 2, 3, 4]), b: 1 }],
    // 5 000 items each: what made `context.a.exists(x, x in context.b)` take ~120 ms.
    [
      'two lists of 5000 items',
      {
        a: Array.from({ length: 5000 }, (_, i) => `x${i}`),
        b: Array.from({ length: 5000 }, (_, i) => `y${i}`),
      },
    ],
  ];

  it('refuses an oversized context on every decision endpoint with a 400, and changes nothing', async () => {
    const before = await h.counts();
    const outbox = (await h.outbox()).length;
    for (const [what, context] of oversized) {
      const bodies: Array<[string, unknown]> = [
        ['/v1/check', check(context)],
        ['/v1/check/batch', { checks: [check({}), check(context)] }],
        ['/v1/explain', check(context)],
        [
          '/v1/lookup/resources',
          { subject: 'user:ctx', permission: 'documents:read', resource_type: 'document', context },
        ],
        ['/v1/lookup/subjects', { permission: 'documents:read', resource: 'document:1', context }],
      ];
      for (const [path, body] of bodies) {
        const res = await h.call('post', path, body);
        expect([what, path, res.status, res.body.code]).toEqual([what, path, 400, 'validation_failed']);
      }
    }
    expect(await h.counts()).toEqual(before);
    expect((await h.outbox()).length).toBe(outbox);
  });

  it('accepts a context at every limit', async () => {
    const context = {
      nested: [[{ b: 'x'.repeat(1024) }]],
      list: Array.from({ length: 100 }, (_, i) => i),
      o: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i])),
      ['k'.repeat(64)]: { ['n'.repeat(128)]: null },
    };
    const res = await h.call('post', '/v1/check', check(context));
    expect(res.status).toBe(200);
  });

  it('names the limit when the values in all are too many, also across a batch', async () => {
    const many = { a: Array.from({ length: 100 }, () => [1, 2, 3, 4]), b: 1 };
    const one = await h.call('post', '/v1/check', check(many));
    expect(one.body.errors).toEqual([
      expect.objectContaining({ pointer: '/body/context', code: 'context_too_large' }),
    ]);
    // 301 values each (the list, its 100 pairs, their 200 numbers): 1 204 for four, 903 for three.
    const part = { a: Array.from({ length: 100 }, () => [1, 2]) };
    const batch = await h.call('post', '/v1/check/batch', {
      checks: [check(part), check(part), check(part), check(part)],
    });
    expect(batch.status).toBe(400);
    expect(batch.body.errors).toEqual([
      expect.objectContaining({ pointer: '/body', code: 'context_too_large' }),
    ]);
    const fits = await h.call('post', '/v1/check/batch', { checks: [check(part), check(part), check(part)] });
    expect(fits.status).toBe(200);
  });

  it('accepts the largest context allowed and evaluates the worst condition allowed on it', async () => {
    // The same context as the domain's timing test (conditions.test.ts): at the limits (and near the
    // 100 kB body limit), accepted.
    const items = Array.from({ length: 100 }, (_, i) => `${'a'.repeat(900)}${i}`);
    const nested = () => Array.from({ length: 19 }, () => Array.from({ length: 9 }, (_, j) => `v${j}`));
    const context = { a: items, b: nested(), c: nested(), s: 'a'.repeat(1024) };
    const grant = await h.call('post', '/v1/grants', {
      subject: 'user:worst',
      permission: 'documents:read',
      resource: 'document:1',
      condition: 'context.a.all(x, context.b == context.c) && context.a.exists(x, x in ["a", "b"])',
    });
    expect(grant.status).toBe(201);
    const res = await h.call('post', '/v1/check', {
      ...check(context, 'user:worst'),
      consistency: { at_least_as_fresh: grant.body.revision },
    });
    expect(res.status).toBe(200);
    expect(res.body.allowed).toBe(false);
    const explained = await h.call('post', '/v1/explain', check(context, 'user:worst'));
    expect(explained.status).toBe(200);
  });
});

describe('quadratic conditions', () => {
  it('refuses `in` over a context list inside a comprehension on every write, and changes nothing', async () => {
    const before = await h.counts();
    const condition = 'context.a.exists(x, x in context.b)';
    const grant = await h.call('post', '/v1/grants', {
      subject: 'user:q',
      permission: 'documents:read',
      resource: 'document:1',
      condition,
    });
    expect(grant.status).toBe(400);
    expect(JSON.stringify(grant.body)).toContain('`in` inside a comprehension');
    const assignment = await h.call(
      'put',
      `/v1/subjects/user:q/roles/reader?condition=${encodeURIComponent(condition)}`,
    );
    expect(assignment.status).toBe(400);
    expect(await h.counts()).toEqual(before);
  });
});

describe('subjects in another case', () => {
  const upper = '0193A5E2-7C1F-7B3E-9D4A-2F6C8E1B0A55';
  const lower = upper.toLowerCase();

  it('stores a UUID user or client id in lowercase, so writes and checks agree whatever the case', async () => {
    const assigned = await h.call('put', `/v1/subjects/user:${upper}/roles/reader?scope=project:7`);
    expect(assigned.status).toBe(201);
    expect(assigned.body.subject).toBe(`user:${lower}`);
    await h.call('put', '/v1/resources/document:7/parent', { parent: 'project:7' });
    for (const subject of [`user:${lower}`, `user:${upper}`]) {
      const res = await h.call('post', '/v1/check', {
        subject,
        permission: 'documents:read',
        resource: 'document:7',
      });
      expect([subject, res.body.allowed]).toEqual([subject, true]);
    }
    // The same assignment, not a second one.
    const again = await h.call('put', `/v1/subjects/user:${lower}/roles/reader?scope=project:7`);
    expect(again.status).toBe(200);
    expect((await h.call('get', `/v1/subjects/user:${upper}/roles`)).body.items).toHaveLength(1);
    const rows = await h.db
      .selectFrom('assignments')
      .select('subject')
      .where('role', '=', 'reader')
      .execute();
    expect(rows.map((r) => r.subject)).not.toContain(`user:${upper}`);

    const grant = await h.call('post', '/v1/grants', {
      subject: `client:${upper}`,
      permission: 'documents:write',
      resource: 'document:7',
    });
    expect(grant.body.subject).toBe(`client:${lower}`);
    expect((await h.call('get', `/v1/grants?subject=client:${upper}`)).body.items).toHaveLength(1);
    const batch = await h.call('post', '/v1/check/batch', {
      checks: [{ subject: `client:${lower}`, permission: 'documents:write', resource: 'document:7' }],
    });
    expect(batch.body.results[0].allowed).toBe(true);

    await h.call('post', '/v1/groups', { id: 'case-team', name: 'Case team' });
    expect((await h.call('put', `/v1/groups/case-team/members/user:${upper}`)).status).toBe(201);
    expect((await h.call('get', '/v1/groups/case-team/members')).body.items).toEqual([
      expect.objectContaining({ subject: `user:${lower}` }),
    ]);
    expect((await h.call('delete', `/v1/groups/case-team/members/user:${lower}`)).status).toBe(200);

    const found = await h.call('post', '/v1/lookup/resources', {
      subject: `user:${upper}`,
      permission: 'documents:read',
      resource_type: 'document',
    });
    expect(found.body.items).toContain('document:7');
    const explained = await h.call('post', '/v1/explain', {
      subject: `user:${upper}`,
      permission: 'documents:read',
      resource: 'document:7',
    });
    expect(explained.body.allowed).toBe(true);
  });

  it('keeps ids that are not UUIDs as written (client and group ids are case-sensitive)', async () => {
    const res = await h.call('put', '/v1/subjects/client:Gateway-A/roles/reader');
    expect(res.body.subject).toBe('client:Gateway-A');
    const same = await h.call('post', '/v1/check', {
      subject: 'client:Gateway-A',
      permission: 'documents:read',
    });
    expect(same.body.allowed).toBe(true);
    const other = await h.call('post', '/v1/check', {
      subject: 'client:gateway-a',
      permission: 'documents:read',
    });
    expect(other.body.allowed).toBe(false);
  });
});

describe('reading the access model', () => {
  const checkOnly = ['authz:check'];

  it('refuses explain and lookup of subjects to a token with only authz:check', async () => {
    const root = await h.call('put', '/v1/subjects/user:root/roles/platform-admin', undefined, {
      permissions: ['*'],
    });
    expect(root.status).toBe(201);
    const explain = await h.call('post', '/v1/explain', check({}, 'user:root'), { permissions: checkOnly });
    expect(explain.status).toBe(403);
    expect(explain.body).toMatchObject({ code: 'forbidden', required_permission: 'roles:read' });
    expect(JSON.stringify(explain.body)).not.toContain('platform-admin');
    const admins = await h.call(
      'post',
      '/v1/lookup/subjects',
      { permission: '*' },
      { permissions: checkOnly },
    );
    expect(admins.status).toBe(403);
    expect(JSON.stringify(admins.body)).not.toContain('user:root');
  });

  it('still answers check, batch and lookup of resources with authz:check alone', async () => {
    const body = { subject: 'user:root', permission: 'documents:read', resource: 'document:1' };
    expect((await h.call('post', '/v1/check', body, { permissions: checkOnly })).status).toBe(200);
    expect(
      (await h.call('post', '/v1/check/batch', { checks: [body] }, { permissions: checkOnly })).status,
    ).toBe(200);
    const lookup = await h.call(
      'post',
      '/v1/lookup/resources',
      { subject: 'user:root', permission: 'documents:read', resource_type: 'document' },
      { permissions: checkOnly },
    );
    expect(lookup.status).toBe(200);
  });

  it('answers explain and lookup of subjects with roles:read', async () => {
    const readOnly = ['roles:read'];
    const explain = await h.call('post', '/v1/explain', check({}, 'user:root'), { permissions: readOnly });
    expect(explain.status).toBe(200);
    const admins = await h.call(
      'post',
      '/v1/lookup/subjects',
      { permission: '*' },
      { permissions: readOnly },
    );
    expect(admins.status).toBe(200);
    expect(admins.body.items).toContain('user:root');
  });
});
