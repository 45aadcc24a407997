import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { baseConfigSchema } from './base-schema.ts';
import { loadConfig } from './load.ts';

describe('.env file', () => {
  let dir: string;
  let envFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-env-'));
    envFile = join(dir, '.env');
    writeFileSync(
      envFile,
      [
        '# development settings',
        'PORT=4001',
        'LOG_LEVEL="debug"',
        'export ENV_PREFIX=local',
        'HOST=0.0.0.0',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read first in development', () => {
    const config = loadConfig(baseConfigSchema, { env: {}, envFile });
    expect(config).toMatchObject({ PORT: 4001, LOG_LEVEL: 'debug', ENV_PREFIX: 'local', HOST: '0.0.0.0' });
  });

  it('loses to the real environment', () => {
    const config = loadConfig(baseConfigSchema, { env: { PORT: '5001', NODE_ENV: 'development' }, envFile });
    expect(config.PORT).toBe(5001);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('is ignored outside development', () => {
    expect(loadConfig(baseConfigSchema, { env: { NODE_ENV: 'test' }, envFile }).PORT).toBe(3000);
    const production = loadConfig(baseConfigSchema, {
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/app' },
      envFile,
    });
    expect(production.PORT).toBe(3000);
  });

  it('is optional: a missing file changes nothing', () => {
    expect(loadConfig(baseConfigSchema, { env: {}, envFile: join(dir, 'absent.env') }).PORT).toBe(3000);
  });

  it('fills process.env for SDKs that read it, without overriding what is set', () => {
    const name = `CONFIG_TEST_${process.pid}`;
    const other = `${name}_OTHER`;
    writeFileSync(join(dir, 'sdk.env'), `${name}=from-file\n${other}=from-file\n`);
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development'; // jest sets 'test', where the file is (rightly) ignored
    process.env[other] = 'from-env';
    try {
      const schema = Type.Object({ [name]: Type.String(), [other]: Type.String() });
      const config = loadConfig(schema, { envFile: join(dir, 'sdk.env') });
      expect(config[name]).toBe('from-file');
      expect(config[other]).toBe('from-env');
      expect(process.env[name]).toBe('from-file');
      expect(process.env[other]).toBe('from-env');
    } finally {
      process.env.NODE_ENV = nodeEnv;
      delete process.env[name];
      delete process.env[other];
    }
  });
});
