export { isRecentAuth, RECENT_AUTH_MAX_AGE_SEC } from './recent-auth.ts';
export type { CredentialTokenPurpose } from './tokens.ts';
export {
  EMAIL_CHANGE_LIMIT_PER_HOUR,
  EMAIL_CHANGE_TTL_SEC,
  emailChangeLink,
  hashToken,
  MAX_TOKEN_INPUT,
  newCredentialToken,
  PASSWORD_RESET_LIMIT_PER_HOUR,
  PASSWORD_RESET_TTL_SEC,
  passwordResetLink,
} from './tokens.ts';
