/**
 * Shared attempt counters with fixed windows. Every instance of the service talks to the same
 * store (Postgres by default, Redis when `REDIS_URL` is set), so limits hold across instances.
 */
export interface AttemptCount {
  count: number;
  /** Milliseconds until the window ends (the counter then restarts from zero). */
  ttlMs: number;
}

export interface AttemptStore {
  /**
   * Adds one to `key` atomically and returns the new count. The first hit of a window opens it
   * for `windowSec` seconds; later hits do not extend it. After it ends the next hit counts 1.
   */
  hit(key: string, windowSec: number): Promise<number>;
  /** Forgets `key` (success, unlock by an admin, password reset). */
  reset(key: string): Promise<void>;
  /** The live counter of `key`, or undefined when none (or its window ended). */
  get(key: string): Promise<AttemptCount | undefined>;
}
