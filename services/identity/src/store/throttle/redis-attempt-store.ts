import type { Redis } from 'ioredis';
import type { AttemptCount, AttemptStore } from '../../domain/throttle/attempt-store.ts';

/**
 * INCR, and open the window when the key has none (a new key, or one left without a TTL). One
 * script, so it is atomic: no lost increments, no counter that never expires.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count`;

function windowMs(windowSec: number): number {
  if (!Number.isFinite(windowSec) || windowSec <= 0)
    throw new RangeError('windowSec must be a positive number.');
  return Math.max(1, Math.round(windowSec * 1000));
}

export interface RedisAttemptStoreOptions {
  /** Prepended to every key (e.g. `identity:`), so several services or suites share a Redis. */
  prefix?: string;
}

/** Attempt counters in Redis (`REDIS_URL`): an expiring integer per key. */
export function createRedisAttemptStore(redis: Redis, options: RedisAttemptStoreOptions = {}): AttemptStore {
  const prefix = options.prefix ?? '';
  return {
    async hit(key, windowSec) {
      const count = await redis.eval(HIT, 1, prefix + key, windowMs(windowSec));
      return Number(count);
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
    async get(key): Promise<AttemptCount | undefined> {
      const replies = await redis
        .multi()
        .get(prefix + key)
        .pttl(prefix + key)
        .exec();
      if (replies === null) return undefined;
      const [[countErr, count] = [null, null], [ttlErr, ttl] = [null, null]] = replies;
      if (countErr) throw countErr;
      if (ttlErr) throw ttlErr;
      if (count === null || typeof ttl !== 'number' || ttl <= 0) return undefined;
      return { count: Number(count), ttlMs: ttl };
    },
  };
}
