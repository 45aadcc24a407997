/**
 * Bearer-token checks for routes that declare `auth` or `permission`. Runs before anything about
 * the request body is looked at, so anonymous callers learn nothing about the endpoint's input.
 */
import type { AccessTokenClaims, Authenticator } from '../auth/permissions.ts';
import { hasPermission } from '../auth/permissions.ts';
import { ProblemError } from '../errors/problem.ts';
import type { Route } from './route.ts';
import { requiresAuth } from './route.ts';

/** RFC 6750 §3: no error code when the request carried no credentials at all. */
function missingToken(realm: string): ProblemError {
  return new ProblemError({
    code: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    detail: 'A bearer access token is required.',
    headers: { 'WWW-Authenticate': `Bearer realm="${realm.replace(/[^\x20-\x7e]|["\\]/g, '')}"` },
  });
}

/** RFC 6750 §3.1 `insufficient_scope`, answered with 403. */
function insufficientPermission(permission: string): ProblemError {
  return new ProblemError({
    code: 'forbidden',
    status: 403,
    title: 'Forbidden',
    detail: 'The access token does not grant the required permission.',
    extensions: { required_permission: permission },
    headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  });
}

/** A 401 from the authenticator always tells the client how to authenticate. */
function withChallenge(error: ProblemError): ProblemError {
  const has = Object.keys(error.headers).some((name) => name.toLowerCase() === 'www-authenticate');
  if (error.status !== 401 || has) return error;
  return new ProblemError({
    code: error.code,
    status: error.status,
    title: error.title,
    detail: error.detail,
    errors: error.errors,
    extensions: error.extensions,
    headers: { ...error.headers, 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause: error.cause,
  });
}

/**
 * Verifies the token for a route that needs one and checks its permission.
 * Returns `undefined` for public routes. Throws 401/403 `ProblemError`s; anything else the
 * authenticator throws (its key set unreachable, say) propagates as a server error.
 */
export async function authorize(
  route: Route,
  authenticator: Authenticator | undefined,
  authorization: string | undefined,
  realm: string,
): Promise<AccessTokenClaims | undefined> {
  if (!requiresAuth(route)) return undefined;
  if (authenticator === undefined) {
    // createHttpApp refuses such a configuration; this guards direct use.
    throw new Error(`${route.operationId} requires authentication but no authenticator is configured`);
  }
  if (authorization === undefined || authorization.trim() === '') throw missingToken(realm);
  let claims: AccessTokenClaims;
  try {
    claims = await authenticator.authenticate(authorization);
  } catch (error) {
    throw error instanceof ProblemError ? withChallenge(error) : error;
  }
  if (route.permission !== undefined && !hasPermission(claims, route.permission)) {
    throw insufficientPermission(route.permission);
  }
  return claims;
}
