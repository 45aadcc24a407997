import { randomTag, type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { AttemptStore } from '../../domain/throttle/attempt-store.ts';
import * as migration from './0002_attempt_counters.ts';
import { type AttemptCountersTables, createPostgresAttemptStore } from './postgres-attempt-store.ts';
import { createRedisAttemptStore } from './redis-attempt-store.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomTag()}:`;

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
  stores.redis = createRedisAttemptStore(redis, { prefix });
});

afterAll(async () => {
  if (redis !== undefined) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await connection?.close();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['postgres', 'redis'])('AttemptStore on %s', (kind) => {
  const store = (): AttemptStore => {
    const s = stores[kind];
    if (s === undefined) throw new Error(`no ${kind} store`);
    return s;
  };

  it('counts 20 concurrent hits as 20 (no lost updates), each count exactly once', async () => {
    const counts = await Promise.all(Array.from({ length: 20 }, () => store().hit('concurrent', 60)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store().get('concurrent')).toMatchObject({ count: 20 });
  });

  it('opens the window on the first hit, does not extend it, and restarts after it ends', async () => {
    expect(await store().hit('window', 0.6)).toBe(1);
    const first = await store().get('window');
    expect(first?.ttlMs).toBeGreaterThan(0);
    expect(first?.ttlMs).toBeLessThanOrEqual(600);
    await sleep(200);
    expect(await store().hit('window', 0.6)).toBe(2);
    // A later hit must not push the end further out.
    expect((await store().get('window'))?.ttlMs).toBeLessThanOrEqual(first?.ttlMs ?? 0);
    await sleep(600);
    expect(await store().get('window')).toBeUndefined();
    expect(await store().hit('window', 60)).toBe(1);
  });

  it('resets a key, and keeps keys apart', async () => {
    await store().hit('a', 60);
    await store().hit('a', 60);
    await store().hit('b', 60);
    await store().reset('a');
    expect(await store().get('a')).toBeUndefined();
    expect(await store().get('b')).toMatchObject({ count: 1 });
    expect(await store().hit('a', 60)).toBe(1);
    await store().reset('never-set'); // no error
  });

  it('answers undefined for an unknown key and refuses a non-positive window', async () => {
    expect(await store().get('unknown')).toBeUndefined();
    await expect(store().hit('bad', 0)).rejects.toThrow(RangeError);
    await expect(store().hit('bad', Number.NaN)).rejects.toThrow(RangeError);
    expect(await store().get('bad')).toBeUndefined();
  });

  it('treats keys as data (no injection through the key)', async () => {
    const evil = "x'); DROP TABLE attempt_counters; --";
    expect(await store().hit(evil, 60)).toBe(1);
    expect(await store().get(evil)).toMatchObject({ count: 1 });
    expect(await store().hit('after-evil', 60)).toBe(1);
  });
});

describe('PostgresAttemptStore', () => {
  it('purges ended windows only', async () => {
    const pg = createPostgresAttemptStore(connection.db);
    await pg.hit('purge-short', 0.05);
    await pg.hit('purge-long', 60);
    await sleep(100);
    expect(await pg.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await pg.get('purge-long')).toMatchObject({ count: 1 });
    const left = await connection.db
      .selectFrom('attempt_counters')
      .select('key')
      .where('key', '=', 'purge-short')
      .execute();
    expect(left).toEqual([]);
  });
});
