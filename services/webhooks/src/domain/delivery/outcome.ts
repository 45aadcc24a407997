/**
 * What an endpoint's answer means (spec webhooks.md, "Delivery"): any 2xx within the timeout is a
 * success; 3xx is a failure (redirects are never followed); 410 Gone disables the endpoint; 429, 502,
 * 503 and 504 slow the endpoint down (their `Retry-After` pushes the next attempt later); anything else
 * and network errors are retried on the schedule.
 */
export type AttemptOutcome = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'retry'; throttled: boolean };

export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  return { kind: 'retry', throttled: status === 429 || status === 502 || status === 503 || status === 504 };
}
