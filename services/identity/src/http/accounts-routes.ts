/**
 * Accounts over HTTP: sign-up, email verification, password login and logout
 * (identity.md "Sign-up and verification", "Login, MFA and sessions").
 */

import { defineRoute, type Route, type ServiceContext } from '@authplatform/service-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { accountsFor } from '../app/accounts/accounts-module.ts';
import type { AccountsDeps } from '../app/accounts/deps.ts';
import { login } from '../app/accounts/login.ts';
import { logout } from '../app/accounts/logout.ts';
import { signUp } from '../app/accounts/signup.ts';
import { confirmEmailVerification, resendVerification } from '../app/accounts/verify-email.ts';
import { MAX_EMAIL_LENGTH } from '../domain/accounts/email.ts';
import { MAX_TOKEN_INPUT } from '../domain/accounts/verification-token.ts';
import { MAX_VERIFY_INPUT } from '../domain/password/index.ts';
import { clientOf } from './client-ip.ts';

const Email = () =>
  Type.String({ format: 'email', maxLength: MAX_EMAIL_LENGTH, description: 'Email address' });
/** Long enough for the policy (not the schema) to refuse too-long passwords with its own code. */
const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_VERIFY_INPUT, description });

const SignupBody = Type.Object(
  {
    email: Email(),
    password: Password(
      'At least PASSWORD_MIN_LENGTH (default 12) and at most 128 characters; not a common password, not containing the email',
    ),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    locale: Type.Optional(
      Type.String({
        pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
        maxLength: 35,
        description: 'BCP 47, e.g. pt-BR',
      }),
    ),
    timezone: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$',
        maxLength: 64,
        description: 'IANA time zone, e.g. Europe/Lisbon',
      }),
    ),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object(
  {
    status: Type.Literal('accepted'),
    detail: Type.String(),
  },
  { additionalProperties: false },
);

const SIGNUP_ACCEPTED = {
  status: 'accepted',
  detail: 'If the address can be used, an email with the next step is on its way to it.',
} as const;

const RESEND_ACCEPTED = {
  status: 'accepted',
  detail: 'If the address has an account waiting for verification, a new link is on its way to it.',
} as const;

const LoginTokens = Type.Object(
  {
    access_token: Type.String({ description: 'RFC 9068 JWT (ES256)' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ minimum: 1, description: 'Seconds until the access token expires' }),
    session_id: Type.String({ format: 'uuid', description: 'The new session (the token’s `sid`)' }),
    refresh_token: Type.Optional(
      Type.String({ description: 'Opaque; rotated on every use (not issued yet)' }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Tokens of a completed login. With MFA, `{ mfa_required: true, mfa_token, methods }` will be the other form of this response.',
  },
);

/** Token responses must not be cached (RFC 6749 §5.1). */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export function signupRoute(deps: AccountsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/signup',
    operationId: 'signUp',
    summary: 'Sign up with email and password',
    description:
      'Always answers 202 with the same body, in about the same time, whether or not the address is taken; the address gets a verification link, or (when taken) a notice that someone tried to sign up with it. Password policy failures answer 400 with a field error on /body/password.',
    tags: ['accounts'],
    request: { body: SignupBody },
    responses: {
      202: { description: 'Accepted; the next step arrives by email', schema: Accepted },
      400: { description: 'Invalid input or a password the policy refuses' },
    },
    handler: async ({ body, req, reply }) => {
      await signUp(deps, body, clientOf(req));
      return reply(202, SIGNUP_ACCEPTED);
    },
  });
}

export function resendVerificationRoute(deps: AccountsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/email-verification',
    operationId: 'resendEmailVerification',
    summary: 'Send a new email verification link',
    description: 'Always 202. A new link supersedes the older ones; at most 5 per address and hour.',
    tags: ['accounts'],
    request: { body: Type.Object({ email: Email() }, { additionalProperties: false }) },
    responses: { 202: { description: 'Accepted', schema: Accepted } },
    handler: async ({ body, reply }) => {
      await resendVerification(deps, body.email);
      return reply(202, RESEND_ACCEPTED);
    },
  });
}

export function confirmVerificationRoute(deps: AccountsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/email-verification/confirm',
    operationId: 'confirmEmailVerification',
    summary: 'Confirm an email address with the token of its link',
    description:
      'Single use, 24 h lifetime; an unknown, used, superseded or expired token answers the same 400.',
    tags: ['accounts'],
    request: {
      body: Type.Object(
        {
          token: Type.String({
            minLength: 1,
            maxLength: MAX_TOKEN_INPUT,
            description: 'The `token` of the link',
          }),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: {
        description: 'The address is verified',
        schema: Type.Object({ email_verified: Type.Literal(true) }, { additionalProperties: false }),
      },
      400: { description: 'Invalid or expired token (`invalid_token`)' },
    },
    handler: async ({ body, reply }) => {
      await confirmEmailVerification(deps, body.token);
      return reply(200, { email_verified: true });
    },
  });
}

export function loginRoute(deps: AccountsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/login',
    operationId: 'login',
    summary: 'Log in with email and password',
    description:
      'One generic 401 (`invalid_credentials`) for an unknown address, a wrong password, an unverified or a disabled account. 429 with Retry-After while the account is locked or the client address is backing off.',
    tags: ['accounts'],
    request: {
      body: Type.Object(
        {
          email: Type.String({ minLength: 1, maxLength: MAX_EMAIL_LENGTH }),
          password: Password('The password'),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: { description: 'Logged in: a new session and its access token', schema: LoginTokens },
      401: { description: 'Wrong credentials, or the account cannot log in' },
      429: { description: 'Too many attempts; see Retry-After' },
    },
    handler: async ({ body, req, reply }) => {
      const outcome = await login(deps, body, clientOf(req));
      return reply(
        200,
        {
          access_token: outcome.accessToken,
          token_type: outcome.tokenType,
          expires_in: outcome.expiresIn,
          session_id: outcome.sessionId,
          ...(outcome.refreshToken === undefined ? {} : { refresh_token: outcome.refreshToken }),
        },
        NO_STORE,
      );
    },
  });
}

export function logoutRoute(deps: Pick<AccountsDeps, 'db'>): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/logout',
    operationId: 'logout',
    summary: 'Log out: revoke the current session',
    description: 'Revokes the session of the access token (`sid`). Its access tokens expire on their own.',
    tags: ['accounts'],
    auth: 'bearer',
    responses: { 204: { description: 'The session is revoked (or was already)' } },
    handler: async ({ claims, reply }) => {
      await logout(deps, claims);
      return reply(204);
    },
  });
}

/**
 * The accounts routes. Logout needs token verification (`JWKS_URL`, `TOKEN_ISSUER`,
 * `TOKEN_AUDIENCE`); without an authenticator it is not served (start-up would refuse it).
 */
export function accountsRoutes<P extends TProperties>(context: ServiceContext<P>): Route[] {
  const deps = accountsFor(context as unknown as Parameters<typeof accountsFor>[0]);
  return [
    signupRoute(deps),
    resendVerificationRoute(deps),
    confirmVerificationRoute(deps),
    loginRoute(deps),
    ...(context.authenticator === undefined ? [] : [logoutRoute(deps)]),
  ];
}
