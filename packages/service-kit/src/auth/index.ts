export { MAX_TOKEN_LENGTH, parseBearer } from './bearer.ts';
export { importVerificationKey } from './jwk.ts';
export {
  createJwksAuthenticator,
  type JwksAuthenticator,
  type JwksAuthenticatorOptions,
  type JwksAuthenticatorStats,
} from './jwks.ts';
export { AUTH_LOCALS_KEY, getAuth, requireAuth, requirePermission } from './middleware.ts';
export {
  type AccessTokenClaims,
  type Authenticator,
  hasPermission,
  permissionCovers,
} from './permissions.ts';
export { TokenError, type TokenErrorCode, tokenProblem } from './token-error.ts';
