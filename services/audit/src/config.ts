import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';

/** Base64 (standard or url-safe alphabet) of exactly 32 bytes: 43 characters plus optional padding. */
const BASE64_32_BYTES = '^[A-Za-z0-9+/_-]{43}=?$';

/**
 * Environment variables of the audit service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md).
 */
export const config = Type.Object({
  AUDIT_KEY_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: BASE64_32_BYTES,
      secret: true,
      description:
        'Key-encryption key of the per-user data keys that seal personal data in audit records (AES-256-GCM): base64 of 32 random bytes. ' +
        'Required in production; in development a fixed, public development key is used when absent.',
    }),
  ),
});

/**
 * The development key-encryption key: public (it is in this file), so refused in production.
 * 32 bytes of SHA-256("authplatform audit development key").
 */
export const DEVELOPMENT_KEK = createHash('sha256').update('authplatform audit development key').digest();

export function keyEncryptionKey(value: string | undefined): Buffer {
  if (value === undefined || value === '') return DEVELOPMENT_KEK;
  const key = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  if (key.byteLength !== 32) throw new Error('AUDIT_KEY_ENCRYPTION_KEY must be 32 bytes');
  return key;
}

export function auditProductionRules(values: { AUDIT_KEY_ENCRYPTION_KEY?: string | undefined }): string[] {
  return values.AUDIT_KEY_ENCRYPTION_KEY === undefined || values.AUDIT_KEY_ENCRYPTION_KEY === ''
    ? [
        'AUDIT_KEY_ENCRYPTION_KEY: is required in production (without it personal data in the audit log is sealed under the public development key)',
      ]
    : [];
}
