import { describe, expect, it } from '@jest/globals';
import { normalizeRecipient } from './address.ts';
import { canTransition, statusesBefore } from './status.ts';
import { statusFromTwilio } from './twilio-status.ts';

describe('message status machine', () => {
  it('only moves forward; bounced and failed are final', () => {
    expect(canTransition('queued', 'sent')).toBe(true);
    expect(canTransition('sent', 'delivered')).toBe(true);
    expect(canTransition('delivered', 'bounced')).toBe(true);
    expect(canTransition('delivered', 'failed')).toBe(false);
    expect(canTransition('bounced', 'delivered')).toBe(false);
    expect(canTransition('failed', 'sent')).toBe(false);
    expect(canTransition('sent', 'queued')).toBe(false);
    expect(statusesBefore('delivered')).toEqual(['queued', 'sent']);
    expect(statusesBefore('bounced')).toEqual(['queued', 'sent', 'delivered']);
  });

  it('maps Twilio statuses', () => {
    expect(
      ['delivered', 'read', 'undelivered', 'failed', 'sent', 'queued', 'sending'].map(statusFromTwilio),
    ).toEqual(['delivered', 'delivered', 'failed', 'failed', 'sent', undefined, undefined]);
  });
});

describe('recipient addresses', () => {
  it('normalizes emails and phone numbers, and refuses what is neither', () => {
    expect(normalizeRecipient('email', '  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeRecipient('sms', '+1 (415) 555-0101')).toBe('+14155550101');
    expect(() => normalizeRecipient('sms', '4155550101')).toThrow(
      expect.objectContaining({ code: 'invalid_recipient' }),
    );
    expect(() => normalizeRecipient('email', 'not an email')).toThrow(
      expect.objectContaining({ code: 'invalid_recipient' }),
    );
    expect(() => normalizeRecipient('sms', '+0123456789')).toThrow();
  });
});
