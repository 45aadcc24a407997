/**
 * Who may log in once the password is right, and why not. Every refusal reaches the client as the
 * same generic 401; the reason only goes to the `identity.login.failed` event.
 */

/** `invited`: created by an admin, waiting for its owner to set a password (cannot log in). */
export type UserStatus = 'active' | 'disabled' | 'invited';

export interface LoginCandidate {
  status: UserStatus;
  email_verified_at: Date | null;
}

export type LoginRefusal = 'unverified' | 'disabled';

/** `undefined` when the account may log in. */
export function loginRefusal(user: LoginCandidate): LoginRefusal | undefined {
  if (user.status !== 'active') return 'disabled';
  if (user.email_verified_at === null) return 'unverified';
  return undefined;
}

/** The login method references (RFC 8176) of a password login. */
export const PASSWORD_AMR = ['pwd'] as const;

/** The `client_id` of tokens issued to the platform's own first-party login. */
export const PLATFORM_CLIENT_ID = 'platform';

/** User agents are stored and published truncated (the event contract's limit). */
export const MAX_USER_AGENT = 512;

export function truncateUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').slice(0, MAX_USER_AGENT);
}
