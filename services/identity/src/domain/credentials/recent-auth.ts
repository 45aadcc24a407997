/**
 * "Recent login" (identity.md: `DELETE /v1/me`, MFA removal, new recovery codes): the access
 * token's `auth_time` — when the user last presented their credentials — must be at most
 * `maxAgeSec` old. A token without `auth_time` never counts as recent.
 */

/** How recent a login must be for sensitive self-service actions (5 minutes). */
export const RECENT_AUTH_MAX_AGE_SEC = 5 * 60;

/** Tolerated clock skew for an `auth_time` in the future (identity.md: ≤ 60 s). */
const MAX_SKEW_SEC = 60;

export function isRecentAuth(
  authTime: unknown,
  nowSec: number,
  maxAgeSec: number = RECENT_AUTH_MAX_AGE_SEC,
): boolean {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return false;
  if (authTime > nowSec + MAX_SKEW_SEC) return false;
  return nowSec - authTime <= maxAgeSec;
}
