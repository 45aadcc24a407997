/**
 * The OAuth 2 endpoints of the authorization server: `/oauth2/token` (client_credentials, and
 * refresh_token when `refresh` is given),
 * `/oauth2/introspect` (RFC 7662) and `/oauth2/revoke` (RFC 7009).
 *
 * Unlike the rest of the API these answer errors the RFC 6749 way (§5.2): JSON `{ error,
 * error_description }`, 400 or 401 (`invalid_client`, with `WWW-Authenticate: Basic`), never
 * problem+json. Their parameters are form-encoded (`application/x-www-form-urlencoded`, as the
 * RFCs say); `application/json` with the same names is accepted too. service-kit reads only JSON
 * bodies, so these routes declare no body schema and read theirs here (at most 16 kB), which also
 * keeps every malformed request an RFC 6749 `invalid_request`.
 */
import { defineRoute, type HandlerContext, type Route } from '@authplatform/service-kit';
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
import { clientIp } from '../domain/throttle/index.ts';

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
type Params = Record<string, string>;
type ParamsResult = { ok: true; params: Params } | OAuthFailure;

const invalidRequest = (description: string): OAuthFailure => ({
  ok: false,
  error: 'invalid_request',
  description,
});

async function readRaw(req: Request): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_OAUTH_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_OAUTH_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The request's parameters: a form-encoded or JSON body of string values, each at most once
 * (RFC 6749 §3.2), without empty names. An empty body gives no parameters.
 */
export async function readOAuthParams(req: Request): Promise<ParamsResult> {
  const raw = await readRaw(req);
  if (raw === undefined) return invalidRequest(`The request body exceeds ${MAX_OAUTH_BODY_BYTES} bytes.`);
  if (raw.length === 0) return { ok: true, params: {} };
  const text = raw.toString('utf8');
  const params: Params = Object.create(null) as Params;
  if (req.is('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(text)) {
      if (name === '') continue;
      if (Object.hasOwn(params, name)) return invalidRequest(`The parameter ${name} is repeated.`);
      params[name] = value;
    }
    return { ok: true, params };
  }
  if (req.is(['application/json', 'application/*+json'])) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return invalidRequest('The request body is not valid JSON.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return invalidRequest('The request body must be an object of parameters.');
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') return invalidRequest(`The parameter ${name} must be a string.`);
      params[name] = value;
    }
    return { ok: true, params };
  }
  return invalidRequest('The request body must be application/x-www-form-urlencoded.');
}

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

/** Parameters beside client authentication, read from the body; `undefined` when one is missing. */
async function prepare(req: Request, required: readonly string[]) {
  const read = await readOAuthParams(req);
  if (!read.ok) return read;
  return authenticated(req, read.params, required);
}

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
  /** `TRUSTED_PROXY_HOPS`, for the caller's address in reuse detection. */
  trustedProxyHops?: number | undefined;
}

export function oauthRoutes(deps: OAuthRoutesDeps): Route[] {
  const { oauth, refresh } = deps;
  const hops = deps.trustedProxyHops ?? 0;
  const callerOf = (req: Request) => {
    const userAgent = req.headers['user-agent'];
    return {
      ip: clientIp(
        { socketAddress: req.socket.remoteAddress, xForwardedFor: req.headers['x-forwarded-for'] },
        hops,
      ),
      userAgent: truncateUserAgent(typeof userAgent === 'string' ? userAgent : undefined),
    };
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
    responses: {
      200: { description: 'An access token', schema: TokenResponseSchema },
      ...errorResponses,
    },
    handler: async ({ req }) => {
      const read = await readOAuthParams(req);
      if (!read.ok) return failure(read);
      if (refresh !== undefined && read.params.grant_type === 'refresh_token') {
        return refreshGrant(req, read.params, refresh);
      }
      const prepared = authenticated(req, read.params, ['grant_type']);
      if (!prepared.ok) {
        // A missing grant_type is invalid_request whether or not the client authenticated.
        return failure(prepared);
      }
      const { params, credentials } = prepared;
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
    responses: {
      200: { description: 'The token’s state and claims', schema: IntrospectionSchema },
      ...errorResponses,
    },
    handler: async ({ req }) => {
      const prepared = await prepare(req, ['token']);
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
    responses: {
      200: { description: 'Revoked, or nothing to revoke' },
      ...errorResponses,
    },
    handler: async ({ req }) => {
      if (refresh !== undefined) {
        const read = await readOAuthParams(req);
        if (!read.ok) return failure(read);
        const token = read.params.token;
        const identified = identifyClient(req, read.params);
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
      const prepared = await prepare(req, ['token']);
      if (!prepared.ok) return failure(prepared);
      const result = await oauth.revoke(prepared.credentials, prepared.params.token ?? '');
      if (!result.ok) return failure(result);
      return { status: 200 as const, headers: NO_STORE };
    },
  });

  return [token, introspect, revoke];
}
