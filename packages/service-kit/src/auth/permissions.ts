/**
 * Permissions are `<resource_type>:<action>` strings (`users:read`). A granted permission may be a
 * wildcard: `*` grants everything, `users:*` grants every action on `users`.
 */

/** The claims of a platform access token (RFC 9068) that services rely on. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti?: string;
  client_id?: string;
  sid?: string;
  scope?: string;
  auth_time?: number;
  amr?: string[];
  roles?: string[];
  permissions?: string[];
  [claim: string]: unknown;
}

/** Turns an `Authorization` header into verified claims, or throws a 401 `ProblemError`. */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<AccessTokenClaims>;
}

/** Whether one granted permission (possibly a wildcard) covers the required one. */
export function permissionCovers(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  if (!granted.endsWith(':*')) return false;
  const prefix = granted.slice(0, -1); // keeps the colon: `users:`
  return required.startsWith(prefix) && required.length > prefix.length;
}

/** Whether the token's `permissions` claim grants `required`. */
export function hasPermission(claims: Pick<AccessTokenClaims, 'permissions'>, required: string): boolean {
  const granted = claims.permissions;
  if (!Array.isArray(granted)) return false;
  return granted.some((g) => typeof g === 'string' && permissionCovers(g, required));
}
