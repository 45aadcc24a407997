import { isIP } from 'node:net';
import { type FieldError, ProblemError, problems } from '@authplatform/service-kit';

/** The one answer to every failed login (unknown user, wrong password, unverified, disabled). */
export function invalidCredentials(): ProblemError {
  return new ProblemError({
    code: 'invalid_credentials',
    status: 401,
    title: 'Unauthorized',
    detail: 'The email or password is not right, or the account cannot log in.',
  });
}

/** The one answer to a verification token that is unknown, used, superseded or expired. */
export function invalidVerificationToken(): ProblemError {
  return new ProblemError({
    code: 'invalid_token',
    status: 400,
    title: 'Bad request',
    detail: 'The verification link is invalid or has expired. Ask for a new one.',
  });
}

export function fieldProblem(pointer: string, code: string, detail: string): ProblemError {
  const error: FieldError = { pointer, code, detail };
  return problems.validation([error]);
}

/**
 * Events require an IP address; when none is known (`clientIp` gave `unknown`) the unspecified
 * address stands in, so the event still validates and says "unknown" in IP terms.
 */
export function eventIp(ip: string): string {
  return isIP(ip) === 0 ? '0.0.0.0' : ip;
}
