import { describe, expect, it } from '@jest/globals';
import { createTokenStatusCache } from './token-status-cache.ts';

describe('token status cache', () => {
  const setup = (ttlMs = 2_000) => {
    const clock = { ms: 0 };
    return { clock, cache: createTokenStatusCache({ ttlMs, now: () => clock.ms }) };
  };

  it('remembers an active token for the TTL counted from the start of the read', () => {
    const { clock, cache } = setup();
    const read = cache.begin();
    clock.ms += 500; // the read took 500 ms
    cache.remember('a', read);
    expect(cache.isActive('a')).toBe(true);
    clock.ms += 1_499;
    expect(cache.isActive('a')).toBe(true);
    clock.ms += 1;
    expect(cache.isActive('a')).toBe(false);
    expect(cache.isActive('never-seen')).toBe(false);
  });

  it('a revocation here wins at once, also over a read that was in flight', () => {
    const { cache } = setup();
    cache.remember('a', cache.begin());
    const inFlight = cache.begin(); // read began before the revocation of b committed
    cache.forget('a');
    expect(cache.isActive('a')).toBe(false);
    cache.remember('b', inFlight);
    expect(cache.isActive('b')).toBe(false);
    cache.remember('b', cache.begin()); // a read begun afterwards may be remembered
    expect(cache.isActive('b')).toBe(true);
    cache.forgetAll();
    expect(cache.isActive('b')).toBe(false);
  });

  it('with TTL 0 remembers nothing, and keeps at most maxEntries', () => {
    const off = setup(0).cache;
    off.remember('a', off.begin());
    expect(off.isActive('a')).toBe(false);
    const clock = { ms: 0 };
    const small = createTokenStatusCache({ ttlMs: 1_000, maxEntries: 2, now: () => clock.ms });
    for (const jti of ['a', 'b', 'c']) small.remember(jti, small.begin());
    expect(['a', 'b', 'c'].map((j) => small.isActive(j))).toEqual([false, true, true]);
  });
});
