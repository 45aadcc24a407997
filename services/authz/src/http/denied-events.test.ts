/**
 * Sampled denied decisions as `authz.decision.denied` events (authz.md "Decisions at speed"): written
 * to the outbox off the request path, one per sampled denial with the answer's decision_id, none for
 * allowed decisions or at rate 0, identifiers only (no context values, no token), bounded.
 */
import { parseEvent } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type AuthzHarness, type Instance, type OutboxRow, startAuthz } from './authz.test-support.ts';

const DENIED = 'authz.decision.denied';

let h: AuthzHarness;
/** Rate 0 on the same database. */
let never: Instance;
/** Rate 1 with room for only 3 pending samples. */
let small: Instance;

beforeAll(async () => {
  h = await startAuthz({ AUTHZ_DENIED_SAMPLE_RATE: '1' });
  never = await h.startSecondInstance({ AUTHZ_DENIED_SAMPLE_RATE: '0' });
  small = await h.startSecondInstance({
    AUTHZ_DENIED_SAMPLE_RATE: '1',
    AUTHZ_DENIED_EVENTS_MAX_PENDING: '3',
  });
  await h.call('post', '/v1/roles', { name: 'reader', permissions: ['documents:read'] });
  const assigned = await h.call('put', '/v1/subjects/user:ada/roles/reader?scope=project:1');
  expect(assigned.status).toBe(201);
  await h.call(
    'post',
    '/v1/grants',
    {
      subject: 'user:ada',
      permission: 'documents:write',
      resource: 'project:1',
      condition: 'has(context.mfa) && context.mfa == true',
    },
    { permissions: ['grants:write'] },
  );
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const deniedRows = async (): Promise<OutboxRow[]> => (await h.outbox()).filter((r) => r.type === DENIED);

/** Waits until the outbox holds a denied-decision event for each of `decisionIds`; returns all of them. */
async function waitForDenied(decisionIds: string[], timeoutMs = 10_000): Promise<OutboxRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deniedRows();
    const ids = new Set(rows.map((r) => r.payload.data.decision_id));
    if (decisionIds.every((id) => ids.has(id))) return rows;
    if (Date.now() > deadline)
      throw new Error(`no ${DENIED} for ${decisionIds.join(', ')} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const check = (on: Instance, body: Record<string, unknown>, token?: string) =>
  on.call('post', '/v1/check', body, token === undefined ? undefined : { token });

/** A denied check on the rate-1 instance whose event marks "everything sampled before it is written". */
async function marker(): Promise<string> {
  const res = await check(h, { subject: 'user:marker', permission: 'documents:read', resource: 'project:1' });
  expect(res.body.allowed).toBe(false);
  return res.body.decision_id as string;
}

describe('authz.decision.denied', () => {
  it('a denied check at rate 1 publishes exactly one event with its decision_id, identifiers only', async () => {
    const token = h.token(['authz:check'], { sub: 'gateway', client_id: 'gateway' });
    const before = (await deniedRows()).length;
    const denied = await check(
      h,
      {
        subject: 'user:ada',
        permission: 'documents:delete',
        resource: 'project:1',
        context: { ip: '198.51.100.23', note: 'very-personal-value' },
      },
      token,
    );
    expect(denied.status).toBe(200);
    expect(denied.body.allowed).toBe(false);

    const rows = await waitForDenied([denied.body.decision_id]);
    const mine = rows.filter((r) => r.payload.data.decision_id === denied.body.decision_id);
    expect(mine).toHaveLength(1);
    expect(rows).toHaveLength(before + 1);
    const event = mine[0]?.payload;
    expect(event?.subject).toBe('user:ada');
    expect(event?.data).toEqual({
      decision_id: denied.body.decision_id,
      subject: 'user:ada',
      permission: 'documents:delete',
      resource: 'project:1',
      reason: 'no_matching_role_or_grant',
      revision: denied.body.revision,
      sample_rate: 1,
      context_keys: ['ip', 'note'],
      actor: { type: 'client', id: 'gateway' },
    });
    // A valid catalogued event, and nothing of the context's values or the caller's token in it.
    expect(parseEvent(event)).toMatchObject({ ok: true });
    const text = JSON.stringify(mine[0]);
    expect(text).not.toContain('198.51.100.23');
    expect(text).not.toContain('very-personal-value');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2] as string);
  });

  it('allowed checks publish nothing; a failed condition is named as the reason', async () => {
    const before = await deniedRows();
    const allowed = await check(h, {
      subject: 'user:ada',
      permission: 'documents:read',
      resource: 'project:1',
    });
    expect(allowed.body.allowed).toBe(true);
    const conditional = await check(h, {
      subject: 'user:ada',
      permission: 'documents:write',
      resource: 'project:1',
      context: { mfa: true },
    });
    expect(conditional.body.allowed).toBe(true);
    const noMfa = await check(h, {
      subject: 'user:ada',
      permission: 'documents:write',
      resource: 'project:1',
      context: { mfa: false },
    });
    expect(noMfa.body.allowed).toBe(false);
    const last = await marker();

    // The single writer keeps the order: anything the allowed checks had written would come first.
    const after = await waitForDenied([noMfa.body.decision_id, last]);
    const added = after.slice(before.length).map((r) => r.payload.data);
    expect(added.map((d) => d.decision_id)).toEqual([noMfa.body.decision_id, last]);
    expect(added[0]).toMatchObject({
      reason: 'condition_not_met',
      context_keys: ['mfa'],
      actor: { type: 'user', id: 'user-1' },
    });
  });

  it('samples the denied checks of a batch and of explain, with their decision ids', async () => {
    const before = await deniedRows();
    const batch = await h.call('post', '/v1/check/batch', {
      checks: [
        { subject: 'user:ada', permission: 'documents:read', resource: 'project:1' },
        { subject: 'user:bob', permission: 'documents:read', resource: 'project:1' },
        { subject: 'client:robot', permission: 'documents:read' },
      ],
    });
    expect(batch.body.results.map((r: { allowed: boolean }) => r.allowed)).toEqual([true, false, false]);
    const explained = await h.call('post', '/v1/explain', {
      subject: 'user:bob',
      permission: 'documents:read',
      resource: 'project:1',
    });
    expect(explained.body.allowed).toBe(false);
    const wanted = [
      batch.body.results[1].decision_id,
      batch.body.results[2].decision_id,
      explained.body.decision_id,
    ];
    const after = await waitForDenied(wanted);
    const added = after.slice(before.length).map((r) => r.payload.data);
    expect(added.map((d) => d.decision_id)).toEqual(wanted);
    expect(added[1]).toEqual({
      decision_id: wanted[1],
      subject: 'client:robot',
      permission: 'documents:read',
      reason: 'no_matching_role_or_grant',
      revision: batch.body.revision,
      sample_rate: 1,
      actor: { type: 'user', id: 'user-1' },
    });
    expect(added[2]?.reason).toBeUndefined(); // explain does not say why
  });

  it('publishes nothing at rate 0', async () => {
    const before = await deniedRows();
    const denied = await check(never, {
      subject: 'user:bob',
      permission: 'documents:read',
      resource: 'project:1',
    });
    expect(denied.body.allowed).toBe(false);
    const last = await marker();
    const after = await waitForDenied([last]);
    expect(after.slice(before.length).map((r) => r.payload.data.decision_id)).toEqual([last]);
  });

  it('answers without waiting for the outbox, and drops (and counts) samples beyond the pending bound', async () => {
    const before = await deniedRows();
    const answered: string[] = [];
    // Inserts into the outbox wait while this transaction holds its SHARE lock.
    await h.db.transaction().execute(async (trx) => {
      await sql`lock table outbox in share mode`.execute(trx);
      for (let i = 0; i < 5; i++) {
        const res = await check(small, {
          subject: `user:probe${i}`,
          permission: 'documents:read',
          resource: 'project:1',
        });
        expect(res.status).toBe(200);
        expect(res.body.allowed).toBe(false);
        answered.push(res.body.decision_id);
      }
      // Every check answered while no sample could be written.
      expect(await deniedRows()).toHaveLength(before.length);
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toMatch(/^authz_denied_events_total\{[^}]*result="dropped"[^}]*\} 2$/m);
      expect(metrics).toMatch(/^authz_denied_events_pending(\{[^}]*\})? 3$/m);
    });
    // The first three were kept and are written once the lock is gone; the last two were dropped.
    const after = await waitForDenied(answered.slice(0, 3));
    const ids = after.slice(before.length).map((r) => r.payload.data.decision_id);
    expect(ids).toEqual(answered.slice(0, 3));
    const last = await marker();
    const settled = await waitForDenied([last]);
    expect(settled.map((r) => r.payload.data.decision_id)).not.toContain(answered[3]);
    expect(settled.map((r) => r.payload.data.decision_id)).not.toContain(answered[4]);
    const metrics = await (await fetch(`${small.url}/metrics`)).text();
    expect(metrics).toMatch(/^authz_denied_events_total\{[^}]*result="enqueued"[^}]*\} 3$/m);
    expect(metrics).toMatch(/^authz_denied_events_pending(\{[^}]*\})? 0$/m);
  });
});
