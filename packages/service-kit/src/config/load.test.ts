import { describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { baseConfigSchema } from './base-schema.ts';
import { ConfigError } from './errors.ts';
import { loadConfig } from './load.ts';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: defaults and coercion', () => {
  it('applies the shared defaults when nothing is set', () => {
    const config = loadConfig(baseConfigSchema, { env: {}, envFile: false });
    expect(config).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: '.data',
      AWS_REGION: 'us-east-1',
      ENV_PREFIX: 'dev',
      TRUST_PROXY: false,
    });
  });

  it('coerces integers, booleans, lists and unions from strings', () => {
    const config = loadConfig(baseConfigSchema, {
      env: {
        PORT: '3001',
        CORS_ORIGINS: ' https://a.example , https://b.example,, ',
        TRUST_PROXY: 'TRUE',
        JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
        LOG_LEVEL: 'debug',
      },
      envFile: false,
    });
    expect(config.PORT).toBe(3001);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.JWKS_URL).toBe('http://127.0.0.1:3001/.well-known/jwks.json');
  });

  it('keeps the union branch that fits: hop count, then address list', () => {
    expect(loadConfig(baseConfigSchema, { env: { TRUST_PROXY: '2' }, envFile: false }).TRUST_PROXY).toBe(2);
    expect(
      loadConfig(baseConfigSchema, { env: { TRUST_PROXY: 'loopback' }, envFile: false }).TRUST_PROXY,
    ).toBe('loopback');
  });

  it('treats empty strings as unset, so defaults still apply', () => {
    const config = loadConfig(baseConfigSchema, { env: { PORT: '', HOST: '   ' }, envFile: false });
    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
  });

  it('returns only declared variables, frozen', () => {
    const schema = Type.Object({ FLAG: Type.Boolean({ default: false }), LIST: Type.Array(Type.Integer()) });
    const config = loadConfig(schema, { env: { FLAG: 'true', LIST: '1,2,3', OTHER: 'x' }, envFile: false });
    expect(config).toEqual({ FLAG: true, LIST: [1, 2, 3] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.LIST)).toBe(true);
  });

  it('lets a service override a shared default', () => {
    const schema = Type.Object({ ...baseConfigSchema.properties, PORT: Type.Integer({ default: 3002 }) });
    expect(loadConfig(schema, { env: {}, envFile: false }).PORT).toBe(3002);
  });
});

describe('loadConfig: errors', () => {
  it('names every bad or missing variable at once, with the reason', () => {
    const schema = Type.Object({
      ...baseConfigSchema.properties,
      SIGNUP_ENABLED: Type.Boolean(),
      MAX_DEVICES: Type.Integer({ minimum: 1 }),
    });
    const error = configError(() =>
      loadConfig(schema, {
        env: {
          PORT: 'eighty',
          NODE_ENV: 'staging',
          JWKS_URL: 'not a url',
          CORS_ORIGINS: 'https://ok.example,',
          MAX_DEVICES: '0',
          LOG_LEVEL: 'loud',
          TRUST_PROXY: '-1',
        },
        envFile: false,
      }),
    );
    expect(error.code).toBe('config_invalid');
    const byName = Object.fromEntries(error.issues.map((i) => [i.variable, i.reason]));
    expect(Object.keys(byName).sort()).toEqual(
      ['JWKS_URL', 'LOG_LEVEL', 'MAX_DEVICES', 'NODE_ENV', 'PORT', 'SIGNUP_ENABLED', 'TRUST_PROXY'].sort(),
    );
    expect(byName.PORT).toBe('must be an integer (got "eighty")');
    expect(byName.NODE_ENV).toBe('must be one of: development, test, production (got "staging")');
    expect(byName.LOG_LEVEL).toMatch(/^must be one of: error, warn, info, http, verbose, debug, silly/);
    expect(byName.SIGNUP_ENABLED).toBe('is required but not set');
    expect(byName.MAX_DEVICES).toBe('must be >= 1 (got "0")');
    expect(byName.JWKS_URL).toMatch(/must be an absolute URL|must match the pattern/);
    expect(byName.TRUST_PROXY).toContain(' or ');
    for (const name of Object.keys(byName)) expect(error.message).toContain(`  - ${name}: `);
    expect(error.message).toMatch(/^Invalid configuration \(7 problems\):/);
  });

  it('names the list variable when one of its items is bad', () => {
    const schema = Type.Object({ PORTS: Type.Array(Type.Integer()) });
    const error = configError(() => loadConfig(schema, { env: { PORTS: '1,two,3' }, envFile: false }));
    expect(error.issues).toEqual([{ variable: 'PORTS', reason: 'must be an integer (got "1,two,3")' }]);
  });

  it('rejects a non-integer number for an integer variable', () => {
    const error = configError(() => loadConfig(baseConfigSchema, { env: { PORT: '80.5' }, envFile: false }));
    expect(error.issues).toEqual([{ variable: 'PORT', reason: 'must be an integer (got "80.5")' }]);
  });

  it('truncates long echoed values', () => {
    const error = configError(() =>
      loadConfig(baseConfigSchema, { env: { PORT: 'x'.repeat(500) }, envFile: false }),
    );
    expect(error.message.length).toBeLessThan(200);
  });
});
