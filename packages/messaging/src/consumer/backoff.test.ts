import { describe, expect, it } from '@jest/globals';
import { backoffDelaySec, MAX_VISIBILITY_SEC } from './backoff.ts';

describe('backoffDelaySec', () => {
  it('doubles from 1 s with each delivery up to the 5 min cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50].map((n) => backoffDelaySec(n, { jitter: false }));
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
  });

  it('spreads the delay over its upper half with jitter', () => {
    expect(backoffDelaySec(4, {}, () => 0)).toBe(4);
    expect(backoffDelaySec(4, {}, () => 0.999)).toBe(8);
    expect(backoffDelaySec(9, {}, () => 0.5)).toBe(192);
  });

  it('takes its base and cap from the options, and stays within what SQS accepts', () => {
    expect(backoffDelaySec(3, { baseSec: 0 })).toBe(0);
    expect(backoffDelaySec(3, { baseSec: 5, maxSec: 12, jitter: false })).toBe(12);
    expect(backoffDelaySec(2000, { maxSec: 1e9, jitter: false })).toBe(MAX_VISIBILITY_SEC);
    expect(backoffDelaySec(Number.NaN, { jitter: false })).toBe(1);
    expect(backoffDelaySec(0, { jitter: false })).toBe(1);
  });
});
