import { createHash } from 'node:crypto';

/**
 * Email addresses as the identity service keys them: NFKC, trimmed, lower-cased (the whole
 * address, local part included: the platform treats `Ada@Example.com` and `ada@example.com` as
 * one account, as users expect).
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/**
 * The address syntax accepted after normalisation: ajv-formats' `email` (what the HTTP schema and
 * the event contracts check), applied again because NFKC can change the input.
 */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

export const MAX_EMAIL_LENGTH = 254;

/** Whether a normalised address is one the service stores (and the contracts accept). */
export function isValidEmail(normalized: string): boolean {
  return normalized.length <= MAX_EMAIL_LENGTH && EMAIL.test(normalized);
}

/**
 * Hex SHA-256 of the normalised address: the `email_hash` of `identity.login.failed`, so detections
 * can group attempts without the address ever reaching a topic.
 */
export function emailHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex');
}
