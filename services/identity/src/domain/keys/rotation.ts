/**
 * The timing rules of signing-key rotation. The invariants they keep:
 *
 * 1. A key is published before it signs. The `next` key is in the JWKS from the moment it is
 *    created; rotation promotes it only once it has been published for longer than anyone may
 *    cache the JWKS (`JWKS_MAX_AGE_SEC`), so a gateway that honours `Cache-Control` has it before
 *    the first token it signs arrives. (Verifiers that refetch on an unknown `kid`, like
 *    service-kit's, cope with a shorter wait anyway.)
 * 2. A key stays published until every token it signed has expired: a retired key stays until
 *    `retired_at + access token lifetime + the time other instances may still sign with it before
 *    they notice the rotation + the clock skew verifiers allow`.
 */

/** `Cache-Control: max-age` of the JWKS. Short enough that retirements and new keys spread fast. */
export const JWKS_MAX_AGE_SEC = 300;

/** How long an instance may keep signing with the key it loaded before it re-reads the active key. */
export const KEY_REFRESH_INTERVAL_MS = 5_000;

/** The clock skew verifiers allow (identity.md "Tokens": at most 60 s). */
export const VERIFIER_CLOCK_SKEW_SEC = 60;

/** Minimum age of the `next` key before rotation may promote it (see invariant 1). */
export const MIN_NEXT_KEY_AGE_SEC = JWKS_MAX_AGE_SEC + 30;

/** When a key retired at `retiredAt` may leave the JWKS (see invariant 2). */
export function retiredKeyExpiry(retiredAt: Date, accessTokenTtlSec: number): Date {
  const ms = accessTokenTtlSec * 1000 + KEY_REFRESH_INTERVAL_MS + VERIFIER_CLOCK_SKEW_SEC * 1000;
  return new Date(retiredAt.getTime() + ms);
}

/** Seconds until the `next` key created at `nextCreatedAt` may be promoted; 0 when it may now. */
export function secondsUntilPromotable(nextCreatedAt: Date, now: Date, minAgeSec: number): number {
  const wait = nextCreatedAt.getTime() + minAgeSec * 1000 - now.getTime();
  return wait > 0 ? Math.ceil(wait / 1000) : 0;
}
