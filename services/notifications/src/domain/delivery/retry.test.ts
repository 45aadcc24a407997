import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY, nextRetry, retryCeilingMs } from './retry.ts';

describe('retry schedule (exponential backoff, full jitter)', () => {
  it('doubles the ceiling per attempt up to the cap, and gives up after the last attempt', () => {
    const ceilings = Array.from({ length: 7 }, (_, i) => retryCeilingMs(i + 1, DEFAULT_RETRY_POLICY));
    expect(ceilings).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
    // 8 attempts in all: at most ≈ 45 min of waiting, ≈ 23 min on average.
    expect(ceilings.reduce((a, b) => a + b, 0)).toBe(2_730_000);
    expect(nextRetry(8, DEFAULT_RETRY_POLICY)).toEqual({ retry: false });
    expect(nextRetry(7, DEFAULT_RETRY_POLICY).retry).toBe(true);
  });

  it('draws the wait uniformly in [0, ceiling)', () => {
    expect(nextRetry(3, DEFAULT_RETRY_POLICY, () => 0)).toEqual({ retry: true, delayMs: 0 });
    expect(nextRetry(3, DEFAULT_RETRY_POLICY, () => 0.5)).toEqual({ retry: true, delayMs: 60_000 });
    const waits = Array.from({ length: 200 }, () => nextRetry(2, DEFAULT_RETRY_POLICY));
    for (const wait of waits) {
      expect(wait.retry).toBe(true);
      if (wait.retry) {
        expect(wait.delayMs).toBeGreaterThanOrEqual(0);
        expect(wait.delayMs).toBeLessThan(60_000);
      }
    }
    expect(new Set(waits.map((w) => (w.retry ? w.delayMs : -1))).size).toBeGreaterThan(100);
  });
});
