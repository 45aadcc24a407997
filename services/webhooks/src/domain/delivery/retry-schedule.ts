/**
 * When to try a message again (spec webhooks.md, Svix's schedule): immediately, then 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h and 10 h after the previous attempt, each with ±10 % jitter so retries of many messages
 * do not arrive together; after the last one the message has failed.
 */
export const DEFAULT_RETRY_SCHEDULE_SEC: readonly number[] = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000];

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * After `attempts` failed attempts, when the next one is due. `retryAfterSec` (a 429/503 answer's
 * `Retry-After`) can only push it later, never earlier, and is capped at the schedule's longest delay.
 */
export function nextAttempt(
  attempts: number,
  schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_SEC,
  options: { retryAfterSec?: number | undefined; random?: () => number } = {},
): RetryDecision {
  const base = schedule[attempts];
  if (base === undefined) return { retry: false };
  const random = options.random ?? Math.random;
  const jittered = base * 1000 * (0.9 + 0.2 * random());
  const longest = Math.max(...schedule) * 1000;
  const floor = options.retryAfterSec === undefined ? 0 : Math.min(options.retryAfterSec * 1000, longest);
  return { retry: true, delayMs: Math.round(Math.max(jittered, floor)) };
}

/** `Retry-After` as seconds from now (delta-seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
