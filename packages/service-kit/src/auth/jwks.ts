import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { parseBearer } from './bearer.ts';
import { JwksCache } from './jwks-cache.ts';
import { checkAccessTokenHeader } from './jws-header.ts';
import type { AccessTokenClaims, Authenticator } from './permissions.ts';
import { type TokenErrorCode, tokenProblem } from './token-error.ts';
import { VerifiedTokenCache } from './verified-cache.ts';

export interface JwksAuthenticatorOptions {
  /** Where the issuer publishes its signing keys (identity's `/.well-known/jwks.json`). */
  jwksUrl: string;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud` (one of the token's audiences). */
  audience: string;
  /** Allowed clock skew for `exp` and `nbf`; at most 60 s (the platform's rule). Default 60. */
  clockToleranceSec?: number;
  /** Minimum time between JWKS fetches caused by unknown `kid`s. Default 30 s. */
  cooldownMs?: number;
  /** For tests or a custom agent; default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Verified tokens remembered to skip repeated signature checks; 0 disables. Default 10,000. */
  verifiedCacheSize?: number;
  /** JWKS fetch timeout. Default 5 s. */
  jwksTimeoutMs?: number;
}

export interface JwksAuthenticatorStats {
  jwksFetches: number;
  jwksFailures: number;
  keys: number;
  cachedTokens: number;
}

export interface JwksAuthenticator extends Authenticator {
  /** Verifies a bare token (no `Bearer `); resolves to its claims or rejects with a 401 `ProblemError`. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Fetches the JWKS now, e.g. at start-up; rejects when it cannot be fetched. */
  refresh(): Promise<void>;
  stats(): JwksAuthenticatorStats;
}

const MAX_CLOCK_TOLERANCE_SEC = 60;

/** jsonwebtoken reports failures as messages; these are the ones that can reach it here. */
function codeOf(error: unknown): TokenErrorCode {
  if (error instanceof jwt.TokenExpiredError) return 'token_expired';
  if (error instanceof jwt.NotBeforeError) return 'token_not_yet_valid';
  const message = error instanceof Error ? error.message : '';
  if (message === 'invalid signature') return 'token_signature_invalid';
  if (message.startsWith('jwt issuer invalid')) return 'token_issuer_invalid';
  if (message.startsWith('jwt audience invalid')) return 'token_audience_invalid';
  if (message === 'invalid algorithm') return 'token_alg_not_allowed';
  if (/^invalid (exp|nbf|iat) value/.test(message)) return 'token_claims_invalid';
  if (/malformed|invalid token|signature is required|must be|not valid JSON/i.test(message))
    return 'token_malformed';
  return 'token_invalid';
}

function checkClaims(payload: unknown): AccessTokenClaims {
  if (payload === null || typeof payload !== 'object') throw tokenProblem('token_malformed');
  const claims = payload as Record<string, unknown>;
  const ok =
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    typeof claims.sub === 'string' &&
    claims.sub !== '' &&
    (claims.nbf === undefined || typeof claims.nbf === 'number') &&
    (claims.permissions === undefined ||
      (Array.isArray(claims.permissions) && claims.permissions.every((p) => typeof p === 'string')));
  if (!ok) throw tokenProblem('token_claims_invalid');
  for (const value of Object.values(claims)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(claims) as AccessTokenClaims;
}

/**
 * Verifies the platform's access tokens offline against the issuer's JWKS, by the rules of
 * identity.md "Tokens" and RFC 8725: only ES256 (never `none`, HS* with the public key, RS*), header
 * `typ` `at+jwt`, a `kid` present in the JWKS, `iss` and `aud` checked, `exp` required, clock skew
 * at most 60 s. Every failure is a 401 `ProblemError` whose `cause` is a `TokenError` with a stable
 * `code`; the token itself is never echoed.
 */
export function createJwksAuthenticator(options: JwksAuthenticatorOptions): JwksAuthenticator {
  const clockTolerance = Math.min(
    options.clockToleranceSec ?? MAX_CLOCK_TOLERANCE_SEC,
    MAX_CLOCK_TOLERANCE_SEC,
  );
  if (!(clockTolerance >= 0)) throw new RangeError('clockToleranceSec must be between 0 and 60');
  const jwks = new JwksCache({
    url: options.jwksUrl,
    cooldownMs: options.cooldownMs ?? 30_000,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.jwksTimeoutMs === undefined ? {} : { timeoutMs: options.jwksTimeoutMs }),
  });
  const verified = new VerifiedTokenCache(options.verifiedCacheSize ?? 10_000, clockTolerance);
  const currentKey = (kid: string) => jwks.peek(kid);
  const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
    algorithms: ['ES256'],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance,
  };

  function verifyWithKey(token: string, kid: string, key: KeyObject): AccessTokenClaims {
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch (error) {
      throw tokenProblem(codeOf(error), error);
    }
    const claims = checkClaims(payload);
    verified.set(token, kid, key, claims);
    return claims;
  }

  async function verify(token: string): Promise<AccessTokenClaims> {
    const cached = verified.get(token, currentKey);
    if (cached !== undefined) return cached;
    const { kid } = checkAccessTokenHeader(token);
    const key = jwks.peek(kid) ?? (await jwks.get(kid));
    return verifyWithKey(token, kid, key);
  }

  return {
    verify,
    authenticate: (authorization) => {
      try {
        return verify(parseBearer(authorization));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    refresh: () => jwks.refresh(),
    stats: () => {
      const { fetches, failures, keys } = jwks.stats();
      return { jwksFetches: fetches, jwksFailures: failures, keys, cachedTokens: verified.size };
    },
  };
}
