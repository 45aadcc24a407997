/**
 * Credentials over HTTP: password change and reset, email change, account deletion
 * (identity.md "Self-service account", "Credentials and abuse").
 *
 * `POST /v1/password-reset`, `POST /v1/password-reset/confirm` and `POST /v1/email-change/confirm`
 * are public (the token of an emailed link is the credential); the `/v1/me` ones need a user's
 * bearer token and are served only with token verification (`JWKS_URL`, `TOKEN_ISSUER`, `TOKEN_AUDIENCE`).
 */
import { defineRoute, type Route, type ServiceContext } from '@authplatform/service-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { confirmEmailChange, requestEmailChange } from '../app/credentials/change-email.ts';
import { changePassword } from '../app/credentials/change-password.ts';
import { deleteAccount } from '../app/credentials/delete-account.ts';
import { type CredentialsDeps, credentialsFor } from '../app/credentials/deps.ts';
import { confirmPasswordReset, requestPasswordReset } from '../app/credentials/password-reset.ts';
import { MAX_EMAIL_LENGTH } from '../domain/accounts/email.ts';
import { MAX_TOKEN_INPUT, PASSWORD_RESET_TTL_SEC } from '../domain/credentials/tokens.ts';
import { MAX_VERIFY_INPUT } from '../domain/password/index.ts';
import { clientOf } from './client-ip.ts';

const Email = (description = 'Email address') =>
  Type.String({ format: 'email', maxLength: MAX_EMAIL_LENGTH, description });
/** Long enough for the policy (not the schema) to refuse too-long passwords with its own code. */
const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_VERIFY_INPUT, description });
const Token = () =>
  Type.String({ minLength: 1, maxLength: MAX_TOKEN_INPUT, description: 'The `token` of the link' });
const NEW_PASSWORD =
  'At least PASSWORD_MIN_LENGTH (default 12) and at most 128 characters; not a common password, not containing the email';

const Accepted = Type.Object(
  { status: Type.Literal('accepted'), detail: Type.String() },
  { additionalProperties: false },
);

const RESET_ACCEPTED = {
  status: 'accepted',
  detail: 'If the address has an account, a link to choose a new password is on its way to it.',
} as const;

const EMAIL_CHANGE_ACCEPTED = {
  status: 'accepted',
  detail: 'If the address can be used, a confirmation link is on its way to it.',
} as const;

const PasswordChanged = Type.Object(
  {
    password_changed: Type.Literal(true),
    sessions_revoked: Type.Integer({ minimum: 0, description: 'Sessions that were ended' }),
  },
  { additionalProperties: false },
);

export function changePasswordRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/me/password',
    operationId: 'changePassword',
    summary: 'Change the password',
    description:
      'Checks the current password like a login (wrong ones count towards the lockout; 429 with Retry-After when locked or limited), applies the policy to the new one, and ends every other session of the user. A wrong current password answers 400 with a field error on /body/current_password.',
    tags: ['credentials'],
    auth: 'bearer',
    request: {
      body: Type.Object(
        { current_password: Password('The current password'), new_password: Password(NEW_PASSWORD) },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: { description: 'Changed; other sessions ended', schema: PasswordChanged },
      400: { description: 'Wrong current password, or a new password the policy refuses' },
      403: { description: 'Not a user session token, or the account is disabled' },
      429: { description: 'Too many attempts; see Retry-After' },
    },
    handler: async ({ body, claims, req, reply }) => {
      const { sessionsRevoked } = await changePassword(deps, claims, body, clientOf(req));
      return reply(200, { password_changed: true, sessions_revoked: sessionsRevoked });
    },
  });
}

export function requestPasswordResetRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/password-reset',
    operationId: 'requestPasswordReset',
    summary: 'Email a password-reset link',
    description: `Always 202 with the same body, in about the same time, whether or not the address has an account. The link is single use, lives ${PASSWORD_RESET_TTL_SEC / 60} minutes, and a newer one supersedes the older ones; at most 5 per address and hour.`,
    tags: ['credentials'],
    request: { body: Type.Object({ email: Email() }, { additionalProperties: false }) },
    responses: { 202: { description: 'Accepted', schema: Accepted } },
    handler: async ({ body, req, reply }) => {
      await requestPasswordReset(deps, body.email, clientOf(req));
      return reply(202, RESET_ACCEPTED);
    },
  });
}

export function confirmPasswordResetRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/password-reset/confirm',
    operationId: 'confirmPasswordReset',
    summary: 'Set a new password with the token of a reset link',
    description:
      'Ends every session of the user and unlocks the account. An unknown, used, superseded or expired token answers the same 400 (`invalid_token`); a new password the policy refuses answers 400 on /body/new_password and leaves the token usable.',
    tags: ['credentials'],
    request: {
      body: Type.Object(
        { token: Token(), new_password: Password(NEW_PASSWORD) },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: { description: 'The password is set; every session ended', schema: PasswordChanged },
      400: { description: 'Invalid or expired token, or a password the policy refuses' },
    },
    handler: async ({ body, req, reply }) => {
      const { sessionsRevoked } = await confirmPasswordReset(deps, body, clientOf(req));
      return reply(200, { password_changed: true, sessions_revoked: sessionsRevoked });
    },
  });
}

export function requestEmailChangeRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/me/email',
    operationId: 'requestEmailChange',
    summary: 'Start an email change',
    description:
      'Sends a confirmation link (24 h, single use) to the new address; the change happens when its token is posted to `POST /v1/email-change/confirm`. Always 202 with the same body, whether the new address is free or taken.',
    tags: ['credentials'],
    auth: 'bearer',
    request: {
      body: Type.Object({ new_email: Email('The new address') }, { additionalProperties: false }),
    },
    responses: {
      202: { description: 'Accepted; the link arrives at the new address', schema: Accepted },
      400: { description: 'Invalid address, or the current one' },
      403: { description: 'Not a user session token, or the account is disabled' },
    },
    handler: async ({ body, claims, reply }) => {
      await requestEmailChange(deps, claims, body.new_email);
      return reply(202, EMAIL_CHANGE_ACCEPTED);
    },
  });
}

export function confirmEmailChangeRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'post',
    path: '/v1/email-change/confirm',
    operationId: 'confirmEmailChange',
    summary: 'Confirm an email change with the token of the link sent to the new address',
    description:
      'No bearer token needed: the link may be opened on any device, and its token proves the new mailbox. An unknown, used, superseded or expired token answers the same 400 (`invalid_token`); 409 (`email_taken`) when another account took the address meanwhile.',
    tags: ['credentials'],
    request: { body: Type.Object({ token: Token() }, { additionalProperties: false }) },
    responses: {
      200: {
        description: 'The account now uses the new (verified) address',
        schema: Type.Object(
          { email: Email('The new address'), email_verified: Type.Literal(true) },
          { additionalProperties: false },
        ),
      },
      400: { description: 'Invalid or expired token (`invalid_token`)' },
      409: { description: 'Another account uses the address now (`email_taken`)' },
    },
    handler: async ({ body, reply }) => {
      const { email } = await confirmEmailChange(deps, body.token);
      return reply(200, { email, email_verified: true });
    },
  });
}

export function deleteAccountRoute(deps: CredentialsDeps): Route {
  return defineRoute({
    method: 'delete',
    path: '/v1/me',
    operationId: 'deleteAccount',
    summary: 'Delete the account',
    description:
      'Needs a login within the last 5 minutes (`auth_time`), else 403 `reauthentication_required`. Disables the account at once, ends every session and starts the erasure across services (`identity.user.deleted`). Idempotent.',
    tags: ['credentials'],
    auth: 'bearer',
    responses: {
      204: { description: 'Deleted (or already)' },
      403: { description: 'Login not recent enough (`reauthentication_required`), or not a user token' },
    },
    handler: async ({ claims, reply }) => {
      await deleteAccount(deps, claims);
      return reply(204);
    },
  });
}

/**
 * The credentials routes. The `/v1/me` ones need token verification; without an authenticator
 * they are not served (start-up would refuse a bearer route).
 */
export function credentialsRoutes<P extends TProperties>(context: ServiceContext<P>): Route[] {
  const deps = credentialsFor(context as unknown as Parameters<typeof credentialsFor>[0]);
  const authenticated =
    context.authenticator === undefined
      ? []
      : [changePasswordRoute(deps), requestEmailChangeRoute(deps), deleteAccountRoute(deps)];
  return [
    requestPasswordResetRoute(deps),
    confirmPasswordResetRoute(deps),
    confirmEmailChangeRoute(deps),
    ...authenticated,
  ];
}
