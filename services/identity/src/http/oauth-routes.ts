/**
 * The OAuth 2 endpoints of the authorization server: `/oauth2/token` (client_credentials, and
 * refresh_token when `refresh` is given),
 * `/oauth2/introspect` (RFC 7662) and `/oauth2/revoke` (RFC 7009).
 *
 * Unlike the rest of the API these answer errors the RFC 6749 way (§5.2): JSON `{ error,
 * error_description }`, 400 or 401 (`invalid_client`, with `WWW-Authenticate: Basic`), never
 * problem+json. Their parameters are form-encoded (`application/x-www-form-urlencoded`, as the
 * RFCs say); `application/json` with the same names is accepted too. The body is declared to
 * service-kit (`bodyType: ['form', 'json']`, at most 16 kB, so the OpenAPI document shows it) and
 * every request the kit finds invalid (repeated or non-string parameter, malformed JSON, another
 * media type, oversized body, query parameters) is answered as an RFC 6749 `invalid_request` by
 * `onInvalidRequest`. Unknown parameters are ignored (RFC 6749 §3.2); which parameters are required
 * is checked by the handlers, after client authentication, as before.
 */

import { defineRoute, type HandlerContext, type ProblemError, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type {
  ClientIdentification,
  OAuthEndpoints,
  OAuthErrorCode,
  OAuthFailure,
  RefreshGrantEndpoints,
} from '../app/clients/oauth-endpoints.ts';
import { truncateUserAgent } from '../domain/accounts/login-policy.ts';
import { readClientCredentials } from '../domain/clients/client-auth.ts';
import { looksLikeRefreshToken, MAX_REFRESH_TOKEN_INPUT } from '../domain/sessions/refresh-token.ts';
import { clientOf } from './client-ip.ts';

export const MAX_OAUTH_BODY_BYTES = 16 * 1024;
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const OAuthErrorSchema = Type.Object(
  {
    error: Type.Union(
      [
        'invalid_request',
        'invalid_client',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
      ].map((code) => Type.Literal(code)),
    ),
    error_description: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: 'RFC 6749 §5.2 error response' },
);

const TokenResponseSchema = Type.Object(
  {
    access_token: Type.String({ description: 'RFC 9068 JWT (ES256, typ at+jwt)' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ minimum: 1 }),
    scope: Type.Optional(Type.String({ description: 'The granted scopes, space-separated' })),
    refresh_token: Type.Optional(
      Type.String({ description: 'refresh_token grant only: the successor of the presented refresh token' }),
    ),
  },
  { additionalProperties: false, description: 'RFC 6749 §5.1 access token response' },
);

const IntrospectionSchema = Type.Object(
  {
    active: Type.Boolean(),
    sub: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    token_type: Type.Optional(Type.Literal('Bearer')),
    jti: Type.Optional(Type.String()),
    permissions: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false, description: 'RFC 7662 §2.2 introspection response' },
);

/** The express request (identity does not depend on express itself). */
type Request = HandlerContext['req'];
type Params = Record<string, string | undefined>;

const invalidRequest = (description: string): OAuthFailure => ({
  ok: false,
  error: 'invalid_request',
  description,
});

const param = (description: string) => Type.Optional(Type.String({ description }));
const CLIENT_PARAMS = {
  client_id: param('client_secret_post, or the public first-party client (`platform`)'),
  client_secret: param('client_secret_post'),
};

/** Parameters of a body: the declared ones (all optional here, see the module comment) and any other string. */
function oauthBody(properties: Record<string, ReturnType<typeof param>>, description: string) {
  return Type.Object(
    { ...properties, ...CLIENT_PARAMS },
    { additionalProperties: Type.String(), description },
  );
}

const TokenRequestSchema = oauthBody(
  {
    grant_type: param('Required: `client_credentials` or `refresh_token`'),
    scope: param('Space-separated scopes'),
    refresh_token: param('Required for grant_type=refresh_token'),
  },
  'RFC 6749 §4.4 / §6 token request',
);

const TokenParamsSchema = oauthBody(
  {
    token: param('Required: the token'),
    token_type_hint: param('`access_token` or `refresh_token`'),
  },
  'RFC 7662 §2.1 / RFC 7009 §2.1 request',
);

/** How the kit's request problems read as RFC 6749 `invalid_request` descriptions. */
function describeProblem(problem: ProblemError): string {
  switch (problem.code) {
    case 'payload_too_large':
      return `The request body exceeds ${MAX_OAUTH_BODY_BYTES} bytes.`;
    case 'unsupported_media_type':
      return 'The request body must be application/x-www-form-urlencoded.';
    case 'malformed_json':
      return 'The request body is not valid JSON.';
  }
  const first = problem.errors?.[0];
  if (first === undefined) return problem.detail ?? 'The request is not valid.';
  if (first.pointer.startsWith('/query')) return 'Parameters go in the request body, not the query.';
  if (first.pointer === '/body') return 'The request body must be an object of parameters.';
  const name = first.pointer.slice('/body/'.length).replaceAll('~1', '/').replaceAll('~0', '~');
  if (first.code === 'repeated') return `The parameter ${name} is repeated.`;
  if (first.code === 'type') return `The parameter ${name} must be a string.`;
  return `The parameter ${name} is not valid.`;
}

/** The request's parameters: validated strings, or none when the body is empty. */
const paramsOf = (body: object | undefined): Params => (body ?? {}) as Params;

const bodyOptions = {
  bodyType: ['form', 'json'] as const,
  bodyLimit: `${MAX_OAUTH_BODY_BYTES}b`,
  bodyRequired: false as const,
};

function failure(result: OAuthFailure) {
  const body = { error: result.error, error_description: result.description };
  if (result.error === 'invalid_client') {
    return {
      status: 401 as const,
      body,
      headers: { ...NO_STORE, 'WWW-Authenticate': 'Basic realm="identity", charset="UTF-8"' },
    };
  }
  return { status: 400 as const, body, headers: NO_STORE };
}

const errorResponses = {
  400: {
    description: 'RFC 6749 error (invalid_request, invalid_scope, unsupported_grant_type, ...)',
    schema: OAuthErrorSchema,
  },
  401: {
    description: 'invalid_client: client authentication failed (WWW-Authenticate: Basic)',
    schema: OAuthErrorSchema,
  },
};

const CLIENT_AUTH_TEXT =
  'The client authenticates with HTTP Basic (`client_secret_basic`) or with `client_id` and ' +
  '`client_secret` parameters (`client_secret_post`), not both.';

function authenticated(req: Request, params: Params, required: readonly string[]) {
  const auth = readClientCredentials(req.headers.authorization, params);
  if (!auth.ok)
    return { ok: false as const, error: auth.error as OAuthErrorCode, description: auth.description };
  for (const name of required) {
    if (params[name] === undefined || params[name] === '')
      return invalidRequest(`The parameter ${name} is required.`);
  }
  return { ok: true as const, params, credentials: auth.credentials };
}

/**
 * The client of a refresh grant or revocation: confidential (credentials as everywhere else) when an
 * `Authorization` header or a `client_secret` is present, else public by `client_id` alone.
 */
function identifyClient(
  req: Request,
  params: Params,
): { ok: true; client: ClientIdentification } | OAuthFailure {
  const authorization = req.headers.authorization;
  if ((authorization !== undefined && authorization !== '') || params.client_secret !== undefined) {
    const auth = readClientCredentials(authorization, params);
    if (!auth.ok) return { ok: false, error: auth.error as OAuthErrorCode, description: auth.description };
    return { ok: true, client: { kind: 'confidential', credentials: auth.credentials } };
  }
  const clientId = params.client_id;
  if (clientId === undefined || clientId === '' || clientId.length > 200) {
    return { ok: false, error: 'invalid_client', description: 'Client authentication failed.' };
  }
  return { ok: true, client: { kind: 'public', clientId } };
}

export interface OAuthRoutesDeps {
  oauth: OAuthEndpoints;
  /** The refresh grant and refresh-token revocation (src/app/sessions); without it, neither is served. */
  refresh?: RefreshGrantEndpoints | undefined;
}

export function oauthRoutes(deps: OAuthRoutesDeps): Route[] {
  const { oauth, refresh } = deps;
  // The client address as express resolved it from TRUST_PROXY (the one proxy setting), for reuse detection.
  const callerOf = (req: Request) => {
    const caller = clientOf(req);
    return { ip: caller.ip, userAgent: truncateUserAgent(caller.userAgent) };
  };

  const refreshGrant = async (req: Request, params: Params, grant: RefreshGrantEndpoints) => {
    const identified = identifyClient(req, params);
    if (!identified.ok) return failure(identified);
    const refreshToken = params.refresh_token;
    if (refreshToken === undefined || refreshToken === '') {
      return failure(invalidRequest('The parameter refresh_token is required.'));
    }
    const result = await grant.refreshToken(
      identified.client,
      { refresh_token: refreshToken.slice(0, MAX_REFRESH_TOKEN_INPUT + 1), scope: params.scope },
      callerOf(req),
    );
    if (!result.ok) return failure(result);
    return { status: 200 as const, body: result.response, headers: NO_STORE };
  };

  const token = defineRoute({
    method: 'post',
    path: '/oauth2/token',
    operationId: 'oauthToken',
    summary: 'Token endpoint (RFC 6749 §3.2)',
    description:
      'Form parameters: `grant_type=client_credentials`, optional `scope` (space-separated, a subset of ' +
      "the client's allowed scopes; all of them when absent). " +
      CLIENT_AUTH_TEXT +
      ' The token carries `sub` and `client_id` = the client id, `scope` and the client’s `permissions`.' +
      (refresh === undefined
        ? ''
        : ' Or `grant_type=refresh_token` with `refresh_token` (RFC 6749 §6): the public first-party client ' +
          'sends `client_id=platform` and no secret; other clients authenticate as above and need the ' +
          'refresh_token grant. Every use rotates the refresh token (a new one is in the response). A rotated ' +
          'token used again revokes its family and session (RFC 9700 §4.14), except when the same client, ' +
          'address and user agent present it again within REFRESH_REUSE_GRACE_SEC (default 5 s) of the ' +
          'rotation (concurrent refreshes): that only answers invalid_grant. Unknown, expired (30 d idle, ' +
          '90 d absolute by default), revoked or other clients’ tokens: invalid_grant.'),
    tags: ['oauth2'],
    request: { body: TokenRequestSchema, ...bodyOptions },
    responses: {
      200: { description: 'An access token', schema: TokenResponseSchema },
      ...errorResponses,
    },
    onInvalidRequest: (problem) => failure(invalidRequest(describeProblem(problem))),
    // RFC 6749/7009/7662 semantics (refresh rotation, reuse detection) stay as the RFCs define them.
    idempotency: false,
    handler: async ({ req, body }) => {
      const params = paramsOf(body);
      if (refresh !== undefined && params.grant_type === 'refresh_token') {
        return refreshGrant(req, params, refresh);
      }
      const prepared = authenticated(req, params, ['grant_type']);
      if (!prepared.ok) {
        // A missing grant_type is invalid_request whether or not the client authenticated.
        return failure(prepared);
      }
      const { credentials } = prepared;
      if (params.grant_type !== 'client_credentials') {
        return failure({
          ok: false,
          error: 'unsupported_grant_type',
          description:
            refresh === undefined
              ? 'Supported grant types: client_credentials.'
              : 'Supported grant types: client_credentials, refresh_token.',
        });
      }
      const result = await oauth.clientCredentials(credentials, { scope: params.scope });
      if (!result.ok) return failure(result);
      return { status: 200 as const, body: result.response, headers: NO_STORE };
    },
  });

  const introspect = defineRoute({
    method: 'post',
    path: '/oauth2/introspect',
    operationId: 'oauthIntrospect',
    summary: 'Token introspection (RFC 7662)',
    description:
      'Form parameters: `token` (an access token), optional `token_type_hint`. ' +
      CLIENT_AUTH_TEXT +
      ' Answers `{ "active": false }` for anything that is not a valid, unexpired, unrevoked access token of this issuer and audience.',
    tags: ['oauth2'],
    request: { body: TokenParamsSchema, ...bodyOptions },
    responses: {
      200: { description: 'The token’s state and claims', schema: IntrospectionSchema },
      ...errorResponses,
    },
    onInvalidRequest: (problem) => failure(invalidRequest(describeProblem(problem))),
    // RFC 6749/7009/7662 semantics (refresh rotation, reuse detection) stay as the RFCs define them.
    idempotency: false,
    handler: async ({ req, body }) => {
      const prepared = authenticated(req, paramsOf(body), ['token']);
      if (!prepared.ok) return failure(prepared);
      const result = await oauth.introspect(prepared.credentials, prepared.params.token ?? '');
      if (!result.ok) return failure(result);
      return { status: 200 as const, body: result.response, headers: NO_STORE };
    },
  });

  const revoke = defineRoute({
    method: 'post',
    path: '/oauth2/revoke',
    operationId: 'oauthRevoke',
    summary: 'Token revocation (RFC 7009)',
    description:
      'Form parameters: `token`, optional `token_type_hint`. ' +
      CLIENT_AUTH_TEXT +
      ' An access token issued to the calling client is revoked until it expires (introspection then ' +
      'answers inactive; offline verifiers still accept it until `exp`). Always 200 once the client ' +
      'is authenticated, also for unknown, expired or other clients’ tokens, which are left alone.' +
      (refresh === undefined
        ? ''
        : ' A refresh token revokes its whole family and its session (`identity.session.revoked`); the ' +
          'public first-party client revokes its refresh tokens with `client_id=platform` and no secret.'),
    tags: ['oauth2'],
    request: { body: TokenParamsSchema, ...bodyOptions },
    responses: {
      200: { description: 'Revoked, or nothing to revoke' },
      ...errorResponses,
    },
    onInvalidRequest: (problem) => failure(invalidRequest(describeProblem(problem))),
    // RFC 6749/7009/7662 semantics (refresh rotation, reuse detection) stay as the RFCs define them.
    idempotency: false,
    handler: async ({ req, body }) => {
      const params = paramsOf(body);
      if (refresh !== undefined) {
        const token = params.token;
        const identified = identifyClient(req, params);
        if (!identified.ok) return failure(identified);
        if (token === undefined || token === '')
          return failure(invalidRequest('The parameter token is required.'));
        if (looksLikeRefreshToken(token) || identified.client.kind === 'public') {
          // Public clients revoke refresh tokens only; their access tokens expire on their own.
          const result = await refresh.revokeRefreshToken(identified.client, token);
          if (!result.ok) return failure(result);
          return { status: 200 as const, headers: NO_STORE };
        }
        const result = await oauth.revoke(identified.client.credentials, token);
        if (!result.ok) return failure(result);
        return { status: 200 as const, headers: NO_STORE };
      }
      const prepared = authenticated(req, params, ['token']);
      if (!prepared.ok) return failure(prepared);
      const result = await oauth.revoke(prepared.credentials, prepared.params.token ?? '');
      if (!result.ok) return failure(result);
      return { status: 200 as const, headers: NO_STORE };
    },
  });

  return [token, introspect, revoke];
}
