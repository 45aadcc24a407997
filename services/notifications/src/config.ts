import { Type } from '@sinclair/typebox';
import { deliveryConfig } from './app/delivery/delivery-config.ts';

/** Variables of the handlers (events and commands → messages). */
export const handlersConfig = {
  DEFAULT_LOCALE: Type.String({
    pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
    default: 'en',
    description:
      'Locale of alerts to a user whose contact has no locale, and of alerts to SECURITY_CONTACT_EMAIL (commands carry their own)',
  }),
  SECURITY_CONTACT_EMAIL: Type.Optional(
    Type.String({
      format: 'email',
      maxLength: 320,
      description:
        "The organisation's security contact: also receives every `audit.security.detected` alert (audit.md); unset: only the user",
    }),
  ),
};

/**
 * Environment variables of the notifications service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md).
 */
export const config = Type.Object({ ...handlersConfig, ...deliveryConfig });
