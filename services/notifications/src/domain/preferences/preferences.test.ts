import { describe, expect, it } from '@jest/globals';
import { allows, effectivePreferences, planChange } from './preferences.ts';

describe('preferences', () => {
  it('are all on by default', () => {
    expect(effectivePreferences([])).toEqual({
      security: { email: true, sms: true },
      transactional: { email: true, sms: true },
      webhooks: { email: true, sms: true },
    });
  });

  it('honour an opt-out of an optional category, per channel', () => {
    const stored = [{ category: 'webhooks', channel: 'email', enabled: false }] as const;
    expect(allows(stored, 'webhooks', 'email')).toBe(false);
    expect(allows(stored, 'webhooks', 'sms')).toBe(true);
  });

  it('never let a stored choice silence security or transactional messages', () => {
    const stored = [
      { category: 'security', channel: 'email', enabled: false },
      { category: 'transactional', channel: 'sms', enabled: false },
    ] as const;
    expect(allows(stored, 'security', 'email')).toBe(true);
    expect(allows(stored, 'transactional', 'sms')).toBe(true);
  });

  it('refuse a change turning a mandatory category off, and accept turning it on', () => {
    expect(planChange({ security: { email: false }, webhooks: { email: false } })).toEqual({
      ok: false,
      refused: [{ category: 'security', channel: 'email' }],
    });
    expect(planChange({ security: { email: true }, webhooks: { sms: false } })).toEqual({
      ok: true,
      choices: [{ category: 'webhooks', channel: 'sms', enabled: false }],
    });
  });
});
