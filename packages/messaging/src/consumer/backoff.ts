export interface BackoffOptions {
  /** Delay before the 2nd delivery, in seconds; doubles with each further delivery. Default 1. */
  baseSec?: number;
  /** Longest delay, in seconds. Default 300 (5 min). */
  maxSec?: number;
  /**
   * Spread the delay over [delay/2, delay] so messages that failed together (a database outage) do
   * not come back together. Default true.
   */
  jitter?: boolean;
}

/** SQS accepts visibility timeouts of 0 to 43,200 s (12 h). */
export const MAX_VISIBILITY_SEC = 43_200;

/**
 * Seconds a failed message stays invisible before SQS delivers it again, from the number of times it
 * has been received (`ApproximateReceiveCount`, 1 on the first delivery): `base · 2^(n-1)`, capped at
 * `maxSec`, with optional jitter, rounded up to whole seconds (SQS counts visibility in seconds).
 */
export function backoffDelaySec(
  receiveCount: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseSec ?? 1;
  const max = options.maxSec ?? 300;
  const attempt = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) : 1;
  // 2 ** 1100 is Infinity, which Math.min brings back to max.
  const exponential = Math.min(max, base * 2 ** (attempt - 1));
  const delay = options.jitter === false ? exponential : exponential / 2 + (random() * exponential) / 2;
  return Math.min(MAX_VISIBILITY_SEC, Math.max(0, Math.ceil(delay)));
}
