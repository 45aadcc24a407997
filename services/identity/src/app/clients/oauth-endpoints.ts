/**
 * Use cases behind `/oauth2/token` (client_credentials), `/oauth2/introspect` (RFC 7662) and
 * `/oauth2/revoke` (RFC 7009). Each returns an RFC 6749 outcome; the HTTP layer only maps it.
 */
import type { Kysely } from 'kysely';
import type { ClientCredentials } from '../../domain/clients/client-auth.ts';
import { grantScopes, parseScope } from '../../domain/clients/scope.ts';
import { insertRevokedToken, pruneRevokedTokens, tokenStatus } from '../../store/clients/clients-store.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';
import type { IssueAccessToken } from '../keys/issue-access-token.ts';
import type { AuthenticateClient } from './authenticate-client.ts';
import type { OwnTokenVerifier } from './own-token-verifier.ts';

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
  const { db, authenticate, verifyToken } = options;
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
      const status = await tokenStatus(db, claims.jti, claims.client_id);
      if (status.revoked || status.clientDeleted) return { ok: true, response: { active: false } };
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
      await pruneRevokedTokens(db, at);
      return { ok: true };
    },
  };
}
