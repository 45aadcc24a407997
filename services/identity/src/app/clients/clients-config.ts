import type { Logger } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import { developmentPepper, type Pepper, parsePepper } from '../../domain/clients/client-secret.ts';

/** Base64 (standard or url-safe) of 32 to 64 bytes. */
const BASE64_32_TO_64_BYTES = '^[A-Za-z0-9+/_-]{43,86}={0,2}$';

/**
 * Environment variables of OAuth 2 clients, merged into the identity service's config schema
 * (`Type.Object({ ...clientsConfig, ... })`).
 */
export const clientsConfig = {
  CLIENT_SECRET_PEPPER: Type.Optional(
    Type.String({
      pattern: BASE64_32_TO_64_BYTES,
      secret: true,
      description:
        'Key of the HMAC-SHA256 under which client secrets are stored: base64 of 32 random bytes, e.g. ' +
        '`openssl rand -base64 32`. Required in production; in development a fixed, public development ' +
        'pepper is used when absent. Changing it invalidates every client secret.',
    }),
  ),
  CLIENT_SECRET_ROTATION_GRACE_SEC: Type.Integer({
    minimum: 0,
    maximum: 604_800,
    default: 86_400,
    description:
      'How long the previous client secret stays valid after a rotation, by default (the rotate call may shorten it)',
  }),
  CLIENT_CACHE_TTL_SEC: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 2,
    description:
      'How long an instance reuses a client it read for client authentication (0: read every time). ' +
      'The instance that rotates a secret or deletes a client forgets it at once; other instances may ' +
      'accept the old secret for at most this long.',
  }),
  TOKEN_STATUS_CACHE_TTL_SEC: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 2,
    description:
      'How long introspection remembers a client token (one without a session) it found active, ' +
      'instead of reading the revocation tables again (0: read every time). Revocation and client ' +
      'deletion on the same instance take effect at once; on another instance within this time. ' +
      'User tokens follow their session and are read every time.',
  }),
};

/** The part of the service's config the client rules read. */
export interface ClientsConfigValues {
  NODE_ENV: 'development' | 'test' | 'production';
  CLIENT_SECRET_PEPPER?: string | undefined;
}

/** Settings refused in production, as `"VAR: reason"` strings (see `productionRules` of `defineService`). */
export function clientsProductionRules(config: ClientsConfigValues): string[] {
  if (config.CLIENT_SECRET_PEPPER === undefined || config.CLIENT_SECRET_PEPPER === '') {
    return [
      'CLIENT_SECRET_PEPPER: is required in production (without it client secrets are hashed under the public development pepper)',
    ];
  }
  return [];
}

/** The pepper from `CLIENT_SECRET_PEPPER`, else (outside production) the public development pepper. */
export function resolvePepper(config: ClientsConfigValues, logger?: Pick<Logger, 'warn'>): Pepper {
  const value = config.CLIENT_SECRET_PEPPER;
  if (value !== undefined && value !== '') return parsePepper(value);
  if (config.NODE_ENV === 'production') {
    // The production rules refuse this before start-up; this guards against wiring without them.
    throw new Error('CLIENT_SECRET_PEPPER is required in production.');
  }
  logger?.warn(
    'CLIENT_SECRET_PEPPER is not set: client secrets are hashed under the public development pepper',
  );
  return developmentPepper();
}
