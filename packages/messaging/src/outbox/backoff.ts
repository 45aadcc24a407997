/**
 * Exponential backoff with jitter: for the n-th consecutive failure (n ≥ 1) a delay drawn uniformly
 * from [d/2, d] where d = min(maxMs, minMs · 2^(n-1)). Half the delay is kept so a retry never comes
 * right away; the random half spreads relays and rows that failed together.
 */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
