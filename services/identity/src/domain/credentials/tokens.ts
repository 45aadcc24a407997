/**
 * Credential tokens: password-reset and email-change links. Same shape as the email verification
 * tokens (256 random bits, only inside the command's link, stored only as SHA-256), so the
 * generator and hash are shared with `domain/accounts/verification-token.ts`.
 */
import { hashToken, MAX_TOKEN_INPUT, newVerificationToken } from '../accounts/verification-token.ts';

export { hashToken, MAX_TOKEN_INPUT, newVerificationToken as newCredentialToken };

export type CredentialTokenPurpose = 'password_reset' | 'email_change' | 'invitation';

/** Lifetime of a password-reset link (identity.md: 30 min). */
export const PASSWORD_RESET_TTL_SEC = 30 * 60;

/** Lifetime of an email-change confirmation link (as long as a verification link: 24 h). */
export const EMAIL_CHANGE_TTL_SEC = 24 * 60 * 60;

/** Default lifetime of an invitation link (`INVITATION_TTL_SEC`): 7 days. */
export const DEFAULT_INVITATION_TTL_SEC = 7 * 24 * 60 * 60;

/** Reset requests one address may trigger per hour (email-bombing guard); later ones do nothing. */
export const PASSWORD_RESET_LIMIT_PER_HOUR = 5;

/** Email-change requests one account may make per hour; later ones do nothing. */
export const EMAIL_CHANGE_LIMIT_PER_HOUR = 5;

function link(baseUrl: string, path: string, token: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${path}`);
  url.searchParams.set('token', token);
  return url.toString();
}

/** `<base>/reset-password?token=<token>`: the page posts the token to `POST /v1/password-reset/confirm`. */
export function passwordResetLink(baseUrl: string, token: string): string {
  return link(baseUrl, 'reset-password', token);
}

/** `<base>/confirm-email-change?token=<token>`: the page posts it to `POST /v1/email-change/confirm`. */
export function emailChangeLink(baseUrl: string, token: string): string {
  return link(baseUrl, 'confirm-email-change', token);
}

/** `<base>/accept-invitation?token=<token>`: the page posts it with a password to `POST /v1/invitation/accept`. */
export function invitationLink(baseUrl: string, token: string): string {
  return link(baseUrl, 'accept-invitation', token);
}
