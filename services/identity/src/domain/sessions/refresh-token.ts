import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens (identity.md "Tokens"): opaque, 256 random bits (base64url, 43 characters),
 * handed out once and stored only as their hex SHA-256. A high-entropy secret needs no salt or
 * slow hash: its hash is a lookup key. They are never JWTs, so a refresh token sent as a bearer
 * access token fails verification (401).
 *
 * Every token belongs to a family (one per session, started at login); every use rotates it. A
 * rotated token used again is a reuse (RFC 9700 §4.14) — unless it is a benign race: see
 * `classifyReuse`.
 */

/** Longest refresh token string the token endpoint looks at (longer input is simply unknown). */
export const MAX_REFRESH_TOKEN_INPUT = 512;

/** Defaults (identity.md): 30 days idle, 90 days absolute, 5 s grace for concurrent refreshes. */
export const DEFAULT_REFRESH_IDLE_TTL_SEC = 30 * 24 * 60 * 60;
export const DEFAULT_REFRESH_ABSOLUTE_TTL_SEC = 90 * 24 * 60 * 60;
export const DEFAULT_REFRESH_REUSE_GRACE_SEC = 5;

export interface NewRefreshToken {
  /** The secret (base64url of 32 random bytes): only in the token response. */
  token: string;
  /** Hex SHA-256 of `token`: the only form stored. */
  hash: string;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newRefreshToken(): NewRefreshToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** Whether a string could be one of our refresh tokens at all (cheap pre-check, no I/O). */
export function looksLikeRefreshToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Who presented an already rotated token, and who rotated it. */
export interface ReuseFacts {
  /** Seconds since the token was rotated (database clock). */
  sinceRotationSec: number;
  graceSec: number;
  rotatedBy: { clientId: string; ip: string | null; userAgent: string | null };
  presentedBy: { clientId: string; ip: string; userAgent: string };
}

/**
 * A rotated token presented again is a benign race (`race`: refused with `invalid_grant`, nothing
 * revoked) only when it comes within the grace period, from the same client, IP address and user
 * agent that rotated it — the shape of two tabs or a retried request of one device refreshing at
 * once. Anything else is a `reuse`: the family and the session are revoked.
 *
 * The race answer is an error, never the successor token: the successor exists only as a hash, and
 * handing the same new token to two requests would be exactly the fork rotation must prevent.
 */
export function classifyReuse(facts: ReuseFacts): 'race' | 'reuse' {
  const sameCaller =
    facts.rotatedBy.clientId === facts.presentedBy.clientId &&
    facts.rotatedBy.ip === facts.presentedBy.ip &&
    facts.rotatedBy.userAgent === facts.presentedBy.userAgent;
  return sameCaller && facts.sinceRotationSec >= 0 && facts.sinceRotationSec < facts.graceSec
    ? 'race'
    : 'reuse';
}
