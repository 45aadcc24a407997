import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';

/** Base64 (standard or url-safe alphabet) of exactly 32 bytes: 43 characters plus optional padding. */
const BASE64_32_BYTES = '^[A-Za-z0-9+/_-]{43}=?$';

/**
 * Environment variables of the webhooks service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md).
 */
export const config = Type.Object({
  WEBHOOKS_SECRET_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: BASE64_32_BYTES,
      secret: true,
      description:
        'AES-256-GCM key that encrypts endpoint signing secrets at rest: base64 of 32 random bytes. ' +
        'Required in production; in development a fixed, public development key is used when absent.',
    }),
  ),
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: Type.Boolean({
    default: false,
    description:
      'Allow http URLs and loopback/private/link-local targets (local receivers in development). Refused in production.',
  }),
  WEBHOOKS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 15_000,
    description: 'An attempt that has no complete 2xx answer within this time failed',
  }),
  WEBHOOKS_MAX_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 64,
    description: 'Attempts in flight per instance',
  }),
  WEBHOOKS_ENDPOINT_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 4,
    description: 'Attempts in flight per endpoint per instance (a slow endpoint never holds up the others)',
  }),
  WEBHOOKS_RETRY_SCHEDULE: Type.Optional(
    Type.String({
      pattern: '^\\d+(,\\d+)*$',
      description:
        "Delays in seconds before each attempt (default Svix's: 0,5,300,1800,7200,18000,36000,36000)",
    }),
  ),
  WEBHOOKS_SECRET_ROTATION_GRACE_SEC: Type.Integer({
    minimum: 0,
    maximum: 7 * 86_400,
    default: 86_400,
    description: 'How long the previous secret keeps signing after a rotation',
  }),
});

export const DEVELOPMENT_SECRET_KEY = createHash('sha256')
  .update('authplatform webhooks development key')
  .digest();

export function secretEncryptionKey(value: string | undefined): Buffer {
  if (value === undefined || value === '') return DEVELOPMENT_SECRET_KEY;
  const key = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  if (key.byteLength !== 32) throw new Error('WEBHOOKS_SECRET_ENCRYPTION_KEY must be 32 bytes');
  return key;
}

export function retrySchedule(value: string | undefined): number[] | undefined {
  return value === undefined ? undefined : value.split(',').map(Number);
}

export function webhooksProductionRules(values: {
  WEBHOOKS_SECRET_ENCRYPTION_KEY?: string | undefined;
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: boolean;
}): string[] {
  const issues: string[] = [];
  if (values.WEBHOOKS_SECRET_ENCRYPTION_KEY === undefined || values.WEBHOOKS_SECRET_ENCRYPTION_KEY === '') {
    issues.push(
      'WEBHOOKS_SECRET_ENCRYPTION_KEY: is required in production (without it signing secrets are encrypted under the public development key)',
    );
  }
  if (values.WEBHOOKS_ALLOW_PRIVATE_TARGETS) {
    issues.push('WEBHOOKS_ALLOW_PRIVATE_TARGETS: must be false in production (SSRF)');
  }
  return issues;
}
