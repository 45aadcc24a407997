export { emailHash, isValidEmail, MAX_EMAIL_LENGTH, normalizeEmail } from './email.ts';
export type { LoginCandidate, LoginRefusal, UserStatus } from './login-policy.ts';
export {
  loginRefusal,
  MAX_USER_AGENT,
  PASSWORD_AMR,
  PLATFORM_CLIENT_ID,
  truncateUserAgent,
} from './login-policy.ts';
export type { ProfileCheck } from './profile.ts';
export { checkLocale, checkName, checkTimeZone, MAX_NAME_LENGTH } from './profile.ts';
export type { NewToken } from './verification-token.ts';
export {
  EMAIL_VERIFICATION_TTL_SEC,
  hashToken,
  MAX_TOKEN_INPUT,
  newVerificationToken,
  verificationLink,
} from './verification-token.ts';
