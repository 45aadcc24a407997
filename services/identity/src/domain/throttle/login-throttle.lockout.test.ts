import { randomTag, type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import * as migration from '../../store/throttle/0002_attempt_counters.ts';
import {
  type AttemptCountersTables,
  createPostgresAttemptStore,
} from '../../store/throttle/postgres-attempt-store.ts';
import { createRedisAttemptStore } from '../../store/throttle/redis-attempt-store.ts';
import { dummyVerify } from '../password/hashing.ts';
import type { AttemptStore } from './attempt-store.ts';
import { createLoginThrottle, type LoginSubject, type LoginThrottleOptions } from './login-throttle.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `test:${randomTag()}:`;

let database: TestDatabase;
let connection: TestConnection<AttemptCountersTables>;
let redis: Redis;
const stores: Record<string, AttemptStore> = {};

beforeAll(async () => {
  database = await testDatabase();
  connection = await database.connect<AttemptCountersTables>();
  await migration.up(connection.db as never);
  stores.postgres = createPostgresAttemptStore(connection.db);
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  stores.redis = createRedisAttemptStore(redis, { prefix: redisPrefix });
});

afterAll(async () => {
  if (redis !== undefined) {
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await connection?.close();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
/** A fresh account and IP per test, so tests sharing a store stay apart. */
const subject = (): LoginSubject => ({
  account: `user${++n}-${randomTag()}@example.com`,
  ip: `198.51.100.${n % 250}`,
});

describe.each(['postgres', 'redis'])('login throttle on %s', (kind) => {
  const throttle = (options: Partial<LoginThrottleOptions> = {}) => {
    const store = stores[kind];
    if (store === undefined) throw new Error(`no ${kind} store`);
    return createLoginThrottle({
      store,
      threshold: 3,
      lockSec: 60,
      perIpLimit: 1000,
      keyPrefix: `${randomTag()}:`,
      ...options,
    });
  };

  /** One failed login, as the login use case runs it. */
  const fail = async (t: ReturnType<typeof throttle>, s: LoginSubject) => {
    const gate = await t.begin(s);
    if (!gate.allowed) return gate;
    return t.recordFailure(s);
  };

  it('locks an account after `threshold` consecutive failures, with Retry-After', async () => {
    const t = throttle();
    const s = subject();
    expect(await fail(t, s)).toMatchObject({ allowed: true, locked: false });
    expect(await fail(t, s)).toMatchObject({ allowed: true, locked: false });
    const third = await fail(t, s);
    expect(third).toMatchObject({ allowed: false, locked: true, ipLimited: false });
    expect(third.retryAfterSec).toBeGreaterThan(55);
    expect(third.retryAfterSec).toBeLessThanOrEqual(60);
    // The right password no longer gets a chance while locked.
    expect(await t.begin(s)).toMatchObject({ allowed: false, locked: true });
  });

  it('counts the account case- and NFKC-insensitively (no escape by re-casing the email)', async () => {
    const t = throttle();
    const s = subject();
    await fail(t, { ...s, account: s.account.toUpperCase() });
    await fail(t, { ...s, account: ` ${s.account} ` });
    await fail(t, s);
    expect(await t.check({ ...s, account: s.account.toUpperCase() })).toMatchObject({ locked: true });
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

  it('unlocks by time (short lockSec) with a fresh run of attempts', async () => {
    const t = throttle({ lockSec: 1 });
    const s = subject();
    for (let i = 0; i < 3; i++) await fail(t, s);
    expect(await t.check(s)).toMatchObject({ locked: true, retryAfterSec: 1 });
    await sleep(1100);
    expect(await t.check(s)).toMatchObject({ allowed: true, locked: false });
    // Not relocked by the first failure after the lock ended.
    expect(await fail(t, s)).toMatchObject({ allowed: true, locked: false });
  });

  it('unlocks by admin / password reset', async () => {
    const t = throttle();
    const s = subject();
    for (let i = 0; i < 3; i++) await fail(t, s);
    expect(await t.check(s)).toMatchObject({ locked: true });
    await t.unlock(s.account.toUpperCase());
    expect(await t.check(s)).toMatchObject({ allowed: true, locked: false });
    expect((await t.begin(s)).allowed).toBe(true);
  });

  it('lets at most `threshold` of 20 concurrent guesses through (no race past the lock)', async () => {
    const t = throttle();
    const s = subject();
    const gates = await Promise.all(Array.from({ length: 20 }, () => t.begin(s)));
    // Which attempts win the race is up to the scheduler: attempts past the threshold lock the
    // account, and an attempt that reserved a slot but sees the lock afterwards is refused too.
    const allowed = gates.filter((g) => g.allowed).length;
    expect(allowed).toBeGreaterThanOrEqual(1);
    expect(allowed).toBeLessThanOrEqual(3);
    expect(gates.filter((g) => !g.allowed).every((g) => g.locked)).toBe(true);
    const failures = await Promise.all(gates.filter((g) => g.allowed).map(() => t.recordFailure(s)));
    expect(await t.check(s)).toMatchObject({ allowed: false, locked: true });
    // However the race went, exactly one call created the lock (the one to announce it).
    expect([...gates, ...failures].filter((d) => d.newlyLocked === true)).toHaveLength(1);
  });

  it('locks unknown accounts exactly like known ones (no enumeration), after equal work', async () => {
    const t = throttle();
    const s = { ...subject(), account: 'nobody-here@example.com' };
    await t.unlock(s.account);
    for (let i = 0; i < 3; i++) {
      const gate = await t.begin(s);
      if (!gate.allowed) break;
      expect(await dummyVerify('guess')).toEqual({ ok: false, needsRehash: false });
      await t.recordFailure(s);
    }
    expect(await t.check(s)).toMatchObject({ locked: true });
  });

  it('limits an IP spraying many accounts with exponential backoff (429 + retryAfter)', async () => {
    const t = throttle({ perIpLimit: 3, backoffBaseSec: 2, maxBackoffSec: 30, threshold: 100 });
    const ip = '203.0.113.7';
    for (let i = 0; i < 3; i++) expect(await fail(t, { ...subject(), ip })).toMatchObject({ allowed: true });
    const limited = await fail(t, { ...subject(), ip }); // 4th failure: 2 s backoff
    expect(limited).toMatchObject({ allowed: false, ipLimited: true, locked: false, retryAfterSec: 2 });
    // Every account from that IP is refused during the backoff; other IPs are not.
    expect(await t.begin({ ...subject(), ip })).toMatchObject({ allowed: false, ipLimited: true });
    expect(await t.begin({ ...subject(), ip: '203.0.113.8' })).toMatchObject({ allowed: true });
    // The next failure after the backoff doubles it (base 2 → 4).
    await sleep(2100);
    const next = await fail(t, { ...subject(), ip });
    expect(next).toMatchObject({ allowed: false, ipLimited: true, retryAfterSec: 4 });
  });

  it('treats one IPv6 /64 as one client (no escape by rotating the interface id)', async () => {
    const t = throttle({ perIpLimit: 2, threshold: 100 });
    for (let i = 1; i <= 3; i++) await fail(t, { ...subject(), ip: `2001:db8:1:2::${i.toString(16)}` });
    expect(await t.begin({ ...subject(), ip: '2001:db8:1:2:ffff:ffff:ffff:ffff' })).toMatchObject({
      ipLimited: true,
    });
    expect(await t.begin({ ...subject(), ip: '2001:db8:1:3::1' })).toMatchObject({ allowed: true });
  });

  it('does not let a success reset the IP limit', async () => {
    const t = throttle({ perIpLimit: 2, threshold: 100, backoffBaseSec: 30 });
    const ip = '192.0.2.55';
    const own = { ...subject(), ip };
    for (let i = 0; i < 2; i++) await fail(t, { ...subject(), ip });
    await t.begin(own);
    await t.recordSuccess(own);
    expect(await fail(t, { ...subject(), ip })).toMatchObject({ ipLimited: true });
  });
});
