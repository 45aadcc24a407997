/**
 * The login throttle on the Postgres store with `gate` (migration 0010's `attempt_gate`: check,
 * hit and recheck in one round trip), as the service runs it: the same lockout rules as the
 * step-by-step path of login-throttle.lockout.test.ts, and the gate's own contract.
 */
import { randomTag, type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as counters from '../../store/throttle/0002_attempt_counters.ts';
import * as gateMigration from '../../store/throttle/0010_attempt_gate.ts';
import {
  type AttemptCountersTables,
  createPostgresAttemptStore,
  type PostgresAttemptStore,
} from '../../store/throttle/postgres-attempt-store.ts';
import { createLoginThrottle, type LoginSubject, type LoginThrottleOptions } from './login-throttle.ts';

let database: TestDatabase;
let connection: TestConnection<AttemptCountersTables>;
let store: PostgresAttemptStore;

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<AttemptCountersTables>();
  await counters.up(connection.db as never);
  await gateMigration.up(connection.db as never);
  store = createPostgresAttemptStore(connection.db, { gate: true });
});

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
const subject = (): LoginSubject => ({
  account: `user${++n}-${randomTag()}@example.com`,
  ip: `198.51.100.${n % 250}`,
});

const throttle = (options: Partial<LoginThrottleOptions> = {}) =>
  createLoginThrottle({
    store,
    threshold: 3,
    lockSec: 60,
    perIpLimit: 1000,
    keyPrefix: `${randomTag()}:`,
    ...options,
  });

const fail = async (t: ReturnType<typeof throttle>, s: LoginSubject) => {
  const gate = await t.begin(s);
  if (!gate.allowed) return gate;
  return t.recordFailure(s);
};

describe('attempt_gate', () => {
  it('counts when no block key is live, and reads the recheck key after the hit', async () => {
    const gate = store.gate;
    if (gate === undefined) throw new Error('gate missing');
    const k = randomTag();
    expect(
      await gate({ blockKeys: [`${k}b1`, `${k}b2`], hitKey: `${k}h`, windowSec: 60, recheckKey: `${k}b1` }),
    ).toEqual({
      blocked: false,
      count: 1,
      recheck: undefined,
    });
    await store.hit(`${k}b2`, 30);
    const blocked = await gate({
      blockKeys: [`${k}b1`, `${k}b2`],
      hitKey: `${k}h`,
      windowSec: 60,
      recheckKey: `${k}b1`,
    });
    expect(blocked.blocked).toBe(true);
    if (blocked.blocked) {
      expect([...blocked.blocks.keys()]).toEqual([`${k}b2`]);
      expect(blocked.blocks.get(`${k}b2`)?.ttlMs).toBeGreaterThan(25_000);
    }
    // Nothing was counted while blocked.
    expect(await store.get(`${k}h`)).toMatchObject({ count: 1 });
    await store.reset(`${k}b2`);
    await store.hit(`${k}r`, 60);
    expect(
      await gate({ blockKeys: [`${k}b1`], hitKey: `${k}h`, windowSec: 60, recheckKey: `${k}r` }),
    ).toMatchObject({
      blocked: false,
      count: 2,
      recheck: { count: 1 },
    });
  });

  it('treats keys as data', async () => {
    const gate = store.gate;
    if (gate === undefined) throw new Error('gate missing');
    const evil = `x'); drop table attempt_counters; --`;
    expect(await gate({ blockKeys: [evil], hitKey: evil, windowSec: 60, recheckKey: evil })).toMatchObject({
      blocked: false,
      count: 1,
    });
    expect(await store.get(evil)).toMatchObject({ count: 1 });
  });
});

describe('login throttle on postgres with gate', () => {
  it('locks an account after `threshold` consecutive failures, with Retry-After', async () => {
    const t = throttle();
    const s = subject();
    expect(await fail(t, s)).toMatchObject({ allowed: true, locked: false });
    expect(await fail(t, s)).toMatchObject({ allowed: true, locked: false });
    const third = await fail(t, s);
    expect(third).toMatchObject({ allowed: false, locked: true, ipLimited: false });
    expect(third.retryAfterSec).toBeGreaterThan(55);
    expect(await t.begin(s)).toMatchObject({ allowed: false, locked: true });
  });

  it('success resets the consecutive count', async () => {
    const t = throttle();
    const s = subject();
    await fail(t, s);
    await fail(t, s);
    expect((await t.begin(s)).allowed).toBe(true);
    await t.recordSuccess(s);
    await fail(t, s);
    await fail(t, s);
    expect(await t.check(s)).toMatchObject({ allowed: true, locked: false });
  });

  it('lets at most `threshold` of 20 concurrent guesses through (no race past the lock)', async () => {
    const t = throttle();
    const s = subject();
    const gates = await Promise.all(Array.from({ length: 20 }, () => t.begin(s)));
    const allowed = gates.filter((g) => g.allowed).length;
    expect(allowed).toBeGreaterThanOrEqual(1);
    expect(allowed).toBeLessThanOrEqual(3);
    expect(gates.filter((g) => !g.allowed).every((g) => g.locked)).toBe(true);
    const failures = await Promise.all(gates.filter((g) => g.allowed).map(() => t.recordFailure(s)));
    expect(await t.check(s)).toMatchObject({ allowed: false, locked: true });
    expect([...gates, ...failures].filter((d) => d.newlyLocked === true)).toHaveLength(1);
  });

  it('limits an IP spraying many accounts with exponential backoff, and counts nothing meanwhile', async () => {
    const t = throttle({ perIpLimit: 3, backoffBaseSec: 2, maxBackoffSec: 30, threshold: 100 });
    const ip = '203.0.113.7';
    for (let i = 0; i < 3; i++) expect(await fail(t, { ...subject(), ip })).toMatchObject({ allowed: true });
    expect(await fail(t, { ...subject(), ip })).toMatchObject({
      allowed: false,
      ipLimited: true,
      retryAfterSec: 2,
    });
    expect(await t.begin({ ...subject(), ip })).toMatchObject({ allowed: false, ipLimited: true });
    expect(await t.begin({ ...subject(), ip: '203.0.113.8' })).toMatchObject({ allowed: true });
    await sleep(2100);
    expect(await fail(t, { ...subject(), ip })).toMatchObject({
      allowed: false,
      ipLimited: true,
      retryAfterSec: 4,
    });
  });

  it('unlocks by admin / password reset', async () => {
    const t = throttle();
    const s = subject();
    for (let i = 0; i < 3; i++) await fail(t, s);
    await t.unlock(s.account.toUpperCase());
    expect((await t.begin(s)).allowed).toBe(true);
  });
});
