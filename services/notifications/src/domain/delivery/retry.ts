/**
 * Retry schedule of transient provider errors: exponential backoff with full jitter (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"): the wait before attempt n+1 is a uniform
 * random value in [0, min(cap, base · 2^(n-1))]. With the defaults (8 attempts, base 30 s, cap
 * 15 min) the seven waits are at most 30 s, 1, 2, 4, 8, 15 and 15 min (≈ 45 min in all) and about
 * half that on average, i.e. 8 tries over roughly half an hour.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 900_000 };

/** The ceiling of the wait after the `attempt`-th attempt failed (1-based). */
export function retryCeilingMs(attempt: number, policy: RetryPolicy): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
}

/**
 * What to do after the `attempt`-th attempt failed transiently: retry after `delayMs` (full jitter,
 * `random` in [0, 1)), or give up when the attempts are used up.
 */
export function nextRetry(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (attempt >= policy.maxAttempts) return { retry: false };
  return { retry: true, delayMs: Math.floor(random() * retryCeilingMs(attempt, policy)) };
}
