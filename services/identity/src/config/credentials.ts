import { Type } from '@sinclair/typebox';

/**
 * Environment variables of passwords and brute-force protection, merged into the identity
 * service's config schema (`Type.Object({ ...credentialsConfig, ... })`).
 */
export const credentialsConfig = {
  PASSWORD_MIN_LENGTH: Type.Integer({
    minimum: 8,
    maximum: 64,
    default: 12,
    description: 'Minimum password length in Unicode code points, after NFKC (NIST SP 800-63B floor: 8)',
  }),
  LOCKOUT_THRESHOLD: Type.Integer({
    minimum: 3,
    maximum: 100,
    default: 10,
    description: 'Consecutive failed logins that lock an account',
  }),
  LOCKOUT_DURATION_SEC: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 900,
    description:
      'How long a locked account stays locked, in seconds (an admin or a password reset unlocks earlier)',
  }),
  LOGIN_IP_LIMIT: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 100,
    description:
      'Failed logins from one IP address (IPv6: one /64) per LOGIN_IP_WINDOW_SEC before exponential backoff',
  }),
  LOGIN_IP_WINDOW_SEC: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 3600,
    description: 'Window of the per-IP failure count, in seconds',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      secret: true,
      description:
        'Redis for the shared attempt counters (redis:// or rediss://); without it they live in Postgres',
    }),
  ),
};
