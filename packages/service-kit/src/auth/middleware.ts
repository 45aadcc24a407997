import type { RequestHandler, Response } from 'express';
import { ProblemError, problems } from '../errors/problem.ts';
import { type AccessTokenClaims, type Authenticator, hasPermission } from './permissions.ts';

/** Where the middleware keeps the verified claims: `res.locals.auth`. */
export const AUTH_LOCALS_KEY = 'auth';

function claimsOf(res: Response): AccessTokenClaims | undefined {
  const claims: unknown = res.locals[AUTH_LOCALS_KEY];
  return claims !== null && typeof claims === 'object' ? (claims as AccessTokenClaims) : undefined;
}

function authenticated(authenticator: Authenticator, authorization: string | undefined, res: Response) {
  const known = claimsOf(res);
  if (known !== undefined) return Promise.resolve(known);
  return authenticator.authenticate(authorization).then((claims) => {
    res.locals[AUTH_LOCALS_KEY] = claims;
    return claims;
  });
}

/** 403 with RFC 6750 §3.1 `insufficient_scope`, as the HTTP layer answers for route permissions. */
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

/**
 * Requires a valid access token; its claims go to `res.locals.auth` (read them with `getAuth`).
 * Failures reach the error handler as 401 `ProblemError`s.
 */
export function requireAuth(authenticator: Authenticator): RequestHandler {
  return (req, res, next) => {
    authenticated(authenticator, req.headers.authorization, res).then(() => next(), next);
  };
}

/**
 * Requires a valid access token whose `permissions` grant `permission` (wildcards `users:*` and `*`
 * included): 401 without a valid token, 403 without the permission. Reuses the claims of an
 * earlier `requireAuth`.
 */
export function requirePermission(authenticator: Authenticator, permission: string): RequestHandler {
  return (req, res, next) => {
    authenticated(authenticator, req.headers.authorization, res).then((claims) => {
      if (hasPermission(claims, permission)) next();
      else next(insufficientPermission(permission));
    }, next);
  };
}

/** The verified claims of the current request; a 401 `ProblemError` if no auth middleware ran. */
export function getAuth(res: Response): AccessTokenClaims {
  const claims = claimsOf(res);
  if (claims === undefined) throw problems.unauthorized();
  return claims;
}
