import { createHash } from 'node:crypto';
import type { AttemptCount, AttemptStore, GatedAttemptStore } from './attempt-store.ts';
import { ipBucket } from './client-ip.ts';

/**
 * Brute-force protection of password logins: a per-account lockout after `threshold` consecutive
 * failures (for `lockSec`), and a per-IP limit with exponential backoff. State lives in a shared
 * `AttemptStore`, so it holds across instances.
 *
 * The flow of one login:
 *
 * ```ts
 * const subject = { account: email, ip: clientAddress(req.ip, req.socket.remoteAddress) };
 * const gate = await throttle.begin(subject);          // reserves one attempt atomically
 * if (!gate.allowed) throw problems.tooManyRequests(gate.retryAfterSec);
 * const result = user ? await verifyPassword(user.hash, password) : await dummyVerify(password);
 * if (!result.ok) { await throttle.recordFailure(subject); throw invalidCredentials(); }
 * await throttle.recordSuccess(subject);
 * ```
 *
 * - Accounts are keyed by the login identifier (NFKC, lower-cased, hashed), whether or not such an
 *   account exists, so the lockout reveals nothing about which accounts exist.
 * - `begin` counts the attempt before the password is checked, so concurrent guesses against one
 *   account cannot outrun the threshold: at most `threshold` attempts proceed per lockout cycle.
 * - A success resets the account's counter, not the IP's (one valid account must not let an
 *   attacker reset the limit of the address it guesses from).
 * - Unlock by an admin or by a password reset: `unlock(account)`; by time: the lock's window ends.
 */

export interface LoginThrottleOptions {
  store: AttemptStore;
  /** Consecutive failures that lock the account (default config 10). */
  threshold: number;
  /** Lock duration in seconds (default config 900). */
  lockSec: number;
  /** Failures from one IP (or IPv6 /64) per `ipWindowSec` before the backoff starts. */
  perIpLimit: number;
  /** Window of the per-IP failure count; default 3600 s. */
  ipWindowSec?: number;
  /** First backoff once over the IP limit; doubles with every further failure. Default 1 s. */
  backoffBaseSec?: number;
  /** Backoff ceiling; default 900 s. */
  maxBackoffSec?: number;
  /** How long a run of consecutive account failures is remembered; default 86400 s. */
  failureWindowSec?: number;
  /** Prefix of every key; default `login:`. */
  keyPrefix?: string;
}

export interface LoginSubject {
  /** The login identifier as typed (email); normalised here. */
  account: string;
  /** The client address from `clientIp`. */
  ip: string;
}

export interface ThrottleDecision {
  /** Whether the attempt may proceed. */
  allowed: boolean;
  /** The account is locked. */
  locked: boolean;
  /** The IP is in backoff. */
  ipLimited: boolean;
  /** Seconds until a retry can succeed (0 when allowed); the `Retry-After` of the `429`. */
  retryAfterSec: number;
  /**
   * This very call locked the account (true for exactly one call per lock, however many attempts
   * race): the moment to announce the lock (`identity.user.locked`), once.
   */
  newlyLocked?: boolean;
}

export interface LoginThrottle {
  /** The current state, read only. */
  check(subject: LoginSubject): Promise<ThrottleDecision>;
  /** Refuses when locked or limited; otherwise reserves one attempt against the account. */
  begin(subject: LoginSubject): Promise<ThrottleDecision>;
  /** After a wrong password: counts the IP failure (maybe backoff) and locks at the threshold. */
  recordFailure(subject: LoginSubject): Promise<ThrottleDecision>;
  /** After a right password: the account's consecutive-failure count restarts. */
  recordSuccess(subject: LoginSubject): Promise<void>;
  /** Unlock by an admin or a password reset: forgets the account's failures and lock. */
  unlock(account: string): Promise<void>;
}

const ALLOWED: ThrottleDecision = Object.freeze({
  allowed: true,
  locked: false,
  ipLimited: false,
  retryAfterSec: 0,
});

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number.`);
  return value;
}

/** The account part of keys: NFKC, trimmed, lower-cased, SHA-256 (no email in the store). */
export function accountKey(account: string): string {
  return createHash('sha256').update(account.normalize('NFKC').trim().toLowerCase()).digest('base64url');
}

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store } = options;
  const threshold = positive('threshold', options.threshold);
  const lockSec = positive('lockSec', options.lockSec);
  const perIpLimit = positive('perIpLimit', options.perIpLimit);
  const ipWindowSec = positive('ipWindowSec', options.ipWindowSec ?? 3600);
  const backoffBaseSec = positive('backoffBaseSec', options.backoffBaseSec ?? 1);
  const maxBackoffSec = positive('maxBackoffSec', options.maxBackoffSec ?? 900);
  const failureWindowSec = positive('failureWindowSec', options.failureWindowSec ?? 86_400);
  const prefix = options.keyPrefix ?? 'login:';
  const gated =
    'gate' in store && typeof store.gate === 'function' ? (store as GatedAttemptStore) : undefined;

  const keys = (subject: LoginSubject) => {
    const account = accountKey(subject.account);
    const ip = ipBucket(subject.ip);
    return {
      failures: `${prefix}fail:${account}`,
      lock: `${prefix}lock:${account}`,
      ipFailures: `${prefix}ipfail:${ip}`,
      ipBlock: `${prefix}ipblock:${ip}`,
    };
  };

  function refusal(lock: AttemptCount | undefined, block: AttemptCount | undefined): ThrottleDecision {
    if (lock === undefined && block === undefined) return ALLOWED;
    return {
      allowed: false,
      locked: lock !== undefined,
      ipLimited: block !== undefined,
      retryAfterSec: seconds(Math.max(lock?.ttlMs ?? 0, block?.ttlMs ?? 0)),
    };
  }

  async function check(subject: LoginSubject): Promise<ThrottleDecision> {
    const k = keys(subject);
    const [lock, block] = await Promise.all([store.get(k.lock), store.get(k.ipBlock)]);
    return refusal(lock, block);
  }

  /** Locks the account; true when this call created the lock (the store's hit is atomic). */
  async function lockAccount(k: ReturnType<typeof keys>): Promise<boolean> {
    const hits = await store.hit(k.lock, lockSec);
    // A fresh run of `threshold` attempts once the lock ends.
    await store.reset(k.failures);
    return hits === 1;
  }

  return {
    check,
    async begin(subject) {
      const k = keys(subject);
      let attempts: number;
      let lockAfterHit: AttemptCount | undefined;
      if (gated !== undefined) {
        // The same steps in one round trip (see GatedAttemptStore).
        const result = await gated.gate({
          blockKeys: [k.lock, k.ipBlock],
          hitKey: k.failures,
          windowSec: failureWindowSec,
          recheckKey: k.lock,
        });
        if (result.blocked) return refusal(result.blocks.get(k.lock), result.blocks.get(k.ipBlock));
        attempts = result.count;
        lockAfterHit = result.recheck;
      } else {
        const state = await check(subject);
        if (!state.allowed) return state;
        attempts = await store.hit(k.failures, failureWindowSec);
        if (attempts <= threshold) lockAfterHit = await store.get(k.lock);
      }
      if (attempts <= threshold) {
        // A concurrent attempt may have locked the account (and restarted its counter) between our
        // check and our hit: the lock is written before the counter restarts, so looking again
        // after the hit closes that window.
        if (lockAfterHit === undefined) return ALLOWED;
        return { allowed: false, locked: true, ipLimited: false, retryAfterSec: seconds(lockAfterHit.ttlMs) };
      }
      // Concurrent attempts raced past the threshold: this one is refused and the account locked.
      const newlyLocked = await lockAccount(k);
      return {
        allowed: false,
        locked: true,
        ipLimited: false,
        retryAfterSec: seconds(lockSec * 1000),
        newlyLocked,
      };
    },
    async recordFailure(subject) {
      const k = keys(subject);
      const ipFailures = await store.hit(k.ipFailures, ipWindowSec);
      if (ipFailures > perIpLimit) {
        const exponent = Math.min(ipFailures - perIpLimit - 1, 30);
        await store.hit(k.ipBlock, Math.min(maxBackoffSec, backoffBaseSec * 2 ** exponent));
      }
      // `begin` already counted this attempt.
      const failures = await store.get(k.failures);
      const newlyLocked =
        failures !== undefined && failures.count >= threshold ? await lockAccount(k) : false;
      const state = await check(subject);
      return newlyLocked ? { ...state, newlyLocked } : state;
    },
    async recordSuccess(subject) {
      await store.reset(keys(subject).failures);
    },
    async unlock(account) {
      const k = keys({ account, ip: '' });
      await Promise.all([store.reset(k.failures), store.reset(k.lock)]);
    },
  };
}
