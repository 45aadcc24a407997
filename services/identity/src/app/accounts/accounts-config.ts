import { Type } from '@sinclair/typebox';

/**
 * Environment variables of accounts (sign-up, verification, login), merged into the identity
 * service's config schema (`Type.Object({ ...accountsConfig, ... })`). The password and throttle
 * settings they also use are `credentialsConfig`'s.
 */
export const accountsConfig = {
  ACCOUNT_LINK_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      format: 'uri',
      description:
        'Base URL of the pages that links in emails open (`<base>/verify-email?token=…`); default TOKEN_ISSUER, else http://localhost:3000',
    }),
  ),
  DEFAULT_LOCALE: Type.String({
    pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
    default: 'en',
    description: 'Locale of accounts that sign up without one',
  }),
  DEFAULT_TIMEZONE: Type.String({
    pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$',
    default: 'UTC',
    description: 'Time zone of accounts that sign up without one',
  }),
  INVITATION_TTL_SEC: Type.Integer({
    minimum: 3600,
    maximum: 30 * 86_400,
    default: 7 * 86_400,
    description: 'Lifetime of the set-password link of an invitation (`POST /v1/admin/users`), in seconds',
  }),
};

/** What the accounts module reads from the service's config (with fallbacks until `accountsConfig` is merged). */
export interface AccountsConfigValues {
  NODE_ENV: string;
  TOKEN_ISSUER?: string | undefined;
  ACCOUNT_LINK_BASE_URL?: string | undefined;
  DEFAULT_LOCALE?: string | undefined;
  DEFAULT_TIMEZONE?: string | undefined;
  PASSWORD_MIN_LENGTH: number;
  LOCKOUT_THRESHOLD: number;
  LOCKOUT_DURATION_SEC: number;
  LOGIN_IP_LIMIT: number;
  LOGIN_IP_WINDOW_SEC: number;
  REDIS_URL?: string | undefined;
  /** service-kit's shared proxy setting (express `trust proxy`): the one source of client addresses. */
  TRUST_PROXY?: boolean | number | string | undefined;
  INVITATION_TTL_SEC?: number | undefined;
}

export const DEV_LINK_BASE_URL = 'http://localhost:3000';

/**
 * Settings refused in production: `TRUST_PROXY=true` makes express take the leftmost
 * `X-Forwarded-For` entry — written by the client — as its address, so every login attempt could
 * claim a new address and escape the per-IP limits.
 */
export function trustProxyProductionRules(config: { TRUST_PROXY?: unknown }): string[] {
  return config.TRUST_PROXY === true
    ? [
        'TRUST_PROXY: true trusts X-Forwarded-For entries the client writes (login throttling could be escaped); give the number of proxy hops or the proxies’ addresses/subnets',
      ]
    : [];
}
