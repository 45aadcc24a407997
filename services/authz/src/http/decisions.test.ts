import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz({ AUTHZ_CONSISTENCY_TIMEOUT_MS: '300' });
  await h.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('grants and the resource hierarchy', () => {
  it('grants on a parent reach the children through the hierarchy, and a grant can be removed', async () => {
    expect((await h.call('put', '/v1/resources/document:9/parent', { parent: 'folder:3' })).status).toBe(200);
    const parent = await h.call('put', '/v1/resources/folder:3/parent', { parent: 'project:42' });
    expect(parent.body).toMatchObject({ resource: 'folder:3', parent: 'project:42' });
    expect((await h.call('get', '/v1/resources/folder:3/parent')).body).toEqual({
      resource: 'folder:3',
      parent: 'project:42',
    });

    const client = h.token(['grants:write'], { sub: 'gateway', client_id: 'gateway' });
    const grant = await h.call(
      'post',
      '/v1/grants',
      { subject: 'user:eve', permission: 'documents:read', resource: 'project:42' },
      { token: client },
    );
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ subject: 'user:eve', resource: 'project:42', condition: null });
    const same = await h.call('post', '/v1/grants', {
      subject: 'user:eve',
      permission: 'documents:read',
      resource: 'project:42',
    });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(grant.body.id);
    const conflict = await h.call('post', '/v1/grants', {
      subject: 'user:eve',
      permission: 'documents:read',
      resource: 'project:42',
      condition: 'true',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('grant_exists');

    const allowed = await h.call('post', '/v1/check', {
      subject: 'user:eve',
      permission: 'documents:read',
      resource: 'document:9',
    });
    expect(allowed.body).toEqual({
      allowed: true,
      revision: expect.stringMatching(/^[0-9]+$/),
      reason: expect.stringContaining(grant.body.id),
      decision_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
    });

    expect((await h.call('get', '/v1/grants?subject=user:eve')).body.items).toHaveLength(1);
    expect((await h.call('get', `/v1/grants/${grant.body.id}`)).body.id).toBe(grant.body.id);
    expect((await h.call('get', '/v1/grants?resource=project:99')).body).toEqual({
      items: [],
      next_cursor: null,
    });

    // Clearing the parent cuts the inheritance.
    await h.call('put', '/v1/resources/folder:3/parent', { parent: null });
    expect((await h.call('get', '/v1/resources/folder:3/parent')).status).toBe(404);
    expect(
      (
        await h.call('post', '/v1/check', {
          subject: 'user:eve',
          permission: 'documents:read',
          resource: 'document:9',
        })
      ).body.allowed,
    ).toBe(false);
    await h.call('put', '/v1/resources/folder:3/parent', { parent: 'project:42' });

    const removed = await h.call('delete', `/v1/grants/${grant.body.id}`);
    expect(removed.status).toBe(200);
    expect((await h.call('delete', `/v1/grants/${grant.body.id}`)).status).toBe(404);
    expect(
      (
        await h.call('post', '/v1/check', {
          subject: 'user:eve',
          permission: 'documents:read',
          resource: 'document:9',
        })
      ).body.allowed,
    ).toBe(false);

    const events = (await h.outbox()).filter((e) => e.type.startsWith('authz.grant.'));
    expect(events.map((e) => [e.type, e.payload.data.grant_id, e.payload.data.actor])).toEqual([
      ['authz.grant.created', grant.body.id, { type: 'client', id: 'gateway' }],
      ['authz.grant.deleted', grant.body.id, { type: 'admin', id: 'user-1' }],
    ]);
  });

  it('refuses a parent cycle through the API and changes nothing', async () => {
    await h.call('put', '/v1/resources/a:1/parent', { parent: 'a:2' });
    await h.call('put', '/v1/resources/a:2/parent', { parent: 'a:3' });
    const before = await h.counts();
    const cyc = await h.call('put', '/v1/resources/a:3/parent', { parent: 'a:1' });
    expect(cyc.status).toBe(409);
    expect(cyc.body.code).toBe('parent_cycle');
    expect((await h.call('put', '/v1/resources/a:3/parent', { parent: 'a:3' })).status).toBe(409);
    expect(await h.counts()).toEqual(before);
    expect((await h.call('get', '/v1/resources/a:3/parent')).status).toBe(404);
  });

  it('refuses a hierarchy deeper than the decision index follows (64 ancestors)', async () => {
    // chain:0 → chain:1 → … → chain:64: chain:0 then has 64 ancestors, the most the index follows.
    for (let i = 0; i < 64; i++) {
      expect(
        (await h.call('put', `/v1/resources/chain:${i}/parent`, { parent: `chain:${i + 1}` })).status,
      ).toBe(200);
    }
    const before = await h.counts();
    const tooDeep = await h.call('put', '/v1/resources/chain:64/parent', { parent: 'chain:65' });
    expect(tooDeep.status).toBe(409);
    expect(tooDeep.body.code).toBe('hierarchy_too_deep');
    expect(await h.counts()).toEqual(before);
  });

  it('refuses invalid grants and parents and changes nothing', async () => {
    const before = await h.counts();
    const bad: Array<[string, string, unknown]> = [
      ['post', '/v1/grants', { subject: 'user:x', permission: 'documents:read' }],
      ['post', '/v1/grants', { subject: 'user:x', permission: 'documents:read', resource: 'nocolon' }],
      [
        'post',
        '/v1/grants',
        { subject: 'user:x', permission: 'documents:read', resource: 'd:1', condition: '1 +' },
      ],
      ['post', '/v1/grants', { subject: 'group:none', permission: 'documents:read', resource: 'd:1' }],
      ['put', '/v1/resources/d:1/parent', { parent: 'bad parent' }],
      ['put', '/v1/resources/d:1/parent', {}],
      ['delete', '/v1/grants/not-a-uuid', undefined],
    ];
    for (const [method, path, body] of bad) {
      expect([path, (await h.call(method, path, body)).status]).toEqual([path, 400]);
    }
    expect(await h.counts()).toEqual(before);
  });
});

describe('decisions', () => {
  it('checks in batches of up to 100, all at one revision', async () => {
    await h.call('put', '/v1/subjects/user:fay/roles/reader?scope=project:42');
    const checks = Array.from({ length: 100 }, (_, i) => ({
      subject: 'user:fay',
      permission: 'documents:read',
      resource: i % 2 === 0 ? 'document:9' : `document:x${i}`,
    }));
    const res = await h.call('post', '/v1/check/batch', { checks });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(100);
    expect(res.body.results.map((r: { allowed: boolean }) => r.allowed)).toEqual(
      checks.map((_, i) => i % 2 === 0),
    );
    expect(new Set(res.body.results.map((r: { revision: string }) => r.revision))).toEqual(
      new Set([res.body.revision]),
    );
    expect(new Set(res.body.results.map((r: { decision_id: string }) => r.decision_id)).size).toBe(100);
    const tooMany = await h.call('post', '/v1/check/batch', { checks: [...checks, checks[0]] });
    expect(tooMany.status).toBe(400);
    expect((await h.call('post', '/v1/check/batch', { checks: [] })).status).toBe(400);
  });

  it('looks up resources and subjects, paginated', async () => {
    for (const n of [1, 2, 3])
      await h.call('put', `/v1/resources/report:${n}/parent`, { parent: 'project:42' });
    const page1 = await h.call('post', '/v1/lookup/resources', {
      subject: 'user:fay',
      permission: 'documents:read',
      resource_type: 'report',
      limit: 2,
    });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toEqual(['report:1', 'report:2']);
    const page2 = await h.call('post', '/v1/lookup/resources', {
      subject: 'user:fay',
      permission: 'documents:read',
      resource_type: 'report',
      limit: 2,
      cursor: page1.body.next_cursor,
    });
    expect(page2.body).toMatchObject({ items: ['report:3'], next_cursor: null });

    const subjects = await h.call('post', '/v1/lookup/subjects', {
      permission: 'documents:read',
      resource: 'report:2',
    });
    expect(subjects.body.items).toContain('user:fay');
    expect(subjects.body.revision).toMatch(/^[0-9]+$/);
  });

  it('explains a decision with its derivation tree', async () => {
    const res = await h.call('post', '/v1/explain', {
      subject: 'user:fay',
      permission: 'documents:read',
      resource: 'report:2',
      context: { ip: '10.0.0.1' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: true, reason: expect.any(String) });
    expect(res.body.explanation).toMatchObject({
      resource_chain: ['report:2', 'project:42'],
      request: { subject: 'user:fay', context_keys: ['ip'] },
    });
    expect(JSON.stringify(res.body.explanation)).not.toContain('10.0.0.1');
  });

  it('answers a revision it has not applied with a 503 problem after the bounded wait', async () => {
    const started = Date.now();
    const res = await h.call('post', '/v1/check', {
      subject: 'user:fay',
      permission: 'documents:read',
      resource: 'report:2',
      consistency: { at_least_as_fresh: '999999999' },
    });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'revision_not_available', revision: '999999999' });
    expect(res.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const bad = await h.call('post', '/v1/check', {
      subject: 'user:fay',
      permission: 'documents:read',
      consistency: { at_least_as_fresh: 'abc' },
    });
    expect(bad.status).toBe(400);
  });
});
