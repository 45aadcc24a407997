/**
 * Two service instances on one database: a write on one is seen by the other with its revision token
 * (read-your-writes), LISTEN/NOTIFY carries changes across without a token, and concurrent writers on
 * both instances leave both indexes in the same state.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthzHarness, type Instance, startAuthz } from './authz.test-support.ts';

let a: AuthzHarness;
let b: Instance;

beforeAll(async () => {
  // A poll of ten minutes: only NOTIFY (or a revision token) can bring B's index forward in this suite.
  a = await startAuthz({ AUTHZ_SYNC_POLL_MS: '600000' });
  b = await a.startSecondInstance({ AUTHZ_SYNC_POLL_MS: '600000' });
  await a.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
}, 120_000);

afterAll(async () => {
  await a?.close();
});

const checkOn = (instance: Instance, subject: string, resource: string, revision?: string) =>
  instance.call('post', '/v1/check', {
    subject,
    permission: 'documents:read',
    resource,
    ...(revision === undefined ? {} : { consistency: { at_least_as_fresh: revision } }),
  });

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('read-your-writes across two instances', () => {
  it('a write on A is seen on B with the revision A returned, and on A at once', async () => {
    for (let i = 0; i < 5; i++) {
      const written = await a.call('put', `/v1/subjects/user:ryw${i}/roles/reader?scope=project:${i}`);
      expect(written.status).toBe(201);
      const onA = await checkOn(a, `user:ryw${i}`, `project:${i}`);
      expect(onA.body.allowed).toBe(true);
      const onB = await checkOn(b, `user:ryw${i}`, `project:${i}`, written.body.revision);
      expect(onB.status).toBe(200);
      expect(onB.body.allowed).toBe(true);
      expect(Number(onB.body.revision)).toBeGreaterThanOrEqual(Number(written.body.revision));
    }
    // And the other way round, a removal written on B read on A.
    const removed = await b.call('delete', '/v1/subjects/user:ryw0/roles/reader?scope=project:0');
    const onA = await checkOn(a, 'user:ryw0', 'project:0', removed.body.revision);
    expect(onA.body.allowed).toBe(false);
  });

  it('LISTEN/NOTIFY brings B forward without a token (the poll is ten minutes)', async () => {
    const written = await a.call('post', '/v1/grants', {
      subject: 'user:notified',
      permission: 'documents:read',
      resource: 'document:1',
    });
    expect(written.status).toBe(201);
    const waited = await until(
      async () => (await checkOn(b, 'user:notified', 'document:1')).body.allowed,
      5_000,
    );
    expect(waited).toBeLessThan(5_000);
  });

  it('concurrent writers on both instances leave both indexes in the same state', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).call('put', `/v1/subjects/user:conc${i}/roles/reader?scope=doc-set:${i % 3}`),
    );
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const revisions = results.map((r) => Number(r.body.revision));
    expect(new Set(revisions).size).toBe(20);
    const newest = String(Math.max(...revisions));
    for (let i = 0; i < 20; i++) {
      for (const instance of [a, b]) {
        const res = await checkOn(instance, `user:conc${i}`, `doc-set:${i % 3}`, newest);
        expect([i, res.body.allowed]).toEqual([i, true]);
      }
    }
    const lookupA = await a.call('post', '/v1/lookup/subjects', {
      permission: 'documents:read',
      resource: 'doc-set:1',
      limit: 200,
      consistency: { at_least_as_fresh: newest },
    });
    const lookupB = await b.call('post', '/v1/lookup/subjects', {
      permission: 'documents:read',
      resource: 'doc-set:1',
      limit: 200,
      consistency: { at_least_as_fresh: newest },
    });
    expect(lookupA.body.items.length).toBeGreaterThan(0);
    expect(lookupB.body.items).toEqual(lookupA.body.items);
  });

  it('an instance started later loads the same state from the tables', async () => {
    const c = await a.startSecondInstance();
    const res = await checkOn(c, 'user:ryw3', 'project:3');
    expect(res.body.allowed).toBe(true);
    expect((await checkOn(c, 'user:ryw0', 'project:0')).body.allowed).toBe(false);
  });
});
