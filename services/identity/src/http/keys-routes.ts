/**
 * Signing keys over HTTP: the JWKS, the OpenID Provider metadata, and key rotation.
 *
 * JWKS caching: `Cache-Control: public, max-age=300`. A `next` key is published when it is
 * created and rotation refuses to promote it before it has been published for 330 s (max-age + 30 s
 * margin, see domain/keys/rotation.ts), so every cache that honours max-age holds the key before
 * the first token it signs exists. Retired keys stay published until their last token has expired,
 * so a cached (older) copy never lacks a key that a valid token needs. Removal of a key only
 * reaches caches up to 300 s later, which is harmless: nothing is signed with it any more.
 */
import { defineRoute, ProblemError, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import { RotationTooSoonError } from '../app/keys/rotate-signing-key.ts';
import type { SigningKeys } from '../app/keys/signing-keys.ts';
import { JWKS_MAX_AGE_SEC } from '../domain/keys/rotation.ts';

export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE_SEC}`;
const DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';

export interface KeysRoutesDeps {
  keys: Pick<SigningKeys, 'jwks' | 'rotate'>;
  /** `TOKEN_ISSUER` (no trailing slash): base of every URL in the discovery document. */
  issuer: string;
  /**
   * Serve the admin rotation route (default true). It needs the service's authenticator
   * (`JWKS_URL`, `TOKEN_ISSUER`, `TOKEN_AUDIENCE`); without one, pass `false` or start-up fails.
   */
  admin?: boolean;
}

/** A public key as published: a closed schema, so a private member (`d`) can never be served. */
const PublicJwkSchema = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    y: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    kid: Type.String({ minLength: 1, maxLength: 200 }),
    use: Type.Literal('sig'),
    alg: Type.Literal('ES256'),
  },
  { additionalProperties: false },
);

const JwksSchema = Type.Object(
  { keys: Type.Array(PublicJwkSchema) },
  { additionalProperties: false, description: 'RFC 7517 JWK Set: next, active and unexpired retired keys' },
);

const url = () => Type.String({ format: 'uri' });
const DiscoverySchema = Type.Object(
  {
    issuer: url(),
    jwks_uri: url(),
    token_endpoint: url(),
    revocation_endpoint: url(),
    introspection_endpoint: url(),
    userinfo_endpoint: url(),
    grant_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
    id_token_signing_alg_values_supported: Type.Array(Type.String()),
    subject_types_supported: Type.Array(Type.String()),
    claims_supported: Type.Array(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'OpenID Provider Metadata (OpenID Connect Discovery 1.0, RFC 8414)',
  },
);

const RotationSchema = Type.Object(
  {
    kid: Type.String({ description: 'The key that signs from now on (the former next key)' }),
    previous_kid: Type.Optional(
      Type.String({ description: 'The retired key; stays in the JWKS until previous_expires_at' }),
    ),
    previous_expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    next_kid: Type.String({ description: 'The new next key, published now' }),
  },
  { additionalProperties: false },
);

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

export function keysRoutes(deps: KeysRoutesDeps): Route[] {
  const { keys, issuer } = deps;
  const jwks = defineRoute({
    method: 'get',
    path: JWKS_PATH,
    operationId: 'getJwks',
    summary: 'Public keys that verify access tokens (JWKS)',
    description:
      'Keys are published before they sign and stay until every token they signed has expired; ' +
      `cache for at most ${JWKS_MAX_AGE_SEC} s (Cache-Control).`,
    tags: ['tokens'],
    responses: {
      200: { description: 'The JWK Set', schema: JwksSchema, contentType: 'application/jwk-set+json' },
    },
    handler: async ({ reply }) => reply(200, await keys.jwks(), { 'Cache-Control': JWKS_CACHE_CONTROL }),
  });

  const discovery = defineRoute({
    method: 'get',
    path: DISCOVERY_PATH,
    operationId: 'getOpenIdConfiguration',
    summary: 'OpenID Provider metadata',
    tags: ['tokens'],
    responses: { 200: { description: 'The provider metadata', schema: DiscoverySchema } },
    handler: async ({ reply }) =>
      reply(
        200,
        {
          issuer,
          jwks_uri: `${issuer}${JWKS_PATH}`,
          token_endpoint: `${issuer}/oauth2/token`,
          revocation_endpoint: `${issuer}/oauth2/revoke`,
          introspection_endpoint: `${issuer}/oauth2/introspect`,
          userinfo_endpoint: `${issuer}/oauth2/userinfo`,
          grant_types_supported: ['client_credentials', 'refresh_token'],
          token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
          revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
          introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
          id_token_signing_alg_values_supported: ['ES256'],
          subject_types_supported: ['public'],
          claims_supported: [
            'iss',
            'sub',
            'aud',
            'exp',
            'iat',
            'jti',
            'client_id',
            'sid',
            'scope',
            'auth_time',
            'amr',
            'roles',
            'permissions',
          ],
        },
        { 'Cache-Control': DISCOVERY_CACHE_CONTROL },
      ),
  });

  const rotate = defineRoute({
    method: 'post',
    path: '/v1/admin/signing-keys/rotate',
    operationId: 'rotateSigningKeys',
    summary: 'Rotate the signing keys',
    description:
      'The next key (published since the previous rotation) starts signing, the active key retires ' +
      'and stays in the JWKS until its tokens have expired, and a new next key is published. ' +
      'Refused with 409 `rotation_too_soon` while the next key has been published for less than the ' +
      'JWKS cache lifetime, unless `force=true` (emergency: gateways may refuse new tokens until they refetch the JWKS).',
    tags: ['admin', 'tokens'],
    permission: 'keys:rotate',
    request: { query: Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) }) },
    responses: {
      200: { description: 'The keys after the rotation', schema: RotationSchema },
      409: { description: 'The next key has not been published long enough' },
    },
    handler: async ({ query, reply }) => {
      try {
        const result = await keys.rotate({ force: query.force === true });
        return reply(200, {
          kid: result.kid,
          next_kid: result.next_kid,
          ...(result.previous_kid === undefined ? {} : { previous_kid: result.previous_kid }),
          ...(result.previous_expires_at === undefined
            ? {}
            : { previous_expires_at: result.previous_expires_at.toISOString() }),
        });
      } catch (error) {
        if (error instanceof RotationTooSoonError) {
          throw new ProblemError({
            code: error.code,
            status: 409,
            title: 'Conflict',
            detail: error.message,
            headers: { 'Retry-After': String(error.retryAfterSec) },
            extensions: { retry_after: error.retryAfterSec },
          });
        }
        throw error;
      }
    },
  });

  return deps.admin === false ? [jwks, discovery] : [jwks, discovery, rotate];
}
