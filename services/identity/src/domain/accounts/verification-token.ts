import { createHash, randomBytes } from 'node:crypto';

/**
 * Email verification tokens: 256 random bits, sent only inside the `send_email_verification`
 * command (as the `token` query parameter of the link) and stored only as their SHA-256.
 * A high-entropy secret needs no salt or slow hash: its hash is a lookup key, and looking it up by
 * the hash (an index probe) leaks nothing useful about other tokens.
 */

/** Lifetime of a verification link (identity.md: 24 h). */
export const EMAIL_VERIFICATION_TTL_SEC = 24 * 60 * 60;

/** Longest token string the confirm endpoint looks at (longer input is simply unknown). */
export const MAX_TOKEN_INPUT = 512;

export interface NewToken {
  /** The secret, base64url (43 characters): only in the email link. */
  token: string;
  /** Hex SHA-256 of `token`: the only form stored. */
  hash: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newVerificationToken(): NewToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** The link of a verification email: `<base>/verify-email?token=<token>`. */
export function verificationLink(baseUrl: string, token: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/verify-email`);
  url.searchParams.set('token', token);
  return url.toString();
}
