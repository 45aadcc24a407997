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

/** What `AttemptStore.gate` answers. */
export type GateResult =
  /** A counter among the block keys is live: nothing was counted. */
  | { blocked: true; blocks: ReadonlyMap<string, AttemptCount> }
  /** Counted: the hit key's new count, and the recheck key as read after the hit. */
  | { blocked: false; count: number; recheck: AttemptCount | undefined };

/** A store that can start a throttled attempt in one round trip. */
export interface GatedAttemptStore extends AttemptStore {
  /**
   * Equivalent to: `get` each of `blockKeys`; when none is live, `hit(hitKey, windowSec)` and then
   * `get(recheckKey)` — each step seeing what was committed before it, as separate calls would.
   */
  gate(input: {
    blockKeys: readonly string[];
    hitKey: string;
    windowSec: number;
    recheckKey: string;
  }): Promise<GateResult>;
}
