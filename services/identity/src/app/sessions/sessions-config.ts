import { Type } from '@sinclair/typebox';
import {
  DEFAULT_REFRESH_ABSOLUTE_TTL_SEC,
  DEFAULT_REFRESH_IDLE_TTL_SEC,
  DEFAULT_REFRESH_REUSE_GRACE_SEC,
} from '../../domain/sessions/refresh-token.ts';

/**
 * Environment variables of sessions and refresh tokens, merged into the identity service's config
 * schema (`Type.Object({ ...sessionsConfig, ... })`). Merging them also switches refresh tokens on
 * for logins and logouts (see `accountsFor`), so merge them together with the `0005_refresh_tokens`
 * migration.
 */
export const sessionsConfig = {
  REFRESH_IDLE_TTL_SEC: Type.Integer({
    minimum: 60,
    default: DEFAULT_REFRESH_IDLE_TTL_SEC,
    description:
      'A refresh token unused this long (seconds) expires; every refresh starts it again (default 30 days)',
  }),
  REFRESH_ABSOLUTE_TTL_SEC: Type.Integer({
    minimum: 60,
    default: DEFAULT_REFRESH_ABSOLUTE_TTL_SEC,
    description: 'No refresh token of a session lives past this many seconds after login (default 90 days)',
  }),
  REFRESH_REUSE_GRACE_SEC: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: DEFAULT_REFRESH_REUSE_GRACE_SEC,
    description:
      'Seconds after a rotation during which the rotated token, presented again by the same client, IP address and user agent, is refused with invalid_grant without revoking anything (concurrent refreshes); 0 turns the grace off',
  }),
};

/** What the sessions module reads from the service's config (with fallbacks until `sessionsConfig` is merged). */
export interface SessionsConfigValues {
  REFRESH_IDLE_TTL_SEC?: number | undefined;
  REFRESH_ABSOLUTE_TTL_SEC?: number | undefined;
  REFRESH_REUSE_GRACE_SEC?: number | undefined;
  /** service-kit's shared proxy setting (express `trust proxy`). */
  TRUST_PROXY?: boolean | number | string | undefined;
}

/** Whether `sessionsConfig` is part of the service's config (then refresh tokens are switched on). */
export function sessionsConfigured(config: object): boolean {
  return typeof (config as SessionsConfigValues).REFRESH_IDLE_TTL_SEC === 'number';
}
