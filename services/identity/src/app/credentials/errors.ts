import { ProblemError, problems } from '@authplatform/service-kit';
import type { PasswordRejection } from '../../domain/password/index.ts';

/** The one answer to a reset or email-change token that is unknown, used, superseded or expired. */
export function invalidCredentialToken(): ProblemError {
  return new ProblemError({
    code: 'invalid_token',
    status: 400,
    title: 'Bad request',
    detail: 'The link is invalid or has expired. Ask for a new one.',
  });
}

/** A sensitive action needs a login within the last few minutes (`auth_time`). */
export function reauthenticationRequired(maxAgeSec: number): ProblemError {
  return new ProblemError({
    code: 'reauthentication_required',
    status: 403,
    title: 'Forbidden',
    detail: `This action needs a login within the last ${Math.round(maxAgeSec / 60)} minutes. Log in again and retry.`,
    extensions: { max_age: maxAgeSec },
  });
}

/** `/v1/me` actions need a user's session token (not a client-credentials one). */
export function userSessionRequired(): ProblemError {
  return problems.forbidden('This action needs the access token of a user session.');
}

/** The account of the token is disabled or deleted. */
export function accountInactive(): ProblemError {
  return new ProblemError({
    code: 'account_inactive',
    status: 403,
    title: 'Forbidden',
    detail: 'The account is disabled or deleted.',
  });
}

export function wrongCurrentPassword(): ProblemError {
  return problems.validation([
    { pointer: '/body/current_password', code: 'incorrect', detail: 'The current password is not right.' },
  ]);
}

export function passwordRejected(pointer: string, reasons: PasswordRejection[]): ProblemError {
  return problems.validation([
    {
      pointer,
      code: reasons[0] ?? 'password_policy',
      detail: `The password is not acceptable: ${reasons.join(', ')}.`,
    },
  ]);
}
