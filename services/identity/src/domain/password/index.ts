export type { Argon2Params, PasswordHasher, VerifyResult } from './hashing.ts';
export {
  createPasswordHasher,
  dummyVerify,
  hasCurrentParams,
  hashPassword,
  MAX_VERIFY_INPUT,
  normalizePassword,
  OWASP_ARGON2ID,
  verifyPassword,
} from './hashing.ts';
export type {
  PasswordCheck,
  PasswordCheckContext,
  PasswordPolicyOptions,
  PasswordRejection,
} from './policy.ts';
export {
  checkPassword,
  codePointLength,
  commonPasswords,
  createPasswordPolicy,
  DEFAULT_MAX_LENGTH,
  DEFAULT_MIN_LENGTH,
} from './policy.ts';
