import { describe, expect, it } from '@jest/globals';
import { isUuidV7, uuidv7 } from '../ids.ts';
import { exampleCommands } from '../schemas.ts';
import { type CommandData, commandCatalogue, commandTypes, secretFields } from './catalogue.ts';
import { createCommand, parseCommand, REDACTED, redactCommand, validateCommandData } from './commands.ts';

const reset: CommandData<'send_password_reset'> = {
  recipient: { user_id: '0193a5e2-6b00-7000-8000-000000000001', email: 'ada@example.com' },
  locale: 'en',
  template_data: {
    link: 'https://id.example.com/reset-password?token=Zk3pQ8vX1cR6tY9uB2nM5wE7aS4dF0gH',
    expires_at: '2026-11-28T17:32:11.123Z',
  },
};

describe('commands', () => {
  it('are the six of events.md plus the signup-attempt notice notifications.md needs', () => {
    expect(commandTypes).toEqual([
      'send_email_verification',
      'send_password_reset',
      'send_otp_sms',
      'send_otp_email',
      'send_magic_link',
      'send_invitation',
      'send_signup_attempt_existing',
    ]);
  });

  it('have examples valid against their closed schemas, and whole example commands parse', () => {
    for (const type of commandTypes) {
      for (const example of commandCatalogue[type].examples) {
        expect({ type, result: validateCommandData(type, example, 'closed') }).toEqual({
          type,
          result: { ok: true },
        });
      }
      for (const command of exampleCommands(type))
        expect(parseCommand(JSON.stringify(command)).ok).toBe(true);
    }
  });

  it('createCommand fills id, time and the idempotency key; parseCommand reads it back', () => {
    const command = createCommand('send_password_reset', reset, {
      idempotencyKey: 'password-reset:0193a5e2:1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(isUuidV7(command.id)).toBe(true);
    expect(command).toEqual({
      id: command.id,
      type: 'send_password_reset',
      time: command.time,
      idempotency_key: 'password-reset:0193a5e2:1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: reset,
    });
    expect(parseCommand(JSON.stringify(command))).toEqual({ ok: true, value: command });
  });

  it('createCommand refuses bad data, unlisted properties, an empty key and unknown types', () => {
    const badCode = { ...reset, template_data: { ...reset.template_data, link: 'javascript:alert(1)' } };
    expect(() => createCommand('send_password_reset', badCode, { idempotencyKey: 'k' })).toThrow(
      expect.objectContaining({
        code: 'invalid_command',
        message: expect.stringMatching(/\/data\/template_data\/link/),
      }),
    );
    expect(() =>
      createCommand('send_password_reset', { ...reset, cc: 'x' } as typeof reset, { idempotencyKey: 'k' }),
    ).toThrow(/unknown property "cc"/);
    expect(() => createCommand('send_password_reset', reset, { idempotencyKey: '' })).toThrow(
      expect.objectContaining({ code: 'invalid_command' }),
    );
    expect(() => createCommand('send_fax' as 'send_magic_link', reset, { idempotencyKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'unknown_command_type' }),
    );
  });

  it('parseCommand refuses bad envelopes, unknown types and bad data, with reasons', () => {
    const good = {
      id: uuidv7(),
      type: 'send_password_reset',
      time: new Date().toISOString(),
      idempotency_key: 'k',
      data: reset,
    };
    expect(parseCommand(good).ok).toBe(true);
    const cases: [unknown, string, RegExp][] = [
      ['not json', 'invalid_json', /JSON/],
      [{ ...good, idempotency_key: undefined }, 'invalid_envelope', /idempotency_key/],
      [{ ...good, extra: 1 }, 'invalid_envelope', /unknown property "extra"/],
      [{ ...good, type: 'send_fax' }, 'unknown_type', /send_fax/],
      [
        { ...good, data: { ...reset, locale: 'English!' } },
        'invalid_data',
        /\/data\/locale must match pattern/,
      ],
    ];
    for (const [input, code, reason] of cases) {
      const result = parseCommand(input);
      expect(result).toMatchObject({ ok: false, code });
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });

  it('redactCommand masks exactly the secret fields and leaves the original alone', () => {
    for (const type of commandTypes) {
      for (const command of exampleCommands(type)) {
        const redacted = redactCommand(command);
        const text = JSON.stringify(redacted);
        for (const field of secretFields[type]) {
          const [group, name] = field.split('.') as [string, string];
          const original = (command.data as Record<string, Record<string, string>>)[group]?.[name];
          expect(original).toBeDefined();
          expect(text).not.toContain(original);
          expect((redacted.data as Record<string, Record<string, string>>)[group]?.[name]).toBe(REDACTED);
        }
        expect(JSON.stringify(command)).not.toContain(REDACTED);
        expect(redacted.idempotency_key).toBe(command.idempotency_key);
      }
    }
    expect(redactCommand({ type: 'send_fax', data: { code: '1234' } }).data).toBe(REDACTED);
  });
});
