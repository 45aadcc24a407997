import { Type } from '@sinclair/typebox';

/** Base64 (standard or url-safe alphabet) of exactly 32 bytes: 43 characters plus optional padding. */
const BASE64_32_BYTES = '^[A-Za-z0-9+/_-]{43}=?$';

/**
 * Environment variables of signing keys and access tokens, merged into the identity service's
 * config schema (`Type.Object({ ...keysConfig, ... })`). `TOKEN_ISSUER` and `TOKEN_AUDIENCE` are
 * the shared ones of service-kit.
 */
export const keysConfig = {
  SIGNING_KEY_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: BASE64_32_BYTES,
      secret: true,
      description:
        'Key-encryption key of the signing keys (AES-256-GCM): base64 of 32 random bytes, e.g. `openssl rand -base64 32`. ' +
        'Required in production; in development a fixed, public development key is used when absent.',
    }),
  ),
  ACCESS_TOKEN_TTL_SEC: Type.Integer({
    minimum: 60,
    maximum: 86_400,
    default: 900,
    description: 'Lifetime of access tokens in seconds (retired signing keys stay in the JWKS this long)',
  }),
};

/** The part of the service's config the key rules read. */
export interface KeysConfigValues {
  NODE_ENV: 'development' | 'test' | 'production';
  SIGNING_KEY_ENCRYPTION_KEY?: string | undefined;
  TOKEN_ISSUER?: string | undefined;
  TOKEN_AUDIENCE?: string | undefined;
}

/** Settings refused in production, as `"VAR: reason"` strings (see `productionRules` of `defineService`). */
export function keysProductionRules(config: KeysConfigValues): string[] {
  const issues: string[] = [];
  if (config.SIGNING_KEY_ENCRYPTION_KEY === undefined || config.SIGNING_KEY_ENCRYPTION_KEY === '') {
    issues.push(
      'SIGNING_KEY_ENCRYPTION_KEY: is required in production (without it the private signing keys are encrypted under the public development key)',
    );
  }
  if (config.TOKEN_ISSUER === undefined || config.TOKEN_ISSUER === '') {
    issues.push('TOKEN_ISSUER: is required in production (the `iss` of every access token)');
  } else if (!config.TOKEN_ISSUER.toLowerCase().startsWith('https://')) {
    issues.push('TOKEN_ISSUER: must use https in production');
  }
  if (config.TOKEN_AUDIENCE === undefined || config.TOKEN_AUDIENCE === '') {
    issues.push('TOKEN_AUDIENCE: is required in production (the `aud` of every access token)');
  }
  return issues;
}
