import { describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { ConfigError } from './errors.ts';
import { loadConfig } from './load.ts';
import { isSecretVariable } from './secrets.ts';

const SECRET = 'hunter2-super-secret-value-0123456789';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return `${error.message}\n${JSON.stringify(error.issues)}`;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config secrets are never echoed', () => {
  it.each([
    'CLIENT_SECRET',
    'ADMIN_PASSWORD',
    'SESSION_TOKEN',
    'SIGNING_PRIVATE_KEY',
    'ENCRYPTION_KEY',
    'KEK',
    'API_KEY',
    'TWILIO_AUTH_TOKEN',
    'COOKIE_SIGNING_KEYS',
    'SENTRY_DSN',
  ])('hides the value of %s when it is invalid', (name) => {
    const schema = Type.Object({ [name]: Type.String({ minLength: 100 }) });
    const message = messageOf(() => loadConfig(schema, { env: { [name]: SECRET }, envFile: false }));
    expect(message).toContain(name);
    expect(message).toContain('(value hidden)');
    expect(message).not.toContain('hunter2');
  });

  it('hides values of variables marked `secret: true` whatever their name', () => {
    const schema = Type.Object({ WEBHOOK_MASTER: Type.String({ minLength: 100, secret: true }) });
    const message = messageOf(() => loadConfig(schema, { env: { WEBHOOK_MASTER: SECRET }, envFile: false }));
    expect(message).not.toContain('hunter2');
  });

  it('hides URLs that carry a password', () => {
    const schema = Type.Object({ BROKER_URL: Type.String({ pattern: '^amqps://' }) });
    const message = messageOf(() =>
      loadConfig(schema, { env: { BROKER_URL: 'amqp://user:hunter2@broker:5672' }, envFile: false }),
    );
    expect(message).toContain('BROKER_URL');
    expect(message).not.toContain('hunter2');
  });

  it('hides DATABASE_URL even when its shape is wrong', () => {
    const schema = Type.Object({ DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }) });
    const message = messageOf(() =>
      loadConfig(schema, { env: { DATABASE_URL: 'mysql://root:hunter2@db/app' }, envFile: false }),
    );
    expect(message).not.toContain('hunter2');
  });

  it('still shows harmless values, which helps the operator', () => {
    expect(isSecretVariable('PORT')).toBe(false);
    expect(isSecretVariable('LOG_LEVEL')).toBe(false);
    expect(isSecretVariable('MONKEY_COUNT')).toBe(false);
    expect(isSecretVariable('KEYCLOAK_COMPAT')).toBe(false);
    expect(isSecretVariable('SIGNING_KEY')).toBe(true);
    expect(isSecretVariable('KEYS')).toBe(true);
  });
});
