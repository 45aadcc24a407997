/** OAuth 2 scopes (RFC 6749 §3.3): space-separated tokens of `%x21 / %x23-5B / %x5D-7E`. */

export const SCOPE_TOKEN_PATTERN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,100}$';
const SCOPE_TOKEN = new RegExp(SCOPE_TOKEN_PATTERN);
export const MAX_SCOPE_LENGTH = 2000;

/** The scope tokens of a `scope` parameter (duplicates removed), or `undefined` when malformed. */
export function parseScope(value: string): string[] | undefined {
  if (value.length > MAX_SCOPE_LENGTH) return undefined;
  if (value === '') return [];
  const tokens = value.split(' ');
  if (tokens.some((t) => !SCOPE_TOKEN.test(t))) return undefined;
  return [...new Set(tokens)];
}

export type ScopeDecision = { ok: true; granted: string[] } | { ok: false };

/**
 * The scopes a client_credentials token gets: every allowed scope when none is requested (the
 * documented default, RFC 6749 §3.3), else the requested ones, which must all be allowed.
 */
export function grantScopes(requested: string[] | undefined, allowed: readonly string[]): ScopeDecision {
  if (requested === undefined || requested.length === 0) return { ok: true, granted: [...allowed] };
  const allowedSet = new Set(allowed);
  if (!requested.every((s) => allowedSet.has(s))) return { ok: false };
  return { ok: true, granted: requested };
}
