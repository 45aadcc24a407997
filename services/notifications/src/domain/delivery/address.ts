/**
 * Recipient addresses as stored and compared (idempotency key, suppression list, OTP limits):
 * email addresses trimmed and lower-cased (NFKC), phone numbers in E.164 (`+` and 8–15 digits, the
 * separators people type removed). A value that is neither is refused.
 */
import type { Channel } from './status.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const E164 = /^\+[1-9][0-9]{7,14}$/;

export class InvalidRecipientError extends Error {
  readonly code = 'invalid_recipient';
  constructor(channel: Channel) {
    super(
      channel === 'email'
        ? 'The recipient is not an email address.'
        : 'The recipient is not an E.164 phone number.',
    );
    this.name = 'InvalidRecipientError';
  }
}

export function normalizeEmail(value: string): string | undefined {
  const email = value.normalize('NFKC').trim().toLowerCase();
  return EMAIL.test(email) && email.length <= 320 ? email : undefined;
}

export function normalizePhone(value: string): string | undefined {
  const phone = value
    .normalize('NFKC')
    .trim()
    .replace(/[\s().-]/g, '');
  return E164.test(phone) ? phone : undefined;
}

/** The stored form of `value` on `channel`; throws `InvalidRecipientError`. */
export function normalizeRecipient(channel: Channel, value: string): string {
  const normalized = channel === 'email' ? normalizeEmail(value) : normalizePhone(value);
  if (normalized === undefined) throw new InvalidRecipientError(channel);
  return normalized;
}

/** The channel of an address as stored (suppression list entries carry one). */
export function channelOfAddress(address: string): Channel | undefined {
  if (normalizePhone(address) === address) return 'sms';
  if (normalizeEmail(address) === address) return 'email';
  return undefined;
}
