/**
 * Use cases behind `/oauth2/token` (client_credentials, refresh_token), `/oauth2/introspect`
 * (RFC 7662) and `/oauth2/revoke` (RFC 7009). Each returns an RFC 6749 outcome; the HTTP layer
 * only maps it.
 */
import type { Kysely } from 'kysely';
import { PLATFORM_CLIENT_ID } from '../../domain/accounts/login-policy.ts';
import type { ClientCredentials } from '../../domain/clients/client-auth.ts';
import { grantScopes, parseScope } from '../../domain/clients/scope.ts';
import { insertRevokedToken, pruneRevokedTokens, tokenStatus } from '../../store/clients/clients-store.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';
import type { IssueAccessToken } from '../keys/issue-access-token.ts';
import { isUuid } from '../sessions/manage-sessions.ts';
import type { AuthenticateClient } from './authenticate-client.ts';
import type { OwnTokenVerifier } from './own-token-verifier.ts';
import type { TokenStatusCache } from './token-status-cache.ts';

/** The refresh grant's outcome, as `rotateRefreshToken` (src/app/sessions) answers it. */
type RotateOutcome =
  | { ok: true; accessToken: string; expiresIn: number; refreshToken: string; scope?: string }
  | { ok: false; reason: string };

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

export type OAuthFailure = { ok: false; error: OAuthErrorCode; description: string };

export const INVALID_CLIENT: OAuthFailure = {
  ok: false,
  error: 'invalid_client',
  description: 'Client authentication failed.',
};

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

export interface Introspection {
  active: boolean;
  sub?: string;
  client_id?: string;
  scope?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  token_type?: 'Bearer';
  jti?: string;
  permissions?: string[];
}

/** Revocations are kept this long past the token's `exp` (the skew other verifiers allow). */
const REVOCATION_MARGIN_SEC = 60;

export interface OAuthEndpointsOptions {
  db: Kysely<ClientsDatabase>;
  authenticate: AuthenticateClient;
  issueAccessToken: IssueAccessToken;
  verifyToken: OwnTokenVerifier;
  /** Client tokens found active, remembered briefly (token-status-cache.ts); none: read every time. */
  statusCache?: TokenStatusCache;
  now?: () => Date;
}

export interface OAuthEndpoints {
  clientCredentials(
    credentials: ClientCredentials,
    params: { scope?: string | undefined },
  ): Promise<{ ok: true; response: TokenResponse } | OAuthFailure>;
  introspect(
    credentials: ClientCredentials,
    token: string,
  ): Promise<{ ok: true; response: Introspection } | OAuthFailure>;
  revoke(credentials: ClientCredentials, token: string): Promise<{ ok: true } | OAuthFailure>;
}

export function createOAuthEndpoints(options: OAuthEndpointsOptions): OAuthEndpoints {
  const { db, authenticate, verifyToken, statusCache } = options;
  const now = options.now ?? (() => new Date());

  return {
    async clientCredentials(credentials, params) {
      const client = await authenticate(credentials);
      if (client === undefined) return INVALID_CLIENT;
      if (!client.grant_types.includes('client_credentials')) {
        return {
          ok: false,
          error: 'unauthorized_client',
          description: 'This client may not use the client_credentials grant.',
        };
      }
      const requested = params.scope === undefined ? undefined : parseScope(params.scope);
      if (params.scope !== undefined && requested === undefined) {
        return { ok: false, error: 'invalid_scope', description: 'The scope parameter is malformed.' };
      }
      const decision = grantScopes(requested, client.scopes);
      if (!decision.ok) {
        return {
          ok: false,
          error: 'invalid_scope',
          description: 'The requested scope exceeds what this client may have.',
        };
      }
      const scope = decision.granted.join(' ');
      const issued = await options.issueAccessToken({
        sub: client.id,
        client_id: client.id,
        ...(scope === '' ? {} : { scope }),
        permissions: [...client.permissions],
      });
      return {
        ok: true,
        response: {
          access_token: issued.token,
          token_type: 'Bearer',
          expires_in: issued.expiresIn,
          ...(scope === '' ? {} : { scope }),
        },
      };
    },

    async introspect(credentials, token) {
      const client = await authenticate(credentials);
      if (client === undefined) return INVALID_CLIENT;
      const verified = await verifyToken(token);
      if (!verified.ok) return { ok: true, response: { active: false } };
      const { claims } = verified;
      // A user token (one with `sid`) whose session was revoked — logout, session or admin
      // revocation, reuse detection, password change or reset, disabled or deleted account —
      // introspects as inactive at once (identity.md "Session"); a malformed sid is no live session.
      // Revocations are read from the database on every call (exact across instances).
      if (claims.sid !== undefined && !(isUuid(claims.sid) && isUuid(claims.sub)))
        return { ok: true, response: { active: false } };
      // A client token (no session) found active moments ago, and not revoked here since.
      const cacheable = claims.sid === undefined && claims.jti !== undefined ? statusCache : undefined;
      if (cacheable?.isActive(claims.jti as string) !== true) {
        const read = cacheable?.begin();
        const status = await tokenStatus(db, {
          jti: claims.jti,
          clientId: claims.client_id,
          ...(claims.sid === undefined ? {} : { session: { sid: claims.sid, sub: claims.sub } }),
        });
        if (status.revoked || status.clientDeleted || !status.sessionLive)
          return { ok: true, response: { active: false } };
        if (read !== undefined) cacheable?.remember(claims.jti as string, read);
      }
      return {
        ok: true,
        response: {
          active: true,
          sub: claims.sub,
          ...(claims.client_id === undefined ? {} : { client_id: claims.client_id }),
          ...(claims.scope === undefined ? {} : { scope: claims.scope }),
          exp: claims.exp,
          iat: claims.iat,
          iss: claims.iss,
          aud: claims.aud,
          token_type: 'Bearer',
          ...(claims.jti === undefined ? {} : { jti: claims.jti }),
          ...(claims.permissions === undefined ? {} : { permissions: [...claims.permissions] }),
        },
      };
    },

    async revoke(credentials, token) {
      const client = await authenticate(credentials);
      if (client === undefined) return INVALID_CLIENT;
      const verified = await verifyToken(token);
      // RFC 7009 §2.2: invalid, expired or unknown tokens (and refresh tokens, which are not yet
      // issued here) answer 200 like a revocation. A token of another client is left alone, also
      // with 200, so the endpoint does not tell a client anything about other clients' tokens.
      if (!verified.ok || verified.claims.jti === undefined) return { ok: true };
      if (verified.claims.client_id !== client.id) return { ok: true };
      const at = now();
      await insertRevokedToken(db, {
        jti: verified.claims.jti,
        clientId: client.id,
        expiresAt: new Date((verified.claims.exp + REVOCATION_MARGIN_SEC) * 1000),
      });
      statusCache?.forget(verified.claims.jti);
      await pruneRevokedTokens(db, at);
      return { ok: true };
    },
  };
}

/**
 * How a client identified itself: with a secret (`client_secret_basic` / `client_secret_post`), or
 * — public clients only (RFC 6749 §2.1) — by `client_id` alone.
 */
export type ClientIdentification =
  | { kind: 'confidential'; credentials: ClientCredentials }
  | { kind: 'public'; clientId: string };

/**
 * Public clients: the platform's own first-party login (`client_id=platform`, the client of the
 * tokens of `POST /v1/login`) runs in browsers and apps that cannot keep a secret, so it uses the
 * refresh grant and revocation with `client_id=platform` and no secret (token endpoint auth method
 * `none`). What protects its refresh tokens is their binding to the client, rotation on every use
 * and reuse detection (RFC 9700 §4.14.2), not a client secret. Any other client id must authenticate.
 */
export const PUBLIC_CLIENT_IDS: ReadonlySet<string> = new Set([PLATFORM_CLIENT_ID]);

export interface RefreshTokenResponse extends TokenResponse {
  refresh_token: string;
}

/** The HTTP caller, for reuse detection and the `identity.token.reuse_detected` event. */
export interface CallerInfo {
  ip: string;
  userAgent: string;
}

export interface RefreshGrantEndpoints {
  /** `grant_type=refresh_token` (RFC 6749 §6). */
  refreshToken(
    client: ClientIdentification,
    params: { refresh_token: string; scope?: string | undefined },
    caller: CallerInfo,
  ): Promise<{ ok: true; response: RefreshTokenResponse } | OAuthFailure>;
  /** RFC 7009 for a refresh token: its family (and session) is revoked; always ok once the client is known. */
  revokeRefreshToken(client: ClientIdentification, token: string): Promise<{ ok: true } | OAuthFailure>;
}

export interface RefreshGrantOptions {
  authenticate: AuthenticateClient;
  rotate: (token: string, caller: CallerInfo & { clientId: string }) => Promise<RotateOutcome>;
  revokeFamily: (token: string, clientId: string) => Promise<boolean>;
}

const INVALID_GRANT: OAuthFailure = {
  ok: false,
  error: 'invalid_grant',
  description: 'The refresh token is invalid, expired, revoked or was issued to another client.',
};

export function createRefreshGrantEndpoints(options: RefreshGrantOptions): RefreshGrantEndpoints {
  /** The client id, once the client is known (public) or authenticated (confidential). */
  async function identify(
    client: ClientIdentification,
    grant: string | undefined,
  ): Promise<{ ok: true; clientId: string } | OAuthFailure> {
    if (client.kind === 'public') {
      return PUBLIC_CLIENT_IDS.has(client.clientId)
        ? { ok: true, clientId: client.clientId }
        : INVALID_CLIENT;
    }
    const authenticated = await options.authenticate(client.credentials);
    if (authenticated === undefined) return INVALID_CLIENT;
    if (grant !== undefined && !authenticated.grant_types.includes(grant)) {
      return {
        ok: false,
        error: 'unauthorized_client',
        description: `This client may not use the ${grant} grant.`,
      };
    }
    return { ok: true, clientId: authenticated.id };
  }

  return {
    async refreshToken(client, params, caller) {
      const identified = await identify(client, 'refresh_token');
      if (!identified.ok) return identified;
      if (params.scope !== undefined) {
        // RFC 6749 §6 lets a client narrow the scope; platform sessions carry none to narrow.
        return { ok: false, error: 'invalid_scope', description: 'Omit scope: the original scope is kept.' };
      }
      const outcome = await options.rotate(params.refresh_token, {
        ...caller,
        clientId: identified.clientId,
      });
      if (!outcome.ok) return INVALID_GRANT;
      return {
        ok: true,
        response: {
          access_token: outcome.accessToken,
          token_type: 'Bearer',
          expires_in: outcome.expiresIn,
          refresh_token: outcome.refreshToken,
          ...(outcome.scope === undefined ? {} : { scope: outcome.scope }),
        },
      };
    },

    async revokeRefreshToken(client, token) {
      const identified = await identify(client, undefined);
      if (!identified.ok) return identified;
      await options.revokeFamily(token, identified.clientId);
      return { ok: true };
    },
  };
}
