import { describe, expect, it, jest } from '@jest/globals';
import { type Static, Type } from '@sinclair/typebox';
import { baseConfigSchema } from './base-schema.ts';
import { ConfigError } from './errors.ts';
import { loadConfig } from './load.ts';

const secureProduction = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db:5432/identity',
  JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
  CORS_ORIGINS: 'https://console.example.com',
};

function issuesOf(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError)
      return Object.fromEntries(error.issues.map((i) => [i.variable, i.reason]));
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('production refusals', () => {
  it('accepts a secure production configuration', () => {
    const config = loadConfig(baseConfigSchema, { env: secureProduction, envFile: false });
    expect(config.NODE_ENV).toBe('production');
  });

  it('refuses every insecure shared setting at once', () => {
    const issues = issuesOf(() =>
      loadConfig(baseConfigSchema, {
        env: {
          NODE_ENV: 'production',
          JWKS_URL: 'http://id.internal/.well-known/jwks.json',
          CORS_ORIGINS: 'https://console.example.com,*',
        },
        envFile: false,
      }),
    );
    expect(issues).toEqual({
      DATABASE_URL: expect.stringContaining('required in production'),
      JWKS_URL: 'must use https in production',
      CORS_ORIGINS: expect.stringContaining('must not contain the wildcard'),
    });
  });

  it('refuses a loopback http JWKS URL too', () => {
    const issues = issuesOf(() =>
      loadConfig(baseConfigSchema, {
        env: { ...secureProduction, JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json' },
        envFile: false,
      }),
    );
    expect(Object.keys(issues)).toEqual(['JWKS_URL']);
  });

  it('allows the same settings in development', () => {
    const config = loadConfig(baseConfigSchema, {
      env: { JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json', CORS_ORIGINS: '*' },
      envFile: false,
    });
    expect(config.CORS_ORIGINS).toEqual(['*']);
  });

  const identitySchema = Type.Object({
    ...baseConfigSchema.properties,
    DEV_SIGNING_KEYS: Type.Boolean({ default: false }),
    KEY_ENCRYPTION_KEY: Type.Optional(Type.String({ minLength: 32 })),
  });
  const identityRules = (config: Static<typeof identitySchema>): string[] => [
    ...(config.DEV_SIGNING_KEYS
      ? ['DEV_SIGNING_KEYS: development signing keys are not allowed in production']
      : []),
    ...(config.KEY_ENCRYPTION_KEY === undefined ? ['KEY_ENCRYPTION_KEY: is required in production'] : []),
    ...(config.DEV_SIGNING_KEYS ? ['free text without a variable'] : []),
  ];

  it("applies the service's own production rules", () => {
    const issues = issuesOf(() =>
      loadConfig(identitySchema, {
        env: { ...secureProduction, DEV_SIGNING_KEYS: 'true' },
        envFile: false,
        productionRules: identityRules,
      }),
    );
    expect(issues).toEqual({
      DEV_SIGNING_KEYS: 'development signing keys are not allowed in production',
      KEY_ENCRYPTION_KEY: 'is required in production',
      NODE_ENV: 'production refuses this setting: free text without a variable',
    });
  });

  it('does not run service rules outside production, nor on an invalid configuration', () => {
    const rules = jest.fn(identityRules);
    loadConfig(identitySchema, { env: { DEV_SIGNING_KEYS: 'true' }, envFile: false, productionRules: rules });
    expect(rules).not.toHaveBeenCalled();
    issuesOf(() =>
      loadConfig(identitySchema, {
        env: { ...secureProduction, PORT: 'x' },
        envFile: false,
        productionRules: rules,
      }),
    );
    expect(rules).not.toHaveBeenCalled();
  });
});
